// What the tests of Traefik's real CRD provider share: what they need (an API server's tools, etcd, the
// pinned Traefik binary where CI caches it), a control plane with Traefik's CRDs, and Traefik started on it
// with a step's own Deployment.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findTraefik, loadManifests, type TraefikInstall } from '../../scripts/lib/kubernetes/index.ts';
import { type ControlPlane, startControlPlane } from '../../scripts/lib/targets/apiserver/control-plane.ts';
import {
  applyCrds,
  type KubernetesTraefik,
  startTraefikAs,
} from '../../scripts/lib/targets/apiserver/traefik-provider.ts';
import { cachedTool } from '../../scripts/lib/targets/kube-tools.ts';
import { TRAEFIK_VERSION } from '../../scripts/lib/traefik/version.ts';
import { lacking, type Need } from './needs.ts';

const TRAEFIK = join(process.env.WSK_CACHE ?? '/var/cache/wsk', `traefik-${TRAEFIK_VERSION}`, 'traefik');

/** What this machine lacks for them (and `more`), in words: empty when they can run. */
export const crdProviderMissing = async (...more: Need[]) => [
  ...(await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'etcd', ...more)),
  ...(existsSync(TRAEFIK) ? [] : [`no Traefik binary at ${TRAEFIK}`]),
];

/** A control plane with Traefik's CRDs applied (server-side, from the pinned tag's file). */
export async function crdPlane(): Promise<ControlPlane> {
  const plane = await startControlPlane();
  await applyCrds(plane, cachedTool('traefik-crds') as string);
  return plane;
}

/** The pinned Traefik with the Deployment in `manifests` (its args, its ServiceAccount) on `plane`. */
export const crdTraefik = (plane: ControlPlane, manifests: string): Promise<KubernetesTraefik> =>
  startTraefikAs(
    plane,
    { path: TRAEFIK, version: TRAEFIK_VERSION, source: 'cache' },
    findTraefik(loadManifests(manifests).objects) as TraefikInstall,
  );
