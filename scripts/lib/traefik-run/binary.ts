// Getting the pinned Traefik binary: `WSK_TRAEFIK`, then a `traefik` on PATH, then the per-user cache; else the
// release archive for this OS and architecture, verified by SHA-256 and unpacked into the cache once.
// Every path out of here is either the pinned version or one line saying what to do.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.ts';
import { findExecutable } from '../tools.ts';
import { TRAEFIK_RELEASE_URL, TRAEFIK_TAG, TRAEFIK_VERSION } from '../traefik/version.ts';

/**
 * SHA-256 of the release archives, from the release's traefik_v<version>_checksums.txt. None could be read on
 * the machine this was written on (no access to the release page); until they are filled in, a download is
 * verified against that checksums file fetched from the same release, and the output says so.
 */
export const PINNED_SHA256: Record<string, string> = {};

export interface TraefikBinary {
  path: string;
  version: string;
  /** Where it came from, for doctor and --start: WSK_TRAEFIK, PATH, the cache or a fresh download. */
  source: 'WSK_TRAEFIK' | 'PATH' | 'cache' | 'download';
}

/** The per-user cache every clone shares (the binary is 180 MB): WSK_CACHE_DIR overrides it. */
export function userCacheDir(): string {
  if (process.env.WSK_CACHE_DIR) return process.env.WSK_CACHE_DIR;
  if (process.platform === 'win32')
    return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'wsk-workshop');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'wsk-workshop');
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wsk-workshop');
}

const exe = (platform: string) => (platform === 'win32' ? 'traefik.exe' : 'traefik');
export const cachedBinaryPath = (platform = process.platform) =>
  join(userCacheDir(), 'traefik', TRAEFIK_TAG, exe(platform));

/** The release's archive name for an OS and architecture, as Node names them. */
export function releaseAsset(platform: string = process.platform, arch: string = process.arch): string {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[platform];
  const cpu = { x64: 'amd64', arm64: 'arm64' }[arch];
  if (!os || !cpu)
    throw new UserError(
      `Traefik ${TRAEFIK_TAG} has no release for ${platform}/${arch} that the workshop knows.`,
      'use Linux, macOS or Windows on x64 or arm64 (WSL2 counts as Linux), or set WSK_TRAEFIK to a traefik binary',
    );
  return `traefik_${TRAEFIK_TAG}_${os}_${cpu}.${os === 'windows' ? 'zip' : 'tar.gz'}`;
}

/** `traefik version` → "3.7.15", or undefined when it does not run. */
export function versionOf(path: string): Promise<string | undefined> {
  // Asked once per binary and command (a check starts Traefik in several environments): the file's
  // identity is in the key, so a binary replaced meanwhile is asked again.
  const stat = statSync(path, { throwIfNoEntry: false });
  const key = `${path}\0${stat?.mtimeMs}\0${stat?.size}`;
  let version = versions.get(key);
  if (!version) {
    version = new Promise((resolve) => {
      execFile(path, ['version'], { timeout: 10_000 }, (err, stdout) =>
        resolve(err ? undefined : /^Version:\s*v?(\S+)/m.exec(stdout)?.[1]),
      );
    });
    versions.set(key, version);
    // A binary that did not answer (a timeout on a busy machine) is asked again next time.
    version.then((v) => v === undefined && versions.delete(key));
  }
  return version;
}
const versions = new Map<string, Promise<string | undefined>>();

const wrongVersion = (path: string, found: string | undefined, how: string) =>
  new UserError(
    `${path} (${how}) is Traefik ${found ?? '(it did not run)'}, but the workshop pins ${TRAEFIK_VERSION}.`,
    `install Traefik ${TRAEFIK_VERSION}, or unset ${how === 'WSK_TRAEFIK' ? 'WSK_TRAEFIK' : 'it from PATH'} and let the workshop download it (npm run doctor)`,
  );

/** The binary to run, without downloading: WSK_TRAEFIK, PATH, cache — or undefined when there is none. */
export async function findTraefikBinary(): Promise<TraefikBinary | undefined> {
  const explicit = process.env.WSK_TRAEFIK;
  if (explicit) {
    const version = await versionOf(explicit);
    if (version !== TRAEFIK_VERSION) throw wrongVersion(explicit, version, 'WSK_TRAEFIK');
    return { path: explicit, version, source: 'WSK_TRAEFIK' };
  }
  const onPath = findExecutable(exe(process.platform));
  if (onPath) {
    const version = await versionOf(onPath);
    if (version !== TRAEFIK_VERSION) throw wrongVersion(onPath, version, 'on PATH');
    return { path: onPath, version, source: 'PATH' };
  }
  const cached = cachedBinaryPath();
  if (existsSync(cached) && (await versionOf(cached)) === TRAEFIK_VERSION)
    return { path: cached, version: TRAEFIK_VERSION, source: 'cache' };
  return undefined;
}

export interface DownloadOptions {
  /** The release's download URL (tests serve a real archive on loopback). */
  baseUrl?: string;
  platform?: string;
  arch?: string;
  /** Sums to trust, by asset name; defaults to PINNED_SHA256. */
  pinned?: Record<string, string>;
  /** Called with bytes received and the total (when known). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Prints what happens (the source of the checksum). */
  log?: (line: string) => void;
}

/** The binary to run, downloading and verifying the release archive when there is none yet. */
export async function ensureTraefik(options: DownloadOptions = {}): Promise<TraefikBinary> {
  return (await findTraefikBinary()) ?? downloadTraefik(options);
}

export async function downloadTraefik(options: DownloadOptions = {}): Promise<TraefikBinary> {
  const platform = options.platform ?? process.platform;
  const asset = releaseAsset(platform, options.arch ?? process.arch);
  const dir = join(userCacheDir(), 'traefik', TRAEFIK_TAG);
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${asset}.part-${process.pid}`);
  try {
    await fetchVerifiedArchive(asset, archive, options);
    return { path: await unpack(archive, dir, platform), version: TRAEFIK_VERSION, source: 'download' };
  } finally {
    rmSync(archive, { force: true });
  }
}

/** The six platforms the workshop's rooms run on, as Node names them: what the offline pack carries. */
export const RELEASE_PLATFORMS = ['linux', 'darwin', 'win32'].flatMap((platform) =>
  ['x64', 'arm64'].map((arch) => ({ platform, arch })),
);

/**
 * Downloads one release archive to `to`, verified against the pinned sum (else the release's checksums file);
 * a mismatch deletes it. Resolves to its SHA-256.
 */
/** Why a URL could not be fetched, in the network's words: fetch's own message is only "fetch failed". */
function unreachable(url: string, err: Error): string {
  const cause = err.cause as (Error & { code?: string }) | undefined;
  const why =
    err.name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? err.message);
  return `GET ${url}: ${why}`;
}

export async function fetchVerifiedArchive(
  asset: string,
  to: string,
  options: DownloadOptions = {},
): Promise<string> {
  const base = options.baseUrl ?? process.env.WSK_TRAEFIK_RELEASE_URL ?? TRAEFIK_RELEASE_URL;
  const offline = (why: string) =>
    new UserError(
      `Traefik ${TRAEFIK_VERSION} is not installed and could not be downloaded (${why}).`,
      `connect once to download it; or put a traefik ${TRAEFIK_VERSION} on PATH (or set WSK_TRAEFIK to its path); or load the room's offline pack: npm run offline:load`,
    );
  const pinned = (options.pinned ?? PINNED_SHA256)[asset];
  const expected = pinned ?? (await releaseChecksum(base, asset, offline));
  if (!pinned)
    options.log?.(`Verifying ${asset} against the release's checksums file (no sum pinned in the workshop).`);
  const res = await fetch(`${base}/${asset}`, { signal: AbortSignal.timeout(600_000) }).catch(
    (err: Error) => {
      throw offline(unreachable(`${base}/${asset}`, err));
    },
  );
  if (!res.ok || !res.body) throw offline(`GET ${base}/${asset} answered HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || undefined;
  let received = 0;
  const hash = createHash('sha256');
  const counted = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream).map((chunk) => {
    received += chunk.length;
    hash.update(chunk);
    options.onProgress?.(received, total);
    return chunk;
  });
  await pipeline(counted, createWriteStream(to));
  const actual = hash.digest('hex');
  if (actual !== expected) {
    rmSync(to, { force: true });
    throw new UserError(
      `The download of ${asset} does not match its SHA-256 (expected ${expected.slice(0, 12)}…, got ${actual.slice(0, 12)}…); it was deleted.`,
      'try again on another network (a proxy may have altered it), or use the offline pack: npm run offline:load',
    );
  }
  return actual;
}

/** Puts this platform's binary from a room's offline pack into the cache, after checking the pack's sum. */
export async function installFromArchive(archive: string, sha256: string): Promise<string> {
  const actual = createHash('sha256').update(readFileSync(archive)).digest('hex');
  if (actual !== sha256)
    throw new UserError(
      `${archive} does not match the SHA-256 the offline pack recorded for it.`,
      'copy the offline folder again (it was altered or cut short), or ask your instructor for a fresh pack',
    );
  const dir = join(userCacheDir(), 'traefik', TRAEFIK_TAG);
  mkdirSync(dir, { recursive: true });
  return unpack(archive, dir, process.platform);
}

const checksumFiles = new Map<string, Promise<string>>();

async function releaseChecksum(
  base: string,
  asset: string,
  offline: (why: string) => UserError,
): Promise<string> {
  const url = `${base}/traefik_${TRAEFIK_TAG}_checksums.txt`;
  // One download per release for the whole command (the offline pack verifies six archives against it).
  let text = checksumFiles.get(url);
  if (!text) {
    text = fetch(url, { signal: AbortSignal.timeout(30_000) })
      .catch((err: Error) => {
        throw offline(unreachable(url, err));
      })
      .then(async (res) => {
        if (!res.ok) throw offline(`GET ${url} answered HTTP ${res.status}`);
        return res.text();
      });
    checksumFiles.set(url, text);
    text.catch(() => checksumFiles.delete(url));
  }
  const line = (await text).split('\n').find((l) => l.trim().endsWith(` ${asset}`));
  const sum = line?.trim().split(/\s+/)[0];
  if (!sum || !/^[0-9a-f]{64}$/.test(sum))
    throw offline(`the release's checksums file has no SHA-256 for ${asset}`);
  return sum;
}

/** Unpacks the one binary from the archive into the cache, atomically (a half-written file is never run). */
async function unpack(archive: string, dir: string, platform: string): Promise<string> {
  const name = exe(platform);
  const target = join(dir, name);
  const temporary = `${target}.tmp-${process.pid}`;
  if (archive.includes('.zip')) {
    const { unzipSync } = await import('fflate');
    const files = unzipSync(readFileSync(archive), { filter: (f) => f.name === name });
    if (!files[name]) throw new UserError(`${archive} holds no ${name}.`, 'delete it and download again');
    writeFileSync(temporary, files[name]);
  } else {
    const tar = await import('tar');
    const out = `${temporary}.d`;
    mkdirSync(out, { recursive: true });
    await tar.x({ file: archive, cwd: out, filter: (path) => path === name });
    if (!existsSync(join(out, name))) throw new UserError(`${archive} holds no ${name}.`, 'download again');
    renameSync(join(out, name), temporary);
    rmSync(out, { recursive: true, force: true });
  }
  chmodSync(temporary, 0o755);
  renameSync(temporary, target);
  return target;
}
