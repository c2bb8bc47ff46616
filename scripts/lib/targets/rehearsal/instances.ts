// Steps 1 and 2 on this machine: the attendee's server as one process, or three behind nothing
// (each on its own port) sharing a Redis.
import { startInstance } from '../../app-process.ts';
import type { Environment, Instance, StartOptions } from '../../environment.ts';
import { freePort } from '../../ports.ts';
import { type RedisHandle, redisUrlFor, startRedis } from '../../redis.ts';
import { SOCKET_IO_PATH } from '../../socket-path.ts';

export async function startInstances(
  dir: string,
  options: StartOptions & { count: number; redis: boolean },
): Promise<Environment> {
  const instances: Instance[] = [];
  let redis: RedisHandle | undefined;
  const stop = async () => {
    await Promise.all(instances.map((i) => i.process.stop()));
    await redis?.stop();
  };
  try {
    const ports = await portsFor(options.port, options.count);
    let redisPort = await freePort();
    while (ports.includes(redisPort)) redisPort = await freePort();
    // Redis and the instances start side by side: an instance answers /healthz at once and connects
    // to Redis as soon as it is there.
    const redisStarting = options.redis ? startRedis(redisPort) : undefined;
    const redisUrl = options.redis ? redisUrlFor(redisPort) : undefined;
    const started = await Promise.allSettled([
      ...ports.map(async (port, i) => {
        const id = options.count === 1 ? (options.instanceId ?? 'instance-1') : `instance-${i + 1}`;
        instances.push(await startInstance({ ...options, dir, port, instanceId: id, redisUrl }));
      }),
      redisStarting?.then((r) => {
        redis = r;
      }),
    ]);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  instances.sort((a, b) => a.id.localeCompare(b.id));
  return {
    entries: instances.map((i) => i.url),
    socketPath: SOCKET_IO_PATH,
    instances,
    redis,
    links: [
      ...instances.map((i) => ({ label: i.id, url: i.url.replace('127.0.0.1', 'localhost') })),
      ...(redis ? [{ label: `redis (${redis.kind})`, url: redis.url }] : []),
    ],
    notes: [],
    stop,
  };
}

/** PORT, PORT+1, … for `--start` (the brief's layout); free ports when base is 0. */
async function portsFor(base: number, count: number): Promise<number[]> {
  if (base) return Array.from({ length: count }, (_, i) => base + i);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
