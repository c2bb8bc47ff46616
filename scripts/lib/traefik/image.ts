// The image-pin rule, one for Compose's `image:` and the Kubernetes Deployment's: the workshop is written
// and checked against one exact Traefik release (version.ts), so any other tag is named, with the same
// severity on both sides.
import { parseImage } from '../image-ref.ts';
import { TRAEFIK_IMAGE, TRAEFIK_VERSION } from './version.ts';

export interface ImageVerdict {
  severity: 'error' | 'warning';
  message: string;
  fix: string;
}

/**
 * Undefined for the pinned release; a warning for another v3 tag (it runs, but it is not what the steps,
 * the rehearsal's binary and the CRD files were checked with); an error for anything that is not
 * explicitly v3 (v2 lacks the traefik.io CRDs and the v3 rule syntax; `latest` or no tag floats).
 */
export function checkTraefikImage(image: string): ImageVerdict | undefined {
  const { tag } = parseImage(image);
  if (tag === `v${TRAEFIK_VERSION}` || tag === TRAEFIK_VERSION) return undefined;
  const fix = `image: ${TRAEFIK_IMAGE}`;
  if (!tag || tag === 'latest')
    return {
      severity: 'error',
      message: `image "${image}" floats to whatever Traefik is newest; the workshop pins ${TRAEFIK_IMAGE}`,
      fix,
    };
  const major = /^v?(\d+)(?:\.|$)/.exec(tag)?.[1];
  if (major !== '3')
    return {
      severity: 'error',
      message: `image "${image}" is not Traefik v3: the traefik.io CRDs, the v3 rule syntax and EndpointSlices need v3 (the workshop pins ${TRAEFIK_IMAGE})`,
      fix,
    };
  return {
    severity: 'warning',
    message: `image "${image}" is Traefik ${tag}; the workshop, its rehearsal and its CRD files are checked against ${TRAEFIK_IMAGE}`,
    fix,
  };
}
