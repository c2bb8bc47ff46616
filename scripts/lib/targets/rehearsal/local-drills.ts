// The drills on replicas that are this command's own processes (the rehearsal, the API server's local
// pods): the signal itself, Redis killed and started again on its port, each replica restarted in turn.
import type { Drills, Instance } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import type { RedisHandle } from '../../redis.ts';

export function localDrills(instances: () => Instance[], redis: () => RedisHandle | undefined): Drills {
  const target = (busiest: string) => {
    const running = instances().filter((i) => i.process.running());
    const instance = running.find((i) => i.id === busiest) ?? running[0];
    if (!instance) throw new UserError('No instance is running.');
    return instance;
  };
  return {
    'sigterm-instance': async (busiest) => {
      const instance = target(busiest);
      const exit = await instance.process.stop();
      return `SIGTERM to ${instance.id}: exited with ${exit.signal ?? `code ${exit.code}`}`;
    },
    'sigkill-instance': async (busiest) => {
      const instance = target(busiest);
      await instance.process.stop({ signal: 'SIGKILL' });
      return `SIGKILL to ${instance.id}`;
    },
    'restart-redis': async () => {
      const handle = redis();
      if (!handle) throw new UserError('This step runs no Redis.');
      await handle.restart();
      return 'killed redis-server and started it again on the same port';
    },
    'rolling-restart': async () => {
      for (const i of instances()) await i.restart();
      return `restarted ${instances()
        .map((i) => i.id)
        .join(', ')} one by one`;
    },
  };
}
