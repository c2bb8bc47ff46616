// The rehearsal of steps 3–6 where Docker or kind are absent (or with --local): the same topology as
// processes on this machine. Redis as a private redis-server, each routed service's replicas as app
// processes, and the stand-in router applying the attendee's own routing (labels or IngressRoute).
import { startInstance } from '../app-process.ts';
import { freePort } from '../ports.ts';
import { startRedis } from '../redis.ts';
import { createStandInRouter } from '../router/stand-in-router.ts';
import type { DynamicConfig } from '../traefik/dynamic-config.ts';
import type { Environment, Instance, StartOptions } from './types.ts';

export interface RehearsalPlan {
  /** The step folder whose server.ts every replica runs (the image's code). */
  dir: string;
  config: DynamicConfig;
  /** Replicas per service target (Compose service or Kubernetes Service name). */
  replicas: Record<string, number>;
  /** The socket.io path clients use through the router (step 5: /wsk/socket.io/). */
  socketPath?: string;
  /** What the rehearsal stands in for, for the notes. */
  standsInFor: string;
}

export async function startRehearsal(plan: RehearsalPlan, options: StartOptions): Promise<Environment> {
  const redis = await startRedis();
  const byTarget = new Map<string, Instance[]>();
  const instances: Instance[] = [];
  let router: Awaited<ReturnType<typeof createStandInRouter>> | undefined;
  const stop = async () => {
    await router?.close();
    await Promise.all(instances.map((i) => i.process.stop()));
    await redis.stop();
  };
  try {
    const targets = [...new Set(Object.values(plan.config.services).map((s) => s.target))];
    await Promise.all(
      targets.flatMap((target) =>
        Array.from({ length: Math.max(1, plan.replicas[target] ?? 1) }, async (_, i) => {
          const id = `${target}-${i + 1}`;
          const port = await freePort();
          const instance = await startInstance({
            ...options,
            dir: plan.dir,
            port,
            instanceId: id,
            redisUrl: redis.url,
          });
          instances.push(instance);
          byTarget.set(target, [...(byTarget.get(target) ?? []), instance]);
        }),
      ),
    );
    instances.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    router = await createStandInRouter({
      config: plan.config,
      entryPoint: 'web',
      // Only running instances: a killed one drops out, as it would from Traefik's endpoints.
      resolve: (service) =>
        (byTarget.get(service.target) ?? []).filter((i) => i.process.running()).map((i) => i.url),
      port: options.port || undefined,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const entry = router.url;
  return {
    entries: [entry],
    socketPath: plan.socketPath ?? '/socket.io/',
    instances,
    redis,
    links: [
      { label: 'chat (stand-in router)', url: entry.replace('127.0.0.1', 'localhost') },
      ...instances.map((i) => ({ label: i.id, url: i.url.replace('127.0.0.1', 'localhost') })),
      { label: `redis (${redis.kind})`, url: redis.url },
    ],
    notes: [
      `Rehearsal of ${plan.standsInFor}: Redis and the replicas run as local processes.`,
      ...router.notes,
    ],
    stop,
  };
}
