// Images from this machine's Docker into a kind cluster's nodes. `kind load docker-image` is `docker save`
// piped into `ctr images import --all-platforms` on each node (kind's nodeutils.LoadImageArchive). With
// Docker's containerd image store (the default on Engine ≥ 29 and Desktop ≥ 4.34) `docker save` writes the
// image's whole index, and the entries the engine does not hold (other platforms of a pulled image,
// BuildKit's provenance attestation of a built one) make ctr fail with "content digest …: not found"
// (kind#3795). So on that store the app is built without the attestation (--provenance=false) and the
// archive holds only the engine's own platform (`docker save --platform`, API 1.48+); then
// `kind load image-archive`. The archive is a temporary file, removed after (on an interruption too).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterCommands } from './cluster.ts';

export interface ImageStore {
  /** Docker's containerd image store (`docker info`: driver-type io.containerd.snapshotter.v1). */
  containerd: boolean;
  /** The engine's platform (`linux/amd64`), for `docker save --platform` on an engine that has it. */
  platform?: string;
}

const atLeast = (version: string, major: number, minor: number) => {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

export async function imageStore(commands: ClusterCommands): Promise<ImageStore> {
  const driver = await commands.run(['docker', 'info', '--format', '{{json .DriverStatus}}']);
  if (!driver.stdout.includes('io.containerd.snapshotter')) return { containerd: false };
  const server = await commands.run([
    'docker',
    'version',
    '--format',
    '{{.Server.APIVersion}} {{.Server.Os}}/{{.Server.Arch}}',
  ]);
  const [api, platform] = server.stdout.trim().split(' ');
  // Engines before 28 (API 1.48) have no --platform on save: the build without attestation is then what helps.
  return { containerd: true, platform: atLeast(api, 1, 48) ? platform : undefined };
}

/** `docker build` flags for an image bound for kind. */
export const buildFlags = (store: ImageStore): string[] => (store.containerd ? ['--provenance=false'] : []);

/**
 * The images some node lacks (or holds other bytes under the same name), as `kind load docker-image` judges
 * it: the engine's image id against each node's, asked of the node's container runtime.
 */
async function missingOnNodes(commands: ClusterCommands, images: readonly string[]): Promise<string[]> {
  const nodes = (await commands.kind(['get', 'nodes'])).stdout.split('\n').filter(Boolean);
  // No node: `kind load` itself says what is wrong.
  if (!nodes.length) return [...images];
  const missing: string[] = [];
  for (const image of images) {
    const id = (
      await commands.run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])
    ).stdout.trim();
    for (const node of nodes) {
      const there = await commands.attempt([
        'docker',
        'exec',
        node,
        'crictl',
        'inspecti',
        '-o',
        'go-template',
        '--template',
        '{{.status.id}}',
        image,
      ]);
      if (there.exitCode !== 0 || there.stdout.trim() !== id) {
        missing.push(image);
        break;
      }
    }
  }
  return missing;
}

/**
 * `docker save` the images the nodes lack into one temporary archive, `kind load image-archive` it, remove
 * it. Resolves to the images loaded.
 */
export async function loadImagesIntoKind(
  commands: ClusterCommands,
  all: readonly string[],
  store: ImageStore,
): Promise<string[]> {
  const images = await missingOnNodes(commands, all);
  if (!images.length) return [];
  const dir = mkdtempSync(join(tmpdir(), 'wsk-images-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  try {
    const archive = join(dir, 'images.tar');
    const platform = store.platform ? ['--platform', store.platform] : [];
    await commands.run(['docker', 'save', ...platform, '-o', archive, ...images]);
    await commands.kind(['load', 'image-archive', archive]);
  } finally {
    remove();
    process.removeListener('exit', remove);
  }
  return images;
}
