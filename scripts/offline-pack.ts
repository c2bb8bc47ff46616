// npm run offline:pack: save every image the workshop uses (pulling only those the machine lacks), an npm
// cache for the apps' `npm ci`, Traefik's release archives for every platform (verified) and its CRD and
// RBAC files, into dist/offline/ for a room without Internet. Run it where the Internet is.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { $ } from 'zx';
import { parseCommandLine } from './lib/cli.ts';
import { KIND_NODE_TAG } from './lib/kubernetes/versions.ts';
import { main } from './lib/main.ts';
import { ensureImage, IMAGES_ARCHIVE, OFFLINE_DIR, OFFLINE_IMAGES, PINNED } from './lib/offline/images.ts';
import { fillNpmCache, NPM_CACHE_DIR, workshopLockfiles } from './lib/offline/npm-cache.ts';
import { ROOT } from './lib/paths.ts';
import { DOCKER_MISSING } from './lib/targets/docker/index.ts';
import { dockerEngineAnswers } from './lib/tools.ts';
import { TRAEFIK_VERSION } from './lib/traefik/version.ts';
import { fetchVerifiedArchive, RELEASE_PLATFORMS, releaseAsset } from './lib/traefik-run/binary.ts';
import { TRAEFIK_FILES, traefikFile } from './lib/traefik-run/release-files.ts';

await main(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        out: { type: 'string', default: join(ROOT, OFFLINE_DIR) },
        'without-kind': { type: 'boolean', default: false },
      },
    },
    {
      usage: 'npm run offline:pack [-- --out DIR] [--without-kind]',
      summary:
        "Saves every image the workshop uses (pulling those this machine lacks), an npm cache for the apps' images, Traefik's binaries for every platform and its CRD and RBAC files, for a room without Internet.",
      flags: {
        out: `the folder (default ${OFFLINE_DIR}/)`,
        'without-kind': `leave out kind's node image (${KIND_NODE_TAG}, about 1 GB): for a room that skips step 4`,
      },
    },
  );
  if (!(await dockerEngineAnswers())) throw DOCKER_MISSING;
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const images = OFFLINE_IMAGES.filter((i) => !(values['without-kind'] && i === KIND_NODE_TAG));
  for (const image of images) {
    const how = await ensureImage(image);
    console.log(
      `${image}: ${how === 'present' ? 'already on this machine' : `pulled${PINNED[image] ? ' by digest' : ''}`}`,
    );
  }
  await $`docker save -o ${join(out, IMAGES_ARCHIVE)} ${images}`;
  // The attendee's own Dockerfile runs `npm ci`: every package the lockfiles name, metadata and tarballs.
  const lockfiles = workshopLockfiles();
  rmSync(join(out, NPM_CACHE_DIR), { recursive: true, force: true });
  const packages = await fillNpmCache(join(out, NPM_CACHE_DIR), lockfiles);
  console.log(`npm cache: ${packages} packages from ${lockfiles.length} lockfiles`);
  for (const name of TRAEFIK_FILES) copyFileSync(await traefikFile(name), join(out, name));
  // The rehearsal's Traefik for every attendee's laptop: each archive verified as a download would be.
  mkdirSync(join(out, 'traefik'), { recursive: true });
  const binaries: Record<string, string> = {};
  for (const { platform, arch } of RELEASE_PLATFORMS) {
    const asset = releaseAsset(platform, arch);
    binaries[asset] = await fetchVerifiedArchive(asset, join(out, 'traefik', asset), {
      log: (line) => console.log(line),
    });
  }
  const manifest = {
    createdAt: new Date().toISOString(),
    images,
    pinned: Object.fromEntries(images.flatMap((i) => (PINNED[i] ? [[i, PINNED[i]]] : []))),
    archive: IMAGES_ARCHIVE,
    npmCache: { dir: NPM_CACHE_DIR, packages, lockfiles: lockfiles.map((f) => relative(ROOT, f)) },
    traefik: { version: TRAEFIK_VERSION, files: TRAEFIK_FILES, binaries },
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(
    `Packed ${images.length} images, an npm cache for the apps' images, Traefik for ${RELEASE_PLATFORMS.length} platforms and its files into ${out}: copy the folder to the room.`,
  );
});
