// Step 5's Middleware reference under Traefik's real CRD provider (a real kube-apiserver, the pinned Traefik
// binary as the solution's ServiceAccount), next to the workshop's own finding: a reference across
// namespaces, or the `<namespace>-<name>@kubernetescrd` form, is refused unless Traefik runs with
// --providers.kubernetescrd.allowCrossNamespace=true, and the validators say so first, on the line.
// The solutions keep the Middleware in the IngressRoute's namespace. Skipped without the binaries, except under CI.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadManifests, validateManifests } from '../scripts/lib/kubernetes/index.ts';
import type { ManifestObject } from '../scripts/lib/kubernetes/manifest.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import type { ControlPlane } from '../scripts/lib/targets/apiserver/control-plane.ts';
import {
  endpointSliceFor,
  type KubernetesTraefik,
  serverSideApply,
} from '../scripts/lib/targets/apiserver/traefik-provider.ts';
import { firstRouteOnly } from './fixtures/kubernetes/variant.ts';
import { crdPlane, crdProviderMissing, crdTraefik } from './helpers/crd-provider.ts';
import { describeWith } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';

const missing = await crdProviderMissing();
const SOLUTION = join(ROOT, 'solutions', '05-path-prefix', 'k8s');
const ALLOW = '--providers.kubernetescrd.allowCrossNamespace=true';

describeWith(missing, "step 5's Middleware reference under Traefik's CRD provider", () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await crdPlane();
  }, 90_000);
  afterAll(async () => {
    await plane?.stop();
  });

  /** A copy of the solution's manifests (its first route) with `[from, to]` edits, applied fresh (the old IngressRoute and Middlewares removed). */
  async function applied(edits: Record<string, [string, string][]>): Promise<string> {
    const dir = tempDir('wsk-mw-');
    cpSync(SOLUTION, dir, { recursive: true });
    const routes = join(dir, 'ingressroute.yaml');
    writeFileSync(routes, firstRouteOnly(readFileSync(routes, 'utf8')));
    for (const [file, pairs] of Object.entries(edits)) {
      let text = readFileSync(join(dir, file), 'utf8');
      for (const [from, to] of pairs) {
        expect(text, `${file}: ${from}`).toContain(from);
        text = text.replace(from, to);
      }
      writeFileSync(join(dir, file), text);
    }
    for (const kind of ['ingressroutes', 'middlewares'])
      await plane.kubectl(['delete', kind, '--all', '--all-namespaces', '--ignore-not-found']);
    const result = await serverSideApply(plane, dir);
    expect(result.code, result.stderr).toBe(0);
    const service = loadManifests(dir).objects.find((o) => o.kind === 'Service' && o.name === 'app');
    // No kubelet here: the EndpointSlice a ready pod would get (a documentation address; no traffic is sent).
    const slice = endpointSliceFor(service as ManifestObject, 'instance-1', '198.51.100.10', 3000);
    const written = await plane.kubectl(['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify(slice),
    });
    expect(written.code, written.stderr).toBe(0);
    return dir;
  }

  /** Traefik's verdict on the route: its router with the middleware, or the error it logged instead. */
  async function traefikSays(dir: string): Promise<string> {
    const run: KubernetesTraefik = await crdTraefik(plane, dir);
    try {
      return await waitFor(
        'Traefik to build the route or refuse its middleware',
        async () => {
          const refused = /invalid reference to middleware [^"\\]+/.exec(run.process.output());
          if (refused) return `refused: ${refused[0]}`;
          const res = await fetch(`${run.apiUrl}/api/http/routers`, { signal: AbortSignal.timeout(1_000) });
          const routers = (await res.json()) as { name: string; middlewares?: string[] }[];
          const router = routers.find((r) => r.name.includes('wsk-app'));
          return router ? `router with ${(router.middlewares ?? []).join(', ')}` : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200, process: run.process },
      );
    } finally {
      await run.stop();
    }
  }

  const ours = (dir: string) =>
    validateManifests(dir)
      .filter((f) => f.code.startsWith('ingressroute-'))
      .map((f) => `${f.code} at line ${f.line}`);

  it('the solution: the Middleware in the route’s namespace, referenced by name', async () => {
    const dir = await applied({});
    expect(await traefikSays(dir)).toBe('router with wsk-wsk-strip@kubernetescrd');
    expect(ours(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('`<namespace>-<name>@kubernetescrd` without the flag: refused by Traefik, reported by us; accepted with it', async () => {
    const form: Record<string, [string, string][]> = {
      'ingressroute.yaml': [['- name: wsk-strip', '- name: wsk-wsk-strip@kubernetescrd']],
    };
    const dir = await applied(form);
    expect(await traefikSays(dir)).toBe(
      'refused: invalid reference to middleware wsk-wsk-strip@kubernetescrd: when allowCrossNamespace is disabled, @kubernetescrd references are disallowed',
    );
    expect(ours(dir)).toEqual(['ingressroute-cross-namespace at line 13']);

    const allowed = await applied({
      ...form,
      'traefik.yaml': [
        ['- --providers.kubernetescrd\n', `- --providers.kubernetescrd\n            - ${ALLOW}\n`],
      ],
    });
    expect(await traefikSays(allowed)).toBe('router with wsk-wsk-strip@kubernetescrd');
    expect(ours(allowed)).toEqual([]);
  }, 90_000);

  it('a Middleware in another namespace without the flag: refused by Traefik, reported by us', async () => {
    const dir = await applied({
      'middleware.yaml': [['namespace: wsk', 'namespace: default']],
      'ingressroute.yaml': [['- name: wsk-strip\n', '- name: wsk-strip\n          namespace: default\n']],
    });
    expect(await traefikSays(dir)).toBe(
      'refused: invalid reference to middleware wsk-strip: allowCrossNamespace is disabled, cross-namespace are disallowed',
    );
    expect(ours(dir)).toEqual(['ingressroute-cross-namespace at line 13']);
  }, 60_000);
});
