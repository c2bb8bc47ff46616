import type { Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { KIND_NODE_IMAGE } from '../../kubernetes/versions.ts';
import { startProcess, waitForHttp } from '../../processes.ts';
import { stepFiles } from '../../step-files.ts';
import { dockerEngineAnswers, findExecutable } from '../../tools.ts';
import { traefikFile } from '../../traefik-run/release-files.ts';
import type { StepShape, TargetModule } from '../target.ts';
import { clusterCommands, type KindCluster, kindCluster, kubectlArgs } from './cluster.ts';
import { kindDrills } from './drills.ts';
import { buildFlags, imageStore, loadImagesIntoKind } from './image-archive.ts';

export const APP_IMAGE = 'wsk-app:1.0.0';
/** Where Traefik answers on the host through kind's port mapping (a test points it elsewhere). */
const ingressUrl = () => process.env.WSK_INGRESS_URL ?? 'http://localhost';

export const KIND_MISSING = new UserError(
  'This needs docker (with a running engine), kind and kubectl, and at least one of them is missing.',
  'install kind (https://kind.sigs.k8s.io) and kubectl, start Docker, check with `npm run doctor`; or use the rehearsal: --target rehearsal',
);

/**
 * kind create (when absent), build and load the image, CRDs, the step's manifests, rollouts, a smoke test.
 * Every kind command names the cluster (--name) and every kubectl command its context (kind-NAME).
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
  const objects = await kindObjects(dir, options);
  const { app, traefik } = objects;
  const sh = clusterCommands(cluster, {
    cwd: dir,
    echo: options.echo,
    hint: `read the output above; kubectl --context ${cluster.context} get pods -A shows what runs`,
  });
  const clusters = (await sh.run(['kind', 'get', 'clusters'])).stdout.split('\n').map((l) => l.trim());
  const existed = clusters.includes(cluster.name);
  if (!existed)
    await sh.kind(['create', 'cluster', '--config', 'kind-config.yaml', '--image', KIND_NODE_IMAGE]);
  const store = await imageStore(sh);
  // A fixed, non-latest tag: with :latest the kubelet tries to pull it and fails (kind#328).
  await sh.run(['docker', 'build', ...buildFlags(store), '-t', APP_IMAGE, '.']);
  await loadImagesIntoKind(sh, [APP_IMAGE], store);
  await sh.kubectl(['apply', '--server-side', '-f', await traefikFile('kubernetes-crd-definition-v1.yml')]);
  await sh.kubectl(['apply', '-f', 'k8s/']);
  // The same tag with new bytes: pods of a cluster that was already running keep the old image until replaced.
  if (existed) await sh.kubectl(['-n', app.namespace, 'rollout', 'restart', app.resource]);
  for (const w of objects.rollouts)
    await sh.kubectl(['-n', w.namespace, 'rollout', 'status', w.resource, '--timeout=180s']);
  const socketPath = step.socketPath;
  const page = new URL(socketPath.replace(/socket\.io\/$/, ''), ingressUrl()).href;
  const kubectl = `kubectl --context ${cluster.context} -n ${app.namespace}`;
  await waitForHttp(page, { timeoutMs: 60_000 }).catch(() => {
    throw new UserError(
      `The cluster is up but ${page} does not answer 200.`,
      `${kubectl} get ingressroute,svc,endpointslices${traefik ? `; kubectl --context ${cluster.context} -n ${traefik.namespace} logs ${traefik.resource}` : ''}`,
    );
  });
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
  return {
    entries: [ingressUrl()],
    socketPath,
    instances: [],
    drills: kindDrills(cluster, objects, { hint: clusterHint(cluster) }),
    links: [
      { label: 'chat (Traefik in kind)', url: page },
      { label: 'Traefik dashboard', url: 'http://127.0.0.1:8080/dashboard/' },
    ],
    notes: [
      `kind cluster '${cluster.name}' (kubectl context ${cluster.context}). When something is off: ${kubectl} describe pod -l ${app.selector}; ${kubectl} logs -l ${app.selector}; ${kubectl} get endpointslices`,
      `Delete the cluster when done: npm run step 4 -- --down (kind delete cluster --name ${cluster.name})`,
    ],
    // The cluster outlives the command (creating one takes a minute); --down deletes it.
    stop: async () => {
      await logs?.stop();
    },
  };
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
  judgesManifests: false,
  missing: kindMissing,
  start: startKindCluster,
  // The cluster `npm run step N -- --start` left running.
  runningStack: true,
  // `act` itself waits for the failure to be over (a rollout: up to 180 s); the clients then get a minute.
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
