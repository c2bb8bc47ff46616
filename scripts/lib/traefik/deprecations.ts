// The one list of Traefik options that v3 removed or deprecated, read by the static-flag parser, the
// label decoder and the CRD schema check, so that the same mistake gets the same severity everywhere.
// From Traefik's v2→v3 migration guide, checked against v3's configuration types: an option that v3
// still decodes but marks deprecated is a warning (stripPrefix.forceSlash, ipWhiteList, the headers'
// ssl* options, ForwardAuth's tls.caOptional: the guide lists some as removed, yet v3 keeps them as
// deprecated fields); one that stops Traefik from starting is an error.
import { matchesKey } from './key-pattern.ts';

export interface Retired {
  severity: 'error' | 'warning';
  /** What to write instead, or that it should go. */
  fix: string;
}

const removed = (fix: string): Retired => ({ severity: 'error', fix });
const deprecated = (fix: string): Retired => ({ severity: 'warning', fix });

// Static options, lowercased; a trailing `.**` covers the whole section.
const STATIC: [string, Retired][] = [
  ['providers.docker.swarmmode', removed('remove it: Swarm has its own provider in v3, `--providers.swarm`')],
  [
    'providers.docker.swarmmoderefreshseconds',
    removed('remove it: Swarm has its own provider in v3, `--providers.swarm`'),
  ],
  ['providers.docker.tls.caoptional', removed('remove it')],
  ['providers.http.tls.caoptional', removed('remove it')],
  ['providers.etcd.tls.caoptional', removed('remove it')],
  ['providers.redis.tls.caoptional', removed('remove it')],
  ['providers.consul.tls.caoptional', removed('remove it')],
  ['providers.zookeeper.tls.caoptional', removed('remove it')],
  ['providers.consulcatalog.endpoint.tls.caoptional', removed('remove it')],
  ['providers.nomad.endpoint.tls.caoptional', removed('remove it')],
  ['providers.consul.namespace', removed('use `namespaces` (a list)')],
  ['providers.consulcatalog.namespace', removed('use `namespaces` (a list)')],
  ['providers.nomad.namespace', removed('use `namespaces` (a list)')],
  ['providers.marathon.**', removed('remove it: the Marathon provider is gone in v3')],
  ['providers.marathon', removed('remove it: the Marathon provider is gone in v3')],
  [
    'providers.rancher.**',
    removed(
      'remove it: the Rancher v1 provider is gone in v3 (Rancher 2 is Kubernetes: use `--providers.kubernetescrd`)',
    ),
  ],
  [
    'providers.rancher',
    removed(
      'remove it: the Rancher v1 provider is gone in v3 (Rancher 2 is Kubernetes: use `--providers.kubernetescrd`)',
    ),
  ],
  [
    'experimental.http3',
    removed('remove it: HTTP/3 is set per entry point in v3 (`--entryPoints.NAME.http3`)'),
  ],
  ['pilot.**', removed('remove it: Traefik Pilot no longer exists')],
  ['pilot', removed('remove it: Traefik Pilot no longer exists')],
  ['metrics.influxdb', removed('use `--metrics.influxdb2` (InfluxDB v1 metrics are gone in v3)')],
  ['metrics.influxdb.**', removed('use `--metrics.influxdb2` (InfluxDB v1 metrics are gone in v3)')],
  ...['datadog', 'jaeger', 'zipkin', 'instana', 'haystack', 'elastic'].flatMap(
    (vendor): [string, Retired][] => [
      [`tracing.${vendor}`, removed('use `--tracing.otlp`: v3 traces through OpenTelemetry only')],
      [`tracing.${vendor}.**`, removed('use `--tracing.otlp`: v3 traces through OpenTelemetry only')],
    ],
  ),
  [
    'core.defaultrulesyntax',
    deprecated('remove it and write the rules in v3 syntax (v2 syntax support goes away in the next major)'),
  ],
  [
    'experimental.kubernetesgateway',
    deprecated(
      'remove it: since v3.1 `--providers.kubernetesgateway` alone enables the Gateway API provider',
    ),
  ],
];

// Dynamic options by their lowercased path in the dynamic configuration; `*` is a router/middleware name.
const DYNAMIC: [string, Retired][] = [
  ['middlewares.*.ipwhitelist', deprecated('rename it to ipAllowList (same options)')],
  [
    'middlewares.*.stripprefix.forceslash',
    deprecated(
      'remove forceSlash: v3 still applies it and logs "`ForceSlash` option is deprecated"; without it the stripped path still starts with /',
    ),
  ],
  [
    'middlewares.*.headers.sslredirect',
    deprecated('remove it and use a redirectScheme middleware or the entry point’s redirection'),
  ],
  [
    'middlewares.*.headers.ssltemporaryredirect',
    deprecated('remove it and use a redirectScheme middleware or the entry point’s redirection'),
  ],
  ['middlewares.*.headers.sslhost', deprecated('remove it and use a redirectRegex middleware')],
  ['middlewares.*.headers.sslforcehost', deprecated('remove it and use a redirectRegex middleware')],
  ['middlewares.*.headers.featurepolicy', deprecated('rename it to permissionsPolicy')],
  // Removed from the providers' TLS (Traefik refuses to start), only deprecated on ForwardAuth: v3.7 still
  // reads it there and logs "tls.CAOptional option is deprecated" (checked on the 3.7.15 binary).
  [
    'middlewares.*.forwardauth.tls.caoptional',
    deprecated('remove it: TLS client authentication is a server-side option, and v3 logs it as deprecated'),
  ],
  [
    'routers.*.rulesyntax',
    deprecated('remove it and write the rule in v3 syntax (v2 syntax support goes away in the next major)'),
  ],
];

/** A static flag (lowercased name without dashes) that v3 removed or deprecated. */
export function removedOrDeprecatedFlag(key: string): Retired | undefined {
  return STATIC.find(([pattern]) => matchesKey(pattern, key.split('.')))?.[1];
}

/**
 * A dynamic option that v3 removed or deprecated, by its path in the dynamic configuration, e.g.
 * `['middlewares', 'strip', 'stripPrefix', 'forceSlash']` (any case); matched on a prefix of the path
 * (`ipWhiteList.sourceRange` finds `ipWhiteList`) unless `exact`, for a walk that visits each field.
 */
export function retiredDynamicOption(
  path: string[],
  { exact = false } = {},
): { option: string; retired: Retired } | undefined {
  const parts = path.map((p) => p.toLowerCase());
  for (let n = parts.length; n >= (exact ? parts.length : 3); n--) {
    const found = DYNAMIC.find(([pattern]) => matchesKey(pattern, parts.slice(0, n)));
    if (found) return { option: path.slice(2, n).join('.'), retired: found[1] };
  }
  return undefined;
}
