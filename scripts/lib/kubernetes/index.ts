// Public API of the Kubernetes manifests module: load, validate, translate for the rehearsal.
// Everything returns data (findings, config); nothing prints or exits, so checks and commands decide.
export { ingressRoutesToDynamicConfig, type KubernetesRouting } from './ingress-route.ts';
export { KIND_CLUSTER_SCHEMA, validateKindConfig } from './kind-config.ts';
export type { ManifestObject, PathSegment } from './manifest.ts';
export { type LoadedManifests, type LoadOptions, loadManifestFile, loadManifests } from './parse.ts';
export { TRAEFIK_CRD_RBAC } from './rbac.ts';
export { type ValidateOptions, validateLoaded, validateManifests, validateObjects } from './validate.ts';
export { findTraefik, type TraefikInstall } from './workloads.ts';
