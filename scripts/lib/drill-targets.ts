// Where a drill's failure happens: the rehearsal's own processes, the Compose stack, or the kind cluster.
// The real ones are the commands an operator would type.
import { $ } from 'zx';
import type { DrillName, DrillTarget } from './drills.ts';
import type { Environment } from './environments/types.ts';
import { UserError } from './errors.ts';

export function rehearsalTarget(env: Environment): DrillTarget {
  return {
    url: env.entries[0],
    socketPath: env.socketPath,
    async act(drill: DrillName, busiest: string) {
      const instance =
        env.instances.find((i) => i.id === busiest && i.process.running()) ??
        env.instances.find((i) => i.process.running());
      if (!instance) throw new UserError('No instance is running.');
      if (drill === 'sigterm-instance') {
        const exit = await instance.process.stop();
        return `SIGTERM to ${instance.id}: exited with ${exit.signal ?? `code ${exit.code}`}`;
      }
      if (drill === 'sigkill-instance') {
        await instance.process.stop({ signal: 'SIGKILL' });
        return `SIGKILL to ${instance.id}`;
      }
      if (drill === 'restart-redis') {
        if (!env.redis) throw new UserError('This step runs no Redis.');
        await env.redis.restart();
        return 'killed redis-server and started it again on the same port';
      }
      for (const i of env.instances) await i.restart();
      return `restarted ${env.instances.map((i) => i.id).join(', ')} one by one`;
    },
  };
}

/** Docker Compose: instance names are container ids (the app names itself after its hostname). */
export function composeTarget(url: string, socketPath: string, dir: string): DrillTarget {
  const sh = $({ cwd: dir });
  return {
    url,
    socketPath,
    async act(drill, busiest) {
      if (drill === 'sigterm-instance') await sh`docker stop ${busiest}`;
      else if (drill === 'sigkill-instance') await sh`docker kill ${busiest}`;
      else if (drill === 'restart-redis') await sh`docker compose restart redis`;
      else {
        const ids = (await sh`docker compose ps -q app`).stdout.split('\n').filter(Boolean);
        for (const id of ids) await sh`docker restart ${id}`;
      }
      return `${drill} on the Compose stack (${busiest})`;
    },
  };
}

/** kind: instance names are pod names (INSTANCE_ID comes from metadata.name). */
export function kubernetesTarget(url: string, socketPath: string, namespace: string): DrillTarget {
  return {
    url,
    socketPath,
    async act(drill, busiest) {
      if (drill === 'sigterm-instance') await $`kubectl -n ${namespace} delete pod ${busiest} --wait=false`;
      else if (drill === 'sigkill-instance')
        await $`kubectl -n ${namespace} delete pod ${busiest} --grace-period=0 --force --wait=false`;
      else if (drill === 'restart-redis') await $`kubectl -n ${namespace} rollout restart deployment/redis`;
      else await $`kubectl -n ${namespace} rollout restart deployment/app`;
      return `${drill} in the cluster (${busiest})`;
    },
  };
}
