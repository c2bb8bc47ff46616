// The Kubernetes binaries .ci/kube-tools.sh builds once per pinned version, in $WSK_CACHE (default
// /var/cache/wsk)/<tool>-<version>/<tool>. Looked up there, never on PATH: a kind or kubectl the attendee
// installed may be another version, and these checks are about the pinned ones.
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  KIND_VERSION,
  KUBECTL_VERSION,
  KUBERNETES_VERSION,
  TRAEFIK_CRDS_VERSION,
} from '../kubernetes/versions.ts';
import { crdCacheDir, traefikFile } from '../traefik-run/release-files.ts';

export const KUBE_TOOLS = {
  kind: KIND_VERSION,
  'kube-apiserver': KUBERNETES_VERSION,
  kubectl: KUBECTL_VERSION,
  /** Not a binary: Traefik's CRD definitions (YAML), fetched, never committed. */
  'traefik-crds': TRAEFIK_CRDS_VERSION,
} as const;
export type KubeTool = keyof typeof KUBE_TOOLS;

export const kubeToolsCache = () => process.env.WSK_CACHE ?? '/var/cache/wsk';

export function cachedToolPath(tool: KubeTool): string {
  return join(kubeToolsCache(), `${tool}-${KUBE_TOOLS[tool]}`, tool);
}

/** The cached binary, or undefined when .ci/kube-tools.sh has not built it on this machine. */
export function cachedTool(tool: KubeTool): string | undefined {
  const path = cachedToolPath(tool);
  try {
    accessSync(path, tool === 'traefik-crds' ? constants.R_OK : constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Why a cached tool is missing, with the command that provides it. */
export const missingToolReason = (tool: KubeTool) =>
  `${tool} ${KUBE_TOOLS[tool]} is not built at ${cachedToolPath(tool)}: run .ci/kube-tools.sh ${tool}`;

/**
 * Traefik's CRD definitions: the pinned release's file where this user has it (downloaded once, or from
 * the offline pack), else the one .ci/kube-tools.sh fetched, else downloaded now.
 */
export async function traefikCrds(): Promise<string> {
  const mine = join(crdCacheDir(), 'kubernetes-crd-definition-v1.yml');
  if (existsSync(mine)) return mine;
  return cachedTool('traefik-crds') ?? traefikFile('kubernetes-crd-definition-v1.yml');
}
