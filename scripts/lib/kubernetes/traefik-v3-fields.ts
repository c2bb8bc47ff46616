// @kubernetes-models/traefik 0.2 generates its traefik.io schemas from the CRDs of Traefik's Helm
// chart v25 (Traefik v2.10). Traefik v3 added fields to them; these are the ones checked against the
// v3 CRDs (traefik.io_ingressroutes.yaml / traefik.io_middlewares.yaml, v3.x), so the unknown-field
// check does not reject valid v3 manifests. Other unknown fields in Traefik objects are reported as
// warnings unless they look like a typo of a known field.
import type { PathSegment } from './manifest.ts';

interface FieldAddition {
  kind: string;
  /** Path pattern of the object holding the fields; `*` matches any list index. */
  at: string;
  fields: string[];
}

const ADDITIONS: FieldAddition[] = [
  { kind: 'IngressRoute', at: 'spec.routes.*', fields: ['observability', 'syntax'] },
  { kind: 'IngressRoute', at: 'spec.routes.*.services.*', fields: ['healthCheck', 'nodePortLB'] },
  {
    kind: 'IngressRoute',
    at: 'spec.routes.*.services.*.sticky.cookie',
    fields: ['domain', 'maxAge', 'path', 'partitioned'],
  },
  { kind: 'Middleware', at: 'spec', fields: ['ipAllowList', 'grpcWeb'] },
  {
    kind: 'TraefikService',
    at: 'spec.weighted.sticky.cookie',
    fields: ['domain', 'maxAge', 'path', 'partitioned'],
  },
];

function matches(pattern: string, path: PathSegment[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === String(path[i]));
}

/** Fields valid in Traefik v3 at `path` of a `kind` object that the packaged schema does not know. */
export function traefikV3Fields(kind: string, path: PathSegment[]): string[] {
  return ADDITIONS.filter((a) => a.kind === kind && matches(a.at, path)).flatMap((a) => a.fields);
}

/** Fields Traefik v3 removed, with what replaces them (the packaged v2.10 schema still accepts them). */
export function traefikV3Removed(kind: string, path: PathSegment[], field: string): string | undefined {
  if (kind === 'Middleware' && matches('spec', path) && field === 'ipWhiteList') {
    return 'ipWhiteList was renamed ipAllowList in Traefik v3';
  }
  return undefined;
}
