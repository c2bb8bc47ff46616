// The lints that read Traefik's own model, run once for both surfaces: the static configuration parsed
// from the command line, and the dynamic configuration that labels and IngressRoutes decode into.
// Each decoder says where things are written (file, line) and how to write a fix in its own syntax.
import { closest, distance } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import type { DynamicConfig, Service, Source } from './dynamic-config.ts';
import { parseRule } from './rules.ts';
import type { StaticConfig } from './static-config.ts';

/** The static configuration's problems (unknown, removed, deprecated flags, bad values), as findings. */
export function staticConfigFindings(config: StaticConfig, file: string, object: string): Finding[] {
  return config.problems.map((p) => ({
    code: `traefik-flag-${p.kind}`,
    severity: p.severity,
    file,
    line: p.line,
    object,
    message: p.message,
    fix: p.fix,
  }));
}

/** How one surface (Docker labels, IngressRoutes) writes the fixes the model lints suggest. */
export interface FixSyntax {
  /** Where Traefik's flags are written: `Traefik's command`, `Traefik's args`. */
  commandName: string;
  addStickyCookie(service: Service): string;
  removeSecure(service: Service): string;
  sameSiteLax(service: Service): string;
  renameCookie(service: Service): string;
}

export interface ModelLintInput {
  config: DynamicConfig;
  /** Traefik's static configuration; undefined when it cannot be seen (no Traefik, or a config file). */
  staticConfig?: StaticConfig;
  /** How many backends each service target has (Compose replicas, the pods a Service selects). */
  replicas: Record<string, number>;
  syntax: FixSyntax;
}

const lineOf = (source: Source | undefined, field: string) => source?.fields?.[field] ?? source?.line;

/**
 * The lints of Traefik's dynamic configuration, the same for labels and IngressRoutes: a router's rule
 * (v3 syntax) and entry points, a service's stickiness and sticky cookie. Same mistake, same code and
 * severity on both sides.
 */
export function lintDynamicConfig({ config, staticConfig, replicas, syntax }: ModelLintInput): Finding[] {
  const findings: Finding[] = [];
  const add = (
    source: Source | undefined,
    field: string,
    code: string,
    severity: Finding['severity'],
    message: string,
    fix: string,
  ) =>
    findings.push({
      code,
      severity,
      file: source?.file ?? '',
      line: lineOf(source, field),
      object: source?.object,
      message,
      fix,
    });

  for (const router of Object.values(config.routers)) {
    if (!router.rule) continue;
    const parsed = parseRule(router.rule);
    if (!parsed.ok)
      add(
        router.source,
        'rule',
        'rule-invalid',
        'error',
        `Router ${router.name}: ${parsed.message}`,
        parsed.fix,
      );
  }

  // A middleware no router lists does nothing, and Traefik says nothing about it.
  const attached = new Set(Object.values(config.routers).flatMap((r) => r.middlewares));
  const routerOf = (object?: string) =>
    Object.values(config.routers).find((r) => r.source?.object === object)?.name ?? 'NAME';
  for (const middleware of Object.values(config.middlewares)) {
    if (attached.has(middleware.name)) continue;
    const kind = middleware.stripPrefix ? 'StripPrefix ' : middleware.replacePath ? 'ReplacePath ' : '';
    // A Kubernetes Middleware (its object is `Middleware/NAME`) is listed by its own name, not Traefik's.
    const crd = /^Middleware\/(.+)$/.exec(middleware.source?.object ?? '')?.[1];
    add(
      middleware.source,
      '',
      'middleware-not-attached',
      'error',
      `The ${kind}middleware ${crd ?? middleware.name} is defined, but no router uses it, so it does nothing: requests reach the app unchanged.`,
      crd
        ? `list it on the IngressRoute's route: middlewares: [{ name: ${crd} }]`
        : `attach it to the router: traefik.http.routers.${routerOf(middleware.source?.object)}.middlewares=${middleware.name}@docker`,
    );
  }

  const entryPoints = staticConfig && !staticConfig.configFile ? staticConfig.entryPoints : undefined;
  const known = Object.keys(entryPoints ?? {});
  for (const router of Object.values(config.routers)) {
    if (!entryPoints) break;
    router.entryPoints.forEach((name, i) => {
      if (entryPoints[name]) return;
      // Names are case-sensitive: `Web` is not `web`.
      const near =
        known.find((k) => k.toLowerCase() === name.toLowerCase()) ??
        (known.length ? closest(name, known) : undefined);
      const close = near !== undefined && distance(near.toLowerCase(), name.toLowerCase()) <= 2;
      add(
        router.source,
        `entryPoints.${i}`,
        'router-unknown-entrypoint',
        'error',
        `Router ${router.name} listens on entry point '${name}', which Traefik's static configuration does not define (it defines ${known.join(', ') || 'none'}): the route is never served`,
        close
          ? `write \`${near}\` (entry point names are case-sensitive)`
          : `use one of ${known.join(', ') || 'the entry points'}, or add \`--entryPoints.${name}.address=:80\` to ${syntax.commandName}`,
      );
    });
  }

  for (const service of Object.values(config.services)) {
    const cookie = service.sticky?.cookie;
    const routers = Object.values(config.routers).filter((r) => r.service === service.name);
    // Plain http unless TLS is on the router or on the entry points it listens on (all of them when
    // it names none).
    const plainHttp = routers.some(
      (r) =>
        !r.tls &&
        (r.entryPoints.length ? r.entryPoints : known).some((ep) => !(entryPoints?.[ep]?.tls ?? false)),
    );
    const backends = replicas[service.target] ?? 1;
    // The cookie written on a service no router uses (a name copied from elsewhere): the likelier fix.
    const misplaced = Object.values(config.services).find(
      (other) =>
        other.sticky &&
        other.target === service.target &&
        !Object.values(config.routers).some((r) => r.service === other.name),
    );
    if (!service.sticky && routers.length && misplaced)
      add(
        misplaced.source,
        'sticky',
        'sticky-on-unrouted-service',
        'error',
        `The sticky cookie is set on service ${misplaced.name}, which no router sends to: the routers send to service ${service.name}, which has none, so long-polling requests land on different instances and fail with HTTP 400 "Session ID unknown"`,
        `put the sticky options on service ${service.name}: ${syntax.addStickyCookie(service)}`,
      );
    else if (!service.sticky && backends > 1)
      // A warning: the behavioural check shows the failure itself, through Traefik.
      add(
        service.source,
        'sticky',
        'sticky-missing',
        'warning',
        `Service ${service.name} balances over ${backends} backends without a sticky cookie: socket.io's long-polling requests land on different instances and fail with HTTP 400 "Session ID unknown"`,
        syntax.addStickyCookie(service),
      );
    if (cookie?.secure && plainHttp)
      add(
        service.source,
        'sticky.cookie.secure',
        'cookie-secure-on-http',
        'warning',
        `The sticky cookie of ${service.name} is Secure but served over plain http: browsers send it back to http://localhost only, and drop it on any other http origin (a LAN address, a hostname), where stickiness then silently stops`,
        syntax.removeSecure(service),
      );
    if (cookie?.sameSite?.toLowerCase() === 'none' && !cookie.secure)
      add(
        service.source,
        'sticky.cookie.sameSite',
        'cookie-samesite-none-insecure',
        'error',
        'Browsers refuse a cookie with SameSite=None that is not Secure, so the sticky cookie is never stored',
        syntax.sameSiteLax(service),
      );
    if (cookie?.name?.toLowerCase() === 'io')
      add(
        service.source,
        'sticky.cookie.name',
        'cookie-name-io',
        'warning',
        "A sticky cookie named 'io' collides with the cookie socket.io v2 servers set (traefik#3926)",
        syntax.renameCookie(service),
      );
  }
  return findings;
}
