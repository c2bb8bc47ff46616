// The step's app and Redis on a kind cluster as the checks see them: the app's pods (by name, which is what
// each instance calls itself), each asked from inside for /healthz and /readyz, Redis scaled to zero and
// back for an outage, and how long Traefik takes to follow a pod that ends. Every command names the cluster.
import type { RealStack, Replica } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import type { StepObjects, WorkloadRef } from '../../kubernetes/step-objects.ts';
import { waitFor } from '../../processes.ts';
import { rawData } from '../../traefik-run/process.ts';
import type { ClusterCommands } from './cluster.ts';

/** Traefik's API, published on the host by the step's kind-config.yaml. */
export const TRAEFIK_API = 'http://127.0.0.1:8080';

interface PodStatus {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { running?: object; terminated?: { exitCode: number }; waiting?: { reason?: string } };
      lastState?: { terminated?: { exitCode: number } };
    }[];
  };
}

/** The pods of a workload, as the API server lists them. */
export async function podsOf(sh: ClusterCommands, w: WorkloadRef): Promise<PodStatus[]> {
  const out = await sh.kubectl(['-n', w.namespace, 'get', 'pods', '-l', w.selector, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: PodStatus[] }).items;
}

/** A pod's app container: running and ready, or how it last ended. */
function containerOf(pod: PodStatus, container: string) {
  return (
    pod.status?.containerStatuses?.find((c) => c.name === container) ?? pod.status?.containerStatuses?.[0]
  );
}

/**
 * Pods that ended under a drill, as their last status showed them (a deleted pod leaves the API server,
 * and with it its exit code): the drills record them here, `replicas()` lists them with the live ones.
 */
export type Ended = Map<string, { exitCode: number; logs: string }>;

export function kindStack(sh: ClusterCommands, objects: StepObjects, ended: Ended): RealStack {
  const { app, redis } = objects;
  // The kubelet restarts a container that ends: a restart since a pod was first seen is an ending.
  const firstSeen = new Map<string, number>();
  const requireRedis = () => {
    if (!redis)
      throw new UserError(
        "The step's manifests run no Redis (no Service named by the app's REDIS_URL, no redis image).",
      );
    return redis;
  };
  /** `POD -c CONTAINER -- node -e SCRIPT`: kubectl exec's arguments for node in the replica's app container. */
  const nodeIn = (replica: Replica, script: string) => [
    replica.id,
    '-c',
    app.container,
    '--',
    'node',
    '-e',
    script,
  ];
  /** Each running Redis container: the node it runs on and the runtime's own id (containerd://… stripped). */
  const redisContainers = async () => {
    const r = requireRedis();
    const placed = await sh.kubectl([
      '-n',
      r.namespace,
      'get',
      'pod',
      '-l',
      r.selector,
      '-o',
      `jsonpath={range .items[*]}{.spec.nodeName} {.status.containerStatuses[?(@.name=="${r.container}")].containerID}{"\\n"}{end}`,
    ]);
    return placed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([node, id]) => node && id)
      .map(([node, id]) => ({ node, id: id.replace(/^[\w-]+:\/\//, '') }));
  };
  return {
    // An ended pod leaves its EndpointSlice when the kubelet reports it (a second or two), and Traefik's
    // provider applies the change after its throttle (2 s by default): measured on the kind target's test.
    routerLagMs: 4_000,
    async settle() {
      // Every app pod ready, none still leaving (a rollout's old ones), and Traefik sending to no other
      // address: a client that connects now reaches a live pod, not one Traefik has yet to drop.
      try {
        await waitFor(
          'every app pod ready, the old ones gone, and only theirs in Traefik',
          async () => {
            const all = await podsOf(sh, app);
            const pods = all.filter((p) => !p.metadata.deletionTimestamp);
            const ready = pods.filter((p) => containerOf(p, app.container)?.ready);
            if (pods.length !== app.replicas || ready.length !== pods.length || all.length !== pods.length)
              return undefined;
            const ips = new Set(pods.map((p) => p.status?.podIP));
            const data = await rawData(TRAEFIK_API).catch(() => undefined);
            const services = Object.entries(data?.services ?? {});
            const servers = services
              .filter(([name]) => name.endsWith('@kubernetescrd'))
              .flatMap(([, s]) => s.loadBalancer?.servers ?? []);
            return servers.every((s) => ips.has(new URL(s.url).hostname)) ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        return undefined;
      } catch {
        return `Not every pod of ${app.resource} was ready within 60 s.`;
      }
    },
    async replicas() {
      // A pod being deleted (an old one after a rollout) is leaving: not one of the replicas any more.
      const pods = (await podsOf(sh, app)).filter((p) => !p.metadata.deletionTimestamp);
      const live: Replica[] = pods.map((pod) => {
        const c = containerOf(pod, app.container);
        const name = pod.metadata.name;
        const restarts = c?.restartCount ?? 0;
        if (!firstSeen.has(name)) firstSeen.set(name, restarts);
        const restarted = restarts > (firstSeen.get(name) ?? restarts);
        return {
          id: name,
          instance: name,
          running: Boolean(c?.state?.running) && !restarted,
          exitCode: c?.state?.terminated?.exitCode ?? c?.lastState?.terminated?.exitCode ?? 0,
          logs: async () => (await sh.tryKubectl(['-n', app.namespace, 'logs', name, '--tail=40'])).output,
        };
      });
      const gone: Replica[] = [...ended].map(([name, end]) => ({
        id: name,
        instance: name,
        running: false,
        exitCode: end.exitCode,
        logs: async () => end.logs,
      }));
      return [...live.filter((r) => !ended.has(r.id)), ...gone];
    },
    insideNode: (replica, script) =>
      sh.kubectlArgv(['-n', app.namespace, 'exec', '-i', ...nodeIn(replica, script)]),
    async status(replica, path) {
      // From inside the pod: the app's port is published to no one but its Service.
      const probe = `fetch('http://127.0.0.1:'+(process.env.PORT||3000)+${JSON.stringify(path)}).then(r=>console.log(r.status),()=>console.log(0))`;
      const out = await sh.tryKubectl(['-n', app.namespace, 'exec', ...nodeIn(replica, probe)]);
      return Number(out.stdout.trim()) || 0;
    },
    async freezeRedis() {
      // From the node: Redis is PID 1 of its PID namespace, and a SIGSTOP sent from inside is dropped.
      for (const { node, id } of await redisContainers()) {
        const pid = await sh.run([
          'docker',
          'exec',
          node,
          'crictl',
          'inspect',
          '-o',
          'go-template',
          '--template',
          '{{.info.pid}}',
          id,
        ]);
        await sh.run(['docker', 'exec', node, 'kill', '-STOP', pid.stdout.trim()]);
      }
    },
    async stopRedis() {
      const r = requireRedis();
      const containers = await redisContainers();
      await sh.kubectl(['-n', r.namespace, 'scale', r.resource, '--replicas=0']);
      // Once its pods are being deleted, SIGKILL now: the kubelet's SIGTERM waits out the grace period on a
      // frozen Redis, and it restarts no container of a pod that is going.
      for (const { node, id } of containers)
        await sh.attempt(['docker', 'exec', node, 'crictl', 'stop', '--timeout', '0', id]);
      await sh.kubectl(['-n', r.namespace, 'wait', '--for=delete', 'pod', '-l', r.selector, '--timeout=60s']);
    },
    async startRedis() {
      const r = requireRedis();
      await sh.kubectl(['-n', r.namespace, 'scale', r.resource, `--replicas=${r.replicas}`]);
      await sh.kubectl(['-n', r.namespace, 'rollout', 'status', r.resource, '--timeout=120s']);
    },
  };
}
