// The solution survives a Redis restart by itself: the test kills its own redis-server, starts it
// again on the same port, and cross-instance broadcasts must resume within 5 s.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  closeAll,
  connectClient,
  nextEvent,
  sendChat,
  type TestClient,
} from '../scripts/lib/checks/clients.ts';
import type { Environment } from '../scripts/lib/environment.ts';
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
