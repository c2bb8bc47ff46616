// A Redis for the steps that need one: REDIS_URL when set, else a private redis-server on a free
// port (persistence off), else a redis container where Docker exists, else one message with the fix.
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { $ } from 'zx';
import { UserError } from './errors.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, mustUndo, startProcess, waitFor } from './processes.ts';
import { findExecutable } from './tools.ts';

export const REDIS_IMAGE = 'redis:8-alpine';

export interface RedisHandle {
  url: string;
  /** Where it came from, for the URLs a step prints. */
  kind: 'external' | 'redis-server' | 'docker';
  stop(): Promise<void>;
  /** Kill and start again on the same port (failure drills and tests); not for an external Redis. */
  restart(): Promise<void>;
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
    return { url, kind: 'external', stop: async () => {}, restart: reject };
  }
  if (findExecutable('redis-server')) return startRedisServer(port ?? (await freePort()));
  if (findExecutable('docker')) return startRedisContainer(port ?? (await freePort()));
  throw REDIS_MISSING;
}

/** A private redis-server that keeps nothing on disk. `stop` is SIGKILL: a drill wants a crash, not a save. */
export async function startRedisServer(port: number): Promise<RedisHandle> {
  let server: ManagedProcess;
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
    await waitFor(`redis-server on port ${port}`, () => ping(port), { process: server, timeoutMs: 10_000 });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kind: 'redis-server',
    stop: async () => {
      await server.stop({ signal: 'SIGKILL' });
    },
    restart: async () => {
      await server.stop({ signal: 'SIGKILL' });
      await start();
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
  return {
    url: `redis://127.0.0.1:${port}`,
    kind: 'docker',
    stop: async () => {
      await remove();
      undone();
    },
    restart: async () => {
      await remove();
      await run().quiet();
      await waitFor('the redis container', () => ping(port), { timeoutMs: 60_000 });
    },
  };
}

/** PING over a raw socket: resolves true on +PONG, undefined otherwise (for waitFor). */
export function ping(port: number, host = '127.0.0.1'): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (value: true | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1_000, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') ? true : undefined));
  });
}
