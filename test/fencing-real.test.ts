// Claim K9 on the real CRD provider: a pod that is terminating but still serving (readiness passing, as the
// endpointslice controller writes it during a drain) is fenced by Traefik: no new session lands on it, and
// a client whose sticky cookie names it still reaches it. Once it stops serving, the cookie goes elsewhere.
// No kubelet here: the EndpointSlices are written by hand, with the conditions the controller would set.

import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadManifests } from '../scripts/lib/kubernetes/index.ts';
import type { ManifestObject } from '../scripts/lib/kubernetes/manifest.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import type { ControlPlane } from '../scripts/lib/targets/apiserver/control-plane.ts';
import { type PodNetwork, startPodNetwork } from '../scripts/lib/targets/apiserver/pod-network.ts';
import {
  endpointSliceFor,
  type KubernetesTraefik,
  serverSideApply,
  waitForRouter,
} from '../scripts/lib/targets/apiserver/traefik-provider.ts';
import { crdPlane, crdProviderMissing, crdTraefik } from './helpers/crd-provider.ts';
import { describeWith } from './helpers/needs.ts';

const missing = await crdProviderMissing('root');
const SOLUTION = join(ROOT, 'solutions', '04-kind-traefik', 'k8s');

describeWith(missing, 'a terminating pod under the real CRD provider', () => {
  let plane: ControlPlane;
  let network: PodNetwork;
  let run: KubernetesTraefik;
  const backends: Server[] = [];
  let service: ManifestObject;
  let port: number;

  beforeAll(async () => {
    plane = await crdPlane();
    const applied = await serverSideApply(plane, SOLUTION);
    expect(applied.code, applied.stderr).toBe(0);
    // Two pods, each a tiny server that answers with its own address, on an address of its own.
    network = startPodNetwork(2);
    port = await freePort();
    for (const address of network.addresses) {
      const server = createServer((_req, res) => res.end(address));
      await new Promise<void>((resolve) => server.listen(port, address, resolve));
      backends.push(server);
    }
    service = loadManifests(SOLUTION).objects.find(
      (o) => o.kind === 'Service' && o.name === 'app',
    ) as ManifestObject;
    for (const [i, address] of network.addresses.entries()) await slice(`pod-${i}`, address, 'ready');
    run = await crdTraefik(plane, SOLUTION);
    await waitForRouter(run, 'wsk-app');
  }, 120_000);
  afterAll(async () => {
    await run?.stop();
    for (const server of backends) server.close();
    network?.stop();
    await plane?.stop();
  });

  /** The pod's EndpointSlice with the conditions the endpointslice controller writes at each stage. */
  async function slice(pod: string, address: string, stage: 'ready' | 'draining' | 'gone') {
    const written = endpointSliceFor(service, pod, address, port) as {
      endpoints: { conditions: Record<string, boolean> }[];
    };
    written.endpoints[0].conditions = {
      ready: stage === 'ready',
      // Terminating with its readiness probe still passing: serving; once the probe fails, not.
      serving: stage !== 'gone',
      terminating: stage !== 'ready',
    };
    const result = await plane.kubectl(['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify(written),
    });
    expect(result.code, result.stderr).toBe(0);
  }

  /** One request through Traefik's web entry point: which pod answered, and the cookie Traefik set. */
  async function ask(cookie?: string) {
    const res = await fetch(`${run.entryPoints.web}/`, {
      headers: cookie ? { cookie } : {},
      signal: AbortSignal.timeout(2_000),
    });
    const set = res.headers.get('set-cookie')?.match(/wsk_sticky=[^;]+/)?.[0];
    return { pod: await res.text(), cookie: set };
  }

  it('no new session on it, its sticky clients still reach it; once not serving, they move (K9)', async () => {
    const [a, b] = network.addresses;
    // A cookie that pins a client to b: new sessions go round robin, so one of the first few lands there.
    const pinned = await waitFor(
      `a session on ${b}`,
      async () => {
        const answer = await ask();
        return answer.pod === b ? answer.cookie : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 0 },
    );
    expect(pinned).toMatch(/^wsk_sticky=/);
    expect((await ask(pinned)).pod).toBe(b);

    // b terminates, its readiness still passing: ten new sessions in a row all land on a.
    await slice('pod-1', b, 'draining');
    await waitFor(
      `Traefik to stop opening sessions on ${b}`,
      async () => {
        const pods = [];
        for (let i = 0; i < 10; i++) pods.push((await ask()).pod);
        return pods.every((p) => p === a) ? true : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    // ...while the client pinned to b still reaches it: b is fenced, not dropped.
    for (let i = 0; i < 5; i++) expect((await ask(pinned)).pod).toBe(b);

    // Its readiness fails too: b leaves Traefik's servers, and the pinned client lands on a.
    await slice('pod-1', b, 'gone');
    const moved = await waitFor(
      `Traefik to drop ${b}`,
      async () => {
        const answer = await ask(pinned);
        return answer.pod === a ? answer : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(moved.cookie, 'a new cookie, for a').toMatch(/^wsk_sticky=/);
  }, 60_000);
});
