// The images a room needs offline, in one place: the app's base, Redis, Traefik and kind's node.
import { KIND_NODE_TAG } from '../kubernetes/versions.ts';
import { REDIS_IMAGE } from '../redis.ts';
import { TRAEFIK_IMAGE } from '../traefik/version.ts';

export const OFFLINE_IMAGES = ['node:24-alpine', REDIS_IMAGE, TRAEFIK_IMAGE, KIND_NODE_TAG] as const;
export const OFFLINE_DIR = 'dist/offline';
export const IMAGES_ARCHIVE = 'images.tar';
