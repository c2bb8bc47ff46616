// Steps 4–6 on the `apiserver` target: a real Kubernetes API server (control-plane.ts) holds
// Traefik's CRDs and the attendee's manifests, applied as `kubectl apply --server-side` applies them, so a
// refused field is the API server's verdict. The real Traefik runs outside the cluster with the attendee's
// Deployment args, as the attendee's ServiceAccount: their ClusterRole and binding are enforced for real.
// There is no kubelet: the app's pods and Redis run as local processes, and this module writes the
// EndpointSlices the endpointslice controller would, one per pod each Service's selector picks.
import { join } from 'node:path';
import type { Environment, Instance, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { formatFinding } from '../../findings.ts';
import { applyErrors } from '../../kubernetes/apply-errors.ts';
import {
  explainForbidden,
  forbiddenIn,
  providerErrors,
  SHOWN_BY_AN_API_SERVER,
  unselected,
} from '../../kubernetes/cluster-verdicts.ts';
import { isIngressRoute } from '../../kubernetes/lookups.ts';
import { asArray, asRecord, type ManifestObject } from '../../kubernetes/manifest.ts';
import {
  findTraefik,
  isRedisWorkload,
  literalEnv,
  resolveTargetPort,
  selectedWorkloads,
  servicesOf,
  type Workload,
  workloadsOf,
} from '../../kubernetes/workloads.ts';
import { PortPlan } from '../../ports.ts';
import { type ManagedProcess, waitFor } from '../../processes.ts';
import { redisUrlFor, startRedis } from '../../redis.ts';
import { stepFiles } from '../../step-files.ts';
import { findExecutable } from '../../tools.ts';
import { TRAEFIK_IMAGE } from '../../traefik/version.ts';
import { rawData, traefikForCommand } from '../../traefik-run/process.ts';
import { processPart } from '../../workshop-parts.ts';
import { cachedTool, missingToolReason, traefikCrds } from '../kube-tools.ts';
import { byName, Launch, startReplicas } from '../launch.ts';
import { localDrills } from '../rehearsal/local-drills.ts';
import { followInstances, mainEntryPoint } from '../rehearsal/traefik-rehearsal.ts';
import type { StepShape, TargetModule } from '../target.ts';
import { startControlPlane } from './control-plane.ts';
import { startPodNetwork } from './pod-network.ts';
import {
  applyCrds,
  endpointSliceFor,
  type KubernetesTraefik,
  serverSideApply,
  startTraefikAs,
} from './traefik-provider.ts';

interface Pod {
  id: string;
  workload: Workload;
  /** Its own address (pod-network.ts) and the port its process listens on there. */
  address: string;
  port: number;
  /** Where the app listens in its container (its PORT): a Service's targetPort must resolve to it. */
  appPort: number;
  instance?: Instance;
}

export async function startApiserverStep(
  step: Pick<StepShape, 'socketPath'>,
  dir: string,
  options: StartOptions,
): Promise<Environment> {
  const binary = await traefikForCommand();
  const k8s = join(dir, 'k8s');
  const files = options.files ?? stepFiles(dir);
  const { objects } = await files.manifests();
  const traefikInstall = findTraefik(objects);
  if (!traefikInstall)
    throw new UserError(
      `No Traefik Deployment in ${k8s}: nothing would read the IngressRoute.`,
      `k8s/traefik.yaml runs Traefik (image ${TRAEFIK_IMAGE}) with --providers.kubernetescrd; \`npm run reset N\` restores it`,
    );

  // The pods a kubelet would run: each app Deployment's replicas as local processes, one Redis. They need
  // nothing from the API server, so they start beside it.
  const workloads = workloadsOf(objects).filter((w) => w.object !== traefikInstall.workload.object);
  const apps = workloads.filter((w) => !isRedisWorkload(w));
  // Every port from PORT by the layout (`--start`), or free ones (checks); a busy one is refused before
  // anything starts.
  const ports = new PortPlan(options.port);
  const pods: Pod[] = [];
  for (const w of apps)
    for (let i = 1; i <= w.replicas; i++) {
      const id = `${w.object.name}-${i}`;
      pods.push({
        id,
        workload: w,
        address: '',
        port: await ports.port('replicas', pods.length, id),
        appPort: appPort(w),
      });
    }
  const redisPort = process.env.REDIS_URL ? 0 : await ports.port('redis');
  const closedPort = await ports.port('closed');
  const entry = mainEntryPoint((await files.routing()).config, traefikInstall.static);
  const entryPorts: Record<string, number> = { [entry]: await ports.port('entry') };
  // The other entry points the Deployment's flags declare (the API's `traefik` is the dashboard's port).
  const more = Object.values(traefikInstall.static.entryPoints)
    .filter((e) => !e.implicit && e.name !== entry && e.name.toLowerCase() !== 'traefik')
    .map((e) => e.name);
  for (const [i, name] of more.entries())
    entryPorts[name] = await ports.port('entryPoints', i, `Traefik's entry point ${name}`);
  const apiPort = await ports.port('dashboard');
  const planePorts = {
    etcdClient: await ports.port('etcdClient'),
    etcdPeer: await ports.port('etcdPeer'),
    apiserver: await ports.port('apiserver'),
  };
  await ports.ensureFree();

  const launch = new Launch();
  const network = await launch.part(
    'network',
    async () => startPodNetwork(pods.length),
    async (n) => n.stop(),
  );
  pods.forEach((pod, i) => {
    pod.address = network.addresses[i];
  });
  const redisStarting = workloads.some(isRedisWorkload)
    ? launch.part(
        'redis',
        () => startRedis(redisPort || undefined),
        (r) => r.stop(),
      )
    : undefined;
  const podsStarting = startReplicas(launch, dir, pods, { ...options, redisUrl: redisUrlFor(redisPort) });
  const planeStarting = launch.part(
    'control-plane',
    async () => {
      const plane = await startControlPlane({ echo: options.echo, ports: planePorts });
      try {
        const crdFile = await traefikCrds();
        await applyCrds(plane, crdFile).catch((err: Error) => {
          throw new UserError(`Traefik's CRDs did not apply: ${err.message}`);
        });
        const applied = await serverSideApply(plane, k8s);
        if (applied.code !== 0) throw refused(applyErrors(applied.stderr, objects), applied.stderr);
        return plane;
      } catch (err) {
        await plane.stop();
        throw err;
      }
    },
    (plane) => plane.stop(),
  );
  // Traefik reads the control plane: it starts once the manifests are in.
  const traefikStarting = launch.part(
    'router',
    async () =>
      startTraefikAs(await planeStarting, binary, traefikInstall, {
        ports: entryPorts,
        apiPort,
        echo: options.echo,
      }),
    (t) => t.stop(),
  );
  await launch.ready();
  const run = await traefikStarting;
  const cluster = await planeStarting;
  const redis = await redisStarting;
  const instances = await byName(podsStarting);
  for (const pod of pods) pod.instance = instances.find((i) => i.id === pod.id);
  try {
    const slices = endpointSlices(objects, workloads, pods, closedPort);
    const write = async (leaving: ReadonlySet<ManagedProcess>) => {
      const ready = (pod: Pod) =>
        !!pod.instance && pod.instance.process.running() && !leaving.has(pod.instance.process);
      const items = slices.map((s) => s.slice(ready(s.pod)));
      await Promise.all(items.map((slice) => cluster.apply(slice, 'wsk-endpoints')));
      return slices.map((s) => ({ url: `http://${s.pod.address}:${s.port}`, ready: ready(s.pod) }));
    };
    await write(new Set());
    const routed = await waitForRouting(run, objects);
    // Later writes (a replica stops, leaves, is back) are done when Traefik's servers say so.
    followInstances(instances, async (leaving) => {
      const endpoints = await write(leaving);
      const want = endpoints.filter((e) => e.ready && routed.has(e.url)).map((e) => e.url);
      const gone = endpoints.filter((e) => !e.ready).map((e) => e.url);
      await waitFor(
        'Traefik to take the EndpointSlices',
        async () => {
          const servers = await crdServers(run.apiUrl);
          return want.every((u) => servers.has(u)) && !gone.some((u) => servers.has(u)) ? true : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 50, process: run.process },
      );
    });

    const noPods = unselected(objects, workloadsOf(objects));
    const entryUrl = run.entryPoints[entry];
    const local = (url: string) => url.replace('127.0.0.1', 'localhost');
    return {
      entries: [entryUrl],
      socketPath: step.socketPath,
      instances,
      redis,
      // The pods are this command's processes: drilled as on the rehearsal.
      drills: localDrills(
        () => instances,
        () => redis,
      ),
      workshopParts: [
        ...(redis ? [redis] : []),
        processPart('Traefik', run.process),
        ...cluster.processes.map((p) => processPart(p.name, p)),
        network,
      ],
      // A failing check through Traefik shows what Traefik and the workshop know about why.
      traefik: {
        ...run,
        problems: async () => [...(await run.problems()), ...noPods, ...providerErrors(run.process.output())],
      },
      links: [
        { label: `chat (Traefik ${binary.version}, CRD provider)`, url: local(entryUrl) },
        ...more.map((name) => ({ label: `Traefik entry point ${name}`, url: local(run.entryPoints[name]) })),
        { label: 'Traefik dashboard', url: `${local(run.apiUrl)}/dashboard/` },
        { label: 'Kubernetes API server', url: cluster.server },
        ...instances.map((i) => ({ label: i.id, url: local(i.url) })),
        ...(redis ? [{ label: `redis (${redis.kind})`, url: redis.url }] : []),
      ],
      notes: [
        `A real Kubernetes API server (no kubelet, no controllers): your manifests and Traefik's CRDs applied with server-side apply; Traefik ${binary.version} runs your Deployment's args as ${run.serviceAccount}, so your RBAC is enforced. Your pods and Redis run as local processes, and the workshop writes the EndpointSlices for your Services, one address per pod (${pods.map((p) => `${p.id} ${p.address}`).join(', ')}).`,
        `kubectl --kubeconfig ${cluster.kubeconfig} get ingressroute,svc,endpointslices -A`,
        ...run.notes,
        ...noPods,
      ],
      reload: async () => {
        // An edit is applied as you would apply it; Traefik's provider picks it up. Replicas are not restarted.
        const again = await serverSideApply(cluster, k8s);
        return [
          ...(again.code === 0
            ? []
            : applyErrors(again.stderr, (await stepFiles(dir).manifests()).objects).map(formatFinding)),
          ...(await run.problems()),
        ];
      },
      stop: () => launch.stop(),
    };
  } catch (err) {
    await launch.stop();
    throw err;
  }
}

/** The app's port in its container: its PORT, else the protocol's default. */
const appPort = (w: Workload) => Number(literalEnv(w.containers[0]).PORT ?? 3000);

/** One EndpointSlice per pod a Service selects: ports the app does not listen on go to a closed port (502). */
function endpointSlices(objects: ManifestObject[], workloads: Workload[], pods: Pod[], closedPort: number) {
  return servicesOf(objects).flatMap((service) => {
    const selected = selectedWorkloads(service, workloads);
    return pods
      .filter((pod) => selected.includes(pod.workload))
      .map((pod) => {
        const portFor = (servicePort: Record<string, unknown>) =>
          resolveTargetPort(servicePort.targetPort ?? servicePort.port, pod.workload) === pod.appPort
            ? pod.port
            : closedPort;
        const first = asRecord(asArray(asRecord(service.data.spec).ports)[0]);
        return {
          pod,
          port: portFor(first),
          slice: (ready: boolean) => endpointSliceFor(service, pod.id, pod.address, portFor, ready),
        };
      });
  });
}

/**
 * Waits until Traefik built a router for every IngressRoute, or its ServiceAccount was refused (then the
 * RBAC to add), or a bound passed (then the checks meet what Traefik serves). Resolves to the server URLs
 * Traefik routes to.
 */
async function waitForRouting(run: KubernetesTraefik, objects: ManifestObject[]): Promise<Set<string>> {
  const routes = objects.filter(isIngressRoute).map((ir) => `${ir.namespace}-${ir.name}`);
  let refusal: UserError | undefined;
  await waitFor(
    'Traefik to load every IngressRoute',
    async () => {
      const forbidden = forbiddenIn(run.process.output());
      if (forbidden.length > 0) {
        refusal = explainForbidden(forbidden, objects);
        return true;
      }
      const routers = Object.keys((await rawData(run.apiUrl)).routers ?? {});
      return routes.every((r) =>
        routers.some((name) => name.startsWith(r) && name.endsWith('@kubernetescrd')),
      )
        ? true
        : undefined;
    },
    { timeoutMs: 8_000, intervalMs: 100, process: run.process },
  ).catch(() => undefined);
  if (refusal) throw refusal;
  return crdServers(run.apiUrl);
}

/** Every server URL of the services Traefik's CRD provider built. */
async function crdServers(apiUrl: string): Promise<Set<string>> {
  const services = (await rawData(apiUrl)).services ?? {};
  return new Set(
    Object.entries(services)
      .filter(([name]) => name.endsWith('@kubernetescrd'))
      .flatMap(([, s]) => s.loadBalancer?.servers?.map((x) => x.url) ?? []),
  );
}

function refused(findings: ReturnType<typeof applyErrors>, stderr: string): UserError {
  if (findings.length === 0) return new UserError(`kubectl apply failed: ${stderr.trim()}`);
  return new UserError(
    `The API server refused your manifests:\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
    findings[0].fix,
  );
}

/** kube-apiserver and etcd on this machine, and root for the pods' addresses. */
async function apiserverMissing(): Promise<string | undefined> {
  const missing = [
    cachedTool('kube-apiserver') ? undefined : missingToolReason('kube-apiserver'),
    findExecutable('etcd') ? undefined : 'no etcd on PATH (Debian: apt-get install etcd-server)',
  ].filter(Boolean);
  return missing.length ? missing.join('; ') : undefined;
}

export const apiserver: TargetModule = {
  name: 'apiserver',
  label: 'the Kubernetes API server',
  summary:
    "a real Kubernetes API server on this machine: your manifests applied, Traefik's CRD provider as your ServiceAccount, the pods as local processes",
  runs: {
    server: null,
    instances: null,
    compose: null,
    kubernetes: 'kubernetes',
    'compose-and-kubernetes': 'kubernetes',
  },
  cannot: {},
  showsItself: (code) => SHOWN_BY_AN_API_SERVER.test(code),
  missing: apiserverMissing,
  start: startApiserverStep,
  // Its own control plane and pods, started and stopped by the drill command.
  runningStack: false,
  startTimeoutMs: 60_000,
  drillTimeoutMs: 15_000,
  forDrill: (step, dir) => startApiserverStep(step, dir, { port: 0 }),
};
