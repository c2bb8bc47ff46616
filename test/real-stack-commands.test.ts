// The Docker Compose and kind paths can't run here (no engine, no cluster): their commands are checked
// through fake docker/kind/kubectl executables on PATH that record what they were asked.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { composeTarget, kubernetesTarget } from '../scripts/lib/drill-targets.ts';
import { startDockerCompose } from '../scripts/lib/environments/compose.ts';
import { deleteKindCluster, startKindCluster } from '../scripts/lib/environments/kubernetes.ts';
import { ROOT } from '../scripts/lib/steps.ts';
import { type FakeTools, fakeTools } from './helpers/fake-tools.ts';
import { tempDir } from './helpers/temp.ts';

let fakes: FakeTools;
let server: Server;
let base: string;
const KEYS = [
  'PATH',
  'WSK_TRAEFIK_RAW_BASE',
  'WSK_INGRESS_URL',
  'WSK_CACHE_DIR',
  'FAKE_KIND_CLUSTERS',
] as const;
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  // A loopback stand-in for both Traefik's release files and http://localhost behind the cluster.
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.url?.endsWith('.yml') ? `# ${req.url}\n` : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  fakes = fakeTools();
  process.env.PATH = fakes.path;
  process.env.WSK_TRAEFIK_RAW_BASE = `${base}/traefik`;
  process.env.WSK_INGRESS_URL = base;
  process.env.WSK_CACHE_DIR = tempDir('wsk-cache-');
});
// zx keeps a reference to process.env itself: restore its keys rather than replace the object.
afterEach(() => {
  for (const key of KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

it('step 3 on Docker: compose up --build --wait, then compose down', async () => {
  const env = await startDockerCompose(join(ROOT, 'solutions/03-compose-traefik'), {
    port: 0,
    target: 'docker',
  });
  expect(env.entries).toEqual(['http://localhost']);
  await env.stop();
  const compose = fakes.calls().filter((c) => c.startsWith('docker compose') && !c.includes('version'));
  expect(compose).toEqual([
    'docker compose config --format json',
    'docker compose up --build --detach --wait',
    // Then it waits for Traefik to route to the labelled containers (none in this fake).
    'docker compose ps -q',
    'docker compose down --remove-orphans --volumes',
  ]);
  expect(fakes.calls()).toContain(
    'docker ps --filter publish=80 --format {{.Names}}\t{{.Label "io.x-k8s.kind.cluster"}}\t{{.Label "com.docker.compose.project"}}',
  );
});

it('step 4 on kind: cluster, image, kind load, CRDs, manifests, rollouts, then --down', async () => {
  const dir = join(ROOT, 'solutions/04-kind-traefik');
  const env = await startKindCluster(dir, { port: 0, target: 'kind' });
  await env.stop();
  const calls = fakes.calls().filter((c) => !c.startsWith('docker info'));
  const crds = join(process.env.WSK_CACHE_DIR ?? '', 'traefik/v3.7.15/kubernetes-crd-definition-v1.yml');
  expect(calls).toEqual([
    'kind get clusters',
    'kind create cluster --config kind-config.yaml',
    'docker build -t wsk-app:1.0.0 .',
    'kind load docker-image wsk-app:1.0.0 --name wsk',
    `kubectl apply --server-side -f ${crds}`,
    'kubectl apply -f k8s/',
    'kubectl -n wsk rollout status deployment/app --timeout=180s',
    'kubectl -n wsk rollout status deployment/redis --timeout=180s',
    'kubectl -n wsk rollout status deployment/traefik --timeout=180s',
  ]);
  // The CRDs were downloaded once from the pinned release and kept for offline use.
  expect(readFileSync(crds, 'utf8')).toContain('/traefik/kubernetes-crd-definition-v1.yml');

  expect(await deleteKindCluster(dir)).toMatch(/Deleted the kind cluster 'wsk'/);
  expect(fakes.calls().at(-1)).toBe('kind delete cluster --name wsk');
});

it('an existing cluster is reused, not created again', async () => {
  process.env.FAKE_KIND_CLUSTERS = 'wsk';
  const env = await startKindCluster(join(ROOT, 'solutions/04-kind-traefik'), { port: 0, target: 'kind' });
  await env.stop();
  expect(fakes.calls()).not.toContain('kind create cluster --config kind-config.yaml');
});

it('drills on Docker and kind issue the operator’s commands', async () => {
  const dir = tempDir('wsk-drill-');
  writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
  const compose = composeTarget('http://localhost', '/socket.io/', dir);
  const kube = kubernetesTarget('http://localhost', '/socket.io/', 'wsk');
  await compose.act('sigterm-instance', 'c2');
  await compose.act('sigkill-instance', 'c3');
  await compose.act('restart-redis', 'c1');
  await compose.act('rolling-restart', 'c1');
  await kube.act('sigterm-instance', 'app-7d9-x');
  await kube.act('sigkill-instance', 'app-7d9-y');
  await kube.act('restart-redis', 'app-7d9-x');
  await kube.act('rolling-restart', 'app-7d9-x');
  expect(fakes.calls()).toEqual([
    'docker stop c2',
    'docker kill c3',
    'docker compose restart redis',
    'docker compose ps -q app',
    'docker restart c1',
    'docker restart c2',
    'docker restart c3',
    'kubectl -n wsk delete pod app-7d9-x --wait=false',
    'kubectl -n wsk delete pod app-7d9-y --grace-period=0 --force --wait=false',
    'kubectl -n wsk rollout restart deployment/redis',
    'kubectl -n wsk rollout restart deployment/app',
  ]);
});
