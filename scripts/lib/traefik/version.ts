// The one Traefik release the workshop pins: the Compose and Kubernetes image tags, the rehearsal's
// binary and the CRD/RBAC reference files all name this exact patch release, never the moving v3.7.
import versions from '../versions.json' with { type: 'json' };

export const TRAEFIK_VERSION = versions.traefik;
export const TRAEFIK_TAG = `v${TRAEFIK_VERSION}`;
export const TRAEFIK_IMAGE = `traefik:${TRAEFIK_TAG}`;
/** The release's files (binaries, CRDs, RBAC) are fetched from this tag. */
export const TRAEFIK_RELEASE_URL = `https://github.com/traefik/traefik/releases/download/${TRAEFIK_TAG}`;
