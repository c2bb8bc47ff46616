// A container image reference, as Compose files, Kubernetes manifests and the offline pack name them.

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** `localhost:5000/wsk-app:1.0.0@sha256:…` → repository, tag, digest (a registry port is not a tag). */
export function parseImage(image: string): ImageRef {
  const [rest, digest] = image.split('@');
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { repository: rest, digest };
}
