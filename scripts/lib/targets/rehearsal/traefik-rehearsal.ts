// The rehearsal of steps 3–6 where Docker or kind are absent (or on `--target rehearsal`): the same topology
// as processes on this machine. Redis as a private redis-server, each routed service's replicas as app
// processes, and the real Traefik, started with the attendee's own flags and fed their own routing (labels
// or IngressRoute) through its file provider.
import type { Environment, Instance, StartOptions } from '../../environment.ts';
import { PortPlan } from '../../ports.ts';
import { interrupting, type ManagedProcess } from '../../processes.ts';
import { redisUrlFor, startRedis } from '../../redis.ts';
import type { DynamicConfig } from '../../traefik/dynamic-config.ts';
import { asArgs, type StaticConfig } from '../../traefik/static-config.ts';
import type { Servers } from '../../traefik-run/file-provider.ts';
import { startTraefik, traefikForCommand } from '../../traefik-run/process.ts';
import { processPart } from '../../workshop-parts.ts';
import { byName, Launch, startReplicas } from '../launch.ts';
import { localDrills } from './local-drills.ts';

export interface RehearsalPlan {
  /** The step folder whose server.ts every replica runs (the image's code). */
  dir: string;
  config: DynamicConfig;
  /** Replicas per service target (Compose service or Kubernetes Service name). */
  replicas: Record<string, number>;
  /** Each target's environment as written (its PORT is the port the app listens on in the container). */
  environment: Record<string, Record<string, string>>;
  /** The attendee's Traefik static configuration: compose.yaml's `command:` or the Deployment's `args:`. */
  traefik: StaticConfig;
  /** The socket.io path clients use through the router (step 5: /wsk/socket.io/). */
  socketPath?: string;
  /** What the rehearsal stands in for, for the notes. */
  standsInFor: string;
  /**
   * Reads the attendee's routing again after an edit: the new model and the workshop's own error findings
   * (Traefik still gets the model, so that its own verdict shows too); throws when the file cannot be read.
   */
  reread?: () => Promise<{ config: DynamicConfig; problems: string[] }>;
  /** The workshop's findings on what Traefik still gets as written (a rule it will refuse itself). */
  problems?: string[];
}

/** The app's port inside its container: its PORT, else the protocol's default. */
const appPort = (plan: RehearsalPlan, target: string) => Number(plan.environment[target]?.PORT ?? 3000);

/** The entry points the attendee declares for traffic (not the API's `traefik`, not Traefik's implicit ones). */
const declaredEntryPoints = (traefik: StaticConfig) =>
  Object.values(traefik.entryPoints)
    .filter((e) => !e.implicit && e.name.toLowerCase() !== 'traefik')
    .map((e) => e.name);

/** The entry point clients use: the one the routers name most, else the first one declared. */
export function mainEntryPoint(config: DynamicConfig, traefik: StaticConfig): string {
  const declared = declaredEntryPoints(traefik);
  const named = Object.values(config.routers).flatMap((r) => r.entryPoints);
  const counts = new Map<string, number>();
  for (const n of named) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? declared[0] ?? 'web';
}

/**
 * Keeps Traefik's servers equal to the running instances: a replica that stops leaves them, as a stopped
 * container leaves the Docker provider's and a pod that is not ready leaves its EndpointSlice; one that is
 * back (a restart) joins again. `sync` hands Traefik the servers of the instances running and not leaving.
 */
export function followInstances(
  instances: Instance[],
  sync: (leaving: ReadonlySet<ManagedProcess>) => Promise<unknown>,
): void {
  const leaving = new Set<ManagedProcess>();
  // Nobody awaits this when an instance exits: a failure (Traefik already stopping at the end of the
  // command) has nobody to tell, and the next request through Traefik sees the real state anyway.
  const update = () => sync(leaving).catch(() => undefined);
  for (const instance of instances) {
    const watch = () => {
      const proc = instance.process;
      const stop = proc.stop.bind(proc);
      // A replica asked to stop gracefully leaves Traefik's servers before it drains, as a terminating pod
      // leaves its EndpointSlice: the clients it disconnects are not sent back to it. A kill is a crash: it
      // stays a server until it is gone, as a crashed pod stays until it is noticed.
      proc.stop = async (options) => {
        // On Ctrl-C Traefik and the API server are stopping too: there is nobody left to tell.
        if ((options?.signal ?? 'SIGTERM') === 'SIGTERM' && !interrupting()) {
          leaving.add(proc);
          await update();
        }
        return stop(options);
      };
      proc.exited.then(update);
    };
    watch();
    const restart = instance.restart.bind(instance);
    instance.restart = async () => {
      await restart();
      watch();
      await update();
    };
  }
}

export async function startRehearsal(plan: RehearsalPlan, options: StartOptions): Promise<Environment> {
  // The binary first: when it is missing, nothing else has started.
  const binary = await traefikForCommand();
  const notes: string[] = [];
  // Every port from PORT by the layout (`--start`), or free ones (checks), chosen up front so that Redis,
  // the replicas and Traefik start side by side; a busy one is refused before anything starts.
  const ports = new PortPlan(options.port);
  const entry = mainEntryPoint(plan.config, plan.traefik);
  const entryPorts: Record<string, number> = { [entry]: await ports.port('entry') };
  const more = declaredEntryPoints(plan.traefik).filter((name) => name !== entry);
  for (const [i, name] of more.entries())
    entryPorts[name] = await ports.port('entryPoints', i, `Traefik's entry point ${name}`);
  const apiPort = await ports.port('dashboard');
  const redisPort = process.env.REDIS_URL ? 0 : await ports.port('redis');
  // A port nothing listens on: where a service whose port is not the app's sends Traefik (a 502, as on Docker).
  const closedPort = await ports.port('closed');
  const replicas: { target: string; id: string; port: number }[] = [];
  for (const target of new Set(Object.values(plan.config.services).map((s) => s.target)))
    for (let i = 1; i <= Math.max(1, plan.replicas[target] ?? 1); i++) {
      const id = `${target}-${i}`;
      replicas.push({ target, id, port: await ports.port('replicas', replicas.length, id) });
    }
  await ports.ensureFree();
  const started = new Map<string, Instance>();
  let config = plan.config;
  // A replica is a server from the start until it is asked to stop, or stops.
  const servers = (leaving: ReadonlySet<ManagedProcess> = new Set()): Servers =>
    Object.fromEntries(
      Object.values(config.services).map((s) => {
        const wrongPort = s.port !== undefined && s.port !== appPort(plan, s.target);
        const live = replicas.filter((r) => {
          const proc = started.get(r.id)?.process;
          return r.target === s.target && (!proc || (proc.running() && !leaving.has(proc)));
        });
        return [s.name, live.map((r) => `http://127.0.0.1:${wrongPort ? closedPort : r.port}`)];
      }),
    );
  for (const s of Object.values(plan.config.services))
    if (s.port !== undefined && s.port !== appPort(plan, s.target))
      notes.push(
        `Service ${s.name} sends traffic to port ${s.port}, but the ${s.target} app listens on ${appPort(plan, s.target)}: Traefik will answer 502 Bad Gateway, as it would on the real stack.`,
      );

  const launch = new Launch();
  const redisStarting = launch.part(
    'redis',
    () => startRedis(redisPort || undefined),
    (r) => r.stop(),
  );
  const replicasStarting = startReplicas(launch, plan.dir, replicas, {
    ...options,
    redisUrl: redisUrlFor(redisPort),
  });
  const traefikStarting = launch.part(
    'router',
    () =>
      startTraefik({
        args: asArgs(plan.traefik),
        ports: entryPorts,
        apiPort,
        config: plan.config,
        servers: servers(),
        echo: options.echo,
        binary,
      }),
    (t) => t.stop(),
  );
  await launch.ready();
  const [instances, redis, run] = [
    await byName(replicasStarting),
    await redisStarting,
    await traefikStarting,
  ];
  for (const instance of instances) started.set(instance.id, instance);
  followInstances(instances, (leaving) => run.update(config, servers(leaving)));
  const entryUrl = run.entryPoints[entry];
  const local = (url: string) => url.replace('127.0.0.1', 'localhost');
  return {
    entries: [entryUrl],
    socketPath: plan.socketPath ?? '/socket.io/',
    instances,
    redis,
    traefik: run,
    drills: localDrills(
      () => instances,
      () => redis,
    ),
    workshopParts: [redis, processPart('Traefik', run.process)],
    links: [
      { label: `chat (Traefik ${run.binary.version})`, url: local(entryUrl) },
      ...more.map((name) => ({ label: `Traefik entry point ${name}`, url: local(run.entryPoints[name]) })),
      { label: 'Traefik dashboard', url: `${local(run.apiUrl)}/dashboard/` },
      ...instances.map((i) => ({ label: i.id, url: local(i.url) })),
      { label: `redis (${redis.kind})`, url: redis.url },
    ],
    notes: [
      `Rehearsal of ${plan.standsInFor}: the real Traefik ${run.binary.version} (${run.binary.path}) runs with your flags and your routing (through its file provider); Redis and the replicas are local processes. Docker and Kubernetes themselves are not rehearsed.`,
      ...run.notes,
      ...notes,
      ...(plan.problems ?? []).map(
        (p) =>
          `${p} Traefik gets it as written: its own error is in its log above, and the router is left out.`,
      ),
      ...plan.config.unsupported.map(
        (u) =>
          `Not rehearsed: ${u.key}${u.source ? ` (${u.source.file}${u.source.line ? `:${u.source.line}` : ''})` : ''}: the workshop does not pass it to Traefik yet.`,
      ),
    ],
    reload: plan.reread
      ? async () => {
          const next = await plan.reread?.();
          if (!next) return [];
          // Only the routing changes live; a service over a target that has no replicas here gets no servers.
          config = next.config;
          await run.update(config, servers());
          return [...next.problems, ...(await run.problems())];
        }
      : undefined,
    stop: () => launch.stop(),
  };
}
