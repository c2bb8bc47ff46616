// The system view's reading, from sources made up here: rates from counters, the states' changes as events
// (a Redis restart quicker than a frame included), Traefik's servers joined to the instances.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/paths.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import { insideReader, insideScript } from '../scripts/lib/system-view/inside.ts';
import { Observer } from '../scripts/lib/system-view/snapshot.ts';
import {
  type RedisReading,
  type ReplicaReading,
  type Sources,
  sentThroughRedis,
} from '../scripts/lib/system-view/sources.ts';

/** Sources that answer what the test last set. */
function madeUp() {
  const state: { replicas: ReplicaReading[]; redis: RedisReading; traefikApi?: string } = {
    replicas: [],
    redis: { up: true, sent: 0 },
  };
  const sources: Sources = {
    get traefikApi() {
      return state.traefikApi;
    },
    replicas: async () => state.replicas.map((r) => ({ ...r })),
    redis: async () => ({ ...state.redis }),
    close: async () => {},
  };
  return { state, sources };
}

it('counts what the adapters send through Redis from INFO commandstats', () => {
  const info = [
    '# Commandstats',
    'cmdstat_publish:calls=120,usec=300,usec_per_call=2.50,rejected_calls=0,failed_calls=0',
    'cmdstat_xadd:calls=7,usec=30,usec_per_call=4.29,rejected_calls=0,failed_calls=0',
    'cmdstat_subscribe:calls=4,usec=10,usec_per_call=2.50,rejected_calls=0,failed_calls=0',
    'cmdstat_spublish:calls=3,usec=9,usec_per_call=3.00,rejected_calls=0,failed_calls=0',
  ].join('\r\n');
  expect(sentThroughRedis(info)).toBe(130);
  expect(sentThroughRedis('# Commandstats\r\n')).toBe(0);
});

it('turns counters into rates and changes of state into events, the first reading silently', async () => {
  const { state, sources } = madeUp();
  // A reading each second, whatever the machine's speed.
  let now = 0;
  const observer = new Observer(sources, 'Step 3', () => (now += 1_000));
  state.replicas = [
    { id: 'app-1', state: 'up', clients: 4, chats: 10 },
    { id: 'app-2', state: 'up', clients: 5, chats: 0 },
  ];
  const first = await observer.read();
  expect(first.clients).toBe(9);
  expect(first.events).toEqual([]);
  expect(first.instances[0].chatsPerSecond).toBeUndefined();

  state.replicas = [
    { id: 'app-1', state: 'up', clients: 9, chats: 30 },
    { id: 'app-2', state: 'down' },
  ];
  state.redis = { up: true, sent: 40 };
  const second = await observer.read();
  expect(second.clients).toBe(9);
  expect(second.instances[0].chatsPerSecond).toBe(20);
  expect(second.instances[1]).toMatchObject({ state: 'down', clients: undefined });
  expect(second.redis?.sentPerSecond).toBe(40);
  expect(second.events.map((e) => e.text)).toEqual(['app-2 down']);

  // Restarted between two readings: both said, newest first; its counters start again (no rate).
  state.redis = { up: true, sent: 2, drops: 1 };
  const third = await observer.read();
  expect(third.events.map((e) => e.text)).toEqual(['redis up', 'redis down', 'app-2 down']);
  expect(third.redis?.sentPerSecond).toBeUndefined();

  state.redis = { up: false };
  expect((await observer.read()).events[0].text).toBe('redis down');
});

const api = createServer((req, res) => {
  const body =
    req.url === '/api/http/routers'
      ? [
          { name: 'app@file', rule: 'PathPrefix(`/`)', service: 'app', status: 'enabled' },
          {
            name: 'dashboard@internal',
            rule: 'PathPrefix(`/api`)',
            service: 'api@internal',
            status: 'enabled',
          },
        ]
      : [
          {
            name: 'app@file',
            loadBalancer: {
              servers: [{ url: 'http://127.0.0.1:3010' }, { url: 'http://198.19.0.2:3011' }],
              sticky: { cookie: { name: 'wsk_sticky' } },
            },
            serverStatus: { 'http://198.19.0.2:3011': 'DOWN' },
          },
        ];
  res.end(JSON.stringify(body));
});
afterAll(() => api.close());

it("reads Traefik's routers and servers, joins each server to its instance, and leaves Traefik's own out", async () => {
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const { state, sources } = madeUp();
  state.traefikApi = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  // app-2 is a pod of the API server target: a local process, reached by Traefik at the pod's address.
  state.replicas = [
    { id: 'app-1', state: 'up', url: 'http://localhost:3010', clients: 1 },
    { id: 'app-2', state: 'down', url: 'http://127.0.0.1:3011' },
    { id: 'app-3', state: 'up', url: 'http://127.0.0.1:3012' },
  ];
  const { traefik } = await new Observer(sources, 'Step 3').read();
  expect(traefik?.routers).toEqual([{ name: 'app', rule: 'PathPrefix(`/`)', status: 'enabled' }]);
  expect(traefik?.services).toEqual([
    {
      name: 'app',
      sticky: 'wsk_sticky',
      servers: [
        { url: 'http://127.0.0.1:3010', status: 'UP', instance: 'app-1' },
        { url: 'http://198.19.0.2:3011', status: 'DOWN', instance: 'app-2' },
      ],
    },
  ]);

  state.traefikApi = 'http://127.0.0.1:9';
  expect((await new Observer(sources, 'Step 3').read()).traefik).toEqual({
    up: false,
    routers: [],
    services: [],
  });
});

it("every server the workshop ships has the view's /stats line, starters and solutions alike", () => {
  const servers = execFileSync('git', ['ls-files', '*server.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /^(steps|solutions)\//.test(f));
  expect(servers.length).toBeGreaterThanOrEqual(13);
  const without = servers.filter(
    (f) =>
      !/if \(path === '\/stats'\)\s+return reply\(res, 200, JSON\.stringify\(\{ instance: INSTANCE, clients: io\.engine\.clientsCount, chats \}\)\)/.test(
        readFileSync(join(ROOT, f), 'utf8'),
      ),
  );
  expect(without).toEqual([]);
});

it('reads /stats through one process kept inside the stack, and starts another when it ends', async () => {
  const stats = createServer((_req, res) =>
    res.end(JSON.stringify({ instance: 'app-1', clients: 7, chats: 3 })),
  );
  await new Promise<void>((r) => stats.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(stats.address() as AddressInfo).port}`;
  // Here the "replica" is a node process of this machine: what kubectl exec runs in a pod.
  let started = 0;
  const inside = insideReader(async () => {
    started++;
    // Bounds for a machine as busy as CI's: this file's own server answers from a loaded test worker.
    return [process.execPath, '-e', insideScript(5_000)];
  }, 10_000);
  // A Redis of one answer: INFO commandstats, in RESP, as the script asks it.
  const info = '# Commandstats\r\ncmdstat_publish:calls=42,usec=1\r\n';
  const redis = createNetServer((socket) =>
    socket.once('data', () => socket.end(`$${Buffer.byteLength(info)}\r\n${info}\r\n`)),
  );
  await new Promise<void>((r) => redis.listen(0, '127.0.0.1', r));
  process.env.REDIS_URL = `redis://127.0.0.1:${(redis.address() as AddressInfo).port}`;
  try {
    expect(sentThroughRedis((await inside.redisInfo()) ?? '')).toBe(42);
    expect(await inside.read([url, 'http://127.0.0.1:9'])).toEqual([
      { instance: 'app-1', clients: 7, chats: 3 },
      undefined,
    ]);
    expect(await inside.read([url])).toEqual([{ instance: 'app-1', clients: 7, chats: 3 }]);
    expect(started).toBe(1);
    inside.close();
    await waitFor('the reader to start again', async () =>
      (await inside.read([url]))[0]?.clients === 7 && started === 2 ? true : undefined,
    );
  } finally {
    delete process.env.REDIS_URL;
    inside.close();
    stats.close();
    redis.close();
  }
});
