// A Redis for the steps that need one: REDIS_URL when set, else a private redis-server on a free
// port (persistence off), else a redis container where Docker exists, else one message with the fix.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { $ } from 'zx';
import { UserError, WorkshopFailure } from './errors.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, mustUndo, startProcess, waitFor } from './processes.ts';
import { findExecutable } from './tools.ts';

export const REDIS_IMAGE = 'redis:8-alpine';

export interface RedisHandle {
  url: string;
  /** Where it came from, for the URLs a step prints. */
  kind: 'external' | 'redis-server' | 'docker';
  stop(): Promise<void>;
  /**
   * Stop answering without closing a connection (SIGSTOP) until `stop`: what is sent
   * meanwhile is still in flight when Redis dies, as it is under load. Not for an external Redis.
   */
  freeze(): Promise<void>;
  /** Kill and start again on the same port (failure drills and tests); not for an external Redis. */
  restart(): Promise<void>;
  /**
   * Why it does not serve now, in a sentence naming it; undefined while it answers, or while it is down
   * because the workshop stopped it (a drill, the Redis-outage check).
   */
  failure(): Promise<string | undefined>;
}

export const REDIS_MISSING = new UserError(
  'Steps 2 and later need Redis, and neither REDIS_URL, redis-server nor Docker was found.',
  'install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis; Windows: use WSL2), or set REDIS_URL=redis://host:6379',
);

/** The URL a Redis from startRedis(port) will have: known before it is up, so apps can start alongside. */
export const redisUrlFor = (port: number) => process.env.REDIS_URL ?? `redis://127.0.0.1:${port}`;

export async function startRedis(port?: number): Promise<RedisHandle> {
  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    const reject = () =>
      Promise.reject(new Error('an external Redis (REDIS_URL) is not restarted by the workshop'));
    const { hostname, port: given } = new URL(url);
    const failure = async () =>
      (await ping(Number(given || 6379), hostname))
        ? undefined
        : `the Redis that REDIS_URL names (${url}) does not answer PING`;
    return { url, kind: 'external', stop: async () => {}, freeze: reject, restart: reject, failure };
  }
  if (findExecutable('redis-server')) return startRedisServer(port ?? (await freePort()));
  if (findExecutable('docker')) return startRedisContainer(port ?? (await freePort()));
  throw REDIS_MISSING;
}

/**
 * A private redis-server that keeps nothing on disk. `stop` is SIGKILL: a drill wants a crash, not a save.
 * Up means answering as itself: INFO's process_id is its own pid, not another Redis on the same port.
 */
export async function startRedisServer(port: number): Promise<RedisHandle> {
  let server: ManagedProcess;
  let stopped = false;
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    server = startProcess({
      name: 'redis',
      command: 'redis-server',
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        tmpdir(),
      ],
    });
    const pid = await waitFor(`redis-server on port ${port}`, () => redisPid(port), {
      process: server,
      timeoutMs: 10_000,
    }).catch(async (err: Error) => {
      await server.stop({ signal: 'SIGKILL' });
      // The port the workshop chose was taken between choosing it and redis-server binding it.
      if (/Address already in use/i.test(server.output()))
        throw new WorkshopFailure(
          `Port ${port}, chosen for the workshop's Redis, was taken by another program before redis-server could listen on it.`,
        );
      throw new WorkshopFailure(`The workshop's Redis did not start on port ${port}: ${err.message}.`);
    });
    if (pid !== server.pid) {
      await server.stop({ signal: 'SIGKILL' });
      throw new WorkshopFailure(
        `Port ${port}, chosen for the workshop's Redis, is held by another Redis (pid ${pid}): its clients would share that one.`,
      );
    }
    stopped = false;
  };
  await start();
  return {
    url,
    kind: 'redis-server',
    stop: async () => {
      stopped = true;
      await server.stop({ signal: 'SIGKILL' });
    },
    freeze: async () => {
      stopped = true;
      process.kill(server.pid, 'SIGSTOP');
    },
    restart: async () => {
      stopped = true;
      await server.stop({ signal: 'SIGKILL' });
      await start();
    },
    failure: async () => {
      if (stopped) return undefined;
      if (!server.running()) {
        const { code, signal } = await server.exited;
        // Redis marks its warnings and errors with `#`: when it ended by itself, the last one says why.
        const last = signal
          ? undefined
          : server
              .output()
              .trim()
              .split('\n')
              .filter((l) => / # /.test(l))
              .at(-1);
        return `the workshop's Redis (${url}) exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`;
      }
      const pid = await redisPid(port);
      if (pid === undefined) return `the workshop's Redis (${url}) does not answer`;
      if (pid !== server.pid)
        return `another Redis (pid ${pid}) answers on the workshop's Redis port ${port}`;
      return undefined;
    },
  };
}

async function startRedisContainer(port: number): Promise<RedisHandle> {
  const name = `wsk-redis-${port}`;
  const run = () => $`docker run -d --rm --name ${name} -p ${`127.0.0.1:${port}:6379`} ${REDIS_IMAGE}`;
  const remove = () => $`docker rm -f ${name}`.nothrow().quiet();
  // Registered before `docker run`: a container started as the command is interrupted is removed too.
  const undone = mustUndo({
    now: () => {
      spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    },
    stop: remove,
  });
  await run().quiet();
  await waitFor(`the redis container on port ${port}`, () => ping(port), { timeoutMs: 60_000 });
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    kind: 'docker',
    stop: async () => {
      stopped = true;
      await remove();
      undone();
    },
    freeze: async () => {
      stopped = true;
      await $`docker kill -s SIGSTOP ${name}`.quiet();
    },
    restart: async () => {
      stopped = true;
      await remove();
      await run().quiet();
      await waitFor('the redis container', () => ping(port), { timeoutMs: 60_000 });
      stopped = false;
    },
    failure: async () =>
      stopped || (await ping(port))
        ? undefined
        : `the workshop's Redis container ${name} (redis://127.0.0.1:${port}) does not answer`,
  };
}

/**
 * One inline command over a raw socket, within 1 s: `read` gets the reply so far and answers a value, null
 * to wait for more, or undefined to give up. Undefined too when nothing answers.
 */
function ask<T>(port: number, host: string, command: string, read: (reply: string) => T | null | undefined) {
  return new Promise<T | undefined>((resolve) => {
    const socket = connect({ port, host });
    let reply = '';
    const done = (value: T | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      reply += data.toString();
      const value = read(reply);
      if (value !== null) done(value);
    });
  });
}

/** PING over a raw socket: resolves true on +PONG, undefined otherwise (for waitFor). */
export const ping = (port: number, host = '127.0.0.1') =>
  ask(port, host, 'PING', (reply) => (reply.startsWith('+PONG') ? (true as const) : undefined));

/** The pid of the Redis answering on `port` (INFO server's process_id); undefined when none answers. */
export const redisPid = (port: number, host = '127.0.0.1') =>
  ask(port, host, 'INFO server', (reply) => {
    const pid = /^process_id:(\d+)\r?$/m.exec(reply);
    if (pid) return Number(pid[1]);
    return reply.startsWith('-') ? undefined : null;
  });
