// The soak (npm run soak, not part of npm test): it runs a check as a fresh process, counts a pass, and
// writes a figures page that names every failure and anything a run left running.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type SoakRun, soakMarkdown } from '../scripts/lib/soak.ts';
import { findStep } from '../scripts/lib/steps.ts';
import { runCli, startCli } from './helpers/cli.ts';
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

it('Ctrl-C reaches the check it runs, and an interrupted soak writes no figures', async () => {
  const out = join(tempDir('soak-'), 'figures.md');
  // The soak's scratch (its runs' TMPDIR and WORKSHOP_HOME) lands in here: what carries it was started by it.
  const tmp = tempDir('soak-tmp-');
  const run = startCli('soak.ts', ['--steps', '2', '--targets', 'rehearsal', '--runs', '1', '--out', out], {
    TMPDIR: tmp,
  });
  await run.waitForOutput('1 runs: check 2 on rehearsal');
  run.child.kill('SIGINT');
  expect(await run.exited).toBe(130);
  // Ended by the soak's SIGTERM: by its own handler (143) or, before it had one, by the signal.
  expect(run.output()).toMatch(/run 1: FAIL command exit (143|null)/);
  expect(existsSync(out)).toBe(false);
  expect(processesWithEnv(tmp)).toEqual([]);
}, 60_000);

/** Processes whose environment mentions `text`. */
function processesWithEnv(text: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(text);
      } catch {
        return false; // ended meanwhile, or not ours to read
      }
    });
}
