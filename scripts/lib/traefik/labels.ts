// Traefik's Docker-provider labels: each key checked against Traefik's label grammar (keys are
// case-insensitive; values typed), then translated into the dynamic configuration the stand-in router
// runs. A misspelt key gets the closest valid one.
import { closest, distance } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import type { DynamicConfig, Middleware, Router, Service, StickyCookie } from './dynamic-config.ts';
import { parseRule } from './rules.ts';

export interface Label {
  key: string;
  value: string;
  line: number;
}

type ValueType = 'string' | 'bool' | 'int' | 'port' | 'list' | 'rule' | 'samesite' | 'scheme' | 'any';

const ROUTER_FIELDS: Record<string, ValueType> = {
  rule: 'rule',
  entrypoints: 'list',
  middlewares: 'list',
  service: 'string',
  priority: 'int',
  rulesyntax: 'string',
  tls: 'bool',
  'tls.certresolver': 'string',
  'tls.options': 'string',
  'observability.accesslogs': 'bool',
  'observability.metrics': 'bool',
  'observability.tracing': 'bool',
};
const ROUTER_PATTERNS: [RegExp, ValueType][] = [[/^tls\.domains\[\d+\]\.(main|sans)$/, 'string']];

const LOADBALANCER_FIELDS: Record<string, ValueType> = {
  'server.port': 'port',
  'server.scheme': 'scheme',
  'server.url': 'string',
  'server.weight': 'int',
  'server.preservepath': 'bool',
  passhostheader: 'bool',
  serverstransport: 'string',
  strategy: 'string',
  'sticky.cookie': 'bool',
  'sticky.cookie.name': 'string',
  'sticky.cookie.secure': 'bool',
  'sticky.cookie.httponly': 'bool',
  'sticky.cookie.samesite': 'samesite',
  'sticky.cookie.maxage': 'int',
  'sticky.cookie.path': 'string',
  'sticky.cookie.domain': 'string',
  'healthcheck.path': 'string',
  'healthcheck.interval': 'string',
  'healthcheck.timeout': 'string',
  'healthcheck.port': 'port',
  'healthcheck.scheme': 'scheme',
  'healthcheck.hostname': 'string',
  'healthcheck.method': 'string',
  'healthcheck.status': 'int',
  'healthcheck.followredirects': 'bool',
  'healthcheck.mode': 'string',
  'responseforwarding.flushinterval': 'string',
};
const LOADBALANCER_PATTERNS: [RegExp, ValueType][] = [[/^healthcheck\.headers\.[\w-]+$/, 'string']];

/** Middleware kinds, with the options the workshop's steps use typed; other options of a known kind pass. */
const MIDDLEWARES: Record<string, Record<string, ValueType> | 'any'> = {
  stripprefix: { prefixes: 'list' },
  stripprefixregex: { regex: 'list' },
  replacepath: { path: 'string' },
  replacepathregex: { regex: 'string', replacement: 'string' },
  addprefix: { prefix: 'string' },
  redirectscheme: { scheme: 'string', port: 'port', permanent: 'bool' },
  redirectregex: { regex: 'string', replacement: 'string', permanent: 'bool' },
  headers: 'any',
  basicauth: 'any',
  digestauth: 'any',
  forwardauth: 'any',
  ratelimit: 'any',
  inflightreq: 'any',
  compress: 'any',
  chain: { middlewares: 'list' },
  retry: { attempts: 'int', initialinterval: 'string' },
  circuitbreaker: 'any',
  buffering: 'any',
  ipallowlist: 'any',
  errors: 'any',
  grpcweb: 'any',
  passtlsclientcert: 'any',
  contenttype: 'any',
};
/** Removed in v3, with what replaced them. */
const REMOVED: Record<string, string> = {
  'middlewares.ipwhitelist': 'ipallowlist',
  'stripprefix.forceslash': '(nothing: v3 always keeps the leading slash)',
  'headers.sslredirect': 'a redirectscheme middleware',
};

export interface LabelTranslation {
  config: DynamicConfig;
  findings: Finding[];
  enabled: boolean;
  /** Label keys that are valid but defined per container (for the stack lints). */
  labels: Label[];
}

function checkValue(type: ValueType, value: string): string | undefined {
  const v = value.trim();
  if (type === 'bool' && !/^(true|false)$/i.test(v)) return `expects true or false, got '${value}'`;
  if (type === 'int' && !/^-?\d+$/.test(v)) return `expects a whole number, got '${value}'`;
  if (type === 'port' && !(/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535))
    return `expects a port (1–65535), got '${value}'`;
  if (type === 'samesite' && !/^(none|lax|strict)$/i.test(v))
    return `expects none, lax or strict, got '${value}'`;
  if (type === 'scheme' && !/^(http|https|h2c)$/i.test(v))
    return `expects http, https or h2c, got '${value}'`;
  if ((type === 'string' || type === 'list') && !v) return 'is empty';
  return undefined;
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

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
  const finding = (
    label: Label,
    code: string,
    message: string,
    fix: string,
    severity: 'error' | 'warning' = 'error',
  ) => findings.push({ code, severity, file, line: label.line, object, message, fix });
  const unknown = (label: Label, valid: string[], prefix: string, rest: string) => {
    const near = closest(rest, valid);
    const close = distance(rest, near) <= Math.max(3, Math.floor(rest.length / 3));
    finding(
      label,
      'label-unknown-key',
      `\`${label.key}\` is not a Traefik label: Traefik ignores it silently.`,
      close ? `did you mean \`${prefix}${near}\`?` : `valid keys here: ${valid.slice(0, 8).join(', ')}…`,
    );
  };
  const router = (name: string): Router => {
    config.routers[name] ??= {
      name,
      rule: '',
      entryPoints: [],
      service: '',
      middlewares: [],
      source: { file, object },
    };
    return config.routers[name];
  };
  const service = (name: string): Service => {
    config.services[name] ??= { name, target: composeService, source: { file, object } };
    return config.services[name];
  };
  const middleware = (name: string): Middleware => {
    config.middlewares[name] ??= { name, source: { file, object } };
    return config.middlewares[name];
  };

  for (const label of labels) {
    const parts = label.key.trim().split('.');
    const lower = parts.map((p) => p.toLowerCase());
    if (lower[0] !== 'traefik') continue; // Not Traefik's: other tools' labels are none of our business.
    const value = label.value.trim();
    const source = { file, line: label.line, object };
    const typed = (type: ValueType) => {
      const problem = checkValue(type, value);
      if (problem)
        finding(
          label,
          'label-value',
          `\`${label.key}\` ${problem}.`,
          `write a valid value, e.g. ${example(type)}`,
        );
      return !problem;
    };

    if (lower.length === 2 && lower[1] === 'enable') {
      if (typed('bool')) enabled = value.toLowerCase() === 'true';
      continue;
    }
    if (lower[1] === 'docker' && ['network', 'lbswarm'].includes(lower[2] ?? '') && lower.length === 3)
      continue;
    if (lower[1] === 'tcp' || lower[1] === 'udp') {
      config.unsupported.push({ key: label.key, source });
      continue;
    }
    if (lower[1] !== 'http' || lower.length < 5) {
      const valid = [
        'traefik.enable',
        'traefik.http.routers.NAME.rule',
        'traefik.http.services.NAME.loadbalancer.server.port',
        'traefik.http.middlewares.NAME.KIND.OPTION',
        'traefik.docker.network',
      ];
      const section = lower[1] === 'http' ? `traefik.http.${lower[2] ?? ''}` : label.key;
      if (lower[1] === 'http' && !['routers', 'services', 'middlewares'].includes(lower[2] ?? '')) {
        const near = closest(lower[2] ?? '', ['routers', 'services', 'middlewares', 'serverstransports']);
        finding(
          label,
          'label-unknown-key',
          `\`${label.key}\` is not a Traefik label: \`${section}\` is not a section.`,
          `did you mean \`traefik.http.${near}.${parts.slice(3).join('.')}\`?`,
        );
      } else {
        unknown(label, valid, '', label.key);
      }
      continue;
    }
    const [section, name] = [lower[2], parts[3]];
    const rest = lower.slice(4).join('.');

    if (section === 'routers') {
      const type = ROUTER_FIELDS[rest] ?? ROUTER_PATTERNS.find(([re]) => re.test(rest))?.[1];
      if (!type) {
        unknown(label, Object.keys(ROUTER_FIELDS), `traefik.http.routers.${name}.`, rest);
        continue;
      }
      if (!typed(type)) continue;
      const r = router(name);
      if (rest === 'rule') {
        r.rule = value;
        r.source = source;
        const parsed = parseRule(value);
        if (!parsed.ok) finding(label, 'rule-invalid', `Router ${name}: ${parsed.message}`, parsed.fix);
      } else if (rest === 'entrypoints') r.entryPoints = list(value);
      // References may carry the provider (`@docker`): that's this provider, so the plain name is kept.
      else if (rest === 'middlewares') r.middlewares = list(value).map(withoutDocker);
      else if (rest === 'service') r.service = withoutDocker(value);
      else if (rest === 'priority') r.priority = Number(value);
      else if (rest === 'tls') {
        r.tls = value.toLowerCase() === 'true';
        config.unsupported.push({ key: label.key, source });
      } else if (rest === 'rulesyntax')
        finding(
          label,
          'rule-syntax-v2',
          '`ruleSyntax` keeps a router on the v2 rule syntax, which Traefik v3 deprecates.',
          'remove it and write the rule in v3 syntax',
          'warning',
        );
      else config.unsupported.push({ key: label.key, source });
      continue;
    }

    if (section === 'services') {
      if (lower[4] !== 'loadbalancer') {
        if (lower[4] === 'weighted' || lower[4] === 'mirroring' || lower[4] === 'failover')
          config.unsupported.push({ key: label.key, source });
        else
          unknown(
            label,
            Object.keys(LOADBALANCER_FIELDS).map((f) => `loadbalancer.${f}`),
            `traefik.http.services.${name}.`,
            rest,
          );
        continue;
      }
      const field = lower.slice(5).join('.');
      const type = LOADBALANCER_FIELDS[field] ?? LOADBALANCER_PATTERNS.find(([re]) => re.test(field))?.[1];
      if (!type) {
        unknown(
          label,
          Object.keys(LOADBALANCER_FIELDS),
          `traefik.http.services.${name}.loadbalancer.`,
          field,
        );
        continue;
      }
      if (!typed(type)) continue;
      const s = service(name);
      s.source = s.source?.line ? s.source : source;
      if (field === 'server.port') s.port = Number(value);
      else if (field === 'strategy') s.strategy = value;
      else if (field.startsWith('sticky.cookie')) {
        s.sticky ??= { cookie: {} };
        const cookie: StickyCookie = s.sticky.cookie;
        const option = field.slice('sticky.cookie.'.length);
        if (field === 'sticky.cookie' && value.toLowerCase() === 'false') delete s.sticky;
        else if (option === 'name') cookie.name = value;
        else if (option === 'secure') cookie.secure = value.toLowerCase() === 'true';
        else if (option === 'httponly') cookie.httpOnly = value.toLowerCase() === 'true';
        else if (option === 'samesite') cookie.sameSite = value.toLowerCase();
        else if (option === 'maxage') cookie.maxAge = Number(value);
        else if (option === 'path') cookie.path = value;
        else if (option === 'domain') config.unsupported.push({ key: label.key, source });
      } else config.unsupported.push({ key: label.key, source });
      continue;
    }

    if (section === 'middlewares') {
      const kind = lower[4];
      const option = lower.slice(5).join('.');
      if (kind === 'ipwhitelist' || REMOVED[`${kind}.${option}`]) {
        const replacement = REMOVED[`middlewares.${kind}`] ?? REMOVED[`${kind}.${option}`];
        finding(
          label,
          'label-removed-in-v3',
          `\`${label.key}\` was removed in Traefik v3.`,
          `use ${replacement}`,
        );
        continue;
      }
      const options = MIDDLEWARES[kind];
      if (!options) {
        unknown(label, Object.keys(MIDDLEWARES), `traefik.http.middlewares.${name}.`, kind);
        continue;
      }
      if (options !== 'any') {
        const type = options[option];
        if (!type) {
          unknown(label, Object.keys(options), `traefik.http.middlewares.${name}.${kind}.`, option);
          continue;
        }
        if (!typed(type)) continue;
      }
      const m = middleware(name);
      if (kind === 'stripprefix' && option === 'prefixes') m.stripPrefix = { prefixes: list(value) };
      else if (kind === 'replacepath' && option === 'path') m.replacePath = { path: value };
      else config.unsupported.push({ key: label.key, source });
    }
  }

  // Traefik's Docker defaults: a container with routers but no service gets one named after it; a router
  // without a service uses the container's only service.
  const routers = Object.values(config.routers);
  if (routers.length && !Object.keys(config.services).length) service(composeService);
  const services = Object.keys(config.services);
  for (const r of routers) {
    if (!r.service && services.length === 1) r.service = services[0];
  }
  return { config, findings, enabled, labels };
}

const withoutDocker = (reference: string) => reference.replace(/@docker$/i, '');

function example(type: ValueType): string {
  return {
    bool: 'true',
    int: '10',
    port: '3000',
    samesite: 'lax',
    scheme: 'http',
    list: 'web',
    rule: 'PathPrefix(`/`)',
    string: 'app',
    any: '…',
  }[type];
}
