// The soak (npm run soak, not part of npm test): it runs a check as a fresh process, counts a pass, and
// writes a figures page that names every failure and anything a run left running.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type SoakRun, soakMarkdown } from '../scripts/lib/soak.ts';
import { findStep } from '../scripts/lib/steps.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/temp.ts';

it('runs a check as a fresh process and writes the figures page', async () => {
  const out = join(tempDir('soak-'), 'figures.md');
  const { code, stdout, stderr } = await runCli(
    'soak.ts',
    ['--steps', '1', '--targets', 'rehearsal', '--runs', '1', '--out', out],
    {},
    120_000,
  );
  expect(code, `${stdout}${stderr}`).toBe(0);
  expect(stdout).toContain('[1/1] check 1 on rehearsal, run 1: pass');
  const page = readFileSync(out, 'utf8');
  expect(page).toMatch(/^\| check 1 \| rehearsal \| 1 \| 1 \| 0 \| [\d.]+ s \| [\d.]+ s \|$/m);
  expect(page).toContain('None: all 1 runs passed.');
}, 120_000);

it('names each failure, whose part failed, and what a run left running', () => {
  const runs: SoakRun[] = [
    { step: 6, target: 'apiserver', run: 1, ok: true, ms: 20_000, left: [] },
    {
      step: 6,
      target: 'apiserver',
      run: 2,
      ok: false,
      ms: 30_000,
      failure: { id: 'redis-outage', message: "Not your code: the workshop's Redis …", workshop: true },
      left: ['4242 redis-server 127.0.0.1:3006'],
    },
  ];
  const page = soakMarkdown({
    command: 'npm run soak -- --steps 6 --targets apiserver --runs 2 --load 2',
    pairs: [{ step: findStep(6), target: 'apiserver' }],
    runs,
    load: 2,
    startedAt: new Date('2026-12-03T12:00:00Z'),
    ms: 50_000,
    loadBefore: 2,
    loadAfter: 3,
    skipped: [],
  });
  expect(page).toContain('| check 6 | apiserver | 2 | 1 | 1 | 25.0 s | 30.0 s |');
  expect(page).toContain(
    "- check 6 on apiserver, run 2: `redis-outage` (the workshop’s own part): Not your code: the workshop's Redis …; left running: 4242 redis-server 127.0.0.1:3006",
  );
  expect(page).toContain('2 busy loops (`--load 2`)');
});
