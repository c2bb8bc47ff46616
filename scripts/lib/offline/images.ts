// The images a room needs offline, in one place: the app's base, Redis, Traefik and kind's node.
import { $ } from 'zx';
import { UserError } from '../errors.ts';
import { parseImage } from '../image-ref.ts';
import { KIND_NODE_IMAGE, KIND_NODE_TAG } from '../kubernetes/versions.ts';
import { REDIS_IMAGE } from '../redis.ts';
import { TRAEFIK_IMAGE } from '../traefik/version.ts';

/** The base every Dockerfile of the workshop starts FROM: the image whose `npm ci` the pack feeds. */
export const NODE_BASE_IMAGE = 'node:24-alpine';
export const OFFLINE_IMAGES = [NODE_BASE_IMAGE, REDIS_IMAGE, TRAEFIK_IMAGE, KIND_NODE_TAG] as const;
export type OfflineImage = (typeof OFFLINE_IMAGES)[number];
/** Images pinned by digest: pulled by it, and taken from the machine only when the tag holds those bytes. */
export const PINNED: Partial<Record<OfflineImage, string>> = { [KIND_NODE_TAG]: KIND_NODE_IMAGE };
/** What the cluster's pods run from the pack (the node image is kind's own, the Node image only a build base). */
export const CLUSTER_IMAGES = [REDIS_IMAGE, TRAEFIK_IMAGE] as const;
export const OFFLINE_DIR = 'dist/offline';
export const IMAGES_ARCHIVE = 'images.tar';

const sh = $({ quiet: true });

/** The registry digests Docker knows for a local image, or undefined when there is no such image. */
async function localDigests(ref: string): Promise<string[] | undefined> {
  const out = await sh`docker image inspect --format ${'{{json .RepoDigests}}'} ${ref}`.nothrow();
  if (out.exitCode !== 0) return undefined;
  return (JSON.parse(out.stdout.trim() || '[]') as string[] | null) ?? [];
}

/**
 * The image under its tag, pulled only when the machine lacks it (or, when pinned, holds other bytes), so
 * that a pack works where the images were pulled before or built locally. Says which it was.
 */
export async function ensureImage(tag: OfflineImage): Promise<'present' | 'pulled'> {
  const pinned = PINNED[tag];
  const digest = pinned && parseImage(pinned).digest;
  const digests = await localDigests(tag);
  if (digests && (!digest || digests.some((d) => d.endsWith(`@${digest}`)))) return 'present';
  // By digest where pinned (the repository without the tag: `name@sha256:…`), then tagged: `docker save`
  // keeps tags, not digests.
  const ref = digest ? `${parseImage(tag).repository}@${digest}` : tag;
  const pulled = await $`docker pull ${ref}`.nothrow();
  if (pulled.exitCode !== 0)
    throw new UserError(
      `Could not pull ${ref}: ${pulled.stderr.trim().split('\n').pop()}`,
      `run the pack where the registry is reachable${tag === KIND_NODE_TAG ? ', or leave kind out with --without-kind (a room that skips step 4)' : ''}`,
    );
  if (digest) await sh`docker tag ${ref} ${tag}`;
  return 'pulled';
}
