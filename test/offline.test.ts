// The offline pack and load, through fake docker, kind and npm on PATH; Traefik's files and release archives
// come from a loopback stand-in for the release URL (real tar.gz and zip archives, each holding a `traefik`).
// The real engine's side (pack, images removed, load, a build with no network) is in docker-target.test.ts.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { KIND_NODE_IMAGE, KIND_NODE_TAG } from '../scripts/lib/kubernetes/versions.ts';
import { CLUSTER_IMAGES, OFFLINE_IMAGES } from '../scripts/lib/offline/images.ts';
import { lockedPackages, workshopLockfiles } from '../scripts/lib/offline/npm-cache.ts';
import { releaseAsset } from '../scripts/lib/traefik-run/binary.ts';
import { ROOT, runCli } from './helpers/cli.ts';
import { fakeTools } from './helpers/fake-tools.ts';
import { tempDir } from './helpers/temp.ts';
import { serveTraefikRelease, type TraefikRelease } from './helpers/traefik-release.ts';

let release: TraefikRelease;
let archives: Record<string, Buffer>;
let BINARY: string;
beforeAll(async () => {
  release = await serveTraefikRelease();
  archives = release.archives;
  BINARY = release.binary;
});

// npm too: the registry's side of the cache is the Docker tier's (it builds an image from it with no network).
const PACK_TOOLS = ['docker', 'kind', 'kubectl', 'npm'];

it('pack pulls only what the machine lacks (kind by digest), saves the images, an npm cache for every lockfile, Traefik for every platform (verified) and its files, with a manifest', async () => {
  const fakes = fakeTools(PACK_TOOLS);
  const out = tempDir('wsk-offline-');
  const { code, stdout, stderr } = await runCli('offline-pack.ts', ['--out', out], {
    PATH: fakes.path,
    ...release.env,
    WSK_CACHE_DIR: tempDir('wsk-cache-'),
    // Built locally or pulled before; kind's node is there too, but not as the pinned bytes.
    FAKE_DOCKER_IMAGES: `node:24-alpine redis:8-alpine ${KIND_NODE_TAG}`,
  });
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(`Packed ${OFFLINE_IMAGES.length} images`);
  expect(stdout).toMatch('node:24-alpine: already on this machine');
  expect(stdout).toMatch('traefik:v3.7.15: pulled\n');
  expect(stdout).toMatch(`${KIND_NODE_TAG}: pulled by digest`);
  const byDigest = KIND_NODE_IMAGE.replace(/:[^:@]+@/, '@');
  const specs = [...new Set(workshopLockfiles().flatMap(lockedPackages))].sort();
  expect(fakes.calls().filter((c) => !c.startsWith('docker info'))).toEqual([
    ...OFFLINE_IMAGES.flatMap((i) => [
      `docker image inspect --format {{json .RepoDigests}} ${i}`,
      ...(i === 'traefik:v3.7.15' ? [`docker pull ${i}`] : []),
      ...(i === KIND_NODE_TAG ? [`docker pull ${byDigest}`, `docker tag ${byDigest} ${i}`] : []),
    ]),
    `docker save -o ${join(out, 'images.tar')} ${OFFLINE_IMAGES.join(' ')}`,
    `npm cache add --cache ${join(out, 'npm-cache')} ${specs.join(' ')}`,
  ]);
  // Every app's dependencies, step 7's streams adapter included.
  expect(specs).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^socket\.io@4\./),
      expect.stringMatching(/^@socket\.io\/redis-adapter@/),
      expect.stringMatching(/^@socket\.io\/redis-streams-adapter@/),
    ]),
  );
  expect(readFileSync(join(out, 'kubernetes-crd-definition-v1.yml'), 'utf8')).toContain(
    '/traefik/kubernetes-crd-definition-v1.yml',
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({
    images: [...OFFLINE_IMAGES],
    pinned: { [KIND_NODE_TAG]: KIND_NODE_IMAGE },
    npmCache: { dir: 'npm-cache', packages: specs.length },
    traefik: { version: '3.7.15' },
  });
  expect(Object.keys(manifest.traefik.binaries).sort()).toEqual(Object.keys(archives).sort());
  for (const asset of Object.keys(archives))
    expect(readFileSync(join(out, 'traefik', asset)).equals(archives[asset])).toBe(true);
});

it('pack --without-kind leaves kind’s node out; a pull that fails says what to do, in one line', async () => {
  const fakes = fakeTools(PACK_TOOLS);
  const env = { PATH: fakes.path, ...release.env, WSK_CACHE_DIR: tempDir('wsk-cache-') };
  const present = OFFLINE_IMAGES.filter((i) => i !== KIND_NODE_TAG).join(' ');
  const out = tempDir('wsk-offline-');
  const packed = await runCli('offline-pack.ts', ['--out', out, '--without-kind'], {
    ...env,
    FAKE_DOCKER_IMAGES: present,
  });
  expect(packed.code, packed.stderr).toBe(0);
  expect(fakes.calls().filter((c) => c.includes('kindest'))).toEqual([]);
  expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).images).not.toContain(KIND_NODE_TAG);

  const failed = await runCli('offline-pack.ts', ['--out', tempDir('wsk-offline-')], {
    ...env,
    FAKE_DOCKER_IMAGES: present,
    FAKE_DOCKER_PULL: '0',
  });
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(`Could not pull ${KIND_NODE_IMAGE.replace(/:[^:@]+@/, '@')}: `);
  expect(failed.stderr).toMatch(/hint: .*--without-kind/);
  expect(failed.stderr).not.toMatch(/^\s+at /m);
});

it('the pack holds every image the starters and solutions name (Dockerfiles, compose files, manifests), the app’s own aside', () => {
  const named = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name === 'Dockerfile' || /\.ya?ml$/.test(entry.name)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/^\s*FROM\s+(\S+)/gim)) named.add(m[1]);
        for (const m of text.matchAll(/^\s*image:\s*["']?([^\s"'#]+)/gm)) named.add(m[1]);
      }
    }
  };
  for (const top of ['steps', 'solutions']) walk(join(ROOT, top));
  // The app's image is built in the room, from the Node base and the pack's npm cache.
  const external = [...named].filter((ref) => !ref.startsWith('wsk-app:'));
  expect(external.length).toBeGreaterThanOrEqual(3);
  expect(external.filter((ref) => !(OFFLINE_IMAGES as readonly string[]).includes(ref))).toEqual([]);
});

it('the packages of a lockfile: registry ones, by name and version; not the root, links, bundled or git copies', () => {
  const file = join(tempDir('wsk-lock-'), 'package-lock.json');
  writeFileSync(
    file,
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/ws': { version: '8.18.3', integrity: 'sha512-x' },
        'node_modules/@redis/client': { version: '5.12.1', resolved: 'https://registry.npmjs.org/x.tgz' },
        'node_modules/a/node_modules/ws': { version: '7.5.10' },
        'node_modules/old': { name: 'new-name', version: '2.0.0' },
        'node_modules/local': { link: true, resolved: 'packages/local' },
        'node_modules/b/node_modules/c': { version: '1.0.0', inBundle: true },
        'node_modules/g': { version: '1.0.0', resolved: 'git+ssh://git@github.com/x/g.git#abc' },
      },
    }),
  );
  expect(lockedPackages(file)).toEqual(['ws@8.18.3', '@redis/client@5.12.1', 'ws@7.5.10', 'new-name@2.0.0']);
  writeFileSync(file, '{ "lockfileVersion": 3,');
  expect(() => lockedPackages(file)).toThrow(/package-lock\.json is not valid JSON/);
});

it('load puts this machine’s Traefik and Traefik’s files into the cache, the images into Docker and the running kind cluster, the npm cache into the Node base', async () => {
  const fakes = fakeTools();
  const from = tempDir('wsk-offline-');
  const cache = tempDir('wsk-cache-');
  writeFileSync(join(from, 'images.tar'), 'fake');
  writeFileSync(join(from, 'kubernetes-crd-definition-v1.yml'), '# crds\n');
  mkdirSync(join(from, 'npm-cache/_cacache'), { recursive: true });
  // This machine's Traefik, as the pack carries it.
  const asset = releaseAsset();
  mkdirSync(join(from, 'traefik'));
  writeFileSync(join(from, 'traefik', asset), archives[asset]);
  const sum = createHash('sha256').update(archives[asset]).digest('hex');
  writeFileSync(
    join(from, 'manifest.json'),
    JSON.stringify({ images: ['node:24-alpine'], traefik: { binaries: { [asset]: sum } } }),
  );
  const { code, stdout, stderr } = await runCli('offline-load.ts', ['--from', from], {
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
    expect.stringMatching(/^docker build --network none --quiet --tag node:24-alpine \S+wsk-room-base-\S+$/),
    'kind get clusters',
    'docker info --format {{json .DriverStatus}}',
    // The fake cluster has no node to ask, so every image goes in.
    'kind get nodes --name wsk',
    `docker save -o ${archive} ${CLUSTER_IMAGES.join(' ')}`,
    `kind load image-archive ${archive} --name wsk`,
  ]);
  expect(stdout).toMatch(`Step 4 needs ${KIND_NODE_TAG}, which this pack leaves out`);
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
