// What the tests of Traefik's real CRD provider need: an API server's tools, etcd, and the pinned Traefik
// binary where CI caches it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TRAEFIK_VERSION } from '../../scripts/lib/traefik/version.ts';
import { lacking, type Need } from './needs.ts';

export const TRAEFIK = join(
  process.env.WSK_CACHE ?? '/var/cache/wsk',
  `traefik-${TRAEFIK_VERSION}`,
  'traefik',
);

/** What this machine lacks for them (and `more`), in words: empty when they can run. */
export const crdProviderMissing = async (...more: Need[]) => [
  ...(await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'etcd', ...more)),
  ...(existsSync(TRAEFIK) ? [] : [`no Traefik binary at ${TRAEFIK}`]),
];
