// The stand-in router with real socket.io servers behind it: stickiness, spread, Session ID unknown
// without stickiness, WebSocket upgrades, StripPrefix, a backend going away, hop-by-hop
// Connection, notes, 404.
import { createServer, type Server as HttpServer, type IncomingMessage, request } from 'node:http';
import { Server } from 'socket.io';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  closeAll,
  connectClient,
  nextEvent,
  sendChat,
  type TestClient,
} from '../scripts/lib/checks/clients.ts';
import {
  balancerConfig,
  createStandInRouter,
  type StandInRouter,
} from '../scripts/lib/router/stand-in-router.ts';
import type { DynamicConfig } from '../scripts/lib/traefik/dynamic-config.ts';

interface Backend {
  url: string;
  http: HttpServer;
  io: Server;
  /** Each plain HTTP request's Connection header and the router-side port it came from. */
  seen: { connection?: string; port?: number }[];
}
let backends: Backend[] = [];
let router: StandInRouter | undefined;
let clients: TestClient[] = [];

/** A minimal protocol server (welcome + chat echo to its own clients) on a free port. */
async function backend(name: string): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const http = createServer((req, res) => {
    seen.push({ connection: req.headers.connection, port: req.socket.remotePort });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} ${req.url} ${req.headers['x-forwarded-prefix'] ?? ''}`);
  });
  const io = new Server(http);
  io.on('connection', (socket) => {
    socket.emit('welcome', { instance: name, id: socket.id });
    socket.on('chat', (payload: { text: string }, ack: (a: unknown) => void) => {
      io.emit('chat', { from: socket.id, text: payload.text, instance: name });
      ack({ ok: true, instance: name });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, http, io, seen };
}

/**
 * One request to the router on a connection of its own, as sent: fetch would normalise dot segments
 * away and will not send `Connection: close`.
 */
function rawRequest(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    request({ host: '127.0.0.1', port: router?.port, path, headers, agent: false }, (res) =>
      res.resume().on('end', () => resolve(res)),
    )
      .on('error', reject)
      .end(),
  );
}

const live = () => backends.filter((b) => b.http.listening).map((b) => b.url);

beforeEach(async () => {
  backends = await Promise.all(['a', 'b', 'c'].map(backend));
});
afterEach(async () => {
  closeAll(clients);
  clients = [];
  await router?.close();
  router = undefined;
  for (const b of backends) {
    b.io.close();
  }
});

it('keeps 12 long-polling sessions sticky and spreads them over the backends', async () => {
  router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: live,
  });
  for (let i = 0; i < 12; i++) clients.push(await connectClient(router.url, { transport: 'polling' }));
  expect(new Set(clients.map((c) => c.welcome.instance)).size).toBeGreaterThanOrEqual(2);
  // Several round trips each: every one lands on the instance that knows the session.
  for (const c of clients)
    expect(await sendChat(c, { text: 'hi' })).toEqual({ ok: true, instance: c.welcome.instance });
});

it('without stickiness, long-polling gets HTTP 400 Session ID unknown', async () => {
  router = await createStandInRouter({
    config: balancerConfig({ sticky: false }),
    entryPoint: 'web',
    resolve: live,
  });
  await expect(connectClient(router.url, { transport: 'polling' })).rejects.toThrow(
    /Session ID unknown|HTTP 400/,
  );
});

it('sets the sticky cookie with the configured attributes, and a hash rather than the address', async () => {
  router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: live,
  });
  const res = await fetch(`${router.url}/x`);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^wsk_sticky=[0-9a-f]{16}; Path=\/; HttpOnly; SameSite=Lax$/);
  expect(cookie).not.toContain('127.0.0.1');
  // The same cookie leads back to the same backend.
  const again = await fetch(`${router.url}/x`, { headers: { cookie: cookie.split(';')[0] } });
  expect((await again.text()).split(' ')[0]).toBe((await res.text()).split(' ')[0]);
  expect(again.headers.get('set-cookie')).toBeNull();
});

it('treats Connection as hop-by-hop: a client closing each request does not close the backend connection', async () => {
  // Node's socket.io client sends `Connection: close` with every poll; Traefik does not pass it on.
  router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: live,
  });
  const get = async (cookie?: string) => {
    const res = await rawRequest('/x', { connection: 'close', ...(cookie ? { cookie } : {}) });
    return { cookie: res.headers['set-cookie']?.[0]?.split(';')[0], connection: res.headers.connection };
  };
  const first = await get();
  const answers = [first, await get(first.cookie), await get(first.cookie)];
  // The client asked to close, and its own connection is closed.
  expect(answers.map((a) => a.connection)).toEqual(['close', 'close', 'close']);
  const seen = backends.flatMap((b) => b.seen);
  expect(seen).toHaveLength(3);
  expect(seen.map((s) => s.connection)).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
  // One pooled connection to the backend served all three.
  expect(new Set(seen.map((s) => s.port)).size).toBe(1);
});

it('upgrades WebSockets, directly and from long-polling', async () => {
  router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: live,
  });
  const ws = await connectClient(router.url, { transport: 'websocket' });
  clients.push(ws);
  expect(ws.socket.io.engine.transport.name).toBe('websocket');
  expect(Object.values(router.stats()).reduce((n, s) => n + s.upgrades, 0)).toBe(1);
});

it('strips a prefix: the client asks /wsk/socket.io/, the server answers at /socket.io/', async () => {
  const config: DynamicConfig = {
    routers: {
      app: {
        name: 'app',
        rule: 'PathPrefix(`/wsk`)',
        entryPoints: ['web'],
        service: 'app',
        middlewares: ['strip'],
      },
    },
    services: { app: { name: 'app', target: 'app', sticky: { cookie: { name: 'wsk_sticky' } } } },
    middlewares: { strip: { name: 'strip', stripPrefix: { prefixes: ['/wsk'] } } },
    unsupported: [],
  };
  router = await createStandInRouter({ config, entryPoint: 'web', resolve: live });
  for (const transport of ['polling', 'websocket'] as const)
    clients.push(await connectClient(router.url, { transport, path: '/wsk/socket.io/' }));
  expect(await (await fetch(`${router.url}/wsk/page`)).text()).toMatch(/^[abc] \/page \/wsk$/);
  expect((await rawRequest('/wsk/./etc')).statusCode).toBe(400);
  expect((await fetch(`${router.url}/other`)).status).toBe(404);
});

it('re-routes a sticky client whose backend went away', async () => {
  router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: live,
  });
  const c = await connectClient(router.url, { transport: 'polling', reconnect: true });
  clients.push(c);
  const gone = backends.find((b) => b.io.of('/').sockets.size > 0);
  expect(gone).toBeDefined();
  const welcomeAgain = nextEvent<{ instance: string }>(c, 'welcome', {
    timeoutMs: 5_000,
    what: 'a new welcome after the backend closed',
  });
  gone?.io.close();
  gone?.http.closeAllConnections();
  const again = await welcomeAgain;
  expect(again.instance).not.toBe(c.welcome.instance);
});

it('names what it does not rehearse, and says it is a stand-in', async () => {
  const config = balancerConfig({ sticky: true });
  config.unsupported.push({
    key: 'traefik.http.routers.app.tls=true',
    source: { file: 'compose.yaml', line: 12 },
  });
  router = await createStandInRouter({ config, entryPoint: 'web', resolve: live });
  expect(router.notes[0]).toMatch(/stand-in for Traefik/);
  expect(router.notes.join('\n')).toContain('traefik.http.routers.app.tls=true (compose.yaml:12)');
});
