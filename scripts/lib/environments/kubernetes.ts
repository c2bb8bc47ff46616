// Step 4 onwards, Kubernetes flavour: a kind cluster on the kind target, a real API server on the apiserver
// target (apiserver.ts), else the rehearsal driven by
// the manifests: replicas from the Deployment, routing and stickiness
// from the IngressRoute and its Middlewares.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { $ } from 'zx';
import { UserError } from '../errors.ts';
import { formatFinding } from '../findings.ts';
import { startProcess, waitForHttp } from '../processes.ts';
import { SOCKET_IO_PATH } from '../socket-path.ts';
import { kindMissing } from '../targets.ts';
import { findExecutable } from '../tools.ts';
import { parseStaticConfig } from '../traefik/static-config.ts';
import { startRehearsal } from './rehearsal.ts';
import { traefikFile } from './traefik-crds.ts';
import type { Environment, StartOptions } from './types.ts';

export const APP_IMAGE = 'wsk-app:1.0.0';
/** Where Traefik answers on the host through kind's port mapping (a test points it elsewhere). */
const ingressUrl = () => process.env.WSK_INGRESS_URL ?? 'http://localhost';

export const KIND_MISSING = new UserError(
  'This needs docker (with a running engine), kind and kubectl, and at least one of them is missing.',
  'install kind (https://kind.sigs.k8s.io) and kubectl, start Docker, check with `npm run doctor`; or use the rehearsal: --target rehearsal',
);

export const clusterName = (dir: string): string => {
  const file = join(dir, 'kind-config.yaml');
  const name = existsSync(file)
    ? (parse(readFileSync(file, 'utf8')) as { name?: unknown } | null)?.name
    : undefined;
  return typeof name === 'string' && name ? name : 'wsk';
};

export async function startKubernetesStep(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  if (options.target === 'kind') return startKindCluster(dir, options);
  if (options.target === 'apiserver')
    return (await import('./apiserver.ts')).startApiserverStep(dir, options);
  if (options.target && options.target !== 'rehearsal')
    throw new UserError(`The Kubernetes flavour does not run on ${options.target} here.`);
  const { findTraefik, ingressRoutesToDynamicConfig, loadManifests } = await import('../kubernetes/index.ts');
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

/** kind create (when absent), build and load the image, CRDs, RBAC and manifests, rollouts, a smoke test. */
export async function startKindCluster(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  const missing = await kindMissing();
  if (missing)
    throw new UserError(`The kind target needs docker, kind and kubectl: ${missing}.`, KIND_MISSING.hint);
  const name = clusterName(dir);
  const sh = $({ cwd: dir, quiet: !options.echo });
  const clusters = (await sh`kind get clusters`).stdout.split('\n').map((l) => l.trim());
  if (!clusters.includes(name)) await sh`kind create cluster --config kind-config.yaml`;
  // A fixed, non-latest tag: with :latest the kubelet tries to pull it and fails (kind#328).
  await sh`docker build -t ${APP_IMAGE} .`;
  await sh`kind load docker-image ${APP_IMAGE} --name ${name}`;
  await sh`kubectl apply --server-side -f ${await traefikFile('kubernetes-crd-definition-v1.yml')}`;
  await sh`kubectl apply -f k8s/`;
  const { loadManifests } = await import('../kubernetes/index.ts');
  const { objects } = loadManifests(join(dir, 'k8s'));
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    await sh`kubectl -n ${d.namespace} rollout status deployment/${d.name} --timeout=180s`;
  }
  const socketPath = options.socketPath ?? SOCKET_IO_PATH;
  const page = new URL(socketPath.replace(/socket\.io\/$/, ''), ingressUrl()).href;
  await waitForHttp(page, { timeoutMs: 60_000 }).catch(() => {
    throw new UserError(
      `The cluster is up but ${page} does not answer 200.`,
      'kubectl get ingressroute,svc,endpointslices -A; kubectl logs deploy/traefik -n <namespace>',
    );
  });
  const logs = options.echo
    ? startProcess({
        name: 'traefik',
        command: 'kubectl',
        args: ['logs', '-f', '-l', 'app=traefik', '-A', '--tail=20'],
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
      `kind cluster '${name}'. When something is off: kubectl describe pod -l app=wsk-app -A; kubectl logs -l app=wsk-app -A; kubectl get endpointslices -A`,
      `Delete the cluster when done: npm run step 4 -- --down (kind delete cluster --name ${name})`,
    ],
    // The cluster outlives the command (creating one takes a minute); --down deletes it.
    stop: async () => {
      await logs?.stop();
    },
  };
}

export async function deleteKindCluster(dir: string): Promise<string> {
  if (!findExecutable('kind')) throw KIND_MISSING;
  const name = clusterName(dir);
  await $({ cwd: dir })`kind delete cluster --name ${name}`;
  return `Deleted the kind cluster '${name}'.`;
}
