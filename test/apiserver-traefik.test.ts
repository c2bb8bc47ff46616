// Step 4 on the `apiserver` target: Traefik's CRDs and the solution's manifests applied to a real API server
// with server-side apply, then the real Traefik binary's CRD provider run as the solution's ServiceAccount.
// The solution's RBAC lets every informer list and watch; a ClusterRole without endpointslices does not,
// and the API server's own "forbidden" names what to add. Skipped without the binaries, except under CI.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { forbiddenIn } from '../scripts/lib/kubernetes/cluster-verdicts.ts';
import { loadManifests } from '../scripts/lib/kubernetes/index.ts';
import type { ManifestObject } from '../scripts/lib/kubernetes/manifest.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import type { ControlPlane } from '../scripts/lib/targets/apiserver/control-plane.ts';
import {
  endpointSliceFor,
  type KubernetesTraefik,
  serverSideApply,
  waitForRouter,
} from '../scripts/lib/targets/apiserver/traefik-provider.ts';
import { type ApiRouter, apiList } from '../scripts/lib/traefik-run/api.ts';
import { crdPlane, crdProviderMissing, crdTraefik } from './helpers/crd-provider.ts';
import { describeWith } from './helpers/needs.ts';

const missing = await crdProviderMissing();
const SOLUTION = join(ROOT, 'solutions', '04-kind-traefik', 'k8s');

describeWith(missing, "step 4's RBAC under Traefik's real CRD provider", () => {
  let plane: ControlPlane;
  const runs: KubernetesTraefik[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    plane = await crdPlane();
  }, 90_000);
  afterAll(async () => {
    for (const run of runs) await run.stop();
    await plane?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function traefikFor(manifests: string) {
    const applied = await serverSideApply(plane, manifests);
    expect(applied.code, applied.stderr).toBe(0);
    // Traefik builds no router for a Service without endpoints ("no servers found"). No traffic is sent
    // here, so the backend is a documentation address (RFC 5737) that routes nowhere.
    const service = loadManifests(manifests).objects.find((o) => o.kind === 'Service' && o.name === 'app');
    expect(service).toBeDefined();
    const slice = endpointSliceFor(service as ManifestObject, 'instance-1', '198.51.100.10', 3000);
    const written = await plane.kubectl(['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify(slice),
    });
    expect(written.code, written.stderr).toBe(0);
    const run = await crdTraefik(plane, manifests);
    runs.push(run);
    return run;
  }

  it("the CRD schema rejects an IngressRoute route of kind Rules and a bad sameSite, in the API server's words", async () => {
    const route = readFileSync(join(SOLUTION, 'ingressroute.yaml'), 'utf8');
    const apply = (text: string) =>
      plane.kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: text });
    const namespace = await plane.kubectl(['create', 'namespace', 'wsk']);
    expect(namespace.code, namespace.stderr).toBe(0);
    const good = await apply(route);
    expect(good.code, good.stderr).toBe(0);
    const rules = await apply(route.replace('kind: Rule', 'kind: Rules'));
    expect(rules.code).not.toBe(0);
    expect(rules.stderr).toContain('spec.routes[0].kind: Unsupported value: "Rules"');
    const sameSite = await apply(route.replace('sameSite: lax', 'sameSite: relaxed'));
    expect(sameSite.code).not.toBe(0);
    expect(sameSite.stderr).toContain('sameSite: Unsupported value: "relaxed"');
  });

  it('the solution: Traefik loads the IngressRoute, and nothing is forbidden', async () => {
    const run = await traefikFor(SOLUTION);
    expect(run.serviceAccount).toBe('system:serviceaccount:wsk:traefik');
    await waitForRouter(run, 'wsk-app');
    expect(forbiddenIn(run.process.output())).toEqual([]);
    // Two routes to one Service: a router and a service each, as the rehearsal's translation makes them.
    const routers = await waitFor(
      'both routes of the IngressRoute as routers',
      async () => {
        const mine = (await apiList<ApiRouter>(run.apiUrl, '/api/http/routers')).filter((r) =>
          r.name.startsWith('wsk-app'),
        );
        return mine.length === 2 ? mine : undefined;
      },
      { timeoutMs: 10_000, process: run.process },
    );
    expect(routers.map((r) => r.rule).sort()).toEqual([
      'Host(`chat.localhost`) && PathPrefix(`/`)',
      'PathPrefix(`/`)',
    ]);
    expect(new Set(routers.map((r) => r.service)).size).toBe(2);
    await run.stop();
  }, 60_000);

  it('a ClusterRole without endpointslices: Traefik is forbidden to list them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsk-rbac-'));
    dirs.push(dir);
    cpSync(SOLUTION, dir, { recursive: true });
    const rbac = join(dir, 'traefik-rbac.yaml');
    const text = readFileSync(rbac, 'utf8');
    const rule =
      '  - apiGroups: [discovery.k8s.io]\n    resources: [endpointslices]\n    verbs: [list, watch]\n';
    expect(text).toContain(rule);
    writeFileSync(rbac, text.replace(rule, ''));
    // Server-side apply updates the solution's ClusterRole in place, dropping the rule it no longer lists.
    const run = await traefikFor(dir);
    const forbidden = await waitFor(
      'Traefik to report a forbidden list of endpointslices',
      async () => {
        const found = forbiddenIn(run.process.output());
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, process: run.process },
    );
    expect(forbidden).toContainEqual({
      user: 'system:serviceaccount:wsk:traefik',
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
    });
  }, 60_000);

  // Least privilege, measured: each resource of the solution's ClusterRole is taken out in turn. Traefik
  // builds its routers only after every informer has listed, so a router means nothing was missing.
  it("every resource the CRD provider reads is needed; the Ingress provider's are not", async () => {
    const docs = parseAllDocuments(readFileSync(join(SOLUTION, 'traefik-rbac.yaml'), 'utf8')).map(
      (d) =>
        d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] },
    );
    // The solution's rules, plus the Ingress provider's that Traefik's published kubernetes-crd-rbac.yml
    // also grants: taken out one by one like the others, they must change nothing.
    const rules = [
      ...(docs.find((d) => d.kind === 'ClusterRole')?.rules ?? []),
      {
        apiGroups: ['networking.k8s.io'],
        resources: ['ingresses', 'ingressclasses'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
    ];
    const verdicts: Record<string, string> = {};
    for (const [i, rule] of rules.entries()) {
      for (const resource of rule.resources) {
        const fewer = structuredClone(rules);
        fewer[i].resources = fewer[i].resources.filter((r) => r !== resource);
        const dir = mkdtempSync(join(tmpdir(), 'wsk-rbac-'));
        dirs.push(dir);
        cpSync(SOLUTION, dir, { recursive: true });
        const edited = docs.map((d) =>
          d.kind === 'ClusterRole' ? { ...d, rules: fewer.filter((r) => r.resources.length) } : d,
        );
        writeFileSync(join(dir, 'traefik-rbac.yaml'), edited.map((d) => JSON.stringify(d)).join('\n---\n'));
        const run = await traefikFor(dir);
        const outcome = await waitFor(
          `Traefik to build its router or be forbidden without ${resource}`,
          async () => {
            const forbidden = forbiddenIn(run.process.output());
            if (forbidden.length > 0)
              return forbidden.map((f) => `forbidden: ${f.verb} ${f.resource}`).join(', ');
            const res = await fetch(`${run.apiUrl}/api/http/routers`, { signal: AbortSignal.timeout(1_000) });
            const routers = (await res.json()) as { name: string }[];
            return routers.some((r) => r.name.includes('wsk-app')) ? 'router built' : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 200, process: run.process },
        );
        await run.stop();
        verdicts[`${rule.apiGroups.join(',') || 'core'}/${resource}`] = outcome;
      }
    }
    const notNeeded = ['ingresses', 'ingressclasses', 'ingresses/status'];
    for (const [key, outcome] of Object.entries(verdicts)) {
      const resource = key.split('/').slice(1).join('/');
      expect(outcome, key).toBe(
        notNeeded.includes(resource) ? 'router built' : `forbidden: list ${resource}`,
      );
    }
    expect(Object.keys(verdicts).length).toBeGreaterThan(10);
  }, 240_000);
});
