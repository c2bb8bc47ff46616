import type { Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { type Finding, formatFinding } from '../../findings.ts';
import { applyErrors } from '../../kubernetes/apply-errors.ts';
import {
  explainForbidden,
  forbiddenIn,
  providerErrors,
  SHOWN_BY_A_NODE,
  SHOWN_BY_AN_API_SERVER,
  unselected,
} from '../../kubernetes/cluster-verdicts.ts';
import { isIngressRoute } from '../../kubernetes/lookups.ts';
import type { ManifestObject } from '../../kubernetes/manifest.ts';
import type { StepObjects, WorkloadRef } from '../../kubernetes/step-objects.ts';
import { workloadsOf } from '../../kubernetes/workloads.ts';
import { startProcess, waitFor } from '../../processes.ts';
import { stepFiles } from '../../step-files.ts';
import { dockerEngineAnswers, findExecutable } from '../../tools.ts';
import { traefikAnswers } from '../../traefik-run/api.ts';
import { rawData, routerErrors } from '../../traefik-run/process.ts';
import { traefikCrds } from '../kube-tools.ts';
import type { StepShape, TargetModule } from '../target.ts';
import {
  type ClusterCommands,
  clusterCommands,
  type KindCluster,
  kindCluster,
  kubectlArgs,
} from './cluster.ts';
import { createCluster, ensureContext } from './create.ts';
import { kindDrills } from './drills.ts';
import { buildFlags, imageStore, loadImagesIntoKind } from './image-archive.ts';
import { type Ended, kindStack, podsOf, TRAEFIK_API } from './stack.ts';

/** The app image's name when the manifests name none (a test's own stack). */
export const APP_IMAGE = 'wsk-app:1.0.0';
/** Where Traefik answers on the host through kind's port mapping (a test points it elsewhere). */
const ingressUrl = () => process.env.WSK_INGRESS_URL ?? 'http://localhost';
/** Traefik's API through kind's mapping of the dashboard's port (kind-config.yaml maps 8080 to it). */

export const KIND_MISSING = new UserError(
  'This needs docker (with a running engine), kind and kubectl, and at least one of them is missing.',
  'install kind (https://kind.sigs.k8s.io) and kubectl, start Docker, check with `npm run doctor`; or use the rehearsal: --target rehearsal',
);

/**
 * kind create (when absent), the app's image built and loaded (with the other images the manifests name
 * that this engine holds), Traefik's CRDs, the step's manifests, rollouts, then the page through Traefik.
 * Every kind command names the cluster (--name) and every kubectl command its context (kind-NAME). What
 * the cluster refuses (a manifest, an image pull, Traefik's RBAC) comes back at the attendee's file and line.
 */
export async function startKindCluster(
  step: Pick<StepShape, 'socketPath'>,
  dir: string,
  options: StartOptions,
): Promise<Environment> {
  const missing = await kindMissing();
  if (missing)
    throw new UserError(`The kind target needs docker, kind and kubectl: ${missing}.`, KIND_MISSING.hint);
  const cluster = kindCluster(dir);
  const files = options.files ?? stepFiles(dir);
  const { objects: manifests } = await files.manifests();
  const objects = await kindObjects(dir, { files });
  const { app, traefik } = objects;
  const kubectl = `kubectl --context ${cluster.context} -n ${app.namespace}`;
  const sh = clusterCommands(cluster, {
    cwd: dir,
    echo: options.echo,
    hint: `read the output above; kubectl --context ${cluster.context} get pods -A shows what runs`,
  });
  const notes: string[] = [];
  const clusters = (await sh.run(['kind', 'get', 'clusters'])).stdout.split('\n').map((l) => l.trim());
  const existed = clusters.includes(cluster.name);
  const created = existed ? undefined : await createCluster(sh, cluster, dir);
  notes.push(...(created?.notes ?? (await ensureContext(sh, cluster))));
  try {
    const store = await imageStore(sh);
    // The image the app's Deployment names, built from the step's Dockerfile under that very name.
    const appImage = app.images[0] ?? APP_IMAGE;
    await sh.run(['docker', 'build', ...buildFlags(store), '-t', appImage, '.']);
    // The other images (Redis, Traefik) go in too where this engine holds them: an offline room has no
    // registry for the node to pull from.
    const others = [...new Set(objects.rollouts.flatMap((w) => w.images))].filter((i) => i !== appImage);
    const held: string[] = [];
    for (const image of others)
      if ((await sh.attempt(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])).exitCode === 0)
        held.push(image);
    const loaded = await loadImagesIntoKind(sh, [appImage, ...held], store);
    await sh.kubectl(['apply', '--server-side', '--force-conflicts', '-f', await traefikCrds()]);
    // From here on, what Traefik logs is about this run's manifests.
    const deployed = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const applied = await sh.tryKubectl(['apply', '-f', 'k8s/']);
    if (applied.exitCode !== 0) throw refused(applyErrors(applied.output, manifests, dir), applied.output);
    // A cluster that was running keeps its pods: the app's image may have new bytes under the same tag, and
    // a Traefik that had synced keeps what it read before an RBAC edit. Each starts again when that is so.
    const changed = (kind: RegExp) =>
      applied.output.split('\n').some((l) => kind.test(l) && !/ unchanged$/.test(l.trim()));
    const restart = [
      ...(loaded.includes(appImage) ? [app] : []),
      ...(traefik && changed(/^(clusterrole|clusterrolebinding|serviceaccount)\S* /) ? [traefik] : []),
    ];
    if (existed)
      for (const w of restart) await sh.kubectl(['-n', w.namespace, 'rollout', 'restart', w.resource]);
    for (const w of objects.rollouts) await rollOut(sh, cluster, w, manifests, kubectl);
    await waitForRoutes(sh, objects, manifests, kubectl, deployed);
  } catch (err) {
    // A cluster made for a step that then failed stays for the next try (an interrupt still removes it).
    created?.keep();
    throw err;
  }
  created?.keep();

  const socketPath = step.socketPath;
  const page = new URL(socketPath.replace(/socket\.io\/$/, ''), ingressUrl()).href;
  const logs =
    options.echo && traefik
      ? startProcess({
          name: 'traefik',
          command: 'kubectl',
          args: kubectlArgs(cluster, [
            '-n',
            traefik.namespace,
            'logs',
            '-f',
            '-l',
            traefik.selector,
            '--tail=20',
          ]),
          cwd: dir,
          echo: true,
        })
      : undefined;
  // What Traefik logs from now on is about the step as it runs (its start logs errors while pods come up).
  const routed = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const ended: Ended = new Map();
  const api = (await traefikAnswers(TRAEFIK_API)) ? TRAEFIK_API : undefined;
  return {
    entries: [ingressUrl()],
    socketPath,
    instances: [],
    stack: kindStack(sh, objects, ended),
    drills: kindDrills(cluster, objects, { hint: clusterHint(cluster), ended }),
    traefik: api
      ? {
          apiUrl: api,
          problems: async () => [
            ...(await routerErrors(api).catch(() => [])),
            ...(traefik ? providerErrors(await traefikLogs(sh, traefik, routed)) : []),
            ...unselected(manifests, workloadsOf(manifests)),
          ],
        }
      : undefined,
    links: [
      { label: 'chat (Traefik in kind)', url: page },
      { label: 'Traefik dashboard', url: 'http://127.0.0.1:8080/dashboard/' },
    ],
    notes: [
      ...notes,
      `kind cluster '${cluster.name}' (kubectl context ${cluster.context}). When something is off: ${kubectl} describe pod -l ${app.selector}; ${kubectl} logs -l ${app.selector}; ${kubectl} get endpointslices`,
      `The cluster stays up for the next run; delete it when done: npm run step 4 -- --down (kind delete cluster --name ${cluster.name})`,
    ],
    // The cluster outlives the command (creating one takes a while); --down deletes it.
    stop: async () => {
      await logs?.stop();
    },
  };
}

/**
 * The logs of Traefik's live pods (since a moment, when given): where its "forbidden" and provider errors
 * are. Not a pod being deleted: after a restart the old one logs on, refused under the RBAC just replaced.
 */
async function traefikLogs(sh: ClusterCommands, traefik: WorkloadRef, since?: string): Promise<string> {
  const live = (await podsOf(sh, traefik)).filter((p) => !p.metadata.deletionTimestamp);
  const logs = await Promise.all(
    live.map(async (pod) => {
      const args = ['-n', traefik.namespace, 'logs', pod.metadata.name, '--tail=500'];
      return (await sh.tryKubectl([...args, ...(since ? [`--since-time=${since}`] : [])])).output;
    }),
  );
  return logs.join('\n');
}

/** The API server's refusal of the manifests, at the attendee's file and line. */
function refused(findings: Finding[], output: string): UserError {
  if (findings.length === 0) return new UserError(`kubectl apply -f k8s/ failed: ${output.trim()}`);
  return new UserError(
    `The cluster refused your manifests:\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
    findings[0].fix,
  );
}

interface PodView {
  metadata: { name: string };
  status?: {
    containerStatuses?: {
      name: string;
      image: string;
      state?: { waiting?: { reason?: string; message?: string } };
    }[];
  };
}

/**
 * `kubectl rollout status`, bounded, watching the pods meanwhile: an image the kubelet cannot pull or a
 * container that keeps crashing fails at once, in the kubelet's words, rather than after the bound.
 */
async function rollOut(
  sh: ClusterCommands,
  cluster: KindCluster,
  w: WorkloadRef,
  manifests: ManifestObject[],
  kubectl: string,
): Promise<void> {
  const status = startProcess({
    name: 'kubectl',
    command: 'kubectl',
    args: kubectlArgs(cluster, ['-n', w.namespace, 'rollout', 'status', w.resource, '--timeout=180s']),
  });
  try {
    const seen = await waitFor(
      `${w.resource} to roll out`,
      async () => {
        if (!status.running()) return {};
        const now = await stuck(sh, w, manifests, kubectl);
        return now ? { stuck: now } : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 2_000 },
    ).catch(() => ({}) as { stuck?: UserError });
    if (seen.stuck) throw seen.stuck;
    if ((await status.exited).code !== 0)
      throw (
        (await stuck(sh, w, manifests, kubectl)) ??
        new UserError(
          `${w.resource} did not roll out within 180 s.`,
          `${kubectl} describe ${w.resource}; ${kubectl} get events --sort-by=.lastTimestamp`,
        )
      );
  } finally {
    await status.stop({ graceMs: 1_000 });
  }
}

/** Why a workload's pods cannot come up, in the kubelet's words, with what to change; undefined while none is stuck. */
async function stuck(
  sh: ClusterCommands,
  w: WorkloadRef,
  manifests: ManifestObject[],
  kubectl: string,
): Promise<UserError | undefined> {
  const pods = JSON.parse(
    (await sh.kubectl(['-n', w.namespace, 'get', 'pods', '-l', w.selector, '-o', 'json'])).stdout,
  ) as { items: PodView[] };
  for (const pod of pods.items)
    for (const c of pod.status?.containerStatuses ?? []) {
      const reason = c.state?.waiting?.reason;
      if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff' || reason === 'ErrImageNeverPull') {
        const source = manifests.find((o) => `${o.kind.toLowerCase()}/${o.name}` === w.resource);
        return new UserError(
          `${w.resource} did not roll out: the kubelet could not get the image ${c.image} (${reason}${c.state?.waiting?.message ? `: ${c.state.waiting.message}` : ''}).${source ? ` (${source.file})` : ''}`,
          /(:latest|^[^:]+)$/.test(c.image)
            ? `a :latest (or untagged) image makes the kubelet pull it from a registry instead of using the copy loaded into the node (kind#328): tag it, e.g. ${c.image.replace(/:latest$/, '')}:1.0.0, or set imagePullPolicy: IfNotPresent`
            : 'the image must be one this machine holds (the workshop loads it into the node) or one a registry serves',
        );
      }
      if (reason === 'CrashLoopBackOff') {
        const last = await sh.tryKubectl([
          '-n',
          w.namespace,
          'logs',
          pod.metadata.name,
          '-c',
          c.name,
          '--previous',
          '--tail=8',
        ]);
        return new UserError(
          `${w.resource} did not roll out: ${pod.metadata.name} keeps crashing. Its last output:\n  ${last.output.trim().split('\n').join('\n  ')}`,
          `${kubectl} logs ${pod.metadata.name} --previous`,
        );
      }
    }
  return undefined;
}

/**
 * Waits until Traefik built a router for every IngressRoute (its API, through kind's mapping of the
 * dashboard port), or its log says its ServiceAccount was refused (then the RBAC to add). Without the API,
 * until Traefik answers on the host's port 80 at all. Then the checks meet what Traefik serves.
 */
async function waitForRoutes(
  sh: ClusterCommands,
  objects: StepObjects,
  manifests: ManifestObject[],
  kubectl: string,
  since: string,
): Promise<void> {
  const routes = manifests.filter(isIngressRoute);
  const { traefik } = objects;
  let refusal: UserError | undefined;
  await waitFor(
    'Traefik to load every IngressRoute',
    async () => {
      const logs = traefik ? await traefikLogs(sh, traefik, since) : '';
      const forbidden = forbiddenIn(logs);
      if (forbidden.length) {
        refusal = explainForbidden(forbidden, manifests);
        return true;
      }
      if (await traefikAnswers(TRAEFIK_API)) {
        // Each IngressRoute has its router, or Traefik said why it has none (a Service with no endpoints):
        // the checks then meet what it serves, and its words come with their failure.
        const routers = Object.keys((await rawData(TRAEFIK_API)).routers ?? {});
        const said = providerErrors(logs).join('\n');
        const handled = routes.every(
          (ir) =>
            routers.some((n) => n.startsWith(`${ir.namespace}-${ir.name}`) && n.endsWith('@kubernetescrd')) ||
            said.includes(`ingress=${ir.name} namespace=${ir.namespace}`),
        );
        return handled ? true : undefined;
      }
      const res = await fetch(ingressUrl(), { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      await res?.body?.cancel();
      return res ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(async () => {
    const errors = traefik ? providerErrors(await traefikLogs(sh, traefik, since)) : [];
    throw new UserError(
      `Traefik in the cluster did not route your IngressRoutes within 60 s.${errors.length ? ` Its errors:\n  ${errors.join('\n  ')}` : ''}`,
      `${kubectl} get ingressroute,svc,endpointslices${traefik ? `; kubectl --context ${kubectl.split(' ')[2]} -n ${traefik.namespace} logs ${traefik.resource}` : ''}`,
    );
  });
  if (refusal) throw refusal;
}

export async function deleteKindCluster(dir: string): Promise<string> {
  if (!findExecutable('kind')) throw KIND_MISSING;
  const cluster = kindCluster(dir);
  await clusterCommands(cluster, { cwd: dir, hint: 'kind get clusters lists the clusters there are' }).kind([
    'delete',
    'cluster',
  ]);
  return `Deleted the kind cluster '${cluster.name}'.`;
}

/** The step's own objects (namespace, Deployments, the path its IngressRoute serves), read from its manifests. */
async function kindObjects(dir: string, options: Pick<StartOptions, 'files'> = {}) {
  const { stepObjects } = await import('../../kubernetes/step-objects.ts');
  return stepObjects((await (options.files ?? stepFiles(dir)).manifests()).objects);
}

const clusterHint = (cluster: KindCluster) =>
  `is the cluster up? kind get clusters; kubectl --context ${cluster.context} get pods -A`;

/** What the kind target lacks on this machine, in words (undefined: nothing). */
export async function kindMissing(): Promise<string | undefined> {
  const absent = ['kind', 'kubectl', 'docker'].filter((t) => !findExecutable(t));
  if (absent.length) return `${absent.join(', ')} not on PATH`;
  if (!(await dockerEngineAnswers())) return 'the Docker engine does not answer (`docker info` fails)';
  return undefined;
}

export const kind: TargetModule = {
  name: 'kind',
  label: 'kind',
  summary: "a kind cluster for real: your image loaded, Traefik's CRDs and your manifests applied",
  runs: {
    server: null,
    instances: null,
    compose: null,
    kubernetes: 'kubernetes',
    'compose-and-kubernetes': 'kubernetes',
  },
  cannot: { 'local-processes': 'the replicas are pods, not processes of this command' },
  showsItself: (code) => SHOWN_BY_AN_API_SERVER.test(code) || SHOWN_BY_A_NODE.test(code),
  missing: kindMissing,
  start: startKindCluster,
  // The cluster `npm run step N -- --start` left running.
  runningStack: true,
  // `act` itself waits for the failure to be over (a rollout: up to 180 s); the clients then get a minute.
  startTimeoutMs: 900_000,
  drillTimeoutMs: 240_000,
  forDrill: async (step, dir, { url }) => {
    const cluster = kindCluster(dir);
    return {
      entries: [url],
      socketPath: step.socketPath,
      instances: [],
      drills: kindDrills(cluster, await kindObjects(dir), { hint: clusterHint(cluster) }),
      links: [],
      notes: [],
      stop: async () => {},
    };
  },
  down: deleteKindCluster,
};
