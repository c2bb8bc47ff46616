// Steps 4–6 on a real kind cluster: the pinned kind creates it from the attendee's own kind-config.yaml on
// this machine's Docker engine (its node image built by .ci/kind-node.sh, as no registry is reachable), the
// attendee's image built and loaded, Traefik's CRDs and their manifests applied with kubectl --context
// kind-wsk, and the checks through http://localhost (kind's port mapping) with real socket.io clients; the
// drills act on real pods. The host's sysctls (which the node's kubelet writes) are put back after, and
// KUBECONFIG is a file of this test's own.

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeAll, connectClient } from '../scripts/lib/checks/clients.ts';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { runCommand, waitFor } from '../scripts/lib/processes.ts';
import { findStep, folderName, solutionDir, starterDir, stepsOn } from '../scripts/lib/steps.ts';
import type { Snapshot } from '../scripts/lib/system-view/snapshot.ts';
import { runCli, startCli, tempHome } from './helpers/cli.ts';
import { keepHostSysctls, ownKubeconfig } from './helpers/host.ts';
import { describeWith, lacking } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';

const missing = await lacking('docker', 'kind', 'kind-node');
const sh = (command: string, ...args: string[]) => runCommand({ name: command, command, args });

/** The kind node containers on the engine (any cluster). */
const nodes = async () =>
  (await sh('docker', 'ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster', '--format', '{{.Names}}')).stdout
    .split('\n')
    .filter(Boolean);
const clusters = async () => (await sh('kind', 'get', 'clusters')).stdout.split('\n').filter(Boolean);

/** A copy of a step's solution with `from` replaced by `to` in `file` (the text must be there). */
function solutionWith(step: number, edits: [file: string, from: string, to: string][]): string {
  const dir = join(tempDir('kind-'), 'dir');
  cpSync(solutionDir(findStep(step)), dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    expect(text, `the solution's ${file} must contain ${from}`).toContain(from);
    writeFileSync(path, text.replace(from, to));
  }
  return dir;
}

describeWith(missing, 'steps 4–6 on a real kind cluster', () => {
  let restoreSysctls: () => void;
  beforeAll(async () => {
    restoreSysctls = keepHostSysctls();
    ownKubeconfig();
    // A cluster left by an interrupted run would hold ports 80 and 8080.
    await sh('kind', 'delete', 'cluster', '--name', 'wsk');
  });
  afterAll(async () => {
    await sh('kind', 'delete', 'cluster', '--name', 'wsk');
    restoreSysctls?.();
    expect(await nodes()).toEqual([]);
  }, 120_000);

  it('check 4 passes on its solution: the cluster created, every expectation run for real', async () => {
    const result = await runStep(findStep(4), solutionDir(findStep(4)), { target: 'kind' });
    expect(result.failure?.message ?? '', result.failure?.hint).toBe('');
    expect(result.expectations.filter((e) => e.status !== 'pass')).toEqual([]);
    expect(await clusters()).toEqual(['wsk']);
  }, 600_000);

  it.each(stepsOn('kind'))(
    'check %i fails on its starter where the registry says',
    async (n) => {
      const step = findStep(n);
      const result = await runStep(step, starterDir(step), { target: 'kind' });
      expect(result.failure?.id, result.failure?.message).toBe(step.starterFailsAt);
    },
    600_000,
  );

  it.each(stepsOn('kind').filter((n) => n !== 4))(
    'check %i passes on its solution, on the same cluster, nothing skipped (steps 6–7: Redis outage and drills on real pods)',
    async (n) => {
      const result = await runStep(findStep(n), solutionDir(findStep(n)), { target: 'kind' });
      expect(result.failure?.message ?? '', result.failure?.hint).toBe('');
      expect(result.expectations.filter((e) => e.status !== 'pass')).toEqual([]);
    },
    600_000,
  );

  const endpointslices =
    '  - apiGroups: [discovery.k8s.io]\n    resources: [endpointslices]\n    verbs: [list, watch]\n';
  it.each([
    {
      what: 'a ClusterRole without endpointslices: Traefik is forbidden, and the rule to add is named',
      edits: [['k8s/traefik-rbac.yaml', endpointslices, '']] as [string, string, string][],
      message:
        /^Traefik runs as ServiceAccount wsk\/traefik, and the API server refused it: cannot list endpointslices \(discovery\.k8s\.io\)\. ClusterRole traefik \(.*traefik-rbac\.yaml:\d+\) lacks the rule\.$/,
      hint: /resources: \[endpointslices\]\n {2}verbs: \[list, watch\]/,
    },
    {
      what: 'a ClusterRoleBinding to another ServiceAccount: every list is forbidden, and the binding is named',
      edits: [
        [
          'k8s/traefik-rbac.yaml',
          '  - kind: ServiceAccount\n    name: traefik',
          '  - kind: ServiceAccount\n    name: default',
        ],
      ] as [string, string, string][],
      message:
        /refused it: cannot list .+\. No ClusterRoleBinding names that ServiceAccount \(.*traefik-rbac\.yaml:\d+\)\.$/,
      hint: /subjects: \[\{ kind: ServiceAccount, name: traefik, namespace: wsk \}\]/,
    },
    {
      what: 'a Service whose selector matches no pod: no endpoints, and the page answers nothing',
      edits: [['k8s/app.yaml', '  selector:\n    app: wsk-app', '  selector:\n    app: wsk']] as [
        string,
        string,
        string,
      ][],
      failsAt: 'page-through-router',
      message: /answered 404[\s\S]*Service wsk\/app \(.*app\.yaml:\d+\) selects no pod/,
      hint: /.+/,
    },
    {
      what: 'an app image tagged :latest, no pull policy: the kubelet tries a registry (kind#328)',
      edits: [
        ['k8s/app.yaml', 'image: wsk-app:1.0.0', 'image: wsk-app:latest'],
        ['k8s/app.yaml', '          imagePullPolicy: IfNotPresent\n', ''],
      ] as [string, string, string][],
      message:
        /^deployment\/app did not roll out: the kubelet could not get the image wsk-app:latest \((ErrImagePull|ImagePullBackOff)/,
      hint: /kind#328/,
    },
  ])(
    '$what',
    async ({ edits, message, hint, failsAt = 'starts' }) => {
      const result = await runStep(findStep(4), solutionWith(4, edits), { target: 'kind' });
      expect(result.failure?.id, result.failure?.message).toBe(failsAt);
      expect(result.failure?.message).toMatch(message);
      expect(result.failure?.hint).toMatch(hint);
    },
    600_000,
  );

  it('npm run drill sigkill-instance -- --target kind: a real SIGKILL from the node, every client back', async () => {
    const home = tempHome();
    const step = findStep(6);
    cpSync(solutionDir(step), join(home, 'playground', folderName(step)), { recursive: true });
    await runStep(step, join(home, 'playground', folderName(step)), { target: 'kind' });
    const { code, stdout, stderr } = await runCli(
      'drill.ts',
      ['sigkill-instance', '--step', '6', '--target', 'kind', '--json'],
      { WORKSHOP_HOME: home },
      300_000,
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { recovered: boolean; action: string };
    expect(result.recovered).toBe(true);
    expect(result.action).toMatch(
      /^SIGKILL to app in app-\S+ \(crictl stop --timeout 0 on node wsk-control-plane\)/,
    );
  }, 600_000);

  it('interrupted while it creates the cluster, --start --target kind leaves no cluster, node or process', async () => {
    await sh('kind', 'delete', 'cluster', '--name', 'wsk');
    const home = tempHome();
    for (const after of ['Creating cluster', 'Ensuring node image', 'Starting control-plane']) {
      const run = startCli('step.ts', ['4', '--start', '--target', 'kind'], { WORKSHOP_HOME: home });
      await run.waitForOutput(after, 300_000).catch(() => undefined);
      run.child.kill('SIGINT');
      expect(await run.exited).not.toBe(0);
      expect(await clusters(), `interrupted after '${after}'`).toEqual([]);
      expect(await nodes(), `interrupted after '${after}'`).toEqual([]);
    }
  }, 900_000);

  it('--start keeps the cluster it made once the step is up, says so, and --down deletes it', async () => {
    const home = tempHome();
    const step = findStep(4);
    cpSync(solutionDir(step), join(home, 'playground', folderName(step)), { recursive: true });
    const run = startCli('step.ts', ['4', '--start', '--target', 'kind'], { WORKSHOP_HOME: home });
    await run.waitForOutput('Ctrl-C stops everything', 600_000);
    expect(run.output()).toMatch(/The cluster stays up for the next run/);
    // The system view lists the pods from the cluster and Traefik's servers from its API.
    const view = /^system view {2}(\S+)/m.exec(run.output())?.[1] as string;
    const snapshot = (await (await fetch(new URL('snapshot', view))).json()) as Snapshot;
    expect(snapshot.traefik?.up).toBe(true);
    // Each pod once: the path route's service and the Host route's list the same pods.
    const servers = [
      ...new Set(snapshot.traefik?.services.flatMap((x) => x.servers.map((v) => v.url)) ?? []),
    ];
    expect(servers.length).toBeGreaterThanOrEqual(2);
    expect(snapshot.instances.filter((i) => i.state === 'up').length).toBe(servers.length);
    // Each pod's clients, read from inside one pod (the host cannot reach pods' addresses).
    const clients = [];
    for (let i = 0; i < 6; i++)
      clients.push(await connectClient('http://localhost', { transport: 'websocket' }));
    try {
      const held: Record<string, number> = {};
      for (const c of clients) held[c.welcome.instance] = (held[c.welcome.instance] ?? 0) + 1;
      const want = JSON.stringify(
        Object.fromEntries(snapshot.instances.map((i) => [i.id, held[i.id] ?? 0]).sort()),
      );
      let seen = '';
      await waitFor(
        `the view to show each pod's clients, ${want}, and Redis up`,
        async () => {
          const now = (await (await fetch(new URL('snapshot', view))).json()) as Snapshot;
          seen = JSON.stringify(Object.fromEntries(now.instances.map((i) => [i.id, i.clients]).sort()));
          // Redis too, as a pod sees it.
          seen += now.redis?.up ? '' : ', redis not up';
          return seen === want ? true : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the view showed ${seen}`);
      });
    } finally {
      closeAll(clients);
    }
    run.child.kill('SIGINT');
    await run.exited;
    expect(await clusters()).toEqual(['wsk']);
    // The next run reuses it, and writes its context again where the kubeconfig has lost it.
    await sh('kubectl', 'config', 'delete-context', 'kind-wsk');
    const again = startCli('step.ts', ['4', '--start', '--target', 'kind'], { WORKSHOP_HOME: home });
    await again.waitForOutput('Ctrl-C stops everything', 600_000);
    expect(again.output()).toMatch(/had no context kind-wsk for the running cluster: kind wrote it again/);
    expect(again.output()).not.toMatch(/Creating cluster/);
    again.child.kill('SIGINT');
    await again.exited;
    const down = await runCli('step.ts', ['4', '--down'], { WORKSHOP_HOME: home }, 120_000);
    expect(down.stdout).toMatch(/Deleted the kind cluster 'wsk'/);
    expect(await nodes()).toEqual([]);
  }, 900_000);
});
