// A small stand-in for Traefik, for rehearsing steps 3–6 where Docker or kind are absent. It runs the
// attendee's own routing (from labels or an IngressRoute): rule matching by priority, StripPrefix and
// ReplacePath, round robin over the replicas, Traefik's sticky cookie, WebSocket upgrades. It says
// plainly that it is a stand-in, and which configured features it does not implement.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { DynamicConfig, Router, Service } from '../traefik/dynamic-config.ts';
import { parseRule, type RequestFacts, rulePriority } from '../traefik/rules.ts';
import { backendHash, cookieName, readCookie, setCookieHeader } from './sticky-cookie.ts';

export interface StandInRouter {
  url: string;
  port: number;
  notes: string[];
  close(): Promise<void>;
  stats(): Record<string, { requests: number; upgrades: number }>;
}

export interface StandInOptions {
  config: DynamicConfig;
  entryPoint: string;
  /** Live backend base URLs of a service, asked on every request: instances come and go. */
  resolve: (service: Service) => string[];
  port?: number;
  host?: string;
}

interface Route {
  router: Router;
  match: (req: RequestFacts) => boolean;
  priority: number;
}

export const STAND_IN_NOTE =
  'This is a stand-in for Traefik on this machine, not Traefik: it applies your rules, StripPrefix/ReplacePath, round robin and the sticky cookie.';

export async function createStandInRouter(options: StandInOptions): Promise<StandInRouter> {
  const { config, entryPoint } = options;
  const notes = [STAND_IN_NOTE];
  const routes: Route[] = [];
  for (const router of Object.values(config.routers)) {
    if (router.entryPoints.length && !router.entryPoints.includes(entryPoint)) continue;
    const rule = parseRule(router.rule);
    if (!rule.ok) {
      notes.push(`Router ${router.name} is skipped: ${rule.message}`);
      continue;
    }
    routes.push({ router, match: rule.match, priority: router.priority ?? rulePriority(router.rule) });
  }
  // Traefik tries the highest priority first; by default that's the longest rule.
  routes.sort((a, b) => b.priority - a.priority);
  for (const u of config.unsupported)
    notes.push(
      `Not rehearsed: ${u.key}${u.source ? ` (${u.source.file}${u.source.line ? `:${u.source.line}` : ''})` : ''}`,
    );
  notes.push(
    'Not rehearsed either: TLS, health checks, retries, other middlewares, entry points other than web.',
  );

  // Keep-alive to the backends: long-polling is many short requests, and a new TCP connection for each
  // one doubled its latency.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = createProxyServer({ xfwd: true, agent });
  const cursors = new Map<string, number>();
  const counts: Record<string, { requests: number; upgrades: number }> = {};
  const stickyToSet = new WeakMap<IncomingMessage, string>();
  proxy.on('proxyReq', (proxyReq) => {
    // Small packets both ways (polls, acks): send them now rather than let Nagle's algorithm batch them.
    proxyReq.setNoDelay(true);
    // Connection is hop-by-hop, as in Traefik: a client's `Connection: close` (Node's socket.io client
    // sends one with every poll) must not close the pooled connection to the backend.
    proxyReq.setHeader('connection', 'keep-alive');
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    // And the backend's own Connection header is not the client's answer.
    delete proxyRes.headers.connection;
    const cookie = stickyToSet.get(req);
    if (!cookie) return;
    const existing = proxyRes.headers['set-cookie'] ?? [];
    proxyRes.headers['set-cookie'] = [...existing, cookie];
  });

  /** Routing and middlewares: the target URL, or an HTTP status to answer with. */
  function route(
    req: IncomingMessage,
  ): { target: string; service: Service } | { status: number; body: string } {
    const [path, search = ''] = (req.url ?? '/').split('?');
    const facts: RequestFacts = {
      host: req.headers.host ?? '',
      path,
      method: req.method ?? 'GET',
      headers: req.headers,
      query: new URLSearchParams(search),
      clientIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    };
    const chosen = routes.find((r) => r.match(facts));
    if (!chosen) return { status: 404, body: '404 page not found\n' };
    let forwardPath = path;
    for (const name of chosen.router.middlewares) {
      const middleware = config.middlewares[name];
      if (middleware?.stripPrefix) {
        // Since 3.7.3 Traefik refuses dot segments here, rather than strip into a surprising path.
        if (forwardPath.split('/').some((s) => s === '.' || s === '..'))
          return { status: 400, body: 'Bad Request\n' };
        const prefix = middleware.stripPrefix.prefixes.find((p) => forwardPath.startsWith(p));
        if (prefix) {
          forwardPath = forwardPath.slice(prefix.length);
          if (!forwardPath.startsWith('/')) forwardPath = `/${forwardPath}`;
          req.headers['x-forwarded-prefix'] = prefix;
        }
      } else if (middleware?.replacePath) {
        req.headers['x-replaced-path'] = forwardPath;
        forwardPath = middleware.replacePath.path;
      }
    }
    req.url = search ? `${forwardPath}?${search}` : forwardPath;
    const service = config.services[chosen.router.service];
    if (!service) return { status: 503, body: `Service ${chosen.router.service} does not exist\n` };
    const backends = options.resolve(service);
    if (!backends.length) return { status: 503, body: 'Service Unavailable\n' };

    const cookie = service.sticky?.cookie;
    if (cookie) {
      const name = cookieName(service, cookie);
      const wanted = readCookie(req.headers.cookie, name);
      const kept = wanted && backends.find((b) => backendHash(b) === wanted);
      if (kept) return { target: kept, service };
      const target = next(service, backends);
      stickyToSet.set(req, setCookieHeader(name, backendHash(target), cookie));
      return { target, service };
    }
    return { target: next(service, backends), service };
  }

  function next(service: Service, backends: string[]): string {
    const i = (cursors.get(service.name) ?? -1) + 1;
    cursors.set(service.name, i);
    return backends[i % backends.length];
  }

  const count = (target: string, kind: 'requests' | 'upgrades') => {
    counts[target] ??= { requests: 0, upgrades: 0 };
    counts[target][kind]++;
  };

  const sockets = new Set<Duplex>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const decision = route(req);
    if ('status' in decision) {
      res.writeHead(decision.status, { 'content-type': 'text/plain' });
      res.end(decision.body);
      return;
    }
    count(decision.target, 'requests');
    proxy.web(req, res, { target: decision.target }, () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Bad Gateway\n');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const decision = route(req);
    if ('status' in decision) {
      socket.end(
        `HTTP/1.1 ${decision.status} ${decision.status === 404 ? 'Not Found' : 'Error'}\r\nconnection: close\r\n\r\n`,
      );
      return;
    }
    count(decision.target, 'upgrades');
    proxy.ws(req, socket, head, { target: decision.target }, () => socket.destroy());
  });
  proxy.on('open', (proxySocket) => {
    sockets.add(proxySocket);
    proxySocket.once('close', () => sockets.delete(proxySocket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    port,
    notes,
    stats: () => structuredClone(counts),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Step 2's balancers: one router for every path, to one service, sticky or plain round robin. */
export function balancerConfig({ sticky }: { sticky: boolean }): DynamicConfig {
  return {
    routers: {
      app: { name: 'app', rule: 'PathPrefix(`/`)', entryPoints: ['web'], service: 'app', middlewares: [] },
    },
    services: {
      app: {
        name: 'app',
        target: 'app',
        ...(sticky ? { sticky: { cookie: { name: 'wsk_sticky', httpOnly: true, sameSite: 'lax' } } } : {}),
      },
    },
    middlewares: {},
    unsupported: [],
  };
}
