// The workshop's model of Traefik's dynamic configuration, written the way Traefik's file provider reads it:
// the routers, services and middlewares the attendee's labels or IngressRoute describe, with the rehearsal's
// local replicas as servers. Provider suffixes (`@docker`, `@kubernetescrd`) are already gone from the model,
// so every reference resolves inside this one file, as it would inside the real provider.
import { stringify } from 'yaml';
import type { DynamicConfig, Service } from '../traefik/dynamic-config.ts';

/** A service's servers, by service name: the URLs of its running replicas. */
export type Servers = Record<string, string[]>;

export function fileProviderConfig(config: DynamicConfig, servers: Servers): Record<string, unknown> {
  const routers = Object.fromEntries(
    Object.values(config.routers).map((r) => [
      r.name,
      {
        rule: r.rule,
        service: r.service,
        ...(r.entryPoints.length ? { entryPoints: r.entryPoints } : {}),
        ...(r.middlewares.length ? { middlewares: r.middlewares } : {}),
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        ...(r.tls ? { tls: {} } : {}),
      },
    ]),
  );
  const services = Object.fromEntries(
    Object.values(config.services).map((s) => [
      s.name,
      { loadBalancer: loadBalancer(s, servers[s.name] ?? []) },
    ]),
  );
  const middlewares = Object.fromEntries(
    Object.values(config.middlewares).map((m) => [
      m.name,
      m.stripPrefix ? { stripPrefix: m.stripPrefix } : m.replacePath ? { replacePath: m.replacePath } : {},
    ]),
  );
  // Traefik refuses an empty section ("middlewares cannot be a standalone element"): leave it out.
  const http = Object.fromEntries(
    Object.entries({ routers, services, middlewares }).filter(([, v]) => Object.keys(v).length > 0),
  );
  return { http };
}

function loadBalancer(service: Service, urls: string[]) {
  const cookie = service.sticky?.cookie;
  return {
    servers: urls.map((url) => ({ url })),
    ...(cookie
      ? {
          sticky: {
            cookie: Object.fromEntries(
              Object.entries({
                name: cookie.name,
                secure: cookie.secure,
                httpOnly: cookie.httpOnly,
                sameSite: cookie.sameSite,
                maxAge: cookie.maxAge,
                path: cookie.path,
              }).filter(([, v]) => v !== undefined),
            ),
          },
        }
      : {}),
    ...(service.strategy ? { strategy: service.strategy } : {}),
  };
}

export const fileProviderYaml = (config: DynamicConfig, servers: Servers) =>
  `# Written by the workshop's rehearsal from your own configuration; Traefik reloads it on change.\n${stringify(fileProviderConfig(config, servers))}`;
