// API versions the blog's 2020 manifests (and many tutorials) still use, but a kind v0.32 cluster
// (Kubernetes 1.36) no longer serves. kubernetes-models keeps some of those old schemas, so this
// check runs first: `kubectl apply` would answer "no matches for kind ... in version ...".
import type { Finding } from '../findings.ts';
import { type ManifestObject, reporter } from './manifest.ts';

interface Removed {
  /** `group/version`, optionally restricted to some kinds (the version may still serve others). */
  apiVersion: string;
  kinds?: string[];
  removedIn: string;
  /** The apiVersion to use instead, per kind where it differs. */
  use: string | Record<string, string>;
}

const REMOVED: Removed[] = [
  {
    apiVersion: 'extensions/v1beta1',
    removedIn: '1.16 (Ingress: 1.22)',
    use: { Ingress: 'networking.k8s.io/v1', NetworkPolicy: 'networking.k8s.io/v1', '*': 'apps/v1' },
  },
  { apiVersion: 'apps/v1beta1', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apps/v1beta2', removedIn: '1.16', use: 'apps/v1' },
  { apiVersion: 'apiextensions.k8s.io/v1beta1', removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  {
    apiVersion: 'networking.k8s.io/v1beta1',
    kinds: ['Ingress', 'IngressClass'],
    removedIn: '1.22',
    use: 'networking.k8s.io/v1',
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1beta1',
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    removedIn: '1.22',
    use: 'admissionregistration.k8s.io/v1',
  },
  { apiVersion: 'policy/v1beta1', removedIn: '1.25', use: 'policy/v1' },
  { apiVersion: 'batch/v1beta1', removedIn: '1.25', use: 'batch/v1' },
  { apiVersion: 'discovery.k8s.io/v1beta1', removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  { apiVersion: 'autoscaling/v2beta1', removedIn: '1.25', use: 'autoscaling/v2' },
  { apiVersion: 'autoscaling/v2beta2', removedIn: '1.26', use: 'autoscaling/v2' },
  {
    apiVersion: 'coordination.k8s.io/v1beta1',
    kinds: ['Lease'],
    removedIn: '1.22',
    use: 'coordination.k8s.io/v1',
  },
  { apiVersion: 'scheduling.k8s.io/v1beta1', removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  { apiVersion: 'certificates.k8s.io/v1beta1', removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  {
    apiVersion: 'storage.k8s.io/v1beta1',
    kinds: ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'CSIStorageCapacity'],
    removedIn: '1.22 (CSIStorageCapacity: 1.27)',
    use: 'storage.k8s.io/v1',
  },
];

/** The finding for an apiVersion the cluster does not serve, or undefined when it is current. */
export function checkApiVersion(o: ManifestObject): Finding | undefined {
  const report = reporter(o);
  if (o.apiVersion.startsWith('traefik.containo.us/')) {
    return report(
      'traefik-old-api-group',
      ['apiVersion'],
      `${o.apiVersion} is Traefik v2's API group; Traefik v3 only reads traefik.io (the CRDs of traefik.containo.us are gone)`,
      'Write `apiVersion: traefik.io/v1alpha1`, and apply the CRDs and RBAC of Traefik v3.7 (kubernetes-crd-definition-v1.yml, kubernetes-crd-rbac.yml).',
    );
  }
  if (
    o.apiVersion === 'rbac.authorization.k8s.io/v1beta1' ||
    o.apiVersion === 'rbac.authorization.k8s.io/v1alpha1'
  ) {
    return report(
      'rbac-v1beta1',
      ['apiVersion'],
      `${o.apiVersion} was removed in Kubernetes 1.22; kind's cluster (1.36) answers "no matches for kind ${o.kind}"`,
      'Write `apiVersion: rbac.authorization.k8s.io/v1` (the fields are the same).',
    );
  }
  const removed = REMOVED.find(
    (r) => r.apiVersion === o.apiVersion && (!r.kinds || r.kinds.includes(o.kind)),
  );
  if (!removed) return undefined;
  const use = typeof removed.use === 'string' ? removed.use : (removed.use[o.kind] ?? removed.use['*']);
  return report(
    'api-removed',
    ['apiVersion'],
    `${o.apiVersion} ${o.kind} was removed in Kubernetes ${removed.removedIn}; kind's cluster (1.36) does not serve it`,
    `Write \`apiVersion: ${use}\` and check the fields that changed with it (e.g. apps/v1 requires spec.selector).`,
  );
}
