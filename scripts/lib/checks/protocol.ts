// The app protocol of the brief, as expectations shared by every step: whatever the topology
// (one server, three instances, a router in front), the same things must arrive.
import { explainCrash } from '../app-process.ts';
import type { Environment, RealStack } from '../environments/types.ts';
import { ProcessCrashed, waitFor } from '../processes.ts';
import { connectClient, nextEvent, sendChat, type TestClient, type Transport } from './clients.ts';
import { type CheckContext, CheckFailure, type Expectation } from './types.ts';

const TRANSPORTS: Transport[] = ['polling', 'websocket'];

async function client(ctx: CheckContext, env: Environment, transport: Transport, entry = env.entries[0]) {
  // An instance reached directly serves socket.io at its own default path; only the entry has a prefix.
  const path = env.instances.some((i) => i.url === entry) ? '/socket.io/' : env.socketPath;
  const c = await connectClient(entry, { transport, path });
  ctx.defer(() => c.close());
  return c;
}

async function status(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.body?.cancel();
  return res.status;
}

export const starts: Expectation = {
  id: 'starts',
  title: 'the step starts and answers /healthz',
  hint: 'run `npm run step N -- --start` to see the server output',
  timeoutMs: 60_000,
  async run(ctx) {
    const env = await ctx.environment();
    if (env.stack) return startsOnStack(env.stack);
    // Behind a cluster there are no local instances: ask through the entry instead.
    const urls = env.instances.length
      ? env.instances.map((i) => `${i.url}/healthz`)
      : [new URL(env.socketPath.replace(/socket\.io\/$/, ''), env.entries[0]).href];
    for (const url of urls) {
      const code = await status(url);
      if (code !== 200) throw new CheckFailure(`GET ${url} answered ${code}, not 200.`);
    }
  },
};

export const welcome: Expectation = {
  id: 'welcome',
  title: "a client gets 'welcome' { instance, id } over long-polling and WebSocket",
  hint: "in io.on('connection', socket => …) emit socket.emit('welcome', { instance: INSTANCE, id: socket.id })",
  async run(ctx) {
    const env = await ctx.environment();
    for (const transport of TRANSPORTS) {
      const c = await client(ctx, env, transport);
      const { instance, id } = c.welcome ?? {};
      if (typeof instance !== 'string' || !instance) {
        throw new CheckFailure(
          `'welcome' over ${transport} has no instance name: got ${JSON.stringify(c.welcome)}.`,
        );
      }
      if (id !== c.socket.id) {
        throw new CheckFailure(
          `'welcome'.id over ${transport} is ${JSON.stringify(id)}, not the socket id ${c.socket.id}.`,
        );
      }
    }
  },
};

export const chatAck: Expectation = {
  id: 'chat-ack',
  title: "'chat' { text } is acknowledged { ok: true, instance }",
  hint: "socket.on('chat', (payload, ack) => { …; ack({ ok: true, instance: INSTANCE }) })",
  async run(ctx) {
    const env = await ctx.environment();
    const c = await client(ctx, env, 'websocket');
    const answer = (await sendChat(c, { text: 'hello' })) as { ok?: unknown; instance?: unknown };
    if (answer?.ok !== true || answer.instance !== c.welcome.instance) {
      throw new CheckFailure(
        `The ack of a valid chat was ${JSON.stringify(answer)}, expected { ok: true, instance: '${c.welcome.instance}' }.`,
      );
    }
  },
};

export const chatBroadcast: Expectation = {
  id: 'chat-broadcast',
  title: "a chat reaches every connected client as 'chat' { from, text, instance }",
  hint: "broadcast with io.emit('chat', { from: socket.id, text, instance: INSTANCE }) (socket.broadcast skips the sender)",
  async run(ctx) {
    const env = await ctx.environment();
    const [a, b] = [await client(ctx, env, 'polling'), await client(ctx, env, 'websocket')];
    const text = `broadcast-${Date.now()}`;
    const arrivals = [a, b].map((c) =>
      nextEvent<{ from?: string; text?: string; instance?: string }>(c, 'chat', {
        accept: (m) => m?.text === text,
        what: `the ${c.transport} client waiting for the chat`,
      }),
    );
    await sendChat(a, { text });
    for (const message of await Promise.all(arrivals)) {
      if (message.from !== a.socket.id || message.instance !== a.welcome.instance) {
        throw new CheckFailure(
          `The broadcast was ${JSON.stringify(message)}: 'from' must be the sender's socket id (${a.socket.id}) and 'instance' the server's name.`,
        );
      }
    }
  },
};

const BAD_PAYLOADS: [string, unknown][] = [
  ['a string instead of an object', 'hello'],
  ['null', null],
  ['no text', {}],
  ['an empty text', { text: '' }],
  ['a number as text', { text: 42 }],
  ['a text of 1,001 characters', { text: 'x'.repeat(1001) }],
];

export const chatValidation: Expectation = {
  id: 'chat-validation',
  title: 'bad chat payloads are acked { ok: false, error } and broadcast nothing',
  hint: 'validate before broadcasting: an object whose text is a non-empty string of at most 1,000 characters',
  async run(ctx) {
    const env = await ctx.environment();
    const [sender, watcher] = [await client(ctx, env, 'websocket'), await client(ctx, env, 'websocket')];
    for (const [label, payload] of BAD_PAYLOADS) {
      const answer = (await sendChat(sender, payload)) as { ok?: unknown; error?: unknown };
      if (answer?.ok !== false || typeof answer.error !== 'string') {
        throw new CheckFailure(
          `A chat with ${label} was acked ${JSON.stringify(answer)}, expected { ok: false, error: '…' }.`,
        );
      }
    }
    // Events on one connection arrive in order: once the marker arrives, any bad broadcast would have too.
    const marker = `marker-${Date.now()}`;
    const arrived = nextEvent(watcher, 'chat', {
      accept: (m: { text?: string }) => m?.text === marker,
      what: 'the marker chat',
    });
    await sendChat(sender, { text: marker });
    await arrived;
    const leaked = watcher.received.filter(
      (r) => r.event === 'chat' && (r.data as { text?: unknown })?.text !== marker,
    );
    if (leaked.length)
      throw new CheckFailure(
        `An invalid chat was broadcast anyway: ${JSON.stringify(leaked[0].data).slice(0, 120)}.`,
      );
  },
};

export const heartbeat: Expectation = {
  id: 'heartbeat',
  title: "every client gets 'heartbeat' { instance, at } every HEARTBEAT_MS",
  hint: "setInterval(() => io.emit('heartbeat', { instance: INSTANCE, at: Date.now() }), HEARTBEAT_MS)",
  async run(ctx) {
    const env = await ctx.environment();
    const c = await client(ctx, env, 'polling');
    const beat = await nextEvent<{ instance?: unknown; at?: unknown }>(c, 'heartbeat', {
      timeoutMs: 3_000,
      what: 'with HEARTBEAT_MS=300',
    });
    if (typeof beat?.instance !== 'string' || typeof beat.at !== 'number') {
      throw new CheckFailure(
        `A heartbeat was ${JSON.stringify(beat)}, expected { instance: string, at: number }.`,
      );
    }
  },
};

export const readyz: Expectation = {
  id: 'readyz',
  title: 'GET /readyz answers 200 when the server can serve',
  hint: 'answer 200 on /readyz when ready (from step 2: only while Redis is connected), else 503',
  async run(ctx) {
    const env = await ctx.environment();
    for (const instance of env.instances) {
      const code = await status(`${instance.url}/readyz`);
      if (code !== 200)
        throw new CheckFailure(`GET ${instance.url}/readyz answered ${code} while everything is up.`);
    }
  },
};

export const sigterm: Expectation = {
  id: 'sigterm',
  title: 'on SIGTERM the server disconnects its clients (so they reconnect) and exits 0 within 10 s',
  hint: "process.once('SIGTERM', () => io.close(() => process.exit(0))): closing the transports lets clients reconnect elsewhere",
  timeoutMs: 15_000,
  async run(ctx) {
    const env = await ctx.environment();
    const instance = env.instances[env.instances.length - 1];
    const c = await client(ctx, env, 'websocket', instance.url);
    const disconnected = new Promise<string>((resolve) => c.socket.once('disconnect', resolve));
    const started = Date.now();
    const exit = await instance.process.stop({ graceMs: 10_000 });
    const ms = Date.now() - started;
    if (exit.signal === 'SIGKILL' || ms >= 10_000)
      throw new CheckFailure('The server was still running 10 s after SIGTERM.');
    if (exit.code !== 0)
      throw new CheckFailure(
        `After SIGTERM the server exited with ${exit.signal ?? `code ${exit.code}`}, not 0.`,
      );
    const reason = await Promise.race([
      disconnected,
      new Promise<string>((r) => setTimeout(() => r('none'), 1_000)),
    ]);
    if (reason === 'io server disconnect') {
      throw new CheckFailure(
        "Clients were disconnected with socket.disconnect(): their reason is 'io server disconnect', so they do not reconnect.",
      );
    }
    if (reason === 'none') throw new CheckFailure('The client was not disconnected when the server stopped.');
  },
};

/** Step 2 onwards: a chat sent through one instance reaches the clients of every other instance. */
export const crossInstance: Expectation = {
  id: 'cross-instance',
  title: 'a chat sent through one instance reaches the clients of every instance',
  hint: 'plug in the Redis adapter: const pub = createClient({ url: REDIS_URL }); const sub = pub.duplicate(); await both connect(); io.adapter(createAdapter(pub, sub))',
  async run(ctx) {
    const env = await ctx.environment();
    const clients: TestClient[] = [];
    for (const [i, instance] of env.instances.entries()) {
      clients.push(await client(ctx, env, i % 2 ? 'polling' : 'websocket', instance.url));
    }
    await expectFanOut(clients, 'cross-instance');
  },
};

/** Sends from the first client; every client must get it. Names the instances that missed it. */
export async function expectFanOut(clients: TestClient[], label: string, timeoutMs = 3_000): Promise<void> {
  const text = `${label}-${Date.now()}`;
  const arrivals = clients.map((c) =>
    nextEvent(c, 'chat', {
      accept: (m: { text?: string }) => m?.text === text,
      timeoutMs,
      what: c.welcome.instance,
    }).then(
      () => undefined,
      () => c.welcome.instance,
    ),
  );
  await sendChat(clients[0], { text });
  const missed = [...new Set((await Promise.all(arrivals)).filter((m): m is string => m !== undefined))];
  if (missed.length) {
    throw new CheckFailure(
      `A chat sent through ${clients[0].welcome.instance} reached its own clients but not those on ${missed.join(', ')}: ` +
        'without the Redis adapter each instance only knows its own sockets.',
    );
  }
}

/** Step 2 onwards: /readyz follows Redis, and broadcasts resume by themselves after a Redis restart. */
export const redisOutage: Expectation = {
  id: 'redis-outage',
  title: '/readyz is 503 while Redis is down; broadcasts resume within 5 s of its restart',
  hint: "base /readyz on the Redis clients' isReady, and keep an 'error' listener on both clients so a lost connection does not crash the process",
  timeoutMs: 20_000,
  async run(ctx) {
    const env = await ctx.environment();
    if (env.stack) return redisOutageOnStack(ctx, env, env.stack);
    if (!env.redis || env.redis.kind === 'external') return; // An external Redis is not ours to restart.
    await env.redis.stop();
    for (const instance of env.instances) {
      // waitFor fails at once when the process exits: a crash is the likelier answer than a slow 503.
      await waitFor(
        'a 503',
        async () => ((await status(`${instance.url}/readyz`)) === 503 ? true : undefined),
        {
          timeoutMs: 5_000,
          intervalMs: 100,
          process: instance.process,
        },
      ).catch((err) => {
        if (!(err instanceof ProcessCrashed)) {
          throw new CheckFailure(
            `GET ${instance.url}/readyz still answered 200 five seconds after Redis stopped.`,
          );
        }
        const output = instance.process.output();
        throw new CheckFailure(
          `${instance.id} crashed when Redis went away: ${explainCrash(output, ctx.dir)}`,
          /Unhandled 'error' event/.test(output)
            ? "add an 'error' listener to both Redis clients: an EventEmitter without one throws, and the process dies"
            : "a publish in flight when Redis dropped rejected with nobody listening: wrap pub.publish so that its rejection is caught (the adapter doesn't wait for it)",
        );
      });
    }
    await env.redis.restart();
    const clients: TestClient[] = [];
    for (const instance of env.instances) clients.push(await client(ctx, env, 'websocket', instance.url));
    await waitFor(
      'broadcasts across instances',
      () => expectFanOut(clients, 'after-restart', 500).then(() => true),
      { timeoutMs: 5_000, intervalMs: 100 },
    ).catch(() => {
      throw new CheckFailure(
        'Broadcasts across instances had not resumed 5 s after Redis came back: the subscriber did not reconnect.',
      );
    });
  },
};

/** The same outage on a real stack: its Redis container stopped, each replica asked from inside. */
async function redisOutageOnStack(ctx: CheckContext, env: Environment, stack: RealStack) {
  const replicas = (await stack.replicas()).filter((r) => r.running);
  await stack.stopRedis();
  try {
    for (const replica of replicas) {
      const answer = await waitFor(
        'a 503',
        async () => {
          const now = (await stack.replicas()).find((r) => r.id === replica.id);
          if (!now?.running) return { crashed: now };
          return (await stack.status(replica, '/readyz')) === 503 ? { crashed: undefined } : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 200 },
      ).catch(() => {
        throw new CheckFailure(
          `GET /readyz in ${replica.instance} still answered 200 five seconds after Redis stopped.`,
        );
      });
      if (answer.crashed) {
        const output = await answer.crashed.logs();
        throw new CheckFailure(
          `${replica.instance} crashed (exit code ${answer.crashed.exitCode}) when Redis went away: ${explainCrash(output, ctx.dir)}`,
          /Unhandled 'error' event/.test(output)
            ? "add an 'error' listener to both Redis clients: an EventEmitter without one throws, and the process dies"
            : "a publish in flight when Redis dropped rejected with nobody listening: wrap pub.publish so that its rejection is caught (the adapter doesn't wait for it)",
        );
      }
    }
  } finally {
    await stack.startRedis();
  }
  // Through the router: WebSocket clients until they span two replicas, then a broadcast must reach all.
  const clients: TestClient[] = [];
  for (let i = 0; i < 12 && new Set(clients.map((c) => c.welcome.instance)).size < 2; i++)
    clients.push(await client(ctx, env, 'websocket'));
  await waitFor(
    'broadcasts across instances',
    () => expectFanOut(clients, 'after-restart', 500).then(() => true),
    { timeoutMs: 5_000, intervalMs: 100 },
  ).catch(() => {
    throw new CheckFailure(
      'Broadcasts across instances had not resumed 5 s after Redis came back: the subscriber did not reconnect.',
    );
  });
}

/** Every replica of a real stack running and answering /healthz, asked from inside it. */
async function startsOnStack(stack: RealStack) {
  const replicas = await stack.replicas();
  if (!replicas.length)
    throw new CheckFailure(
      'No container of the stack has the label traefik.enable=true: there is no app replica.',
    );
  for (const replica of replicas) {
    if (!replica.running)
      throw new CheckFailure(
        `${replica.instance} exited with code ${replica.exitCode}: ${(await replica.logs()).trim().split('\n').slice(-3).join(' ⏎ ')}`,
      );
    const code = await stack.status(replica, '/healthz');
    if (code !== 200)
      throw new CheckFailure(`GET /healthz in ${replica.instance} answered ${code}, not 200.`);
  }
}
