// The offline pack and load, through fake docker and kind on PATH; Traefik's files and release archives come
// from a loopback stand-in for the release URL (real tar.gz and zip archives, each holding a `traefik`).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLUSTER_IMAGES, OFFLINE_IMAGES } from '../scripts/lib/offline/images.ts';
import { RELEASE_PLATFORMS, releaseAsset } from '../scripts/lib/traefik/binary.ts';
import { TRAEFIK_TAG } from '../scripts/lib/traefik/version.ts';
import { runCli } from './helpers/cli.ts';
import { fakeTools } from './helpers/fake-tools.ts';
import { tempDir } from './helpers/temp.ts';

let server: Server;
let base: string;
let release: string;
const archives: Record<string, Buffer> = {};
const BINARY = '#!/bin/sh\necho "Version:      3.7.15"\n';
beforeAll(async () => {
  const staging = tempDir('wsk-release-');
  writeFileSync(join(staging, 'traefik'), BINARY, { mode: 0o755 });
  for (const { platform, arch } of RELEASE_PLATFORMS) {
    const asset = releaseAsset(platform, arch);
    if (asset.endsWith('.zip'))
      archives[asset] = Buffer.from(zipSync({ 'traefik.exe': Buffer.from(BINARY) }));
    else {
      await create({ gzip: true, file: join(staging, asset), cwd: staging }, ['traefik']);
      archives[asset] = readFileSync(join(staging, asset));
    }
  }
  const sums = Object.entries(archives)
    .map(([asset, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${asset}`)
    .join('\n');
  server = createServer((req, res) => {
    const asset = req.url?.replace(/^\/release\//, '') ?? '';
    if (asset === `traefik_${TRAEFIK_TAG}_checksums.txt`) return res.end(`${sums}\n`);
    if (archives[asset]) return res.end(archives[asset]);
    res.end(`# served ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const root = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  base = `${root}/traefik`;
  release = `${root}/release`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('pack pulls and saves every image, Traefik for every platform (verified) and its files, with a manifest', async () => {
  const fakes = fakeTools();
  const out = tempDir('wsk-offline-');
  const { code, stdout, stderr } = await runCli('offline-pack.ts', ['--out', out], {
    PATH: fakes.path,
    WSK_TRAEFIK_RAW_BASE: base,
    WSK_TRAEFIK_RELEASE_URL: release,
    WSK_CACHE_DIR: tempDir('wsk-cache-'),
  });
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(`Packed ${OFFLINE_IMAGES.length} images`);
  expect(fakes.calls().filter((c) => !c.startsWith('docker info'))).toEqual([
    ...OFFLINE_IMAGES.map((i) => `docker pull ${i}`),
    `docker save -o ${join(out, 'images.tar')} ${OFFLINE_IMAGES.join(' ')}`,
  ]);
  expect(readFileSync(join(out, 'kubernetes-crd-definition-v1.yml'), 'utf8')).toContain(
    '/traefik/kubernetes-crd-definition-v1.yml',
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ images: [...OFFLINE_IMAGES], traefik: { version: '3.7.15' } });
  expect(Object.keys(manifest.traefik.binaries).sort()).toEqual(Object.keys(archives).sort());
  for (const asset of Object.keys(archives))
    expect(readFileSync(join(out, 'traefik', asset)).equals(archives[asset])).toBe(true);
});

it('load puts this machine’s Traefik and Traefik’s files into the cache, the images into Docker and the running kind cluster', async () => {
  const fakes = fakeTools();
  const from = tempDir('wsk-offline-');
  const cache = tempDir('wsk-cache-');
  writeFileSync(join(from, 'images.tar'), 'fake');
  writeFileSync(join(from, 'kubernetes-crd-definition-v1.yml'), '# crds\n');
  // This machine's Traefik, as the pack carries it.
  const asset = releaseAsset();
  mkdirSync(join(from, 'traefik'));
  writeFileSync(join(from, 'traefik', asset), archives[asset]);
  const sum = createHash('sha256').update(archives[asset]).digest('hex');
  writeFileSync(join(from, 'manifest.json'), JSON.stringify({ traefik: { binaries: { [asset]: sum } } }));
  const { code, stderr } = await runCli('offline-load.ts', ['--from', from], {
    PATH: fakes.path,
    FAKE_KIND_CLUSTERS: 'wsk',
    WSK_CACHE_DIR: cache,
  });
  expect(code, stderr).toBe(0);
  // The cluster's images are saved again from Docker (this engine's platform only, where its store needs
  // it) into a temporary archive: the pack's own holds every platform's index, which kind cannot import.
  const calls = fakes.calls().filter((c) => c !== 'docker info --format {{.ServerVersion}}');
  const archive = calls.find((c) => c.startsWith('docker save'))?.split(' ')[3] ?? '';
  expect(archive).toMatch(/wsk-images-\w+\/images\.tar$/);
  expect(existsSync(archive)).toBe(false);
  expect(calls).toEqual([
    `docker load -i ${join(from, 'images.tar')}`,
    'kind get clusters',
    'docker info --format {{json .DriverStatus}}',
    `docker save -o ${archive} ${CLUSTER_IMAGES.join(' ')}`,
    `kind load image-archive ${archive} --name wsk`,
  ]);
  expect(existsSync(join(cache, 'traefik/v3.7.15/kubernetes-crd-definition-v1.yml'))).toBe(true);
  expect(readFileSync(join(cache, 'traefik/v3.7.15/traefik'), 'utf8')).toBe(BINARY);
});

it('load refuses a Traefik archive the pack did not record, and says to copy the pack again', async () => {
  const fakes = fakeTools();
  const from = tempDir('wsk-offline-');
  const asset = releaseAsset();
  mkdirSync(join(from, 'traefik'));
  writeFileSync(join(from, 'traefik', asset), archives[asset]);
  writeFileSync(
    join(from, 'manifest.json'),
    JSON.stringify({ traefik: { binaries: { [asset]: 'e'.repeat(64) } } }),
  );
  const { code, stderr } = await runCli('offline-load.ts', ['--from', from], {
    PATH: fakes.path,
    WSK_CACHE_DIR: tempDir('wsk-cache-'),
  });
  expect(code).toBe(1);
  expect(stderr).toMatch(/does not match the SHA-256 the offline pack recorded/);
  expect(stderr).not.toMatch(/^\s+at /m);
});

it('without a Docker engine, one clear line and a non-zero exit', async () => {
  const fakes = fakeTools();
  const { code, stderr } = await runCli('offline-pack.ts', ['--out', tempDir('wsk-offline-')], {
    PATH: fakes.path,
    FAKE_DOCKER_ENGINE: '0',
  });
  expect(code).toBe(1);
  expect(stderr).toMatch(/needs a running Docker engine/);
  expect(stderr).not.toMatch(/^\s+at /m);
});
