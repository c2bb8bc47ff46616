// The drills on a kind cluster, as an operator would cause them: on the step's own objects (read from its
// manifests), in the cluster its kind-config.yaml names.
import { spawnSync } from 'node:child_process';
import type { Drills } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import type { StepObjects } from '../../kubernetes/step-objects.ts';
import { mustUndo, startProcess, waitFor } from '../../processes.ts';
import { clusterCommands, type KindCluster, kubectlArgs } from './cluster.ts';
import type { Ended } from './stack.ts';

/** The app container's exit code as each pod event shows it (empty until it has ended), a line per event. */
const EXIT_CODE = (container: string) =>
  `{range .status.containerStatuses[?(@.name=="${container}")]}{.state.terminated.exitCode}{end}{"\\n"}`;

/**
 * kind: instance names are pod names (the manifests set INSTANCE_ID from metadata.name; the hostname is the
 * pod's name too). Objects, namespaces and the socket path come from the step's manifests, the cluster
 * from its kind-config.yaml. Each failure is what it says and is over (within a bound) when `act` returns:
 * - sigterm-instance: `kubectl delete pod` returns once the kubelet stopped it: SIGTERM, then its grace period.
 * - sigkill-instance: the node's container runtime kills the app's container with SIGKILL, no grace:
 *   `crictl stop --timeout 0` (containerd sends the stop signal only for a timeout above 0). Not
 *   `kubectl delete pod --grace-period=0 --force`: the kubelet still stops the container with SIGTERM
 *   and a 2 s minimum grace. Not `kubectl exec POD -- kill -KILL 1`: the app is PID 1 of its PID
 *   namespace, and the kernel drops a SIGKILL sent to it from inside. The kubelet restarts the
 *   container, as after a crash.
 * - restart-redis: scaled to 0 until its pods are gone, then back: a rolling restart starts the new pod
 *   before it stops the old one, and Redis would never be away.
 * - rolling-restart: `kubectl rollout restart`, until the rollout is complete.
 */
export function kindDrills(
  cluster: KindCluster,
  objects: StepObjects,
  { hint, ended = new Map() }: { hint: string; ended?: Ended },
): Drills {
  const sh = clusterCommands(cluster, { hint });
  const { app, redis } = objects;
  const inApp = (args: string[]) => sh.kubectl(['-n', app.namespace, ...args]);
  const follow = (name: string, args: string[]) =>
    startProcess({ name, command: 'kubectl', args: kubectlArgs(cluster, ['-n', app.namespace, ...args]) });
  return {
    'sigterm-instance': async (busiest) => {
      // A deleted pod leaves the API server with its exit code and its logs: both are followed while it drains.
      const status = follow('kubectl', [
        'get',
        'pod',
        busiest,
        '--watch',
        '-o',
        `jsonpath=${EXIT_CODE(app.container)}`,
      ]);
      const logs = follow(busiest, ['logs', '--follow', '--tail=40', '-c', app.container, busiest]);
      try {
        await inApp(['delete', 'pod', busiest, '--timeout=60s']);
        await waitFor("the pod's logs to end", async () => (logs.running() ? undefined : true), {
          timeoutMs: 5_000,
        }).catch(() => undefined);
      } finally {
        await Promise.all([status.stop({ graceMs: 1_000 }), logs.stop({ graceMs: 1_000 })]);
      }
      const exitCode = status.stdout().match(/\d+/g)?.map(Number).at(-1);
      if (exitCode === undefined) return `kubectl delete pod ${busiest}: SIGTERM, and the pod is gone`;
      ended.set(busiest, { exitCode, logs: logs.stdout() });
      return `kubectl delete pod ${busiest}: SIGTERM, it exited with code ${exitCode}, and the pod is gone`;
    },
    'sigkill-instance': async (busiest) => {
      const placed = await inApp([
        'get',
        'pod',
        busiest,
        '-o',
        `jsonpath={.spec.nodeName} {.status.containerStatuses[?(@.name=="${app.container}")].containerID}`,
      ]);
      const [node, container] = placed.stdout.trim().split(' ');
      // containerd://0123…: the runtime's own id.
      const id = container?.replace(/^[\w-]+:\/\//, '');
      if (!node || !id)
        throw new UserError(
          `Pod ${busiest} has no running container named ${app.container} on a node: nothing to kill.`,
          `kubectl --context ${cluster.context} -n ${app.namespace} get pod ${busiest} -o wide`,
        );
      await sh.run(['docker', 'exec', node, 'crictl', 'stop', '--timeout', '0', id]);
      return `SIGKILL to ${app.container} in ${busiest} (crictl stop --timeout 0 on node ${node}); the kubelet restarts it`;
    },
    'restart-redis': async () => {
      if (!redis)
        throw new UserError(
          "The step's manifests run no Redis (no Service named by the app's REDIS_URL, no redis image).",
        );
      const back = ['-n', redis.namespace, 'scale', redis.resource, `--replicas=${redis.replicas}`];
      // Whatever happens from here (a failed wait, Ctrl-C), Redis is scaled back: the drill's outage must end.
      const undone = mustUndo({
        now: () => spawnSync('kubectl', kubectlArgs(cluster, back), { stdio: 'ignore', timeout: 10_000 }),
        stop: () => sh.kubectl(back),
      });
      try {
        await sh.kubectl(['-n', redis.namespace, 'scale', redis.resource, '--replicas=0']);
        await sh.kubectl([
          '-n',
          redis.namespace,
          'wait',
          '--for=delete',
          'pod',
          '-l',
          redis.selector,
          '--timeout=60s',
        ]);
      } finally {
        await sh.kubectl(back);
        undone();
      }
      await sh.kubectl(['-n', redis.namespace, 'rollout', 'status', redis.resource, '--timeout=120s']);
      return `scaled ${redis.resource} to 0 until its pods were gone, then back to ${redis.replicas}`;
    },
    'rolling-restart': async () => {
      await inApp(['rollout', 'restart', app.resource]);
      await inApp(['rollout', 'status', app.resource, '--timeout=180s']);
      return `kubectl rollout restart ${app.resource}, until every pod was replaced`;
    },
  };
}
