// The solution survives a Redis restart by itself: the test kills its own redis-server, starts it
// again on the same port, and cross-instance broadcasts must resume within 5 s.
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  closeAll,
  connectClient,
  nextEvent,
  sendChat,
  type TestClient,
} from '../scripts/lib/checks/clients.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import { startRedisServer } from '../scripts/lib/redis.ts';
import { STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { startInstances } from '../scripts/lib/targets/rehearsal/instances.ts';

let env: Environment;
let clients: TestClient[] = [];

beforeAll(async () => {
  env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 3, redis: true });
}, 60_000);

afterAll(async () => {
  closeAll(clients);
  await env?.stop();
});

async function broadcastReachesAll(timeoutMs: number): Promise<boolean> {
  const text = `probe-${Date.now()}-${Math.random()}`;
  const arrivals = clients.map((c) =>
    nextEvent(c, 'chat', { accept: (m: { text?: string }) => m.text === text, timeoutMs, what: 'probe' }),
  );
  await sendChat(clients[0], { text });
  return Promise.all(arrivals).then(
    () => true,
    () => false,
  );
}

it('resumes cross-instance broadcasts within 5 s of a Redis restart', async () => {
  clients = await Promise.all(env.instances.map((i) => connectClient(i.url, { transport: 'websocket' })));
  expect(new Set(clients.map((c) => c.welcome.instance)).size).toBe(3);
  expect(await broadcastReachesAll(3_000)).toBe(true);

  await env.redis?.restart();
  const restartedAt = Date.now();
  let resumed = false;
  while (!resumed && Date.now() - restartedAt < 5_000) resumed = await broadcastReachesAll(500);
  expect(resumed, 'broadcasts did not resume within 5 s').toBe(true);
  // The instances were never restarted: the same connections carried on.
  expect(clients.every((c) => c.socket.connected)).toBe(true);
}, 30_000);

/**
 * Why the solutions ask for RESP 3: a subscriber that subscribes before Redis first answers (the adapter does
 * at once, and a pod often starts before its Redis) hears nothing with redis 5's default RESP 2, whose
 * replies to the queued and the replayed SUBSCRIBE get mixed up; with RESP 3 it hears every message.
 */
it.each([
  [2, false],
  [3, true],
] as const)('a subscriber made before Redis is up, on RESP %i, hears a message: %s', async (resp, hears) => {
  const port = await freePort();
  const sub = createClient({ url: `redis://127.0.0.1:${port}`, RESP: resp });
  const errors: string[] = [];
  sub.on('error', (err: Error) => errors.push(err.message));
  const heard: string[] = [];
  const connected = sub.connect();
  void sub.subscribe('wsk-probe', (message) => heard.push(message)).catch(() => undefined);
  const redis = await startRedisServer(port);
  try {
    await connected;
    const publisher = createClient({ url: redis.url });
    await publisher.connect();
    try {
      // Published until heard, or for two seconds: a subscriber that works hears one within a few tries.
      await waitFor(
        'the subscriber to hear a message',
        async () => ((await publisher.publish('wsk-probe', 'hello')) > 0 && heard.length ? true : undefined),
        { timeoutMs: 2_000, intervalMs: 100 },
      ).catch(() => undefined);
    } finally {
      await publisher.close();
    }
    expect(heard.length > 0, `heard ${heard.length}; errors: ${[...new Set(errors)].join('; ')}`).toBe(hears);
  } finally {
    sub.destroy();
    await redis.stop();
  }
});
