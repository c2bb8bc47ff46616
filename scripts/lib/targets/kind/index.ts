// Step 4 onwards, Kubernetes flavour: a kind cluster on the kind target, a real API server on the apiserver
// target (apiserver.ts), else the rehearsal driven by
// the manifests: replicas from the Deployment, routing and stickiness
// from the IngressRoute and its Middlewares.
import { join } from 'node:path';
import type { Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { formatFinding } from '../../findings.ts';
import { KIND_NODE_IMAGE } from '../../kubernetes/versions.ts';
import { startProcess, waitForHttp } from '../../processes.ts';
import { findExecutable } from '../../tools.ts';
import { parseStaticConfig } from '../../traefik/static-config.ts';
import { traefikFile } from '../../traefik-run/release-files.ts';
import { kindMissing } from '../index.ts';
import { startRehearsal } from '../rehearsal/traefik-rehearsal.ts';
import { clusterCommands, kindCluster, kubectlArgs } from './cluster.ts';
import { buildFlags, imageStore, loadImagesIntoKind } from './image-archive.ts';

export const APP_IMAGE = 'wsk-app:1.0.0';
/** Where Traefik answers on the host through kind's port mapping (a test points it elsewhere). */
const ingressUrl = () => process.env.WSK_INGRESS_URL ?? 'http://localhost';

export const KIND_MISSING = new UserError(
  'This needs docker (with a running engine), kind and kubectl, and at least one of them is missing.',
  'install kind (https://kind.sigs.k8s.io) and kubectl, start Docker, check with `npm run doctor`; or use the rehearsal: --target rehearsal',
);

export async function startKubernetesStep(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  if (options.target === 'kind') return startKindCluster(dir, options);
  if (options.target === 'apiserver')
    return (await import('../apiserver/index.ts')).startApiserverStep(dir, options);
  if (options.target && options.target !== 'rehearsal')
    throw new UserError(`The Kubernetes flavour does not run on ${options.target} here.`);
  const { findTraefik, ingressRoutesToDynamicConfig, loadManifests } = await import(
    '../../kubernetes/index.ts'
  );
  const { objects, findings } = loadManifests(join(dir, 'k8s'));
  const error = findings.find((f) => f.severity === 'error');
  if (error) throw new UserError(`The manifests can't be rehearsed: ${formatFinding(error)}`, error.fix);
  const { config, replicas, env } = ingressRoutesToDynamicConfig(objects);
  return startRehearsal(
    {
      dir,
      config,
      replicas,
      environment: env,
      // The workshop's one reading of Traefik's Deployment (the validators use it too).
      traefik: findTraefik(objects)?.static ?? parseStaticConfig([]),
      socketPath: options.socketPath,
      standsInFor: 'a kind cluster with Traefik (CRD provider)',
      reread: async () => {
        const { objects: now, findings } = loadManifests(join(dir, 'k8s'));
        const errors = findings.filter((f) => f.severity === 'error').map(formatFinding);
        return { config: ingressRoutesToDynamicConfig(now).config, problems: errors };
      },
    },
    options,
  );
}

/**
 * kind create (when absent), build and load the image, CRDs, the step's manifests, rollouts, a smoke test.
 * Every kind command names the cluster (--name) and every kubectl command its context (kind-NAME).
 */
export async function startKindCluster(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  const missing = await kindMissing();
  if (missing)
    throw new UserError(`The kind target needs docker, kind and kubectl: ${missing}.`, KIND_MISSING.hint);
  const cluster = kindCluster(dir);
  const { loadManifests } = await import('../../kubernetes/index.ts');
  const { stepObjects } = await import('../../kubernetes/step-objects.ts');
  const objects = stepObjects(loadManifests(join(dir, 'k8s')).objects);
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
  const socketPath = options.socketPath ?? objects.socketPath;
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
