// Traefik's Docker-provider labels decoded into the dynamic configuration, by one table: each row is a
// key pattern, the type of its value, and how it applies to the model. Keys are case-insensitive; a key
// no row matches gets the closest valid one; options v3 removed or deprecated come from the shared list
// (deprecations.ts). Rows without `apply` are valid for Traefik but not modelled: they are listed in
// `unsupported`, never dropped silently.
import { closest, distance } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import { retiredDynamicOption } from './deprecations.ts';
import type { DynamicConfig, Middleware, Router, Service, Source, StickyCookie } from './dynamic-config.ts';

export interface Label {
  key: string;
  value: string;
  line: number;
}

type ValueType =
  | 'string'
  | 'bool'
  | 'int'
  | 'port'
  | 'list'
  | 'rule'
  | 'samesite'
  | 'scheme'
  | 'strategy'
  | 'any';

const VALUES: Record<ValueType, { valid: (v: string) => boolean; expects: string; example: string }> = {
  string: { valid: (v) => v !== '', expects: 'a value', example: 'app' },
  list: { valid: (v) => v !== '', expects: 'a comma-separated list', example: 'web' },
  rule: { valid: (v) => v !== '', expects: 'a rule', example: 'PathPrefix(`/`)' },
  any: { valid: () => true, expects: 'a value', example: '…' },
  bool: { valid: (v) => /^(true|false)$/i.test(v), expects: 'true or false', example: 'true' },
  int: { valid: (v) => /^-?\d+$/.test(v), expects: 'a whole number', example: '10' },
  port: {
    valid: (v) => /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535,
    expects: 'a port (1–65535)',
    example: '3000',
  },
  samesite: { valid: (v) => /^(none|lax|strict)$/i.test(v), expects: 'none, lax or strict', example: 'lax' },
  scheme: { valid: (v) => /^(http|https|h2c)$/i.test(v), expects: 'http, https or h2c', example: 'http' },
  strategy: {
    valid: (v) => /^(wrr|p2c|hrw|leasttime)$/i.test(v),
    expects: 'wrr, p2c, hrw or leasttime',
    example: 'wrr',
  },
};

/** What a row's `apply` may change: the model objects of this container, created on first use. */
interface Target {
  router(name: string): Router;
  service(name: string): Service;
  middleware(name: string): Middleware;
  /** Records the label's line as the line of a setting (`entryPoints.0`, `sticky.cookie.secure`). */
  at(source: Source | undefined, field: string): void;
  enable(on: boolean): void;
  finding(code: string, message: string, fix: string, severity?: Finding['severity']): void;
}

interface Row {
  /**
   * The key after `traefik.`, lowercased: `{name}` is a router, service or middleware name (its
   * spelling kept), `{n}` an index, `{word}` any single segment, `**` anything further.
   */
  key: string;
  type: ValueType;
  apply?: (to: Target, name: string, value: string) => void;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
// References may carry the provider (`@docker`): that's this provider, so the plain name is kept.
const withoutDocker = (reference: string) => reference.replace(/@docker$/i, '');
const bool = (v: string) => v.toLowerCase() === 'true';

/** A sticky-cookie option: where it goes in the model. */
const cookie =
  <K extends keyof StickyCookie>(field: K, read: (v: string) => StickyCookie[K]) =>
  (to: Target, name: string, value: string) => {
    const s = to.service(name);
    s.sticky ??= { cookie: {} };
    s.sticky.cookie[field] = read(value);
    to.at(s.source, `sticky.cookie.${field}`);
  };

/** Middleware kinds, with the options the workshop's steps use typed; other options of a known kind pass. */
const MIDDLEWARE_KINDS: Record<string, Record<string, ValueType> | 'any'> = {
  stripprefix: { prefixes: 'list', forceslash: 'bool' },
  stripprefixregex: { regex: 'list' },
  replacepath: { path: 'string' },
  replacepathregex: { regex: 'string', replacement: 'string' },
  addprefix: { prefix: 'string' },
  redirectscheme: { scheme: 'string', port: 'port', permanent: 'bool' },
  redirectregex: { regex: 'string', replacement: 'string', permanent: 'bool' },
  chain: { middlewares: 'list' },
  retry: { attempts: 'int', initialinterval: 'string' },
  ...Object.fromEntries(
    [
      'headers',
      'basicauth',
      'digestauth',
      'forwardauth',
      'ratelimit',
      'inflightreq',
      'compress',
      'circuitbreaker',
      'buffering',
      'ipallowlist',
      'ipwhitelist',
      'errors',
      'grpcweb',
      'passtlsclientcert',
      'contenttype',
      'encodedcharacters',
    ].map((kind) => [kind, 'any' as const]),
  ),
};

const ROWS: Row[] = [
  { key: 'enable', type: 'bool', apply: (to, _, v) => to.enable(bool(v)) },
  // Docker-only settings: they change which network Traefik dials, nothing in the routing model.
  { key: 'docker.network', type: 'string', apply: () => {} },
  { key: 'docker.lbswarm', type: 'bool', apply: () => {} },
  { key: 'tcp.**', type: 'any' },
  { key: 'udp.**', type: 'any' },

  {
    key: 'http.routers.{name}.rule',
    type: 'rule',
    apply: (to, name, v) => {
      const r = to.router(name);
      r.rule = v;
      to.at(r.source, 'rule');
    },
  },
  {
    key: 'http.routers.{name}.entrypoints',
    type: 'list',
    apply: (to, name, v) => {
      const r = to.router(name);
      r.entryPoints = list(v);
      r.entryPoints.forEach((_, i) => {
        to.at(r.source, `entryPoints.${i}`);
      });
    },
  },
  {
    key: 'http.routers.{name}.middlewares',
    type: 'list',
    apply: (to, name, v) => {
      const r = to.router(name);
      r.middlewares = list(v).map(withoutDocker);
      to.at(r.source, 'middlewares');
    },
  },
  {
    key: 'http.routers.{name}.service',
    type: 'string',
    apply: (to, name, v) => {
      const r = to.router(name);
      r.service = withoutDocker(v);
      to.at(r.source, 'service');
    },
  },
  {
    key: 'http.routers.{name}.priority',
    type: 'int',
    apply: (to, name, v) => {
      to.router(name).priority = Number(v);
    },
  },
  { key: 'http.routers.{name}.rulesyntax', type: 'string', apply: () => {} },
  // TLS is modelled: a Secure cookie is right behind it, and the rehearsal's Traefik serves it (default certificate).
  {
    key: 'http.routers.{name}.tls',
    type: 'bool',
    apply: (to, name, v) => {
      to.router(name).tls = bool(v);
    },
  },
  { key: 'http.routers.{name}.tls.certresolver', type: 'string' },
  { key: 'http.routers.{name}.tls.options', type: 'string' },
  { key: 'http.routers.{name}.tls.domains[{n}].main', type: 'string' },
  { key: 'http.routers.{name}.tls.domains[{n}].sans', type: 'list' },
  { key: 'http.routers.{name}.observability.accesslogs', type: 'bool' },
  { key: 'http.routers.{name}.observability.metrics', type: 'bool' },
  { key: 'http.routers.{name}.observability.tracing', type: 'bool' },

  {
    key: 'http.services.{name}.loadbalancer.server.port',
    type: 'port',
    apply: (to, name, v) => {
      const s = to.service(name);
      s.port = Number(v);
      to.at(s.source, 'port');
    },
  },
  {
    key: 'http.services.{name}.loadbalancer.strategy',
    type: 'strategy',
    apply: (to, name, v) => {
      to.service(name).strategy = v.toLowerCase();
    },
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie',
    type: 'bool',
    apply: (to, name, v) => {
      const s = to.service(name);
      if (bool(v)) s.sticky ??= { cookie: {} };
      else delete s.sticky;
      to.at(s.source, 'sticky');
    },
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.name',
    type: 'string',
    apply: cookie('name', String),
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.secure',
    type: 'bool',
    apply: cookie('secure', bool),
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.httponly',
    type: 'bool',
    apply: cookie('httpOnly', bool),
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.samesite',
    type: 'samesite',
    apply: cookie('sameSite', (v) => v.toLowerCase()),
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.maxage',
    type: 'int',
    apply: cookie('maxAge', Number),
  },
  {
    key: 'http.services.{name}.loadbalancer.sticky.cookie.path',
    type: 'string',
    apply: cookie('path', String),
  },
  { key: 'http.services.{name}.loadbalancer.sticky.cookie.domain', type: 'string' },
  { key: 'http.services.{name}.loadbalancer.server.scheme', type: 'scheme' },
  { key: 'http.services.{name}.loadbalancer.server.url', type: 'string' },
  { key: 'http.services.{name}.loadbalancer.server.weight', type: 'int' },
  { key: 'http.services.{name}.loadbalancer.server.preservepath', type: 'bool' },
  { key: 'http.services.{name}.loadbalancer.passhostheader', type: 'bool' },
  { key: 'http.services.{name}.loadbalancer.serverstransport', type: 'string' },
  { key: 'http.services.{name}.loadbalancer.responseforwarding.flushinterval', type: 'string' },
  ...['path', 'interval', 'timeout', 'hostname', 'method', 'mode', 'unhealthyinterval'].map(
    (option): Row => ({ key: `http.services.{name}.loadbalancer.healthcheck.${option}`, type: 'string' }),
  ),
  { key: 'http.services.{name}.loadbalancer.healthcheck.port', type: 'port' },
  { key: 'http.services.{name}.loadbalancer.healthcheck.scheme', type: 'scheme' },
  { key: 'http.services.{name}.loadbalancer.healthcheck.status', type: 'int' },
  { key: 'http.services.{name}.loadbalancer.healthcheck.followredirects', type: 'bool' },
  { key: 'http.services.{name}.loadbalancer.healthcheck.headers.{word}', type: 'string' },
  { key: 'http.services.{name}.loadbalancer.passivehealthcheck.**', type: 'any' },
  { key: 'http.services.{name}.weighted.**', type: 'any' },
  { key: 'http.services.{name}.mirroring.**', type: 'any' },
  { key: 'http.services.{name}.failover.**', type: 'any' },

  {
    key: 'http.middlewares.{name}.stripprefix.prefixes',
    type: 'list',
    apply: (to, name, v) => {
      to.middleware(name).stripPrefix = { prefixes: list(v) };
    },
  },
  {
    key: 'http.middlewares.{name}.replacepath.path',
    type: 'string',
    apply: (to, name, v) => {
      to.middleware(name).replacePath = { path: v };
    },
  },
  ...Object.entries(MIDDLEWARE_KINDS).flatMap(([kind, options]): Row[] =>
    options === 'any'
      ? [{ key: `http.middlewares.{name}.${kind}.**`, type: 'any' }]
      : Object.entries(options).map(([option, type]) => ({
          key: `http.middlewares.{name}.${kind}.${option}`,
          type,
        })),
  ),
];

/** A row's key as a regular expression capturing `{name}`. */
const PATTERNS = ROWS.map((row) => {
  const source = row.key
    .split('.')
    .map((part) =>
      part === '**'
        ? '.+'
        : part
            .replace(/[[\]]/g, '\\$&')
            .replace('{name}', '(?<name>[^.]+)')
            .replace('{n}', '\\d+')
            .replace('{word}', '[^.]+'),
    )
    .join('\\.');
  return new RegExp(`^${source}$`, 'i');
});

/** The first row matching a key (after `traefik.`), with the name it captured. */
function rowOf(key: string): { row: Row; name: string } | undefined {
  for (let i = 0; i < ROWS.length; i++) {
    const m = PATTERNS[i].exec(key);
    // More specific rows (stripprefix.prefixes) come before the catch-all of their kind.
    if (m) return { row: ROWS[i], name: m.groups?.name ?? '' };
  }
  return undefined;
}

/** The closest valid key to an unknown one, the user's names kept: `{name}` becomes theirs. */
function suggestion(key: string): string | undefined {
  const parts = key.split('.');
  const name = /^http\.[^.]+\.([^.]+)/i.exec(key)?.[1] ?? 'NAME';
  const candidates = ROWS.filter((r) => !r.key.endsWith('**'))
    .map((r) => r.key.replace('{name}', name).replace('{n}', '0').replace('{word}', 'X-Header'))
    // Kinds whose options are not listed: a misspelt kind with any option is still close to them.
    .concat(
      Object.entries(MIDDLEWARE_KINDS)
        .filter(([, options]) => options === 'any')
        .map(([kind]) => `http.middlewares.${name}.${kind}.${parts.at(-1) ?? ''}`),
    )
    .filter((c) => c.toLowerCase() !== key.toLowerCase());
  // A section given a value (`loadbalancer.sticky=true`): the shortest key under it is the likelier fix
  // than a same-length neighbour.
  const under = candidates
    .filter((c) => c.toLowerCase().startsWith(`${key.toLowerCase()}.`))
    .sort((a, b) => a.length - b.length)[0];
  if (under) return under;
  const near = closest(
    key.toLowerCase(),
    candidates.map((c) => c.toLowerCase()),
  );
  const index = candidates.findIndex((c) => c.toLowerCase() === near);
  return distance(near, key.toLowerCase()) <= Math.max(3, Math.floor(key.length / 8))
    ? candidates[index]
    : undefined;
}

/**
 * The keys (after `traefik.`) that Traefik's Docker provider decodes strictly: its label parser (paerser)
 * fails on an unknown field under them, and the provider then skips the whole container. Any other
 * `traefik.` key is never read, so a typo there is silent.
 */
const DECODED = /^(?:http|tcp|udp|tls|docker|swarm)\.|^enable/i;

export interface LabelTranslation {
  config: DynamicConfig;
  findings: Finding[];
  enabled: boolean;
  /** Label keys that are valid but defined per container (for the stack lints). */
  labels: Label[];
}

/**
 * Labels of one Compose service → routers, services and middlewares, with a finding per invalid label.
 * `composeService` names the implicit service and is every service's target (its replicas).
 */
export function labelsToDynamicConfig(
  labels: Label[],
  composeService: string,
  file: string,
): LabelTranslation {
  const object = `service ${composeService}`;
  const findings: Finding[] = [];
  const config: DynamicConfig = { routers: {}, services: {}, middlewares: {}, unsupported: [] };
  let enabled = false;
  let label: Label = labels[0];
  const source = (): Source => ({ file, line: label.line, object, fields: {} });

  const to: Target = {
    router: (name) => {
      config.routers[name] ??= {
        name,
        rule: '',
        entryPoints: [],
        service: '',
        middlewares: [],
        source: source(),
      };
      return config.routers[name];
    },
    service: (name) => {
      config.services[name] ??= { name, target: composeService, source: source() };
      return config.services[name];
    },
    middleware: (name) => {
      config.middlewares[name] ??= { name, source: source() };
      return config.middlewares[name];
    },
    at: (s, field) => {
      if (s?.fields) s.fields[field] = label.line;
    },
    enable: (on) => {
      enabled = on;
    },
    finding: (code, message, fix, severity = 'error') =>
      findings.push({ code, severity, file, line: label.line, object, message, fix }),
  };

  for (label of labels) {
    const key = label.key.trim();
    if (!/^traefik\./i.test(key)) continue; // Not Traefik's: other tools' labels are none of our business.
    const rest = key.slice('traefik.'.length);
    const value = label.value.trim();

    // `http.middlewares.NAME.ipwhitelist.sourcerange` → ['middlewares', 'NAME', 'ipwhitelist', 'sourcerange']
    const retired = /^http\./i.test(rest) ? retiredDynamicOption(rest.split('.').slice(1)) : undefined;
    if (retired) {
      const removed = retired.retired.severity === 'error';
      to.finding(
        removed ? 'traefik-removed-option' : 'traefik-deprecated-option',
        `\`${key}\`: ${retired.option} ${removed ? 'was removed in Traefik v3, which rejects this label' : 'is deprecated in Traefik v3'}.`,
        retired.retired.fix,
        retired.retired.severity,
      );
      if (removed) continue;
    }

    const found = rowOf(rest);
    if (!found) {
      const near = suggestion(rest);
      to.finding(
        'label-unknown-key',
        DECODED.test(rest)
          ? `\`${key}\` is not a Traefik label: Traefik's Docker provider logs \`field not found, node: …\` (naming the misspelt part) and drops every router, service and middleware of this container.`
          : `\`${key}\` is not a Traefik label: Traefik reads only traefik.enable, traefik.docker.*, traefik.http.*, traefik.tcp.*, traefik.udp.* and traefik.tls.*, and ignores this one silently.`,
        near
          ? `did you mean \`traefik.${near}\`?`
          : 'valid keys look like traefik.enable, traefik.http.routers.NAME.rule, traefik.http.services.NAME.loadbalancer.server.port, traefik.http.middlewares.NAME.KIND.OPTION',
      );
      continue;
    }
    const { row, name } = found;
    const type = VALUES[row.type];
    if (!type.valid(value)) {
      to.finding(
        'label-value',
        `\`${key}\` expects ${type.expects}, got '${label.value}'.`,
        `write a valid value, e.g. ${type.example}`,
      );
      continue;
    }
    row.apply?.(to, name, value);
    if (!row.apply) config.unsupported.push({ key, source: { file, line: label.line, object } });
  }

  // Traefik's Docker defaults: a container with routers but no service gets one named after it; a router
  // without a service uses the container's only service.
  const routers = Object.values(config.routers);
  if (routers.length && !Object.keys(config.services).length) {
    label = labels.find((l) => /^traefik\.http\.routers\./i.test(l.key)) ?? labels[0];
    to.service(composeService);
  }
  const services = Object.keys(config.services);
  for (const r of routers) {
    if (!r.service && services.length === 1) r.service = services[0];
  }
  return { config, findings, enabled, labels };
}
