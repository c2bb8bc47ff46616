// The `apiserver` target's control plane: real etcd and kube-apiserver on loopback, a kubeconfig that
// names its context, RBAC enforced for a ServiceAccount's token, and nothing left behind when it stops.
// Skipped without the binaries .ci/kube-tools.sh builds, except under CI.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KUBERNETES_VERSION } from '../scripts/lib/kubernetes/versions.ts';
import { portIsFree } from '../scripts/lib/ports.ts';
import { type ControlPlane, startControlPlane } from '../scripts/lib/targets/apiserver/control-plane.ts';
import { describeWith, lacking } from './helpers/needs.ts';

const missing = await lacking('kube-apiserver', 'kubectl', 'etcd');
const INGRESS_ROUTE = fileURLToPath(
  new URL('../solutions/04-kind-traefik/k8s/ingressroute.yaml', import.meta.url),
);
const HOLD = fileURLToPath(new URL('./fixtures/kubernetes/hold-control-plane.ts', import.meta.url));

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeWith(missing, 'a real control plane on loopback', () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane();
  }, 90_000);
  afterAll(async () => {
    await plane?.stop();
  });

  it('serves the pinned Kubernetes release, through the kubeconfig it wrote', async () => {
    const version = await plane.kubectl(['version', '-o', 'json']);
    expect(version.code, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe(KUBERNETES_VERSION);
    const namespaces = await plane.kubectl(['get', 'namespaces', '-o', 'name']);
    expect(namespaces.stdout).toContain('namespace/kube-system');
  });

  it("enforces RBAC on a ServiceAccount's token", async () => {
    for (const args of [
      ['create', 'namespace', 'rbac-test'],
      ['-n', 'rbac-test', 'create', 'serviceaccount', 'reader'],
      ['create', 'clusterrole', 'svc-reader', '--verb=list', '--resource=services'],
      [
        'create',
        'clusterrolebinding',
        'svc-reader',
        '--clusterrole=svc-reader',
        '--serviceaccount=rbac-test:reader',
      ],
    ]) {
      const result = await plane.kubectl(args);
      expect(result.code, result.stderr).toBe(0);
    }
    const token = await plane.kubectl(['-n', 'rbac-test', 'create', 'token', 'reader']);
    expect(token.code, token.stderr).toBe(0);
    const reader = plane.kubeconfigFor('reader', token.stdout.trim());
    const allowed = await plane.kubectl(['get', 'services', '-A'], { kubeconfig: reader });
    expect(allowed.code, allowed.stderr).toBe(0);
    const denied = await plane.kubectl(['get', 'secrets', '-A'], { kubeconfig: reader });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'User "system:serviceaccount:rbac-test:reader" cannot list resource "secrets"',
    );
  });

  it("refuses an IngressRoute before Traefik's CRDs are applied", async () => {
    const route = await plane.kubectl(['apply', '--server-side', '-f', INGRESS_ROUTE]);
    expect(route.code).not.toBe(0);
    expect(route.stderr).toContain('no matches for kind "IngressRoute" in version "traefik.io/v1alpha1"');
  });

  it("keeps kubectl's discovery cache in its own directory, so a later plane on this port is asked afresh", () => {
    // ~/.kube/cache is keyed by host:port alone: a CI run once met the CRDs of a plane stopped earlier.
    expect(existsSync(join(plane.dir, 'kube-cache', 'discovery'))).toBe(true);
  });

  it('took a bounded time to become ready', () => {
    // Not a benchmark (that is reported elsewhere): a bound that catches a start that hangs on a retry.
    expect(plane.startMs).toBeLessThan(60_000);
  });
});

describeWith(missing, 'stopping the control plane', () => {
  it('ends etcd and kube-apiserver and removes its temporary files', async () => {
    const plane = await startControlPlane();
    expect(existsSync(plane.dir)).toBe(true);
    expect(plane.processes.map((p) => [p.name, p.running()])).toEqual([
      ['etcd', true],
      ['kube-apiserver', true],
    ]);
    await plane.stop();
    expect(plane.processes.map((p) => p.running())).toEqual([false, false]);
    expect(existsSync(plane.dir)).toBe(false);
    expect(await portIsFree(Number(new URL(plane.server).port))).toBe(true);
  }, 90_000);

  it('an interrupted command leaves no process and no temporary file behind', async () => {
    const child = spawn(process.execPath, [HOLD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
    expect(existsSync(dir)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(existsSync(dir)).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
