// The step-3 stack read as a whole: references between routers, services, middlewares and Traefik's
// entry points, and the settings that break in practice (secure cookie on http, writable docker.sock,
// a public dashboard, no stickiness with replicas).
import { closest } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import type { DynamicConfig } from '../traefik/dynamic-config.ts';
import { type LoadedCompose, labelsOf } from './load.ts';

export const TRAEFIK_IMAGE = 'traefik:v3.7';

interface ComposeService {
  image?: string;
  command?: string | string[];
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { source?: string; target?: string; read_only?: boolean })[];
}

export interface TraefikService {
  service: string;
  entryPoints: Record<string, { address: string }>;
  args: string[];
}

/** The service running Traefik (by image), its command-line arguments and entry points. */
export function findTraefik(loaded: LoadedCompose): TraefikService | undefined {
  const services = (loaded.doc?.services ?? {}) as Record<string, ComposeService>;
  const entry = Object.entries(services).find(([, s]) => /(^|\/)traefik(:|$)/.test(s?.image ?? ''));
  if (!entry) return undefined;
  const [service, spec] = entry;
  const args = Array.isArray(spec.command)
    ? spec.command.map(String)
    : String(spec.command ?? '')
        .split(/\s+/)
        .filter(Boolean);
  const entryPoints: Record<string, { address: string }> = {};
  for (const arg of args) {
    const m = /^--entrypoints\.([^.=]+)\.address=(.*)$/i.exec(arg);
    if (m) entryPoints[m[1]] = { address: m[2] };
  }
  return { service, entryPoints, args };
}

export function lintStack(
  loaded: LoadedCompose,
  config: DynamicConfig,
  replicas: Record<string, number>,
  enabled: Record<string, boolean>,
): Finding[] {
  const findings: Finding[] = [];
  const file = loaded.file;
  const add = (
    code: string,
    path: (string | number)[],
    object: string | undefined,
    message: string,
    fix: string,
    severity: 'error' | 'warning' = 'error',
  ) => findings.push({ code, severity, file, line: loaded.lineOf(path), object, message, fix });
  const traefik = findTraefik(loaded);
  const services = (loaded.doc?.services ?? {}) as Record<string, ComposeService>;
  const labelled = [
    ...new Set(
      Object.values(config.services)
        .map((s) => s.target)
        .concat(Object.values(config.routers).map((r) => r.source?.object?.replace('service ', '') ?? '')),
    ),
  ].filter(Boolean);

  if (traefik) {
    const spec = services[traefik.service];
    const at = (i: number) => ['services', traefik.service, 'command', i];
    if (spec.image !== TRAEFIK_IMAGE) {
      add(
        'traefik-image',
        ['services', traefik.service, 'image'],
        `service ${traefik.service}`,
        `Traefik runs ${spec.image}: the workshop is written for ${TRAEFIK_IMAGE}.`,
        `image: ${TRAEFIK_IMAGE}`,
      );
    }
    const exposed = traefik.args.findIndex((a) => /^--providers\.docker\.exposedbydefault=false$/i.test(a));
    if (exposed < 0) {
      add(
        'traefik-exposed-by-default',
        ['services', traefik.service, 'command'],
        `service ${traefik.service}`,
        'Traefik exposes every container by default, Redis included.',
        'add --providers.docker.exposedbydefault=false and label the app traefik.enable=true',
      );
    } else {
      for (const name of labelled) {
        if (!enabled[name])
          add(
            'traefik-not-enabled',
            ['services', name, 'labels'],
            `service ${name}`,
            `The ${name} service has Traefik labels but not traefik.enable=true, and Traefik runs with exposedbydefault=false: it is ignored.`,
            'add the label traefik.enable=true',
          );
      }
    }
    traefik.args.forEach((arg, i) => {
      if (/^--api\.insecure(=true)?$/i.test(arg) && !dashboardOnLoopback(spec)) {
        add(
          'dashboard-public',
          at(i),
          `service ${traefik.service}`,
          '--api.insecure serves the dashboard without authentication, and port 8080 is published on every interface.',
          'publish it on loopback only: "127.0.0.1:8080:8080"',
        );
      }
    });
    (spec.volumes ?? []).forEach((volume, i) => {
      const text =
        typeof volume === 'string'
          ? volume
          : `${volume.source}:${volume.target}${volume.read_only ? ':ro' : ''}`;
      if (text.includes('docker.sock') && !/:ro$/.test(text)) {
        add(
          'docker-socket-writable',
          ['services', traefik.service, 'volumes', i],
          `service ${traefik.service}`,
          'The Docker socket is mounted read-write: whoever controls Traefik controls the host.',
          'mount it read-only: /var/run/docker.sock:/var/run/docker.sock:ro',
        );
      }
    });
  } else if (Object.keys(config.routers).length) {
    add(
      'traefik-missing',
      ['services'],
      undefined,
      'There are Traefik labels but no service runs the traefik image.',
      `add a traefik service with image: ${TRAEFIK_IMAGE}`,
    );
  }

  const entryPointNames = Object.keys(traefik?.entryPoints ?? {});
  for (const router of Object.values(config.routers)) {
    const line = router.source?.line;
    const object = router.source?.object;
    const push = (code: string, message: string, fix: string, severity: 'error' | 'warning' = 'error') =>
      findings.push({ code, severity, file, line, object, message, fix });
    if (!router.rule)
      push(
        'router-missing-rule',
        `Router ${router.name} has no rule.`,
        `traefik.http.routers.${router.name}.rule=PathPrefix(\`/\`)`,
      );
    const service = router.service.replace(/@docker$/, '');
    if (service && !config.services[service]) {
      const near = closest(service, Object.keys(config.services).concat(['']));
      push(
        'router-missing-service',
        `Router ${router.name} sends to service '${service}', which no label defines.`,
        near ? `did you mean '${near}'?` : `define traefik.http.services.${service}.loadbalancer.server.port`,
      );
    }
    for (const reference of router.middlewares) {
      const [name, provider] = reference.split('@');
      if (provider && provider !== 'docker') {
        push(
          'label-provider-suffix',
          `Router ${router.name} uses middleware '${reference}' from the ${provider} provider, which this stack doesn't configure: Traefik drops the router, and every request gets 404.`,
          `define it with labels and write ${name}@docker`,
        );
      } else if (!config.middlewares[name]) {
        const near = Object.keys(config.middlewares).length
          ? closest(name, Object.keys(config.middlewares))
          : '';
        push(
          'router-missing-middleware',
          `Router ${router.name} uses middleware '${name}', which no label defines.`,
          near
            ? `did you mean '${near}'?`
            : `define it, e.g. traefik.http.middlewares.${name}.stripprefix.prefixes=/wsk`,
        );
      }
    }
    for (const ep of router.entryPoints) {
      if (traefik && !entryPointNames.some((n) => n.toLowerCase() === ep.toLowerCase())) {
        push(
          'router-unknown-entrypoint',
          `Router ${router.name} listens on entry point '${ep}', which Traefik's command doesn't define.`,
          entryPointNames.length
            ? `did you mean '${closest(ep, entryPointNames)}'?`
            : `add --entrypoints.${ep}.address=:80 to Traefik's command`,
        );
      }
    }
  }

  for (const service of Object.values(config.services)) {
    const object = `service ${service.target}`;
    const serviceLine = service.source?.line ?? loaded.lineOf(['services', service.target, 'labels']);
    // Point at the label that says it when there is one, else at the service's first label.
    const labelLine = (option: string) =>
      labelsOf(loaded, service.target).find(
        (l) =>
          l.key.toLowerCase() ===
          `traefik.http.services.${service.name}.loadbalancer.${option}`.toLowerCase(),
      )?.line ?? serviceLine;
    const push = (
      code: string,
      message: string,
      fix: string,
      severity: 'error' | 'warning' = 'error',
      line = serviceLine,
    ) => findings.push({ code, severity, file, line, object, message, fix });
    if (!service.port) {
      push(
        'service-missing-port',
        `Service ${service.name} names no port: Traefik would guess from the image's EXPOSE, and guess wrong once there are two.`,
        `traefik.http.services.${service.name}.loadbalancer.server.port=3000`,
      );
    }
    const cookie = service.sticky?.cookie;
    const routersOn = Object.values(config.routers).filter((r) => r.service === service.name);
    const plainHttp = routersOn.some((r) =>
      (r.entryPoints.length ? r.entryPoints : entryPointNames).some((ep) =>
        /:80$|:8000$/.test(traefik?.entryPoints[ep]?.address ?? ':80'),
      ),
    );
    if (cookie?.secure && plainHttp) {
      push(
        'cookie-secure-on-http',
        `The sticky cookie of ${service.name} is secure, but its router serves plain http: browsers never send a Secure cookie back over http, so stickiness silently stops (traefik#2653).`,
        `remove traefik.http.services.${service.name}.loadbalancer.sticky.cookie.secure=true (add it back with TLS)`,
        'error',
        labelLine('sticky.cookie.secure'),
      );
    }
    if (cookie?.name?.toLowerCase() === 'io') {
      push(
        'cookie-name-io',
        "A sticky cookie named 'io' collides with the cookie socket.io v2 set (traefik#3926).",
        `pick your own: traefik.http.services.${service.name}.loadbalancer.sticky.cookie.name=wsk_sticky`,
        'warning',
      );
    }
    if (cookie?.sameSite === 'none' && !cookie.secure) {
      push(
        'cookie-samesite-none-insecure',
        'SameSite=None without Secure is refused by browsers (traefik#10009).',
        'use samesite=lax on plain http',
      );
    }
    if (!service.sticky && (replicas[service.target] ?? 1) > 1) {
      push(
        'sticky-missing',
        `Service ${service.name} balances over ${replicas[service.target]} replicas without a sticky cookie: long-polling clients will get 400 "Session ID unknown".`,
        `traefik.http.services.${service.name}.loadbalancer.sticky.cookie.name=wsk_sticky`,
        'warning',
      );
    }
  }
  return findings;
}

function dashboardOnLoopback(spec: ComposeService): boolean {
  return (spec.ports ?? []).every((p) => {
    const text =
      typeof p === 'object' ? `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target ?? ''}` : String(p);
    return !/(^|:)8080$/.test(text) || /^(127\.0\.0\.1|\[?::1\]?):/.test(text);
  });
}
