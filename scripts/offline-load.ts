// npm run offline:load [-- --from dist/offline]: load the pack: this platform's Traefik and Traefik's files
// into the cache the rehearsals and step 4 read, the images into Docker (and into the kind cluster when
// there is one), and the pack's npm cache into the Node base image, so that the app images build offline.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { KIND_NODE_TAG } from './lib/kubernetes/versions.ts';
import { main } from './lib/main.ts';
import { CLUSTER_IMAGES, IMAGES_ARCHIVE, NODE_BASE_IMAGE, OFFLINE_DIR } from './lib/offline/images.ts';
import { buildRoomNodeImage, NPM_CACHE_DIR } from './lib/offline/npm-cache.ts';
import { ROOT } from './lib/paths.ts';
import { folderName, playgroundDir, STEPS, solutionDir } from './lib/steps.ts';
import { DOCKER_MISSING } from './lib/targets/docker/index.ts';
import { clusterCommands, kindCluster } from './lib/targets/kind/cluster.ts';
import { imageStore, loadImagesIntoKind } from './lib/targets/kind/image-archive.ts';
import { dockerEngineAnswers, findExecutable } from './lib/tools.ts';
import { TRAEFIK_VERSION } from './lib/traefik/version.ts';
import { installFromArchive, releaseAsset } from './lib/traefik-run/binary.ts';
import { crdCacheDir, TRAEFIK_FILES } from './lib/traefik-run/release-files.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { from: { type: 'string', default: join(ROOT, OFFLINE_DIR) } } },
    {
      usage: 'npm run offline:load [-- --from DIR]',
      summary:
        "Loads the offline pack: the images into Docker (and kind when its cluster runs), its npm cache into the Node base image, Traefik's files into the cache.",
      flags: { from: `the pack's folder (default ${OFFLINE_DIR}/)` },
    },
  );
  // Traefik first: the rehearsals need no Docker, so a laptop without it still gets what it can run.
  const manifestFile = join(values.from, 'manifest.json');
  const manifest: { images?: string[]; traefik?: { binaries?: Record<string, string> } } = existsSync(
    manifestFile,
  )
    ? JSON.parse(readFileSync(manifestFile, 'utf8'))
    : {};
  const binaries = manifest.traefik?.binaries ?? {};
  const asset = releaseAsset();
  if (binaries[asset]) {
    const path = await installFromArchive(join(values.from, 'traefik', asset), binaries[asset]);
    console.log(`Traefik ${TRAEFIK_VERSION} for this machine is in ${path}.`);
  } else
    console.log(
      `The pack has no Traefik for this machine (${asset}): the rehearsals will try to download it.`,
    );
  const archive = join(values.from, IMAGES_ARCHIVE);
  if (!existsSync(archive))
    throw new UserError(
      `There is no ${archive}.`,
      'copy the offline folder your instructor gave you there, or pass --from FOLDER',
    );
  if (!(await dockerEngineAnswers())) throw DOCKER_MISSING;
  await $`docker load -i ${archive}`;
  // After the load: it put the pulled base back under its tag, so a second load adds the cache only once.
  const npmCache = join(values.from, NPM_CACHE_DIR);
  if (existsSync(npmCache)) {
    await buildRoomNodeImage(npmCache);
    console.log(`${NODE_BASE_IMAGE} now carries the pack's npm cache: the apps' \`npm ci\` builds offline.`);
  } else console.log(`The pack has no ${NPM_CACHE_DIR}/: building an app image will need the npm registry.`);
  // The cluster the first kind step creates (its kind-config.yaml names it).
  const kindStep = STEPS.find((s) => s.targets.includes('kind'));
  const stepDir =
    kindStep && (existsSync(playgroundDir(kindStep)) ? playgroundDir(kindStep) : solutionDir(kindStep));
  const cluster = kindCluster(stepDir ?? ROOT);
  if (findExecutable('kind')) {
    const sh = clusterCommands(cluster, {
      hint: `kind get clusters; kubectl --context ${cluster.context} get nodes`,
    });
    const clusters = (await sh.run(['kind', 'get', 'clusters'])).stdout.split('\n').map((l) => l.trim());
    // The pack's archive holds every platform's index: saved again per image for this engine's platform,
    // as kind's containerd import needs on Docker's containerd store (targets/kind/image-archive.ts).
    if (clusters.includes(cluster.name)) await loadImagesIntoKind(sh, CLUSTER_IMAGES, await imageStore(sh));
  }
  mkdirSync(crdCacheDir(), { recursive: true });
  for (const file of TRAEFIK_FILES)
    if (existsSync(join(values.from, file))) copyFileSync(join(values.from, file), join(crdCacheDir(), file));
  const onDocker = STEPS.filter((s) => s.targets.includes('docker')).map((s) => s.number);
  console.log(
    `Loaded the images${findExecutable('kind') ? ' (and into kind when its cluster runs)' : ''} and Traefik's files: steps ${onDocker.join(', ')} build and start on Docker offline now.`,
  );
  // kind asks for its node image by digest, and an image from `docker load` has none (moby#43570): a
  // cluster created from the tag first is one `step 4 --start` reuses.
  if (!kindStep) return;
  const step = `Step ${kindStep.number}`;
  if (manifest.images?.includes(KIND_NODE_TAG) ?? true)
    console.log(
      `${step}: create its cluster from the loaded node image first, in playground/${folderName(kindStep)}: kind create cluster --config kind-config.yaml --image ${KIND_NODE_TAG}`,
    );
  else console.log(`${step} needs ${KIND_NODE_TAG}, which this pack leaves out (--without-kind).`);
});
