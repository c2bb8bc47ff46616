// The SIGTERM drain of every server that has one ends by itself, in the two cases that used to leave it to
// its 9 s safety timer (exit code 1; check 6 failed a correct solution about once in twenty runs):
// - a connection that never carries a request is open: Traefik's HTTP transport and browsers keep such
//   spare connections, and Node's server.close() (so io.close()'s callback) waits until they are dropped;
// - a Redis client is still reconnecting: redis v5's close() waits for a reply to what it has queued,
//   which never comes, so process.exit(0) was never reached (the process ended, with 0, only once its
//   reconnect timer ran out, or at the safety timer when anything else was open).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance } from '../scripts/lib/app-process.ts';
import { spareConnection } from '../scripts/lib/checks/clients.ts';
import type { Instance } from '../scripts/lib/environment.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { waitFor, waitForHttp } from '../scripts/lib/processes.ts';
import { type RedisHandle, startRedisServer } from '../scripts/lib/redis.ts';
import { STEPS, solutionDir, starterDir } from '../scripts/lib/steps.ts';

/** Every folder whose server.ts drains on SIGTERM, each distinct server once (the starters of steps 3–5 are copies). */
const DRAINING = (() => {
  const dirs = STEPS.flatMap((s) => [starterDir(s), solutionDir(s)]).filter((dir) =>
    readFileSync(join(dir, 'server.ts'), 'utf8').includes("process.once('SIGTERM'"),
  );
  const seen = new Set<string>();
  return dirs.filter((dir) => {
    const text = readFileSync(join(dir, 'server.ts'), 'utf8');
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
})();
/** A server with Redis clients: a line of code (not a TODO's comment) that creates one. */
const usesRedis = (dir: string) =>
  readFileSync(join(dir, 'server.ts'), 'utf8')
    .split('\n')
    .some((line) => /createClient\(/.test(line) && !/^\s*\/\//.test(line));
const label = (dir: string) => dir.split('/').slice(-2).join('/');

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedisServer(await freePort());
});
afterAll(() => redis?.stop());

async function start(dir: string, redisUrl: string): Promise<Instance> {
  const instance = await startInstance({ dir, port: await freePort(), instanceId: 'drain', redisUrl });
  // Ready: both Redis clients connected, where there are any.
  await waitForHttp(`${instance.url}/readyz`, { process: instance.process, timeoutMs: 10_000 });
  return instance;
}

it('finds the servers it drains', () => {
  // Steps 1 and 2 starters, the solution of every step (one file), step 7's starter and solution.
  expect(DRAINING.length).toBeGreaterThanOrEqual(4);
});

describe.each(DRAINING.map((dir) => [label(dir), dir] as const))('%s', (_, dir) => {
  it('exits 0 within 3 s of SIGTERM while a spare connection (no request on it) is open', async () => {
    const instance = await start(dir, redis.url);
    const close = await spareConnection(instance.url);
    try {
      const started = Date.now();
      const exit = await instance.process.stop({ graceMs: 12_000 });
      expect({ ...exit, inTime: Date.now() - started < 3_000 }, instance.process.output()).toEqual({
        code: 0,
        signal: null,
        inTime: true,
      });
    } finally {
      close();
    }
  }, 30_000);
});

// Only servers with Redis clients: a case, not a skip.
describe.each(DRAINING.filter(usesRedis).map((dir) => [label(dir), dir] as const))('%s', (_, dir) => {
  it('exits 0 at once on SIGTERM while its Redis clients are reconnecting (Redis down)', async () => {
    // A Redis of its own, killed: the clients retry with a backoff that grows to 2 s.
    const own = await startRedisServer(await freePort());
    const instance = await start(dir, own.url);
    try {
      await own.stop();
      // The refusals each client logged (its error listener names it: `redis pub: connect ECONNREFUSED …`).
      const refusals = () => {
        const counts = new Map<string, number>();
        for (const [, name] of instance.process.output().matchAll(/redis (\w+): connect ECONNREFUSED/g))
          counts.set(name, (counts.get(name) ?? 0) + 1);
        return counts.size ? Math.min(...counts.values()) : 0;
      };
      // Seven refusals each: the next retries are 2 s away (50 ms doubled per retry, at most 2 s).
      await waitFor('the clients to back off to 2 s', async () => (refusals() >= 7 ? true : undefined), {
        timeoutMs: 15_000,
        intervalMs: 20,
        process: instance.process,
      });
      // Right after a refusal: a drain that waits for the clients would wait for the next retry.
      const seen = refusals();
      await waitFor('a fresh refusal', async () => (refusals() > seen ? true : undefined), {
        timeoutMs: 5_000,
        intervalMs: 10,
        process: instance.process,
      });
      const started = Date.now();
      const exit = await instance.process.stop({ graceMs: 12_000 });
      const ms = Date.now() - started;
      expect({ ...exit, inTime: ms < 1_500 }, `${ms} ms\n${instance.process.output()}`).toEqual({
        code: 0,
        signal: null,
        inTime: true,
      });
    } finally {
      await instance.process.stop();
    }
  }, 40_000);
});
