// The images a room needs offline, in one place: the app's base, Redis, Traefik and kind's node.
import { KIND_NODE_TAG } from '../kubernetes/versions.ts';
import { REDIS_IMAGE } from '../redis.ts';

export const OFFLINE_IMAGES = ['node:24-alpine', REDIS_IMAGE, 'traefik:v3.7', KIND_NODE_TAG] as const;
export const OFFLINE_DIR = 'dist/offline';
export const IMAGES_ARCHIVE = 'images.tar';
