// Behavioural checks through the router (the real Traefik, in the rehearsal or on the real stack): many
// clients, both transports, sessions kept, load spread, chats fanned out to everyone. When one fails and
// Traefik refused part of the configuration, its own words come with the failure.
import { type ApiRouter, apiList, bare } from '../traefik-run/api.ts';
import { closeAll, connectClient, type TestClient, type Transport } from './clients.ts';
import { expectFanOut } from './protocol.ts';
import { CheckFailure, CheckSkipped, type Expectation } from './types.ts';

/** The expectation, with Traefik's own errors (and the attendee's file and line) added to a failure. */
function throughTraefik(expectation: Expectation): Expectation {
  return {
    ...expectation,
    async run(ctx) {
      try {
        await expectation.run(ctx);
      } catch (err) {
        const problems = (await (await ctx.environment()).traefik?.problems()) ?? [];
        if (!problems.length) throw err;
        const failure = err instanceof CheckFailure ? err : new CheckFailure((err as Error).message);
        throw new CheckFailure(
          `${failure.message}\nTraefik refused part of your configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`,
          failure.hint,
        );
      }
    },
  };
}

const SESSION_UNKNOWN = /Session ID unknown|HTTP 400/;

/** `stickyFix` says, in the step's own terms, what makes the router sticky (a label, an IngressRoute field). */
export function stickyLongPolling(stickyFix: string): Expectation {
  return throughTraefik({
    id: 'sticky-long-polling',
    title:
      '12 long-polling clients through the router keep their sessions, reach ≥2 instances and get each other’s chats',
    hint: stickyFix,
    timeoutMs: 30_000,
    async run(ctx) {
      const env = await ctx.environment();
      const clients: TestClient[] = [];
      ctx.defer(() => closeAll(clients));
      for (let i = 0; i < 12; i++) {
        try {
          clients.push(await connectClient(env.entries[0], { transport: 'polling', path: env.socketPath }));
        } catch (err) {
          const message = (err as Error).message;
          if (SESSION_UNKNOWN.test(message)) {
            throw new CheckFailure(
              `Long-polling client ${i + 1} failed: ${message}. Its handshake landed on one instance and its next request on another, which doesn't know the session: the router is not sticky.`,
              stickyFix,
            );
          }
          throw err;
        }
      }
      const spread = new Set(clients.map((c) => c.welcome.instance));
      if (spread.size < 2) {
        throw new CheckFailure(
          `All 12 clients landed on ${[...spread][0]}: the router is not balancing over the replicas.`,
          'run several replicas and let the router balance over all of them',
        );
      }
      await expectFanOut(clients, 'polling-fan-out');
    },
  });
}

export const websocketThroughRouter: Expectation = throughTraefik({
  id: 'websocket-through-router',
  title: 'WebSocket clients through the router upgrade, connect and get each other’s chats',
  hint: 'the router must forward the Upgrade and Connection headers and keep the socket.io path intact',
  timeoutMs: 20_000,
  async run(ctx) {
    const env = await ctx.environment();
    const clients: TestClient[] = [];
    ctx.defer(() => closeAll(clients));
    const transports: Transport[] = ['websocket', 'websocket', 'websocket', 'websocket'];
    for (const transport of transports) {
      try {
        clients.push(await connectClient(env.entries[0], { transport, path: env.socketPath }));
      } catch (err) {
        // Before blaming the router: does the app itself take WebSocket? (Its path is the router's minus a prefix.)
        const direct = env.instances[0];
        const ok =
          direct &&
          (await connectClient(direct.url, { transport: 'websocket' }).then(
            (c) => {
              c.close();
              return true;
            },
            () => false,
          ));
        if (direct && !ok)
          throw new CheckFailure(
            `${(err as Error).message}. A WebSocket straight to ${direct.id} fails too: the app itself refuses WebSocket.`,
            "let the server accept both transports: drop `transports: ['polling']` from new Server(…)",
          );
        throw err;
      }
    }
    await expectFanOut(clients, 'websocket-fan-out');
  },
});

/** What Traefik's answer means, and what to change: the generic hint is the rule's. */
const STATUS_MEANS: Record<number, string> = {
  404: ' Traefik answers 404 when no router matches the request.',
  502: ' Traefik answers 502 when it reaches the service but nothing answers on the server’s port.',
  503: ' Traefik answers 503 when the service has no server (no replica running or ready).',
};
const STATUS_FIX: Record<number, string> = {
  502: 'the service port (label loadbalancer.server.port, or the Service’s targetPort) must be the port the app listens on: its PORT, 3000 by default',
  503: 'check that the replicas start and that the router names the right service',
};

/** The page itself through the router: what a browser asks first. */
export const pageThroughRouter: Expectation = throughTraefik({
  id: 'page-through-router',
  title: 'the chat page and the socket.io client script load through the router',
  hint: 'the router rule must match / and the socket.io path',
  async run(ctx) {
    const env = await ctx.environment();
    const base = env.entries[0];
    const prefix = env.socketPath.replace(/socket\.io\/$/, '');
    for (const path of [prefix, `${env.socketPath}socket.io.js`]) {
      const res = await fetch(new URL(path, base), { signal: AbortSignal.timeout(3_000) });
      await res.body?.cancel();
      if (res.status !== 200)
        throw new CheckFailure(
          `GET ${path} through the router answered ${res.status}, not 200.${STATUS_MEANS[res.status] ?? ''}`,
          STATUS_FIX[res.status],
        );
    }
  },
});

/** The blog's host: browsers resolve any *.localhost to this machine without DNS; clients send the header. */
const CHAT_HOST = 'chat.localhost';

/**
 * The blog's `Host(...) && PathPrefix(...)` rule: a router Traefik built for it, which wins over the plain
 * path rule (its service, the same Service's, is sticky-long-polling's to check), and clients that name the
 * host get through (WebSocket: a Node
 * client sets the Host header of its upgrade).
 */
export function hostRoute(routeFix: string): Expectation {
  return throughTraefik({
    id: 'host-route',
    title: `a route for Host(\`${CHAT_HOST}\`) that Traefik built and ranks above the path rule; clients naming that host get through`,
    hint: routeFix,
    timeoutMs: 20_000,
    async run(ctx) {
      const env = await ctx.environment();
      if (!env.traefik)
        throw new CheckSkipped(`the check does not reach Traefik's API on ${ctx.target.name}`);
      const api = env.traefik.apiUrl;
      const routers = await apiList<ApiRouter>(api, '/api/http/routers', 3_000);
      const host = routers.find((r) => r.rule.includes(`Host(\`${CHAT_HOST}\`)`));
      if (!host)
        throw new CheckFailure(
          `Traefik has no router for Host(\`${CHAT_HOST}\`). Its routers' rules: ${routers.map((r) => r.rule).join('; ') || 'none'}.`,
        );
      if (host.status !== 'enabled')
        throw new CheckFailure(
          `Traefik built the router ${bare(host.name)} (${host.rule}), but it is ${host.status}.`,
        );
      // Both rules match a request for chat.localhost: the higher priority takes it (the rule's length by default).
      const shadow = routers.find(
        (r) =>
          r !== host &&
          r.status === 'enabled' &&
          !r.rule.includes('Host(') &&
          (r.priority ?? 0) >= (host.priority ?? 0),
      );
      if (shadow)
        throw new CheckFailure(
          `The router ${bare(shadow.name)} (${shadow.rule}) has priority ${shadow.priority}, the Host route ${host.priority}: every request for ${CHAT_HOST} goes to ${bare(shadow.name)}, and the Host route never serves one.`,
          'drop the explicit priority, and Traefik ranks the longer rule (the Host one) first',
        );
      const clients: TestClient[] = [];
      ctx.defer(() => closeAll(clients));
      for (let i = 0; i < 2; i++)
        clients.push(
          await connectClient(env.entries[0], {
            transport: 'websocket',
            path: env.socketPath,
            headers: { host: CHAT_HOST },
          }),
        );
      await expectFanOut(clients, 'host-route-fan-out');
    },
  });
}
