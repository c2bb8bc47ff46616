// Finds the schema for an apiVersion/kind among the maintained model packages:
// - kubernetes-models 4.5: the Kubernetes API as of 1.33 (its schemas have 1.33's Lifecycle.stopSignal
//   and PodStatus.observedGeneration, not 1.34's Container.restartPolicyRules; the README's 1.27 badge is
//   stale). kind v0.32 runs 1.36; the objects the workshop uses did not change in between.
// - @kubernetes-models/traefik 2: traefik.io/v1alpha1, generated from Traefik v3.7's own CRD types
//   (pkg/provider/kubernetes/crd/traefikio/v1alpha1), enums included (sameSite, strategy, route kind).
//   It ships ES modules exported for `import` only, so its kinds are imported (together: 560 kB).
// Classes are required one by one (CommonJS builds) so a check loads a few schemas, not all 1,700.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as traefikModels from '@kubernetes-models/traefik/traefik.io/v1alpha1';

const require = createRequire(import.meta.url);

/** What the checks need of a model class: its identity and the generated validator. */
export interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(this: unknown): void };
}

/** The API groups kubernetes-models ships (`''` is the core group, apiVersion `v1`). */
const KUBERNETES_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/** Traefik v3's kinds. */
export const TRAEFIK_KINDS = [
  'IngressRoute',
  'IngressRouteTCP',
  'IngressRouteUDP',
  'Middleware',
  'MiddlewareTCP',
  'ServersTransport',
  'ServersTransportTCP',
  'TLSOption',
  'TLSStore',
  'TraefikService',
];

/** Where the usual kinds live, to say "Deployment is in apps/v1" when the apiVersion is wrong. */
export const HOME_OF_KIND: Record<string, string> = {
  Pod: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  PersistentVolumeClaim: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  ...Object.fromEntries(TRAEFIK_KINDS.map((k) => [k, 'traefik.io/v1alpha1'])),
};

export type ModelLookup =
  | { status: 'found'; model: ModelClass }
  /** The group/version is known to the packages but has no such kind. */
  | { status: 'unknown-kind'; kinds: string[] }
  /** A kind the cluster may know (another CRD, a newer API) that no installed package describes. */
  | { status: 'no-schema' };

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function findModel(apiVersion: string, kind: string): ModelLookup {
  const { group, version } = splitApiVersion(apiVersion);
  // Only plain names reach require(): the apiVersion and kind come from the attendee's file.
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
    return { status: 'unknown-kind', kinds: [] };
  }
  if (group === 'traefik.io') {
    const model = (traefikModels as Record<string, unknown>)[kind] as ModelClass | undefined;
    if (version === 'v1alpha1' && model?.kind === kind && model.apiVersion === apiVersion)
      return { status: 'found', model };
    return { status: 'unknown-kind', kinds: version === 'v1alpha1' ? TRAEFIK_KINDS : [] };
  }
  if (!KUBERNETES_GROUPS.has(group)) return { status: 'no-schema' };
  const base = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  try {
    const exported = require(`${base}/${kind}`) as Record<string, unknown>;
    const model = exported[kind] as ModelClass | undefined;
    // Sub-types such as PodSpec have files too but no apiVersion/kind of their own.
    if (model && model.kind === kind && model.apiVersion === apiVersion) return { status: 'found', model };
  } catch {
    // not a kind of this group/version: listed below
  }
  return { status: 'unknown-kind', kinds: kindsOf(base) };
}

/** The kinds of one group/version, read from the package's files, for "did you mean". */
function kindsOf(base: string): string[] {
  try {
    const dir = join(dirname(require.resolve('kubernetes-models')), base.slice('kubernetes-models/'.length));
    return readdirSync(dir)
      .filter((f) => /^[A-Z][A-Za-z0-9]*\.d\.ts$/.test(f))
      .map((f) => f.replace(/\.d\.ts$/, ''))
      .filter((k) => !/(Spec|Status|List|Condition|Strategy)$/.test(k));
  } catch {
    return [];
  }
}
