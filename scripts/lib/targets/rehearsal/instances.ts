// Steps 1 and 2 on this machine: the attendee's server as one process, or three behind nothing
// (each on its own port) sharing a Redis.
import type { Environment, Instance, StartOptions } from '../../environment.ts';
import { PortPlan } from '../../ports.ts';
import { type RedisHandle, redisUrlFor, startRedis } from '../../redis.ts';
import { SOCKET_IO_PATH } from '../../socket-path.ts';
import { byName, Launch, startReplicas } from '../launch.ts';
import { localDrills } from './local-drills.ts';

export async function startInstances(
  dir: string,
  options: StartOptions & { count: number; redis: boolean; ports?: PortPlan },
): Promise<Environment> {
  // PORT, PORT+1, … for the instances and PORT+6 for Redis (`--start`); free ports for the checks.
  const plan = options.ports ?? new PortPlan(options.port);
  const ids = Array.from({ length: options.count }, (_, i) =>
    options.count === 1 ? (options.instanceId ?? 'instance-1') : `instance-${i + 1}`,
  );
  const replicas = [];
  for (const [i, id] of ids.entries())
    replicas.push({ id, port: await plan.port(options.count === 1 ? 'entry' : 'instances', i, id) });
  const redisPort = options.redis && !process.env.REDIS_URL ? await plan.port('redis') : 0;
  // Every port of the layout is free, or nothing starts (a step that starts, then stops, confuses).
  await plan.ensureFree();
  // Redis and the instances start side by side: an instance answers /healthz at once and connects
  // to Redis as soon as it is there.
  const launch = new Launch();
  const redisStarting = options.redis
    ? launch.part(
        'redis',
        () => startRedis(redisPort || undefined),
        (r) => r.stop(),
      )
    : undefined;
  const started = startReplicas(launch, dir, replicas, {
    ...options,
    redisUrl: options.redis ? redisUrlFor(redisPort) : undefined,
  });
  await launch.ready();
  const instances: Instance[] = await byName(started);
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
