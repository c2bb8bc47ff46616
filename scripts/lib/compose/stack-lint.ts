// The step-3 stack read as a whole: Traefik's service (image, static flags, docker.sock, dashboard), the
// references between routers, services and middlewares that labels make, and then the lints of the
// shared Traefik model (traefik/lint.ts: rules, entry points, stickiness, the sticky cookie).
import { closest } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import type { DynamicConfig, Service } from '../traefik/dynamic-config.ts';
import { checkTraefikImage } from '../traefik/image.ts';
import { lintDynamicConfig, staticConfigFindings } from '../traefik/lint.ts';
import { parseStaticConfig, type StaticConfig } from '../traefik/static-config.ts';
import { TRAEFIK_IMAGE } from '../traefik/version.ts';
import { type LoadedCompose, labelsOf } from './parse.ts';

interface ComposeService {
  image?: string;
  command?: string | string[];
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { source?: string; target?: string; read_only?: boolean })[];
}

export interface TraefikService {
  service: string;
  /** The entry points its flags define, by name (Traefik's implicit ones left out). */
  entryPoints: Record<string, { address: string }>;
  args: string[];
  static: StaticConfig;
}

/** The service running Traefik (by image), its command-line arguments and static configuration. */
export function findTraefik(loaded: LoadedCompose): TraefikService | undefined {
  const services = (loaded.doc?.services ?? {}) as Record<string, ComposeService>;
  const entry = Object.entries(services).find(([, s]) => /(^|\/)traefik(:|@|$)/.test(s?.image ?? ''));
  if (!entry) return undefined;
  const [service, spec] = entry;
  const list = Array.isArray(spec.command);
  const args = list
    ? (spec.command as unknown[]).map(String)
    : String(spec.command ?? '')
        .split(/\s+/)
        .filter(Boolean);
  const lines = args.map((_, i) => loaded.lineOf(['services', service, 'command', ...(list ? [i] : [])]));
  const parsed = parseStaticConfig(args, lines);
  const entryPoints = Object.fromEntries(
    Object.values(parsed.entryPoints)
      .filter((ep) => !ep.implicit)
      .map((ep) => [ep.name, { address: ep.address }]),
  );
  return { service, entryPoints, args, static: parsed };
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

  for (const name of Object.keys(services)) {
    const swarm = labelsOf(loaded, name, ['deploy']).filter((l) => /^traefik\./i.test(l.key.trim()));
    if (swarm.length)
      add(
        'traefik-labels-under-deploy',
        ['services', name, 'deploy', 'labels'],
        `service ${name}`,
        `The Traefik labels of the ${name} service are under deploy.labels, which label a Swarm service: \`docker compose up\` puts only the service's own \`labels:\` on its containers, and those are what Traefik's Docker provider reads.`,
        'move `labels:` up one level, beside `deploy:` (deploy.labels is for docker stack deploy on Swarm)',
      );
  }

  if (traefik) {
    const spec = services[traefik.service];
    const at = (i: number) => ['services', traefik.service, 'command', i];
    const image = checkTraefikImage(spec.image ?? '');
    if (image) {
      add(
        'traefik-image',
        ['services', traefik.service, 'image'],
        `service ${traefik.service}`,
        image.message,
        image.fix,
        image.severity,
      );
    }
    findings.push(...staticConfigFindings(traefik.static, file, `service ${traefik.service}`));
    const docker = traefik.static.providers.docker;
    if (!docker || docker.exposedByDefault) {
      add(
        'traefik-exposed-by-default',
        ['services', traefik.service, 'command'],
        `service ${traefik.service}`,
        docker
          ? 'Traefik exposes every container by default, Redis included.'
          : 'Traefik runs without the Docker provider (--providers.docker), so it reads no labels.',
        docker
          ? 'add --providers.docker.exposedbydefault=false and label the app traefik.enable=true'
          : 'add --providers.docker=true and --providers.docker.exposedbydefault=false',
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
    const insecure = traefik.static.flags.findLast((f) => f.key === 'api.insecure');
    if (traefik.static.api.insecure && insecure && !dashboardOnLoopback(spec)) {
      add(
        'dashboard-public',
        at(insecure.index),
        `service ${traefik.service}`,
        '--api.insecure serves the dashboard without authentication, and port 8080 is published on every interface.',
        'publish it on loopback only: "127.0.0.1:8080:8080"',
      );
    }
    // No lint on the Docker socket's mount: `:ro` makes the socket file read-only, not the Docker API behind it,
    // so read-write or not, whoever controls Traefik controls Docker. Step 3's README teaches the risk and a
    // read-only API proxy; a finding here would only suggest that `:ro` protects.
  } else if (Object.keys(config.routers).length) {
    add(
      'traefik-missing',
      ['services'],
      undefined,
      'There are Traefik labels but no service runs the traefik image.',
      `add a traefik service with image: ${TRAEFIK_IMAGE}`,
    );
  }

  for (const router of Object.values(config.routers)) {
    const source = router.source;
    const push = (
      code: string,
      message: string,
      fix: string,
      severity: 'error' | 'warning' = 'error',
      field?: string,
    ) =>
      findings.push({
        code,
        severity,
        file,
        line: (field && source?.fields?.[field]) || source?.line,
        object: source?.object,
        message,
        fix,
      });
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
        'error',
        'service',
      );
    }
    for (const reference of router.middlewares) {
      const [name, provider] = reference.split('@');
      if (provider && provider !== 'docker') {
        push(
          'label-provider-suffix',
          `Router ${router.name} uses middleware '${reference}' from the ${provider} provider, which this stack doesn't configure: Traefik drops the router, and every request gets 404.`,
          `define it with labels and write ${name}@docker`,
          'error',
          'middlewares',
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
          'error',
          'middlewares',
        );
      }
    }
  }

  for (const service of Object.values(config.services)) {
    // A service no router uses that holds only a sticky cookie is that cookie misplaced (lint.ts says so).
    const unrouted = !Object.values(config.routers).some((r) => r.service === service.name);
    if (!service.port && !(unrouted && service.sticky)) {
      findings.push({
        code: 'service-missing-port',
        severity: 'error',
        file,
        line: service.source?.line ?? loaded.lineOf(['services', service.target, 'labels']),
        object: `service ${service.target}`,
        message: `Service ${service.name} names no port: Traefik would guess from the image's EXPOSE, and guess wrong once there are two.`,
        fix: `traefik.http.services.${service.name}.loadbalancer.server.port=3000`,
      });
    }
  }

  const option = (s: Service, path: string) => `traefik.http.services.${s.name}.loadbalancer.${path}`;
  findings.push(
    ...lintDynamicConfig({
      config,
      staticConfig: traefik?.static,
      replicas,
      syntax: {
        commandName: "Traefik's command",
        addStickyCookie: (s) => `${option(s, 'sticky.cookie.name')}=wsk_sticky`,
        removeSecure: (s) => `remove ${option(s, 'sticky.cookie.secure')}=true (add it back with TLS)`,
        sameSiteLax: (s) => `${option(s, 'sticky.cookie.samesite')}=lax on plain http`,
        renameCookie: (s) => `pick your own: ${option(s, 'sticky.cookie.name')}=wsk_sticky`,
      },
    }),
  );
  return findings;
}

function dashboardOnLoopback(spec: ComposeService): boolean {
  return (spec.ports ?? []).every((p) => {
    const text =
      typeof p === 'object' ? `${p.host_ip ?? ''}:${p.published ?? ''}:${p.target ?? ''}` : String(p);
    return !/(^|:)8080$/.test(text) || /^(127\.0\.0\.1|\[?::1\]?):/.test(text);
  });
}
