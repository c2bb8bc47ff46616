// Traefik's CRD and RBAC files, from the pinned release's tag (never the moving v3.7 branch). Downloaded once
// into the per-user cache, beside the binary, so a room can work offline (`npm run offline:load` fills it).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { TRAEFIK_TAG } from '../traefik/version.ts';
import { userCacheDir } from './binary.ts';

export const TRAEFIK_FILES = ['kubernetes-crd-definition-v1.yml', 'kubernetes-crd-rbac.yml'] as const;

const rawBase = () =>
  process.env.WSK_TRAEFIK_RAW_BASE ??
  `https://raw.githubusercontent.com/traefik/traefik/${TRAEFIK_TAG}/docs/content/reference/dynamic-configuration`;

export const crdCacheDir = () => join(userCacheDir(), 'traefik', TRAEFIK_TAG);

/** The local path of one of Traefik's files, downloading it into the cache when missing. */
export async function traefikFile(name: (typeof TRAEFIK_FILES)[number]): Promise<string> {
  const path = join(crdCacheDir(), name);
  if (existsSync(path)) return path;
  const url = `${rawBase()}/${name}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
    throw new UserError(
      `Could not download ${url}: ${err.message}`,
      'connect to the Internet once, or ask your instructor for the offline pack (`npm run offline:load`)',
    );
  });
  if (!res.ok)
    throw new UserError(
      `Downloading ${url} answered HTTP ${res.status}.`,
      'check the Traefik version pinned in scripts/lib/traefik/version.ts',
    );
  mkdirSync(crdCacheDir(), { recursive: true });
  writeFileSync(path, await res.text());
  return path;
}
