// `--target apiserver` for steps 4–6: a real kube-apiserver and etcd, Traefik's CRD provider as the
// attendee's ServiceAccount, the pods as local processes with an address each. The solutions pass and the
// starters fail where they fail on the rehearsal; the mistakes only a control plane shows fail with its
// words at the attendee's file and line. Skipped without the binaries or root, except under CI=true,
// where that is a failure: CI builds the binaries (.ci/kube-tools.sh) and runs as root.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { findStep, folderName, solutionDir, starterDir, stepsOn } from '../scripts/lib/steps.ts';
import { removeTempHomes, runCli, tempHome } from './helpers/cli.ts';
import { describeWith, lacking } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';

afterAll(removeTempHomes);

const missing = await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'etcd', 'root');

/** A copy of step 4's solution with `from` replaced by `to` in `file` (the text must be there). */
function solutionWith(file: string, from: string, to: string): string {
  const dir = join(tempDir('apiserver-', tempHome()), 'dir');
  cpSync(solutionDir(findStep(4)), dir, { recursive: true });
  const path = join(dir, file);
  const original = readFileSync(path, 'utf8');
  expect(original, `the solution's ${file} must contain ${from}`).toContain(from);
  writeFileSync(path, original.replace(from, to));
  return dir;
}

describeWith(missing, 'the apiserver target, for real', () => {
  it.each(stepsOn('apiserver'))(
    'check %i passes on its solution, every expectation run',
    async (n) => {
      const result = await runStep(findStep(n), solutionDir(findStep(n)), { target: 'apiserver' });
      expect(result.failure?.message ?? '', result.failure?.hint).toBe('');
      // Nothing skipped: the drills and the Redis outage act on the local pods and Redis.
      expect(result.expectations.filter((e) => e.status !== 'pass')).toEqual([]);
    },
    150_000,
  );

  it.each(stepsOn('apiserver'))(
    'check %i fails on its starter where the rehearsal does',
    async (n) => {
      const step = findStep(n);
      const result = await runStep(step, starterDir(step), { target: 'apiserver' });
      expect(result.failure?.id, result.failure?.message).toBe(step.starterFailsAt);
    },
    120_000,
  );

  it('npm run drill on the apiserver target: the drill acts on the local pods behind the real Traefik', async () => {
    // The drill acts on the playground: step 6's, made from its solution (the starter does not drain).
    const home = tempHome();
    const step = findStep(6);
    cpSync(solutionDir(step), join(home, 'playground', folderName(step)), { recursive: true });
    const { code, stdout, stderr } = await runCli(
      'drill.ts',
      ['sigterm-instance', '--step', '6', '--target', 'apiserver', '--json'],
      { WORKSHOP_HOME: home },
    );
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { recovered: boolean; action: string };
    expect(result.recovered).toBe(true);
    expect(result.action).toMatch(/^SIGTERM to app-\d: exited with code 0$/);
  }, 120_000);

  const endpointslices =
    '  - apiGroups: [discovery.k8s.io]\n    resources: [endpointslices]\n    verbs: [list, watch]\n';
  it.each([
    {
      what: 'a ClusterRole without endpointslices: Traefik is forbidden, and the rule to add is named',
      file: 'k8s/traefik-rbac.yaml',
      from: endpointslices,
      to: '',
      failsAt: 'starts',
      message:
        /^Traefik runs as ServiceAccount wsk\/traefik, and the API server refused it: cannot list endpointslices \(discovery\.k8s\.io\)\. ClusterRole traefik \(.*traefik-rbac\.yaml:\d+\) lacks the rule\.$/,
      hint: /resources: \[endpointslices\]\n {2}verbs: \[list, watch\]/,
    },
    {
      what: 'a ClusterRoleBinding to another ServiceAccount: every list is forbidden, and the binding is named',
      file: 'k8s/traefik-rbac.yaml',
      from: '  - kind: ServiceAccount\n    name: traefik',
      to: '  - kind: ServiceAccount\n    name: default',
      failsAt: 'starts',
      message:
        /refused it: cannot list .+\. No ClusterRoleBinding names that ServiceAccount \(.*traefik-rbac\.yaml:43\)\.$/,
      hint: /subjects: \[\{ kind: ServiceAccount, name: traefik, namespace: wsk \}\]/,
    },
    {
      what: 'an IngressRoute route of kind Rules: the CRD schema refuses it',
      file: 'k8s/ingressroute.yaml',
      from: 'kind: Rule',
      to: 'kind: Rules',
      failsAt: 'starts',
      message:
        /^The API server refused your manifests:\n {2}.*ingressroute\.yaml:11 \(IngressRoute\/app\): spec\.routes\[0\]\.kind: Unsupported value: "Rules": supported values: "Rule"$/,
      hint: /supported values/,
    },
    {
      what: 'a sticky cookie with sameSite: relaxed: the CRD schema refuses it',
      file: 'k8s/ingressroute.yaml',
      from: 'sameSite: lax',
      to: 'sameSite: relaxed',
      failsAt: 'starts',
      message:
        /ingressroute\.yaml:\d+ \(IngressRoute\/app\): spec\.routes\[0\]\.services\[0\]\.sticky\.cookie\.sameSite: Unsupported value: "relaxed"/,
      hint: /supported values/,
    },
    {
      what: 'a Service whose selector matches no replica: no endpoints, and Traefik says so',
      file: 'k8s/app.yaml',
      from: '  selector:\n    app: wsk-app',
      to: '  selector:\n    app: wsk',
      failsAt: 'page-through-router',
      message:
        /answered 404[\s\S]*Service wsk\/app \(.*app\.yaml:\d+\) selects no pod[\s\S]*error="no servers found for wsk\/app"/,
      hint: /.+/,
    },
  ])(
    '$what',
    async ({ file, from, to, failsAt, message, hint }) => {
      const result = await runStep(findStep(4), solutionWith(file, from, to), { target: 'apiserver' });
      expect(result.failure?.id, result.failure?.message).toBe(failsAt);
      expect(result.failure?.message).toMatch(message);
      expect(result.failure?.hint).toMatch(hint);
    },
    120_000,
  );
});
