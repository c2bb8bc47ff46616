// Getting the pinned Traefik: a download verified by SHA-256 into the per-user cache, reused after; and every
// bad case as one line with its fix. The release is faked only at the HTTP layer: a loopback server serving a
// real archive of the real binary.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../scripts/lib/errors.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startProcess, waitFor } from '../scripts/lib/processes.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { startStep } from '../scripts/lib/targets/index.ts';
import { TRAEFIK_TAG, TRAEFIK_VERSION } from '../scripts/lib/traefik/version.ts';
import {
  cachedBinaryPath,
  downloadTraefik,
  findTraefikBinary,
  releaseAsset,
} from '../scripts/lib/traefik-run/binary.ts';
import { startupNotesOnce } from '../scripts/lib/traefik-run/process.ts';

const work = mkdtempSync(join(tmpdir(), 'wsk-traefik-bin-'));
const saved = {
  PATH: process.env.PATH,
  WSK_CACHE_DIR: process.env.WSK_CACHE_DIR,
  WSK_TRAEFIK: process.env.WSK_TRAEFIK,
};
const asset = releaseAsset('linux', 'x64');
let server: Server;
let base: string;
let realPath: string;
let sum: string;

beforeAll(async () => {
  // The real binary this machine runs the suite with (CI puts the pinned one on PATH).
  const real = await findTraefikBinary();
  if (!real)
    throw new Error(
      `These tests need Traefik ${TRAEFIK_VERSION} on PATH or in WSK_TRAEFIK (.ci/run provides it)`,
    );
  realPath = real.path;
  const staging = join(work, 'staging');
  mkdirSync(staging);
  writeFileSync(join(staging, 'traefik'), readFileSync(real.path), { mode: 0o755 });
  const archive = join(work, asset);
  await create({ gzip: { level: 1 }, file: archive, cwd: staging }, ['traefik']);
  const bytes = readFileSync(archive);
  sum = createHash('sha256').update(bytes).digest('hex');
  const files: Record<string, Buffer | string> = {
    [`/good/${asset}`]: bytes,
    [`/good/traefik_${TRAEFIK_TAG}_checksums.txt`]: `${'0'.repeat(64)}  other.tar.gz\n${sum}  ${asset}\n`,
    [`/tampered/${asset}`]: bytes,
    [`/tampered/traefik_${TRAEFIK_TAG}_checksums.txt`]: `${'e'.repeat(64)}  ${asset}\n`,
  };
  server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-length': body ? Buffer.byteLength(body) : 0 });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(() => {
  server?.close();
  Object.assign(process.env, saved);
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  rmSync(work, { recursive: true, force: true });
});

/** A fresh cache and a PATH without any traefik, as on an attendee's first run. */
function firstRun(): string {
  const cache = mkdtempSync(join(work, 'cache-'));
  process.env.WSK_CACHE_DIR = cache;
  process.env.PATH = '/usr/bin:/bin';
  delete process.env.WSK_TRAEFIK;
  return cache;
}

describe('the Traefik binary', () => {
  it('downloads the release archive, verifies it, unpacks it into the cache and reuses it after', async () => {
    firstRun();
    const seen: number[] = [];
    const lines: string[] = [];
    const got = await downloadTraefik({
      baseUrl: `${base}/good`,
      platform: 'linux',
      arch: 'x64',
      onProgress: (received) => seen.push(received),
      log: (l) => lines.push(l),
    });
    expect(got).toMatchObject({
      path: cachedBinaryPath('linux'),
      version: TRAEFIK_VERSION,
      source: 'download',
    });
    expect(seen.at(-1)).toBeGreaterThan(1_000_000);
    expect(lines.join('\n')).toMatch(/against the release's checksums file/);
    expect(await findTraefikBinary()).toMatchObject({ source: 'cache', version: TRAEFIK_VERSION });
    // Nothing half-written is left beside it.
    expect(readdirSync(dirname(got.path))).toEqual([basename(got.path)]);
  }, 120_000);

  it('a pinned sum takes precedence over the release file', async () => {
    firstRun();
    const got = await downloadTraefik({
      baseUrl: `${base}/tampered`,
      platform: 'linux',
      arch: 'x64',
      pinned: { [asset]: sum },
    });
    expect(got.source).toBe('download');
  }, 120_000);

  it.each([
    ['the release checksums file disagrees', { baseUrl: `/tampered` }],
    ['the pinned sum disagrees', { baseUrl: `/good`, pinned: { [asset]: 'f'.repeat(64) } }],
  ])(
    'a checksum mismatch (%s) is one line, and the download is deleted',
    async (_, o) => {
      const cache = firstRun();
      const error = await downloadTraefik({
        ...o,
        baseUrl: `${base}${o.baseUrl}`,
        platform: 'linux',
        arch: 'x64',
      }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(
        new RegExp(`The download of ${asset} does not match its SHA-256.*it was deleted`),
      );
      expect(error.hint).toMatch(/offline:load/);
      expect(readdirSync(join(cache, 'traefik', TRAEFIK_TAG))).toEqual([]);
    },
    120_000,
  );

  it('no network and no cache: says so, and how to get it offline', async () => {
    firstRun();
    const closed = await freePort();
    const error = await downloadTraefik({
      baseUrl: `http://127.0.0.1:${closed}`,
      platform: 'linux',
      arch: 'x64',
    }).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(`Traefik ${TRAEFIK_VERSION} is not installed and could not be downloaded`);
    // Which URL, and why in the network's words (fetch alone says only "fetch failed").
    expect(error.message).toMatch(
      new RegExp(`\\(GET http://127\\.0\\.0\\.1:${closed}/\\S+: ECONNREFUSED\\)`),
    );
    // The README's story: a traefik on PATH at the pinned version, or WSK_TRAEFIK, or the offline pack.
    expect(error.hint).toMatch(new RegExp(`traefik ${TRAEFIK_VERSION} on PATH .*WSK_TRAEFIK.*offline:load`));
  });

  it('a traefik on PATH at another version is refused with the version it is and the one pinned', async () => {
    firstRun();
    const bin = mkdtempSync(join(work, 'bin-'));
    writeFileSync(join(bin, 'traefik'), '#!/bin/sh\necho "Version:      3.6.2"\n');
    chmodSync(join(bin, 'traefik'), 0o755);
    process.env.PATH = `${bin}:/usr/bin:/bin`;
    const error = await findTraefikBinary().catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      `${join(bin, 'traefik')} (on PATH) is Traefik 3.6.2, but the workshop pins ${TRAEFIK_VERSION}.`,
    );
  });

  it('a taken port: one line naming it, before anything starts', async () => {
    process.env.PATH = saved.PATH;
    process.env.WSK_CACHE_DIR = saved.WSK_CACHE_DIR ?? '';
    if (!saved.WSK_CACHE_DIR) delete process.env.WSK_CACHE_DIR;
    const port = await freePort();
    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const error = await startStep(findStep(3), solutionDir(findStep(3)), {
        port,
        target: 'rehearsal',
      }).catch((e) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toBe(
        `Port ${port} (the entry: step 1's server, Traefik's entry point from step 3) is already in use, so the step cannot listen on it.`,
      );
    } finally {
      holder.close();
    }
  });
});

it("--start shows Traefik's two start-up walls once each, shortened, and its other lines as they are", async () => {
  const [web, api] = [await freePort(), await freePort()];
  const traefik = startProcess({
    name: 'traefik',
    command: realPath,
    args: [
      `--entrypoints.web.address=127.0.0.1:${web}`,
      `--entrypoints.traefik.address=127.0.0.1:${api}`,
      '--api.insecure=true',
      '--log.level=INFO', // as the rehearsal runs it
      '--global.checknewversion=false',
      '--global.sendanonymoususage=false',
    ],
  });
  try {
    await waitFor(
      'Traefik to start its providers',
      async () => /Starting provider/.test(traefik.output()) || undefined,
      {
        timeoutMs: 15_000,
        process: traefik,
      },
    );
  } finally {
    await traefik.stop({ graceMs: 300 });
  }
  // The pinned Traefik's own words, which the filter must keep recognising.
  const raw = traefik.output().split('\n').filter(Boolean);
  expect(raw.filter((l) => /aliasHeadersStrategy is not configured/.test(l)).length).toBe(2);
  expect(raw.filter((l) => /reject some encoded characters/.test(l)).length).toBe(1);
  const shown = raw.map(startupNotesOnce()).filter((l): l is string => l !== undefined);
  expect(shown.filter((l) => l.includes('shortened by the workshop'))).toHaveLength(2);
  expect(shown.join('\n')).not.toMatch(
    /aliasHeadersStrategy is not configured|reject some encoded characters/,
  );
  expect(shown.some((l) => /Starting provider/.test(l))).toBe(true);
});
