// npm run offline:pack: pull and save every image the workshop uses, Traefik's release archives for every
// platform (verified) and its CRD and RBAC files, into dist/offline/ for a room without Internet. Run it
// where the Internet is.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { parseCommandLine } from './lib/cli.ts';
import { DOCKER_MISSING } from './lib/environments/compose.ts';
import { TRAEFIK_FILES, traefikFile } from './lib/environments/traefik-crds.ts';
import { main } from './lib/errors.ts';
import { IMAGES_ARCHIVE, OFFLINE_DIR, OFFLINE_IMAGES } from './lib/offline/images.ts';
import { ROOT } from './lib/paths.ts';
import { dockerEngineAnswers } from './lib/tools.ts';
import { fetchVerifiedArchive, RELEASE_PLATFORMS, releaseAsset } from './lib/traefik/binary.ts';
import { TRAEFIK_VERSION } from './lib/traefik/version.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { out: { type: 'string', default: join(ROOT, OFFLINE_DIR) } } },
    {
      usage: 'npm run offline:pack [-- --out DIR]',
      summary:
        "Pulls and saves every image the workshop uses, Traefik's binaries for every platform and its CRD and RBAC files, for a room without Internet.",
      flags: { out: `the folder (default ${OFFLINE_DIR}/)` },
    },
  );
  if (!(await dockerEngineAnswers())) throw DOCKER_MISSING;
  const out = values.out;
  mkdirSync(out, { recursive: true });
  for (const image of OFFLINE_IMAGES) await $`docker pull ${image}`;
  await $`docker save -o ${join(out, IMAGES_ARCHIVE)} ${OFFLINE_IMAGES}`;
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
    images: OFFLINE_IMAGES,
    archive: IMAGES_ARCHIVE,
    traefik: { version: TRAEFIK_VERSION, files: TRAEFIK_FILES, binaries },
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(
    `Packed ${OFFLINE_IMAGES.length} images, Traefik for ${RELEASE_PLATFORMS.length} platforms and its files into ${out}: copy the folder to the room.`,
  );
});
