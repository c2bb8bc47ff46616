// `npm ci` refuses a lock file that disagrees with package.json, or that lacks another platform's
// optional binaries (Biome's, esbuild's): the room's laptops are macOS, Windows and Linux.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROOT, STEPS, solutionDir, starterDir } from '../scripts/lib/steps.ts';

interface Lock {
  packages: Record<string, { optionalDependencies?: Record<string, string> }>;
}

const folders = [
  ROOT,
  ...STEPS.flatMap((s) => [starterDir(s), solutionDir(s)]).filter((d) =>
    existsSync(join(d, 'package-lock.json')),
  ),
];

it.each(folders)('the lock file in %s agrees with its package.json', async (dir) => {
  // npm's own reading of the lock alone (no node_modules, no network): missing or invalid entries.
  const { stdout } = await promisify(execFile)(
    'npm',
    ['ls', '--package-lock-only', '--all', '--offline', '--json'],
    { cwd: dir },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '{}' }));
  expect((JSON.parse(stdout) as { problems?: string[] }).problems ?? []).toEqual([]);
});

it.each(folders)('the lock file in %s lists every platform’s optional binaries', (dir) => {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lock;
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      // npm places a dependency next to its dependant, or in an ancestor's node_modules.
      const parts = path.split('node_modules/');
      const found = parts.some((_, i) =>
        Boolean(lock.packages[[...parts.slice(0, parts.length - i), name].join('node_modules/')]),
      );
      if (!found && !lock.packages[`node_modules/${name}`])
        missing.push(`${name} (for ${path || 'the root'})`);
    }
  }
  expect(missing).toEqual([]);
});
