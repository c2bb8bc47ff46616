// @kubernetes-models/traefik 0.2 generates its traefik.io schemas from the CRDs of Traefik's Helm
// chart v25 (Traefik v2.10). Traefik v3.7 added fields to them: the table below lists every one,
// found by validating a maximal object built from Traefik v3.7.9's kubernetes-crd-definition-v1.yml
// against the packaged schemas, so the unknown-field check accepts valid v3.7 manifests. Unknown
// fields that are not typos of a known one are only warnings (for what newer versions add).
import type { PathSegment } from './manifest.ts';

interface FieldAddition {
  kind: string;
  /** Path pattern of the object holding the fields; `*` matches any list index. */
  at: string;
  fields: string[];
}

const ADDITIONS: FieldAddition[] = [
  { kind: 'IngressRoute', at: 'spec', fields: ['ingressClassName', 'parentRefs'] },
  { kind: 'IngressRoute', at: 'spec.routes.*', fields: ['observability', 'syntax'] },
  {
    kind: 'IngressRoute',
    at: 'spec.routes.*.services.*',
    fields: ['healthCheck', 'middlewares', 'nodePortLB', 'passiveHealthCheck'],
  },
  {
    kind: 'IngressRoute',
    at: 'spec.routes.*.services.*.sticky.cookie',
    fields: ['domain', 'maxAge', 'path'],
  },
  { kind: 'IngressRouteTCP', at: 'spec', fields: ['ingressClassName'] },
  { kind: 'IngressRouteTCP', at: 'spec.routes.*', fields: ['syntax'] },
  {
    kind: 'IngressRouteTCP',
    at: 'spec.routes.*.services.*',
    fields: ['nodePortLB', 'serversTransport', 'tls'],
  },
  { kind: 'IngressRouteUDP', at: 'spec', fields: ['ingressClassName'] },
  { kind: 'IngressRouteUDP', at: 'spec.routes.*.services.*', fields: ['nodePortLB'] },
  { kind: 'Middleware', at: 'spec', fields: ['encodedCharacters', 'grpcWeb', 'ipAllowList'] },
  { kind: 'Middleware', at: 'spec.circuitBreaker', fields: ['responseCode'] },
  {
    kind: 'Middleware',
    at: 'spec.compress',
    fields: ['defaultEncoding', 'encodings', 'includedContentTypes'],
  },
  { kind: 'Middleware', at: 'spec.errors', fields: ['errorRequestHeaders', 'statusRewrites'] },
  {
    kind: 'Middleware',
    at: 'spec.errors.service',
    fields: ['healthCheck', 'middlewares', 'nodePortLB', 'passiveHealthCheck'],
  },
  { kind: 'Middleware', at: 'spec.errors.service.sticky.cookie', fields: ['domain', 'maxAge', 'path'] },
  {
    kind: 'Middleware',
    at: 'spec.forwardAuth',
    fields: [
      'addAuthCookiesToResponse',
      'authSigninURL',
      'forwardBody',
      'headerField',
      'maxBodySize',
      'maxResponseBodySize',
      'preserveLocationHeader',
      'preserveRequestMethod',
    ],
  },
  { kind: 'Middleware', at: 'spec.headers', fields: ['contentSecurityPolicyReportOnly'] },
  { kind: 'Middleware', at: 'spec.inFlightReq.sourceCriterion.ipStrategy', fields: ['ipv6Subnet'] },
  { kind: 'Middleware', at: 'spec.ipWhiteList.ipStrategy', fields: ['ipv6Subnet'] },
  { kind: 'Middleware', at: 'spec.rateLimit', fields: ['redis'] },
  { kind: 'Middleware', at: 'spec.rateLimit.sourceCriterion.ipStrategy', fields: ['ipv6Subnet'] },
  {
    kind: 'Middleware',
    at: 'spec.retry',
    fields: [
      'disableRetryOnNetworkError',
      'maxRequestBodyBytes',
      'retryNonIdempotentMethod',
      'status',
      'timeout',
    ],
  },
  { kind: 'MiddlewareTCP', at: 'spec', fields: ['ipAllowList'] },
  {
    kind: 'ServersTransport',
    at: 'spec',
    fields: ['cipherSuites', 'maxVersion', 'minVersion', 'rootCAs', 'spiffe'],
  },
  { kind: 'TLSOption', at: 'spec', fields: ['disableSessionTickets'] },
  { kind: 'TraefikService', at: 'spec', fields: ['failover', 'highestRandomWeight'] },
  {
    kind: 'TraefikService',
    at: 'spec.mirroring',
    fields: ['healthCheck', 'middlewares', 'mirrorBody', 'nodePortLB', 'passiveHealthCheck'],
  },
  {
    kind: 'TraefikService',
    at: 'spec.mirroring.mirrors.*',
    fields: ['healthCheck', 'middlewares', 'nodePortLB', 'passiveHealthCheck'],
  },
  {
    kind: 'TraefikService',
    at: 'spec.mirroring.mirrors.*.sticky.cookie',
    fields: ['domain', 'maxAge', 'path'],
  },
  { kind: 'TraefikService', at: 'spec.mirroring.sticky.cookie', fields: ['domain', 'maxAge', 'path'] },
  {
    kind: 'TraefikService',
    at: 'spec.weighted.services.*',
    fields: ['healthCheck', 'middlewares', 'nodePortLB', 'passiveHealthCheck'],
  },
  {
    kind: 'TraefikService',
    at: 'spec.weighted.services.*.sticky.cookie',
    fields: ['domain', 'maxAge', 'path'],
  },
  { kind: 'TraefikService', at: 'spec.weighted.sticky.cookie', fields: ['domain', 'maxAge', 'path'] },
];

function matches(pattern: string, path: PathSegment[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === String(path[i]));
}

/** Fields valid in Traefik v3 at `path` of a `kind` object that the packaged schema does not know. */
export function traefikV3Fields(kind: string, path: PathSegment[]): string[] {
  return ADDITIONS.filter((a) => a.kind === kind && matches(a.at, path)).flatMap((a) => a.fields);
}

interface Deprecation {
  kind: string;
  at: string;
  field: string;
  why: string;
  fix: string;
}

// Still in the v3.7 CRDs (so not errors), but marked deprecated there.
const DEPRECATED: Deprecation[] = [
  {
    kind: 'Middleware',
    at: 'spec',
    field: 'ipWhiteList',
    why: 'ipWhiteList is deprecated in Traefik v3',
    fix: 'Use `ipAllowList` (same options).',
  },
  {
    kind: 'Middleware',
    at: 'spec.stripPrefix',
    field: 'forceSlash',
    why: 'stripPrefix.forceSlash is deprecated in Traefik v3 and has no effect on how v3 strips prefixes',
    fix: 'Remove `forceSlash`.',
  },
  {
    kind: 'IngressRoute',
    at: 'spec.routes.*',
    field: 'syntax',
    why: 'the per-route rule `syntax` (v2 compatibility) is deprecated in Traefik v3',
    fix: 'Remove `syntax` and write the rule in v3 syntax.',
  },
];

/** A deprecation notice for `field` at `path` of a `kind` object, if Traefik v3 deprecated it. */
export function traefikV3Deprecation(
  kind: string,
  path: PathSegment[],
  field: string,
): Deprecation | undefined {
  return DEPRECATED.find((d) => d.kind === kind && d.field === field && matches(d.at, path));
}
