// Steps 1 and 2 on this machine: the attendee's server as one process, or three behind nothing
// (each on its own port) sharing a Redis.
import type { Environment, Instance, StartOptions } from '../../environment.ts';
import { freePort } from '../../ports.ts';
import { type RedisHandle, redisUrlFor, startRedis } from '../../redis.ts';
import { SOCKET_IO_PATH } from '../../socket-path.ts';
import { byName, Launch, startReplicas } from '../launch.ts';
import { localDrills } from './local-drills.ts';

export async function startInstances(
  dir: string,
  options: StartOptions & { count: number; redis: boolean },
): Promise<Environment> {
  const ports = await portsFor(options.port, options.count);
  let redisPort = await freePort();
  while (ports.includes(redisPort)) redisPort = await freePort();
  // Redis and the instances start side by side: an instance answers /healthz at once and connects
  // to Redis as soon as it is there.
  const launch = new Launch();
  const redisStarting = options.redis
    ? launch.part(
        'redis',
        () => startRedis(redisPort),
        (r) => r.stop(),
      )
    : undefined;
  const replicas = startReplicas(
    launch,
    dir,
    ports.map((port, i) => ({
      port,
      id: options.count === 1 ? (options.instanceId ?? 'instance-1') : `instance-${i + 1}`,
    })),
    { ...options, redisUrl: options.redis ? redisUrlFor(redisPort) : undefined },
  );
  await launch.ready();
  const instances: Instance[] = await byName(replicas);
  const redis: RedisHandle | undefined = await redisStarting;
  return {
    entries: instances.map((i) => i.url),
    socketPath: SOCKET_IO_PATH,
    instances,
    redis,
    drills: localDrills(
      () => instances,
      () => redis,
    ),
    links: [
      ...instances.map((i) => ({ label: i.id, url: i.url.replace('127.0.0.1', 'localhost') })),
      ...(redis ? [{ label: `redis (${redis.kind})`, url: redis.url }] : []),
    ],
    notes: [],
    workshopParts: redis ? [redis] : [],
    stop: () => launch.stop(),
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
