// The offline pack and load, through fake docker and kind on PATH; Traefik's files come from a loopback
// stand-in for the release URL.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OFFLINE_IMAGES } from '../scripts/lib/offline/images.ts';
import { runCli } from './helpers/cli.ts';
import { fakeTools } from './helpers/fake-tools.ts';
import { tempDir } from './helpers/temp.ts';

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => res.end(`# served ${req.url}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/traefik`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('pack pulls and saves every image and keeps Traefik’s files with a manifest', async () => {
  const fakes = fakeTools();
  const out = tempDir('wsk-offline-');
  const { code, stdout, stderr } = await runCli('offline-pack.ts', ['--out', out], {
    PATH: fakes.path,
    WSK_TRAEFIK_RAW_BASE: base,
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
  expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({
    images: [...OFFLINE_IMAGES],
    traefik: { version: '3.7.15' },
  });
});

it('load puts the images into Docker and the running kind cluster, and Traefik’s files into the cache', async () => {
  const fakes = fakeTools();
  const from = tempDir('wsk-offline-');
  const cache = tempDir('wsk-cache-');
  writeFileSync(join(from, 'images.tar'), 'fake');
  writeFileSync(join(from, 'kubernetes-crd-definition-v1.yml'), '# crds\n');
  const { code, stderr } = await runCli('offline-load.ts', ['--from', from], {
    PATH: fakes.path,
    FAKE_KIND_CLUSTERS: 'wsk',
    WSK_CACHE_DIR: cache,
  });
  expect(code, stderr).toBe(0);
  expect(fakes.calls().filter((c) => !c.startsWith('docker info'))).toEqual([
    `docker load -i ${join(from, 'images.tar')}`,
    'kind get clusters',
    `kind load image-archive ${join(from, 'images.tar')} --name wsk`,
  ]);
  expect(existsSync(join(cache, 'traefik/v3.7.15/kubernetes-crd-definition-v1.yml'))).toBe(true);
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
