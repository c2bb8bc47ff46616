// A loopback stand-in for Traefik's release URL and its raw files (no GitHub here): a real tar.gz or zip per
// platform, each holding a `traefik` that prints the pinned version, and their checksums file. Closed when
// the test file ends.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { create } from 'tar';
import { afterAll } from 'vitest';
import { TRAEFIK_TAG, TRAEFIK_VERSION } from '../../scripts/lib/traefik/version.ts';
import { RELEASE_PLATFORMS, releaseAsset } from '../../scripts/lib/traefik-run/binary.ts';
import { tempDir } from './temp.ts';

const servers: Server[] = [];
// Registered when the test file loads this module (as temp.ts does): hooks cannot be added while one runs.
afterAll(() => Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r())))));

export interface TraefikRelease {
  /** The archives served, by asset name. */
  archives: Record<string, Buffer>;
  /** What each archive's binary holds. */
  binary: string;
  /** The environment that points the workshop's downloads here. */
  env: { WSK_TRAEFIK_RAW_BASE: string; WSK_TRAEFIK_RELEASE_URL: string };
}

export async function serveTraefikRelease(): Promise<TraefikRelease> {
  const binary = `#!/bin/sh\necho "Version:      ${TRAEFIK_VERSION}"\n`;
  const staging = tempDir('wsk-release-');
  writeFileSync(join(staging, 'traefik'), binary, { mode: 0o755 });
  const archives: Record<string, Buffer> = {};
  for (const { platform, arch } of RELEASE_PLATFORMS) {
    const asset = releaseAsset(platform, arch);
    if (asset.endsWith('.zip'))
      archives[asset] = Buffer.from(zipSync({ 'traefik.exe': Buffer.from(binary) }));
    else {
      await create({ gzip: true, file: join(staging, asset), cwd: staging }, ['traefik']);
      archives[asset] = readFileSync(join(staging, asset));
    }
  }
  const sums = Object.entries(archives)
    .map(([asset, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${asset}`)
    .join('\n');
  const server = createServer((req, res) => {
    const asset = req.url?.replace(/^\/release\//, '') ?? '';
    if (asset === `traefik_${TRAEFIK_TAG}_checksums.txt`) return res.end(`${sums}\n`);
    if (archives[asset]) return res.end(archives[asset]);
    res.end(`# served ${req.url}\n`);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const root = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    archives,
    binary,
    env: { WSK_TRAEFIK_RAW_BASE: `${root}/traefik`, WSK_TRAEFIK_RELEASE_URL: `${root}/release` },
  };
}
