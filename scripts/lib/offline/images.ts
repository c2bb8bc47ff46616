// The images a room needs offline, in one place: the app's base, Redis, Traefik and kind's node.
import { KIND_NODE_TAG } from '../kubernetes/versions.ts';
import { REDIS_IMAGE } from '../redis.ts';
import { TRAEFIK_IMAGE } from '../traefik/version.ts';

export const OFFLINE_IMAGES = ['node:24-alpine', REDIS_IMAGE, TRAEFIK_IMAGE, KIND_NODE_TAG] as const;
/** What the cluster's pods run from the pack (the node image is kind's own, the Node image only a build base). */
export const CLUSTER_IMAGES = [REDIS_IMAGE, TRAEFIK_IMAGE] as const;
export const OFFLINE_DIR = 'dist/offline';
export const IMAGES_ARCHIVE = 'images.tar';
