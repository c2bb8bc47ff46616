// The commands of the Docker Compose and kind paths, through fake docker/kind/kubectl executables on PATH that
// record what they were asked: for what this machine's real engine and cluster cannot show (Docker's
// containerd image store, a command that fails on purpose) and for the argv of every drill on objects
// renamed throughout. The paths themselves run for real in test/docker-target.test.ts and test/kind-target.test.ts.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadManifests } from '../scripts/lib/kubernetes/index.ts';
import { stepObjects } from '../scripts/lib/kubernetes/step-objects.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { findStep, ROOT, solutionDir } from '../scripts/lib/steps.ts';
import { composeDrills, startDockerCompose } from '../scripts/lib/targets/docker/index.ts';
import { clusterCommands, kindCluster } from '../scripts/lib/targets/kind/cluster.ts';
import { kindDrills } from '../scripts/lib/targets/kind/drills.ts';
import { buildFlags, imageStore, loadImagesIntoKind } from '../scripts/lib/targets/kind/image-archive.ts';
import { runCli, tempHome } from './helpers/cli.ts';
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
  'FAKE_DOCKER_DRIVER_STATUS',
  'FAKE_DOCKER_SERVER',
  'FAKE_FAIL',
  'FAKE_FAIL_SAYS',
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
  const env = await startDockerCompose(findStep(3), join(ROOT, 'solutions/03-compose-traefik'), { port: 0 });
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

it('drills on Docker issue the operator’s commands', async () => {
  const dir = tempDir('wsk-drill-');
  writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
  const compose = composeDrills(dir);
  await compose['sigterm-instance']('c2');
  await compose['sigkill-instance']('c3');
  await compose['restart-redis']('c1');
  await compose['rolling-restart']('c1');
  expect(fakes.calls()).toEqual([
    'docker stop c2',
    'docker kill c3',
    'docker compose restart redis',
    'docker compose ps -q app',
    'docker restart c1',
    'docker restart c2',
    'docker restart c3',
  ]);
});

const STEP4 = join(ROOT, 'solutions/04-kind-traefik');

// --- kind: what no machine here can show; the rest runs on a real cluster (test/kind-target.test.ts) -----

/** The commands issued, the temporary image archive written ARCHIVE (it must be gone by now). */
function kindCalls(cluster = 'wsk'): string[] {
  const calls = fakes.calls();
  for (const c of calls.filter((c) => c.startsWith('kubectl ')))
    expect(c).toMatch(new RegExp(`^kubectl --context kind-${cluster} `));
  for (const c of calls.filter((c) => c.startsWith('kind ') && c !== 'kind get clusters'))
    expect(c).toMatch(new RegExp(` --name ${cluster}$`));
  const archive = calls
    .find((c) => c.startsWith('docker save '))
    ?.split(' ')
    .find((a) => a.endsWith('/images.tar'));
  if (!archive) return calls;
  expect(existsSync(archive), 'the temporary image archive is removed').toBe(false);
  return calls.map((c) => c.replaceAll(archive, 'ARCHIVE'));
}

// This machine's engine (Debian's 20.10) has no containerd image store, which Engine 29 and Desktop 4.34
// make the default: its commands are checked here against a fake engine that says it has one.
it("Docker's containerd image store: built without attestation, saved for the engine's platform only", async () => {
  process.env.FAKE_DOCKER_DRIVER_STATUS = '[["driver-type","io.containerd.snapshotter.v1"]]';
  process.env.FAKE_DOCKER_SERVER = '1.51 linux/arm64';
  const sh = clusterCommands(kindCluster(STEP4), { hint: 'kind get clusters' });
  const store = await imageStore(sh);
  expect(buildFlags(store)).toEqual(['--provenance=false']);
  await loadImagesIntoKind(sh, ['wsk-app:1.0.0'], store);
  expect(kindCalls().filter((c) => /^docker (save|version)|^kind load/.test(c))).toEqual([
    'docker version --format {{.Server.APIVersion}} {{.Server.Os}}/{{.Server.Arch}}',
    'docker save --platform linux/arm64 -o ARCHIVE wsk-app:1.0.0',
    'kind load image-archive ARCHIVE --name wsk',
  ]);
  // An engine before 28 (API 1.47) has no `docker save --platform`: the build without attestation remains.
  fakes = fakeTools();
  process.env.PATH = fakes.path;
  process.env.FAKE_DOCKER_SERVER = '1.47 linux/amd64';
  const older = await imageStore(sh);
  expect(buildFlags(older)).toEqual(['--provenance=false']);
  await loadImagesIntoKind(sh, ['wsk-app:1.0.0'], older);
  expect(kindCalls()).toContain('docker save -o ARCHIVE wsk-app:1.0.0');
});

it('a failing command is one clear message with the tool’s own words and a hint, not a stack', async () => {
  process.env.FAKE_FAIL = 'apply -f k8s/';
  process.env.FAKE_FAIL_SAYS = 'context "kind-wsk" does not exist';
  const sh = clusterCommands(kindCluster(STEP4), { hint: 'kubectl --context kind-wsk get pods -A' });
  const failed = await sh.kubectl(['apply', '-f', 'k8s/']).catch((err: unknown) => err);
  expect(failed).toMatchObject({
    name: 'UserError',
    message:
      '`kubectl --context kind-wsk apply -f k8s/` failed (exit code 1): error: context "kind-wsk" does not exist',
    hint: 'kubectl --context kind-wsk get pods -A',
  });
});

/** A copy of step 6's solution whose cluster, namespace, Deployments and prefix have other names. */
function renamedStep6(): string {
  const dir = tempDir('wsk-renamed-');
  cpSync(solutionDir(findStep(6)), dir, { recursive: true });
  const edit = (file: string, ...pairs: [string, string][]) => {
    let text = readFileSync(join(dir, file), 'utf8');
    for (const [from, to] of pairs) {
      expect(text, `${file}: ${from}`).toContain(from);
      text = text.replaceAll(from, to);
    }
    writeFileSync(join(dir, file), text);
  };
  edit('kind-config.yaml', ['name: wsk', 'name: room']);
  edit('k8s/00-namespace.yaml', ['name: wsk', 'name: chat']);
  for (const f of [
    'app.yaml',
    'redis.yaml',
    'ingressroute.yaml',
    'middleware.yaml',
    'traefik-rbac.yaml',
    'traefik.yaml',
  ])
    edit(`k8s/${f}`, ['namespace: wsk', 'namespace: chat']);
  edit(
    'k8s/app.yaml',
    ['  name: app\n  namespace: chat\n  labels', '  name: web\n  namespace: chat\n  labels'],
    ['redis://redis:6379', 'redis://cache:6379'],
  );
  edit('k8s/redis.yaml', ['name: redis\n  namespace', 'name: cache\n  namespace']);
  edit('k8s/ingressroute.yaml', ['PathPrefix(`/wsk`)', 'PathPrefix(`/chat`)']);
  edit('k8s/middleware.yaml', ['- /wsk', '- /chat']);
  return dir;
}

it("the kind drills act on the step's objects, in its cluster, each doing what it says", async () => {
  const objectsIn = (dir: string) => stepObjects(loadManifests(join(dir, 'k8s')).objects);
  expect(objectsIn(solutionDir(findStep(6))).socketPath).toBe('/wsk/socket.io/');

  const renamed = renamedStep6();
  expect(objectsIn(renamed).socketPath).toBe('/chat/socket.io/');
  const kube = kindDrills(kindCluster(renamed), objectsIn(renamed), { hint: 'start it' });
  expect(await kube['sigterm-instance']('web-7d9-x')).toMatch(/SIGTERM/);
  // While the pod drains, its status and its log are followed: once deleted, its exit code and last
  // words are gone from the API server. The two start side by side, in no fixed order.
  const followers = [
    'kubectl --context kind-room -n chat get pod web-7d9-x --watch -o jsonpath={range .status.containerStatuses[?(@.name=="app")]}{.state.terminated.exitCode}{end}{"\\n"}',
    'kubectl --context kind-room -n chat logs --follow --tail=40 -c app web-7d9-x',
  ];
  expect(
    kindCalls('room')
      .filter((c) => followers.includes(c))
      .sort(),
  ).toEqual(followers.sort());
  expect(await kube['sigkill-instance']('web-7d9-y')).toMatch(/SIGKILL to app in web-7d9-y/);
  await kube['restart-redis']('web-7d9-x');
  await kube['rolling-restart']('web-7d9-x');
  expect(kindCalls('room').filter((c) => !followers.includes(c))).toEqual([
    // Waits until the kubelet has stopped the pod (SIGTERM, then its grace period), bounded.
    'kubectl --context kind-room -n chat delete pod web-7d9-x --timeout=60s',
    // SIGKILL from the node's runtime, no grace: where the pod runs, and its app container's id.
    'kubectl --context kind-room -n chat get pod web-7d9-y -o jsonpath={.spec.nodeName} {.status.containerStatuses[?(@.name=="app")].containerID}',
    'docker exec room-control-plane crictl stop --timeout 0 0123abcd',
    // A real outage: no Redis pod at all, then one again.
    'kubectl --context kind-room -n chat scale deployment/cache --replicas=0',
    'kubectl --context kind-room -n chat wait --for=delete pod -l app=redis --timeout=60s',
    'kubectl --context kind-room -n chat scale deployment/cache --replicas=1',
    'kubectl --context kind-room -n chat rollout status deployment/cache --timeout=120s',
    'kubectl --context kind-room -n chat rollout restart deployment/web',
    'kubectl --context kind-room -n chat rollout status deployment/web --timeout=180s',
  ]);
});

it('restart-redis scales Redis back even when waiting for its pods fails, and says why', async () => {
  process.env.FAKE_FAIL = 'wait --for=delete';
  process.env.FAKE_FAIL_SAYS = 'timed out waiting for the condition on pods/redis-5c7-q';
  const dir = solutionDir(findStep(6));
  const kube = kindDrills(kindCluster(dir), stepObjects(loadManifests(join(dir, 'k8s')).objects), {
    hint: 'npm run step 6 -- --start --target kind',
  });
  const failed = await kube['restart-redis']('app-1').catch((err: unknown) => err);
  expect(failed).toMatchObject({
    name: 'UserError',
    message: expect.stringContaining('timed out waiting for the condition on pods/redis-5c7-q'),
    hint: 'npm run step 6 -- --start --target kind',
  });
  expect(kindCalls().slice(-2)).toEqual([
    'kubectl --context kind-wsk -n wsk wait --for=delete pod -l app=redis --timeout=60s',
    'kubectl --context kind-wsk -n wsk scale deployment/redis --replicas=1',
  ]);
});

it('a kind drill where nothing answers: one clear line with what to start, and the cluster left alone', async () => {
  const { code, stderr } = await runCli(
    'drill.ts',
    ['restart-redis', '--target', 'kind', '--url', `http://127.0.0.1:${await freePort()}`, '--clients', '1'],
    { PATH: fakes.path, WORKSHOP_HOME: tempHome() },
  );
  expect(code).toBe(1);
  expect(stderr).toMatch(
    /✖ Could not connect over websocket to http:\/\/127\.0\.0\.1:\d+\/wsk\/socket\.io\//,
  );
  expect(stderr).toMatch(/hint: start it first \(npm run step 6 -- --start --target kind\)/);
  expect(stderr).not.toMatch(/unexpected error|^\s+at /m);
  expect(fakes.calls().filter((c) => c.startsWith('kubectl'))).toEqual([]);
});
