// Starting a step's parts side by side (Redis, the replicas, Traefik, a control plane) and stopping them
// again: when one part fails to start, every part that did start is stopped before the failure is thrown,
// and a stop takes the parts down in an order that keeps clients away from replicas that are going.
import { startInstance } from '../app-process.ts';
import type { Instance, StartOptions } from '../environment.ts';

/** Stopped in this order: the router first (no client sent to a replica that is stopping), Redis late. */
const STOP_ORDER = ['router', 'control-plane', 'replicas', 'redis', 'network'] as const;
export type PartKind = (typeof STOP_ORDER)[number];

export class Launch {
  readonly #started: { kind: PartKind; stop: () => Promise<unknown> }[] = [];
  readonly #starting: Promise<unknown>[] = [];

  /**
   * Starts a part now, beside the others. Await the promise it returns only after `ready()`: a part that
   * fails is reported there, once the others are stopped.
   */
  part<T>(kind: PartKind, start: () => Promise<T>, stop: (value: T) => Promise<unknown>): Promise<T> {
    const starting = start().then((value) => {
      this.#started.push({ kind, stop: () => stop(value) });
      return value;
    });
    this.#starting.push(starting);
    return starting;
  }

  /** Waits for every part; when one failed, stops every part that started and throws the first failure. */
  async ready(): Promise<void> {
    const settled = await Promise.allSettled(this.#starting.splice(0));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  /** Stops every part that started, kind by kind in STOP_ORDER, the parts of one kind together. */
  async stop(): Promise<void> {
    const parts = this.#started.splice(0);
    for (const kind of STOP_ORDER)
      await Promise.all(parts.filter((p) => p.kind === kind).map((p) => p.stop().catch(() => undefined)));
  }
}

/** One replica of the app as a local process: its name (INSTANCE_ID) and the port it listens on. */
export interface ReplicaPlan {
  id: string;
  port: number;
}

/** Every replica as a part of the launch, each running the step folder's server.ts (await after `ready()`). */
export function startReplicas(
  launch: Launch,
  dir: string,
  replicas: ReplicaPlan[],
  options: StartOptions & { redisUrl?: string },
): Promise<Instance>[] {
  return replicas.map((r) =>
    launch.part(
      'replicas',
      () => startInstance({ ...options, dir, port: r.port, instanceId: r.id, redisUrl: options.redisUrl }),
      (instance) => instance.process.stop(),
    ),
  );
}

/** Instances by name, as a person counts them: app-2 before app-10. */
export async function byName(instances: Promise<Instance>[]): Promise<Instance[]> {
  return (await Promise.all(instances)).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}
