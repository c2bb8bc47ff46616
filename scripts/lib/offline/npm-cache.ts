// The npm cache that lets the attendee's unchanged `npm ci` run inside `docker build` with no network. The
// pack fills it from every lockfile of the steps and solutions; the load bakes it into the room's Node base
// image (same tag), with npm told by environment, which every image built FROM it inherits, to read it first.
// Nothing in steps/ or solutions/ names it: the attendee's Dockerfile stays the one they would write online.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { $ } from 'zx';
import { UserError } from '../errors.ts';
import { ROOT } from '../paths.ts';
import { NODE_BASE_IMAGE } from './images.ts';

export const NPM_CACHE_DIR = 'npm-cache';
/** Marks the room's Node base, so that the load, doctor and tests can tell it from the pulled one. */
export const ROOM_BASE_LABEL = 'dev.wsk.offline-npm-cache';
const IN_IMAGE = '/usr/local/share/wsk-npm-cache';
/**
 * prefer-offline: the cache first, even for metadata npm would otherwise revalidate. No audit, fund or
 * update check: each is a request that, offline, fails or waits.
 */
const NPM_SETTINGS = {
  npm_config_cache: IN_IMAGE,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

const sh = $({ quiet: true });

/** Every package-lock.json of the starters and solutions (an attendee may build any of them). */
export function workshopLockfiles(root = ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(join(dir, entry.name));
      else if (entry.name === 'package-lock.json') found.push(join(dir, entry.name));
    }
  };
  for (const top of ['steps', 'solutions']) if (existsSync(join(root, top))) walk(join(root, top));
  return found.sort();
}

/** `name@version` for every registry package a lockfile installs: what `npm ci` asks the registry for. */
export function lockedPackages(lockfile: string): string[] {
  let lock: {
    packages?: Record<
      string,
      { name?: string; version?: string; resolved?: string; link?: boolean; inBundle?: boolean }
    >;
  };
  try {
    lock = JSON.parse(readFileSync(lockfile, 'utf8'));
  } catch (err) {
    throw new UserError(
      `${relative(ROOT, lockfile)} is not valid JSON: ${(err as Error).message}`,
      'restore it from git (git checkout -- FILE), or run npm install in its folder to write it again',
    );
  }
  if (!lock.packages)
    throw new UserError(
      `${relative(ROOT, lockfile)} has no "packages": npm 6's lockfile format, which the pack cannot read.`,
      'run npm install in its folder with npm 7 or later to write lockfileVersion 3',
    );
  const specs: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    // The root, workspace links and bundled copies are not fetched; nor is anything not from a registry.
    if (!path || entry.link || entry.inBundle || !entry.version) continue;
    if (entry.resolved && !/^https?:/.test(entry.resolved)) continue;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    specs.push(`${name}@${entry.version}`);
  }
  return specs;
}

/** Fetches every package (its metadata and tarball) the lockfiles install into an npm cache folder. */
export async function fillNpmCache(dir: string, lockfiles: string[]): Promise<number> {
  const specs = [...new Set(lockfiles.flatMap(lockedPackages))].sort();
  const added = await sh`npm cache add --cache ${dir} ${specs}`.nothrow();
  if (added.exitCode !== 0)
    throw new UserError(
      `npm could not fetch the packages for the pack: ${added.stderr.trim().split('\n').slice(-3).join(' ')}`,
      'run the pack where the npm registry is reachable (npm ping says whether it is)',
    );
  return specs.length;
}

/**
 * The pack's npm cache baked into the Node base, under the base's own tag: every Dockerfile that starts
 * FROM it, the attendee's included, then finds its packages with no network. Built with none, so that it
 * fetches nothing itself.
 */
export async function buildRoomNodeImage(cacheDir: string): Promise<void> {
  const stage = mkdtempSync(join(tmpdir(), 'wsk-room-base-'));
  try {
    cpSync(cacheDir, join(stage, 'npm-cache'), { recursive: true });
    // COPY keeps these modes: an attendee's `npm ci` may run as `node` (USER before RUN), and npm writes
    // index entries and its logs into the cache it reads.
    chmodSync(join(stage, 'npm-cache'), 0o777);
    for (const entry of readdirSync(join(stage, 'npm-cache'), { recursive: true, withFileTypes: true }))
      chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o777 : 0o666);
    const env = Object.entries(NPM_SETTINGS).map(([k, v]) => `${k}=${v}`);
    writeFileSync(
      join(stage, 'Dockerfile'),
      [
        `FROM ${NODE_BASE_IMAGE}`,
        `COPY npm-cache/ ${IN_IMAGE}/`,
        `ENV ${env.join(' ')}`,
        `LABEL ${ROOM_BASE_LABEL}="the offline pack's npm cache for the workshop's lockfiles"`,
        '',
      ].join('\n'),
    );
    const built = await sh`docker build --network none --quiet --tag ${NODE_BASE_IMAGE} ${stage}`.nothrow();
    if (built.exitCode !== 0)
      throw new UserError(
        `Could not add the pack's npm cache to ${NODE_BASE_IMAGE}: ${built.stderr.trim().split('\n').pop()}`,
        'check that Docker has disk space (docker system df), then run npm run offline:load again',
      );
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
