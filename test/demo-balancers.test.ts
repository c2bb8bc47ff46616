// Step 2 shows why sticky sessions matter: `npm run step 2 -- --start` puts a plain round robin and a
// sticky balancer in front of the three instances. Long-polling fails through the first with HTTP 400
// "Session ID unknown" and works through the second. (A demonstration, not a check: nothing the attendee
// writes in step 2 changes it.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectClient, sendChat } from '../scripts/lib/checks/clients.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { preflight } from '../scripts/lib/load/preflight.ts';
import { STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { startDemoBalancers } from '../scripts/lib/targets/rehearsal/demo-balancers.ts';
import { startInstances } from '../scripts/lib/targets/rehearsal/instances.ts';

let env: Environment;
let balancers: Awaited<ReturnType<typeof startDemoBalancers>>;

beforeAll(async () => {
  env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 3, redis: true });
  balancers = await startDemoBalancers(env);
}, 60_000);
afterAll(async () => {
  await balancers?.close();
  await env?.stop();
});

it('long-polling through the round robin fails with "Session ID unknown"', async () => {
  await expect(connectClient(balancers.roundRobin.url, { transport: 'polling' })).rejects.toThrow(
    /HTTP 400.*Session ID unknown/,
  );
});

it('the same client through the sticky balancer connects and chats', async () => {
  const client = await connectClient(balancers.sticky.url, { transport: 'polling' });
  expect(await sendChat(client, { text: 'sticky' })).toEqual({ ok: true, instance: client.welcome.instance });
  client.close();
});

it('a WebSocket-only client hides the problem: it gets through the round robin', async () => {
  const client = await connectClient(balancers.roundRobin.url, { transport: 'websocket' });
  expect(client.welcome.instance).toMatch(/^instance-/);
  client.close();
});

it('the client and load commands say the round robin is not sticky, not that --path is wrong', async () => {
  const error = await preflight({
    urls: [balancers.roundRobin.url],
    path: '/socket.io/',
    transport: 'polling',
  }).then(
    () => undefined,
    (err: Error & { hint?: string }) => err,
  );
  expect(error?.message).toMatch(/Session ID unknown/);
  expect(error?.hint).toMatch(/the router in front is not sticky/);
  expect(error?.hint).not.toMatch(/--path/);
});
