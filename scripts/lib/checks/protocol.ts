// The app protocol of the brief, as expectations shared by every step: whatever the topology
// (one server, three instances, a router in front), the same things must arrive.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from 'redis';
import { explainCrash } from '../app-process.ts';
import type { Environment, RealStack } from '../environment.ts';
import { ProcessCrashed, waitFor } from '../processes.ts';
import { SOCKET_IO_PATH } from '../socket-path.ts';
import {
  connectClient,
  nextEvent,
  sendChat,
  spareConnection,
  type TestClient,
  type Transport,
} from './clients.ts';
import { matchHint, UNGUARDED_PUBLISH } from './diagnosis.ts';
import { type CheckContext, CheckFailure, CheckSkipped, type Expectation } from './types.ts';

const TRANSPORTS: Transport[] = ['polling', 'websocket'];

async function client(ctx: CheckContext, env: Environment, transport: Transport, entry = env.entries[0]) {
  // An instance reached directly serves socket.io at its own default path; only the entry has a prefix.
  const path = env.instances.some((i) => i.url === entry) ? SOCKET_IO_PATH : env.socketPath;
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
      if (typeof c.welcome !== 'object' || c.welcome === null) {
        throw new CheckFailure(
          `'welcome' over ${transport} is ${JSON.stringify(c.welcome)}, not an object: the client reads welcome.instance and welcome.id from it.`,
        );
      }
      const { instance, id } = c.welcome;
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
  hint: "socket.on('chat', (payload, ack) => { …; if (typeof ack === 'function') ack({ ok: true, instance: INSTANCE }) })",
  async run(ctx) {
    const env = await ctx.environment();
    const c = await client(ctx, env, 'websocket');
    // A client may send no ack callback at all (the page's older code, a script): the server must live on.
    c.socket.emit('chat', { text: 'no ack wanted' });
    const answer = (await sendChat(c, { text: 'hello' }).catch((err) => {
      // No ack and no broadcast either: no handler ran at all, which the ack's hint would not say.
      if (!c.received.some((e) => e.event === 'chat'))
        throw new CheckFailure(
          "Nothing answered a 'chat' within 3 s: no ack, and no broadcast came back either, so no handler for 'chat' ran.",
          "handle the event by its name: socket.on('chat', (payload, ack) => …) inside io.on('connection', …), for every socket",
        );
      throw err;
    })) as { ok?: unknown; instance?: unknown };
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
    // Three in a row from the client's own instance, at the interval: one beat proves a timer fired, not
    // that it keeps firing (with the Redis adapter, the other instances' beats arrive too).
    const arrivals: number[] = [];
    let malformed: unknown;
    const onBeat = (beat: { instance?: unknown; at?: unknown }) => {
      if (typeof beat?.instance !== 'string' || typeof beat.at !== 'number') malformed ??= beat;
      else if (beat.instance === c.welcome.instance) arrivals.push(Date.now());
    };
    c.socket.on('heartbeat', onBeat);
    try {
      await waitFor(
        'three heartbeats',
        async () => (arrivals.length >= 3 || malformed !== undefined ? true : undefined),
        {
          timeoutMs: 4_000,
          intervalMs: 20,
        },
      ).catch(() => undefined);
    } finally {
      c.socket.off('heartbeat', onBeat);
    }
    if (malformed !== undefined)
      throw new CheckFailure(
        `A heartbeat was ${JSON.stringify(malformed)}, expected { instance: string, at: number }.`,
      );
    if (arrivals.length < 3) {
      const once = await oneShotTimer(ctx.dir);
      const seen =
        arrivals.length === 0
          ? "with HEARTBEAT_MS=300: no 'heartbeat' event within 4000 ms."
          : `with HEARTBEAT_MS=300: the heartbeat fired ${arrivals.length === 1 ? 'once' : 'twice'} in 4000 ms, then stopped.`;
      throw new CheckFailure(once ? `${seen} ${once}` : seen);
    }
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
    // Loose bounds on a busy machine: not two at once (two timers), not ten times late (another interval).
    if (gaps.some((g) => g < 100 || g > 2_500))
      throw new CheckFailure(
        `Heartbeats arrived ${gaps.map((g) => `${g} ms`).join(' and ')} apart, not every HEARTBEAT_MS (300 ms here).`,
      );
  },
};

/** A heartbeat started with setTimeout (it fires once, before any client is there): where, in server.ts. */
async function oneShotTimer(dir: string): Promise<string | undefined> {
  const lines = (await readFile(join(dir, 'server.ts'), 'utf8').catch(() => '')).split('\n');
  const at = lines.findIndex((l) => /setTimeout\(/.test(l) && /heartbeat/i.test(l) && !/^\s*\/\//.test(l));
  return at < 0
    ? undefined
    : `server.ts:${at + 1} starts the heartbeat with setTimeout, which fires once (and maybe before any client is connected).`;
}

export const readyz: Expectation = {
  id: 'readyz',
  title: 'GET /readyz answers 200 when the server can serve',
  hint: 'answer 200 on /readyz when ready (from step 2: only while Redis is connected), else 503',
  async run(ctx) {
    const env = await ctx.environment();
    if (!env.instances.length)
      throw new CheckSkipped(`the instances are not reachable one by one on ${ctx.target.name}`);
    for (const instance of env.instances) {
      const code = await status(`${instance.url}/readyz`);
      if (code !== 200) {
        // A 503 from a server waiting for a Redis it will never reach: say which Redis.
        const connections = await expectOnStepRedis(env);
        // Both clients reach the step's Redis, or one never connects (sub.connect() forgotten): count them.
        if (code === 503 && connections !== undefined && connections < 2 * env.instances.length)
          throw new CheckFailure(
            `GET ${instance.url}/readyz answered 503, and the step's Redis has ${connections} client connection(s) for ${env.instances.length} instances, where each instance's publisher and subscriber make 2: one Redis client per instance never connected.`,
            'connect both clients before the adapter needs them: Promise.all([pub.connect(), sub.connect()]) (a duplicate() is a new client, not yet connected)',
          );
        throw new CheckFailure(`GET ${instance.url}/readyz answered ${code} while everything is up.`);
      }
    }
  },
};

/** What a drain that ran into its own safety timer waited on, for the SIGTERM checks' messages. */
export const STALLED_DRAIN =
  "io.close()'s callback (and its promise) waits until every connection has ended, and a proxy's or a browser's spare connection, which never carries a request, ends only when they drop it (the check holds one open, as Traefik does); a Redis client's close() waits for ever while it is still reconnecting";

export const sigterm: Expectation = {
  id: 'sigterm',
  title: 'on SIGTERM the server disconnects its clients (so they reconnect) and exits 0 within 10 s',
  hint: "process.once('SIGTERM', async () => { await Promise.race([io.close(), sleep(1_000)]); process.exit(0) }): closing the transports lets clients reconnect elsewhere, and io.close() waits for every connection, so a second at most",
  timeoutMs: 15_000,
  destructive: true,
  needs: ['local-processes'],
  async run(ctx) {
    await heartbeatKept(ctx.dir);
    const env = await ctx.environment();
    const instance = env.instances[env.instances.length - 1];
    const c = await client(ctx, env, 'websocket', instance.url);
    // Traefik and browsers keep spare connections to a server: the drain must not wait for them.
    ctx.defer(await spareConnection(instance.url));
    const disconnected = new Promise<string>((resolve) => c.socket.once('disconnect', resolve));
    const started = Date.now();
    const exit = await instance.process.stop({ graceMs: 10_000 });
    const ms = Date.now() - started;
    if (exit.signal === 'SIGKILL' || ms >= 10_000)
      throw new CheckFailure(
        `The server was still running 10 s after SIGTERM: its drain waits on something that never ends. ${STALLED_DRAIN}.`,
      );
    if (exit.code !== 0)
      throw new CheckFailure(
        `After SIGTERM the server exited with ${exit.signal ?? `code ${exit.code}`}, not 0${
          exit.code === 1 && ms >= 8_000
            ? ` (after ${(ms / 1000).toFixed(1)} s: its safety timer fired, so the drain waited on something that never ended. ${STALLED_DRAIN})`
            : ''
        }.`,
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

/**
 * The heartbeat timer must be the one the SIGTERM handler clears. Nothing outside the process can see
 * a timer that keeps firing while it drains (its clients are gone), but it publishes into a Redis client
 * being quit: so this one is read from the source, naming the line.
 */
export async function heartbeatKept(dir: string): Promise<void> {
  const source = await readFile(join(dir, 'server.ts'), 'utf8').catch(() => '');
  const cleared = /clearInterval\(\s*(\w+)\s*\)/.exec(source)?.[1];
  if (!cleared) return; // No handler clearing a timer: the behavioural SIGTERM check speaks for it.
  const lines = source.split('\n');
  const started = lines.findIndex((l) => /\bsetInterval\(/.test(l) && !/^\s*\/\//.test(l));
  if (started < 0) return;
  const kept = new RegExp(`\\b${cleared}\\s*(?::[^=]+)?=\\s*setInterval\\(`);
  if (!kept.test(source)) {
    throw new CheckFailure(
      `server.ts:${started + 1}: the setInterval timer is not kept in \`${cleared}\`, which the SIGTERM handler clears: the heartbeat keeps firing while the server drains.`,
      `const ${cleared} = setInterval(() => io.emit('heartbeat', { instance: INSTANCE, at: Date.now() }), HEARTBEAT_MS);`,
    );
  }
}

/** Step 2 onwards: a chat sent through one instance reaches the clients of every other instance. */
export const crossInstance: Expectation = {
  id: 'cross-instance',
  title: 'a chat sent through one instance reaches the clients of every instance',
  hint: 'plug in the Redis adapter: const pub = createClient({ url: REDIS_URL, RESP: 3 }); const sub = pub.duplicate(); io.adapter(createAdapter(pub, sub)); then connect both without awaiting them before listen() (/readyz says 503 until they are ready)',
  async run(ctx) {
    const env = await ctx.environment();
    if (env.instances.length < 2)
      throw new CheckSkipped(`the instances are not reachable one by one on ${ctx.target.name}`);
    const clients: TestClient[] = [];
    for (const [i, instance] of env.instances.entries()) {
      clients.push(await client(ctx, env, i % 2 ? 'polling' : 'websocket', instance.url));
    }
    await expectFanOut(clients, 'cross-instance');
    // Shared, but through which Redis? One the machine happens to run on 6379 would pass here.
    await expectOnStepRedis(env);
  },
};

/**
 * Every instance must use the Redis the step started (REDIS_URL): a client pointed elsewhere (the old
 * `{ host, port }` options, which redis v4+ ignores, reach 127.0.0.1:6379) would pass on a machine with
 * a Redis there and share nothing in a room. The step's Redis counts its connections: their number, or
 * undefined where it was not asked (no Redis of the workshop's, or it did not answer).
 */
async function expectOnStepRedis(env: Environment): Promise<number | undefined> {
  if (!env.redis || env.redis.kind === 'external' || !env.instances.length) return undefined;
  // One attempt: a step's Redis that does not answer is the workshop's to report (the runner asks it).
  const redis = createClient({
    url: env.redis.url,
    socket: { reconnectStrategy: false, connectTimeout: 2_000 },
  });
  redis.on('error', () => {}); // Reported by the wait below, if at all.
  const reached = await redis.connect().then(
    () => true,
    () => false,
  );
  if (!reached) return undefined;
  try {
    // Ours is one of the connections CLIENT LIST shows.
    const others = async () =>
      (await redis.sendCommand(['CLIENT', 'LIST'])).toString().trim().split('\n').length - 1;
    const connected = await waitFor(
      'the instances to connect to Redis',
      async () => ((await others()) >= env.instances.length ? true : undefined),
      { timeoutMs: 3_000, intervalMs: 100 },
    ).catch(async () => others());
    if (connected !== true) {
      throw new CheckFailure(
        `The step's Redis (REDIS_URL=${env.redis.url}) has ${connected} client connection(s) for ${env.instances.length} instances: the instances' Redis clients went somewhere else.`,
        'createClient({ url: process.env.REDIS_URL }): redis v4+ ignores the old { host, port } options and falls back to 127.0.0.1:6379 (socket: { host, port } is the current spelling)',
      );
    }
    return await others();
  } finally {
    await redis.close().catch(() => {});
  }
}

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
  const sender = clients[0].welcome.instance;
  // Only when the sender's own instance delivered is the adapter to blame: each instance then knew its own.
  if (missed.includes(sender))
    throw new CheckFailure(
      `A chat sent through ${sender} did not reach clients on ${missed.join(', ')}, not even those on ${sender} itself: the broadcast does not go to every client, or their connections broke.`,
      "broadcast with io.emit('chat', …), which reaches every client including the sender (socket.broadcast.emit skips the sender); if the clients were cut off, the router's sessions are the cause",
    );
  if (missed.length) {
    throw new CheckFailure(
      `A chat sent through ${sender} reached its own clients but not those on ${missed.join(', ')}: ` +
        // Not "no adapter": an installed one whose publish fails (createAdapter(pub, pub) on RESP 2) looks
        // the same from outside; the instances' own logs, shown below, say which.
        'the broadcast did not cross between instances. Each knows only its own sockets; the Redis adapter carries a chat to the others, when it is installed and its publish reaches Redis.',
    );
  }
}

/** After Redis is back: a broadcast reaches every client again within 5 s (the subscriber reconnected). */
async function broadcastsResume(clients: TestClient[]): Promise<void> {
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

/** Step 2 onwards: /readyz follows Redis, and broadcasts resume by themselves after a Redis restart. */
export const redisOutage: Expectation = {
  id: 'redis-outage',
  title: '/readyz is 503 while Redis is down; broadcasts resume within 5 s of its restart',
  hint: "base /readyz on the Redis clients' isReady: redisReady = () => pub.isReady && sub.isReady",
  timeoutMs: 20_000,
  disturbs: true,
  destructive: true,

  async run(ctx) {
    const env = await ctx.environment();
    if (env.stack) return redisOutageOnStack(ctx, env, env.stack);
    if (!env.redis || env.redis.kind === 'external')
      throw new CheckSkipped('the Redis is external (REDIS_URL): the workshop does not stop it');
    // Chats through the outage. Redis first stops answering, so that the publishes they cause are still in
    // flight when it dies, as under load: a quiet outage lets an unguarded publish pass, and then a room's
    // first real outage kills every instance. Each ack follows io.emit, which has handed on its publish.
    const talkers: TestClient[] = [];
    for (const instance of env.instances) talkers.push(await client(ctx, env, 'websocket', instance.url));
    const redis = env.redis;
    await killWithChatsInFlight(
      talkers,
      () => redis.freeze(),
      () => redis.stop(),
    );
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
        const crash = explainCrash(output, ctx.dir);
        if (crash.startsWith('The server crashed')) {
          throw new CheckFailure(
            `${instance.id} crashed when Redis went away: ${crash}`,
            matchHint(output) ??
              // Its connection to Redis reset while publishes were in flight, and no 'error' event was
              // unhandled: the publish's rejection was (as on the real stacks below).
              (/read ECONNRESET|Socket closed unexpectedly/.test(crash) &&
              !/Unhandled 'error' event/.test(output)
                ? UNGUARDED_PUBLISH
                : 'generic hint: the error above is the cause; a server must outlive its Redis (the clients reconnect by themselves) and answer 503 on /readyz meanwhile'),
            { diagnosed: true },
          );
        }
        // No error printed: the process ended on purpose (process.exit, or nothing left to run).
        throw new CheckFailure(
          `${instance.id} exited when Redis went away, without printing an error: ${crash.replace(/^The server exited before it was ready/, 'it just ended')}`,
          "nothing restarts a local instance, and the Redis clients reconnect by themselves: in their 'error' listeners log the error, don't exit",
          { diagnosed: true },
        );
      });
    }
    await env.redis.restart();
    const clients: TestClient[] = [];
    for (const instance of env.instances) clients.push(await client(ctx, env, 'websocket', instance.url));
    await broadcastsResume(clients);
  },
};

/** Redis stops answering, each talker sends a chat (its publish is then in flight), and Redis dies. */
async function killWithChatsInFlight(
  talkers: TestClient[],
  freeze: () => Promise<void>,
  kill: () => Promise<void>,
): Promise<void> {
  await freeze();
  await Promise.all(talkers.map((c) => sendChat(c, { text: 'through the outage' }, 2_000).catch(() => {})));
  await kill();
}

/** The same outage on a real stack: its Redis container stopped, each replica asked from inside. */
async function redisOutageOnStack(ctx: CheckContext, env: Environment, stack: RealStack) {
  const replicas = (await stack.replicas()).filter((r) => r.running);
  // Chats in flight when Redis dies, as on the local targets: clients through the router until they span
  // every replica (or a bound), each sends one while Redis is frozen.
  const talkers: TestClient[] = [];
  const spanned = () => new Set(talkers.map((c) => c.welcome.instance)).size;
  while (spanned() < replicas.length && talkers.length < 4 * replicas.length)
    talkers.push(await client(ctx, env, 'websocket'));
  try {
    await killWithChatsInFlight(
      talkers,
      () => stack.freezeRedis(),
      () => stack.stopRedis(),
    );
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
            : UNGUARDED_PUBLISH,
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
  await broadcastsResume(clients);
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
