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

/** A package.json's dependencies, by name. */
const dependencies = (dir: string): Record<string, string> =>
  (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> })
    .dependencies ?? {};

it.each(folders.slice(1))('%s asks for the same versions as the workshop itself', (dir) => {
  // The checks run the attendee's server with the repo's node_modules; the image runs it with its own.
  const root = dependencies(ROOT);
  const differ = Object.entries(dependencies(dir)).filter(([name, range]) => root[name] !== range);
  expect(
    differ.map(([name, range]) => `${name}: ${range} here, ${root[name] ?? 'absent'} at the root`),
  ).toEqual([]);
});

it('npm refuses to install on a Node older than the workshop needs, in one message', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  expect(pkg.engines?.node).toBe('>=24');
  expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).toMatch(/^engine-strict=true$/m);
});
