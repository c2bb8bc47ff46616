// Traefik's static configuration as its command line sets it: compose.yaml's `command:` and the
// Kubernetes Deployment's `args:` both go through this one parser, and the rehearsal starts the real
// Traefik from its result. A pure function over strings: callers pass each argument's line.
//
// Parsing follows Traefik's own flag parser (paerser): `--name=value` or `-name=value`; a boolean or a
// section (`--api`, `--providers.docker`) given alone means true; any other flag alone takes the next
// argument as its value; a repeated list flag adds to the list; names are case-insensitive, entry point
// names keep their first spelling; an argument that is not a flag ends the flags. A flag Traefik does
// not know stops it at start ("field not found"), so unknown and removed flags are errors.
import { closest, distance } from 'fastest-levenshtein';
import { removedOrDeprecatedFlag } from './deprecations.ts';
import { matchesKey } from './key-pattern.ts';

export type FlagType = 'bool' | 'section' | 'string' | 'int' | 'list' | 'duration' | 'any';

export interface StaticFlag {
  /** The argument as written, e.g. `--entryPoints.web.address=:80`. */
  raw: string;
  /** The name without dashes, as written: `entryPoints.web.address`. */
  name: string;
  /** Lowercased name (Traefik's flags are case-insensitive): `entrypoints.web.address`. */
  key: string;
  /** `true` for a boolean or section flag given alone. */
  value: string;
  /** Index of the argument in the list (of its name, when the value is the next argument). */
  index: number;
  line?: number;
}

export interface StaticEntryPoint {
  /** As written: routers and IngressRoutes refer to it by this name. */
  name: string;
  /** `:80`, `127.0.0.1:8000`, `:443/udp`. */
  address: string;
  port?: number;
  host?: string;
  protocol: 'tcp' | 'udp';
  /** TLS on the entry point itself (`--entryPoints.NAME.http.tls`). */
  tls: boolean;
  /** Created by Traefik, not by a flag (`traefik` :8080 for the API/ping, `http` :80 when none is set). */
  implicit: boolean;
  /** Index and line of the `address` flag. */
  index?: number;
  line?: number;
}

export interface StaticProblem {
  kind: 'unknown' | 'removed' | 'deprecated' | 'value' | 'syntax';
  severity: 'error' | 'warning';
  /** The argument concerned, as written. */
  flag: string;
  index: number;
  line?: number;
  message: string;
  fix: string;
}

export interface StaticConfig {
  flags: StaticFlag[];
  entryPoints: Record<string, StaticEntryPoint>;
  providers: {
    docker?: { exposedByDefault: boolean; endpoint?: string; network?: string; defaultRule?: string };
    kubernetesCRD?: { allowCrossNamespace: boolean; namespaces: string[]; labelSelector?: string };
    file?: { filename?: string; directory?: string; watch: boolean };
    /** Other providers switched on, lowercased (`kubernetesingress`, `swarm`, …). */
    others: string[];
  };
  api: { enabled: boolean; dashboard: boolean; insecure: boolean; basePath?: string };
  ping: boolean;
  /** Traefik's default is ERROR. */
  log: { level: string; format?: string; filePath?: string };
  accessLog: { enabled: boolean; format?: string; filePath?: string };
  /** `--configFile`: entry points and providers then come from a file this parser does not read. */
  configFile?: string;
  problems: StaticProblem[];
}

// Traefik's static options, by lowercased name: `*` is a name the user picks (an entry point, a
// resolver), `**` any rest (a section the workshop does not model, checked no deeper).
const FLAGS: [pattern: string, type: FlagType][] = [
  ['configfile', 'string'],
  ['global.checknewversion', 'bool'],
  ['global.sendanonymoususage', 'bool'],
  ['core.defaultrulesyntax', 'string'],
  ['entrypoints.*', 'section'],
  ['entrypoints.*.address', 'string'],
  ['entrypoints.*.asdefault', 'bool'],
  ['entrypoints.*.reuseport', 'bool'],
  ['entrypoints.*.allowacmebypass', 'bool'],
  ['entrypoints.*.http', 'section'],
  ['entrypoints.*.http.tls', 'section'],
  ['entrypoints.*.http.tls.**', 'any'],
  ['entrypoints.*.http.redirections.**', 'any'],
  ['entrypoints.*.http.middlewares', 'list'],
  ['entrypoints.*.http.encodequerysemicolons', 'bool'],
  ['entrypoints.*.http.sanitizepath', 'bool'],
  ['entrypoints.*.http.maxheaderbytes', 'int'],
  ['entrypoints.*.http.encodedcharacters.**', 'any'],
  ['entrypoints.*.http2.**', 'any'],
  ['entrypoints.*.http3', 'section'],
  ['entrypoints.*.http3.advertisedport', 'int'],
  ['entrypoints.*.udp.timeout', 'duration'],
  ['entrypoints.*.forwardedheaders.**', 'any'],
  ['entrypoints.*.proxyprotocol.**', 'any'],
  ['entrypoints.*.transport.**', 'any'],
  ['entrypoints.*.observability.**', 'any'],
  ['providers.providersthrottleduration', 'duration'],
  ['providers.docker', 'section'],
  ['providers.docker.exposedbydefault', 'bool'],
  ['providers.docker.endpoint', 'string'],
  ['providers.docker.network', 'string'],
  ['providers.docker.defaultrule', 'string'],
  ['providers.docker.watch', 'bool'],
  ['providers.docker.constraints', 'string'],
  ['providers.docker.usebindportip', 'bool'],
  ['providers.docker.allowemptyservices', 'bool'],
  ['providers.docker.httpclienttimeout', 'duration'],
  ['providers.docker.password', 'string'],
  ['providers.docker.username', 'string'],
  ['providers.docker.tls.**', 'any'],
  ['providers.swarm', 'section'],
  ['providers.swarm.**', 'any'],
  ['providers.kubernetescrd', 'section'],
  ['providers.kubernetescrd.allowcrossnamespace', 'bool'],
  ['providers.kubernetescrd.allowemptyservices', 'bool'],
  ['providers.kubernetescrd.allowexternalnameservices', 'bool'],
  ['providers.kubernetescrd.namespaces', 'list'],
  ['providers.kubernetescrd.labelselector', 'string'],
  ['providers.kubernetescrd.ingressclass', 'string'],
  ['providers.kubernetescrd.endpoint', 'string'],
  ['providers.kubernetescrd.token', 'string'],
  ['providers.kubernetescrd.certauthfilepath', 'string'],
  ['providers.kubernetescrd.throttleduration', 'duration'],
  ['providers.kubernetescrd.nativelbbydefault', 'bool'],
  ['providers.kubernetescrd.disableclusterscoperesources', 'bool'],
  ['providers.kubernetesingress', 'section'],
  ['providers.kubernetesingress.**', 'any'],
  ['providers.kubernetesingressnginx', 'section'],
  ['providers.kubernetesingressnginx.**', 'any'],
  ['providers.kubernetesgateway', 'section'],
  ['providers.kubernetesgateway.**', 'any'],
  ['providers.file', 'section'],
  ['providers.file.filename', 'string'],
  ['providers.file.directory', 'string'],
  ['providers.file.watch', 'bool'],
  ['providers.file.debugloggeneratedtemplate', 'bool'],
  ['providers.http', 'section'],
  ['providers.http.**', 'any'],
  ['providers.rest', 'section'],
  ['providers.rest.**', 'any'],
  ['providers.plugin.**', 'any'],
  ['providers.consul', 'section'],
  ['providers.consul.**', 'any'],
  ['providers.consulcatalog', 'section'],
  ['providers.consulcatalog.**', 'any'],
  ['providers.nomad', 'section'],
  ['providers.nomad.**', 'any'],
  ['providers.ecs', 'section'],
  ['providers.ecs.**', 'any'],
  ['providers.etcd', 'section'],
  ['providers.etcd.**', 'any'],
  ['providers.redis', 'section'],
  ['providers.redis.**', 'any'],
  ['providers.zookeeper', 'section'],
  ['providers.zookeeper.**', 'any'],
  ['api', 'section'],
  ['api.dashboard', 'bool'],
  ['api.insecure', 'bool'],
  ['api.debug', 'bool'],
  ['api.basepath', 'string'],
  ['api.disabledashboardad', 'bool'],
  ['ping', 'section'],
  ['ping.entrypoint', 'string'],
  ['ping.manualrouting', 'bool'],
  ['ping.terminatingstatuscode', 'int'],
  ['log', 'section'],
  ['log.level', 'string'],
  ['log.format', 'string'],
  ['log.filepath', 'string'],
  ['log.nocolor', 'bool'],
  ['log.maxsize', 'int'],
  ['log.maxage', 'int'],
  ['log.maxbackups', 'int'],
  ['log.compress', 'bool'],
  ['log.otlp', 'section'],
  ['log.otlp.**', 'any'],
  ['accesslog', 'section'],
  ['accesslog.filepath', 'string'],
  ['accesslog.format', 'string'],
  ['accesslog.bufferingsize', 'int'],
  ['accesslog.addinternals', 'bool'],
  ['accesslog.filters.**', 'any'],
  ['accesslog.fields.**', 'any'],
  ['accesslog.otlp', 'section'],
  ['accesslog.otlp.**', 'any'],
  ['metrics.**', 'any'],
  ['tracing', 'section'],
  ['tracing.**', 'any'],
  ['serverstransport.**', 'any'],
  ['tcpserverstransport.**', 'any'],
  ['certificatesresolvers.*.**', 'any'],
  ['experimental.**', 'any'],
  ['hub.**', 'any'],
  ['spiffe.**', 'any'],
  ['ocsp.**', 'any'],
  ['hostresolver.**', 'any'],
];

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'PANIC'];

/** The type of a lowercased flag name, or undefined when Traefik has no such option. */
export function flagType(key: string): FlagType | undefined {
  return FLAGS.find(([pattern]) => matchesKey(pattern, key.split('.')))?.[1];
}

/** The closest known option to an unknown name, the user's own names (entry points) kept. */
function suggest(key: string): string | undefined {
  const parts = key.split('.');
  const candidates = FLAGS.map(([pattern]) =>
    pattern
      .split('.')
      .filter((p) => p !== '**')
      .map((p, i) => (p === '*' ? (parts[i] ?? 'NAME') : p))
      .join('.'),
  );
  const near = closest(key, candidates);
  return distance(near, key) <= Math.max(3, Math.floor(key.length / 4)) ? near : undefined;
}

const truthy = (value: string | undefined) => value !== undefined && value.toLowerCase() !== 'false';

/** Parses Traefik's command-line arguments; `lines[i]` is the source line of `args[i]`, if known. */
export function parseStaticConfig(
  args: readonly string[],
  lines: readonly (number | undefined)[] = [],
): StaticConfig {
  const flags: StaticFlag[] = [];
  const problems: StaticProblem[] = [];
  const problem = (p: Omit<StaticProblem, 'line'>) => problems.push({ ...p, line: lines[p.index] });
  // The program name, when the command repeats it (`command: traefik --api`), is not a flag.
  const start = args[0] === 'traefik' ? 1 : 0;
  for (let i = start; i < args.length; i++) {
    const raw = args[i];
    if (!raw.startsWith('-') || raw === '-' || raw === '--') {
      problem({
        kind: 'syntax',
        severity: 'error',
        flag: raw,
        index: i,
        message: `\`${raw}\` is not a flag: Traefik stops reading its command line here, so what follows is ignored`,
        fix: `write it as a flag (\`--name=value\`), or remove it`,
      });
      break;
    }
    const body = raw.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const key = name.toLowerCase();
    const type = flagType(key);
    let value: string;
    const index = i;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (type === 'bool' || type === 'section' || i + 1 >= args.length) value = 'true';
    // An unknown flag's value is read the same way, so that it is not taken for a stray argument.
    else if (type === undefined && args[i + 1].startsWith('-')) value = 'true';
    else value = args[++i];
    flags.push({ raw, name, key, value, index, line: lines[index] });

    const retired = removedOrDeprecatedFlag(key);
    if (retired) {
      problem({
        kind: retired.severity === 'error' ? 'removed' : 'deprecated',
        severity: retired.severity,
        flag: raw,
        index,
        message: `\`--${name}\` ${retired.severity === 'error' ? 'was removed in Traefik v3: Traefik refuses to start with it' : 'is deprecated in Traefik v3'}`,
        fix: retired.fix,
      });
      continue;
    }
    if (!type) {
      const near = suggest(key);
      problem({
        kind: 'unknown',
        severity: 'error',
        flag: raw,
        index,
        message: `\`--${name}\` is not a Traefik option: Traefik refuses to start ("field not found")`,
        fix: near
          ? `did you mean \`--${near}\`?`
          : 'check the name in Traefik’s static configuration reference',
      });
      continue;
    }
    const bad =
      (type === 'bool' && !/^(true|false)$/i.test(value) && `expects true or false, got '${value}'`) ||
      (type === 'int' && !/^-?\d+$/.test(value) && `expects a whole number, got '${value}'`) ||
      (key === 'log.level' &&
        !LOG_LEVELS.includes(value.toUpperCase()) &&
        `expects one of ${LOG_LEVELS.join(', ')}, got '${value}'`) ||
      (/^entrypoints\.[^.]+\.address$/.test(key) &&
        !/^(\[[^\]]*\]|[^:/]*)?:\d+(\/(tcp|udp))?$/i.test(value) &&
        `expects [host]:port, e.g. :80, got '${value}'`);
    if (bad)
      problem({
        kind: 'value',
        severity: 'error',
        flag: raw,
        index,
        message: `\`--${name}\` ${bad}`,
        fix: `write a valid value, e.g. ${example(key, type)}`,
      });
  }
  return interpret(flags, problems);
}

function example(key: string, type: FlagType): string {
  if (key === 'log.level') return `--log.level=DEBUG`;
  if (key.endsWith('.address')) return `--${key}=:80`;
  return `--${key}=${type === 'int' ? '10' : type === 'bool' ? 'true' : '…'}`;
}

/** The typed view of the flags: the last value wins, as in Traefik (lists add up). */
function interpret(flags: StaticFlag[], problems: StaticProblem[]): StaticConfig {
  const last = (key: string) => flags.findLast((f) => f.key === key);
  const value = (key: string) => last(key)?.value;
  const listOf = (key: string) =>
    flags
      .filter((f) => f.key === key)
      .flatMap((f) => f.value.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
  /** A section is on when set to true, or when any of its options is set. */
  const on = (section: string) =>
    flags.some((f) => (f.key === section && truthy(f.value)) || f.key.startsWith(`${section}.`));

  const entryPoints: Record<string, StaticEntryPoint> = {};
  const spelling = new Map<string, string>();
  for (const flag of flags) {
    const m = /^entrypoints\.([^.]+)(?:\.(.+))?$/.exec(flag.key);
    if (!m) continue;
    const written = flag.name.split('.')[1];
    const name = spelling.get(m[1]) ?? written;
    spelling.set(m[1], name);
    entryPoints[name] ??= { name, address: '', protocol: 'tcp', tls: false, implicit: false };
    const ep = entryPoints[name];
    if (m[2] === 'address') {
      const a = /^(.*):(\d+)(?:\/(tcp|udp))?$/i.exec(flag.value);
      Object.assign(ep, {
        address: flag.value,
        host: a?.[1] || undefined,
        port: a ? Number(a[2]) : undefined,
        protocol: a?.[3]?.toLowerCase() === 'udp' ? 'udp' : 'tcp',
        index: flag.index,
        line: flag.line,
      });
    } else if (m[2] === 'http.tls' ? truthy(flag.value) : m[2]?.startsWith('http.tls.')) ep.tls = true;
  }

  const configFile = value('configfile');
  const api = {
    enabled: on('api'),
    // The dashboard is on by default once the API is.
    dashboard: on('api') && value('api.dashboard')?.toLowerCase() !== 'false',
    insecure: truthy(value('api.insecure')),
    basePath: value('api.basepath'),
  };
  const ping = on('ping');
  // Traefik adds `traefik` (:8080) for the insecure API and the default ping route, and `http` (:80)
  // when no entry point is configured at all.
  const pingOnTraefik =
    ping && !truthy(value('ping.manualrouting')) && (value('ping.entrypoint') ?? 'traefik') === 'traefik';
  if (!entryPoints.traefik && (api.insecure || pingOnTraefik))
    entryPoints.traefik = {
      name: 'traefik',
      address: ':8080',
      port: 8080,
      protocol: 'tcp',
      tls: false,
      implicit: true,
    };
  if (Object.keys(entryPoints).length === 0 && !configFile)
    entryPoints.http = {
      name: 'http',
      address: ':80',
      port: 80,
      protocol: 'tcp',
      tls: false,
      implicit: true,
    };

  const providers: StaticConfig['providers'] = { others: [] };
  if (on('providers.docker'))
    providers.docker = {
      exposedByDefault: value('providers.docker.exposedbydefault')?.toLowerCase() !== 'false',
      endpoint: value('providers.docker.endpoint'),
      network: value('providers.docker.network'),
      defaultRule: value('providers.docker.defaultrule'),
    };
  if (on('providers.kubernetescrd'))
    providers.kubernetesCRD = {
      allowCrossNamespace: truthy(value('providers.kubernetescrd.allowcrossnamespace')),
      namespaces: listOf('providers.kubernetescrd.namespaces'),
      labelSelector: value('providers.kubernetescrd.labelselector'),
    };
  if (on('providers.file'))
    providers.file = {
      filename: value('providers.file.filename'),
      directory: value('providers.file.directory'),
      watch: truthy(value('providers.file.watch')),
    };
  const modelled = new Set(['docker', 'kubernetescrd', 'file', 'providersthrottleduration']);
  for (const flag of flags) {
    const provider = /^providers\.([^.]+)/.exec(flag.key)?.[1];
    if (
      provider &&
      !modelled.has(provider) &&
      !providers.others.includes(provider) &&
      on(`providers.${provider}`)
    )
      providers.others.push(provider);
  }

  return {
    flags,
    entryPoints,
    providers,
    api,
    ping,
    log: {
      level: (value('log.level') ?? 'ERROR').toUpperCase(),
      format: value('log.format'),
      filePath: value('log.filepath'),
    },
    accessLog: {
      enabled: on('accesslog'),
      format: value('accesslog.format'),
      filePath: value('accesslog.filepath'),
    },
    configFile,
    problems,
  };
}

/** The flags as `--name=value`, one argument each: how the rehearsal hands them to Traefik. */
export const asArgs = (config: StaticConfig): string[] => config.flags.map((f) => `--${f.name}=${f.value}`);
