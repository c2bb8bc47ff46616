// npm run soak [-- --steps 2,4,6 --targets rehearsal,apiserver --runs 50 --load 2 --out docs/soak-figures.md]
// Runs the checks of the steps on their solutions many times, optionally beside busy loops, and reports
// how many passed, with every failure's message: a check that fails a correct solution is a flake to fix.
// Not part of `npm test` (it takes an hour or more); its last figures are in docs/soak-figures.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import type { Target } from './lib/environment.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { Interrupted, interrupting, startProcess } from './lib/processes.ts';
import { loadNow, type SoakPair, type SoakRun, soakMarkdown, soakRun } from './lib/soak.ts';
import { findStep, ROOT } from './lib/steps.ts';
import { TARGETS, targetModule } from './lib/targets/index.ts';

await main(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        steps: { type: 'string', default: '2,4,6' },
        targets: { type: 'string', default: 'rehearsal' },
        runs: { type: 'string', default: '50' },
        load: { type: 'string', default: '0' },
        out: { type: 'string', default: 'docs/soak-figures.md' },
      },
    },
    {
      usage:
        'npm run soak [-- --steps 2,4,6 --targets rehearsal,apiserver --runs 50 --load 2 --out docs/soak-figures.md]',
      summary:
        "The steps' checks, run many times on their solutions (each a fresh `npm run check`), beside busy loops if asked: pass and fail counts, and every failure's message, written as a figures page.",
      flags: {
        steps: 'comma-separated step numbers (default: 2,4,6)',
        targets: `comma-separated targets among ${TARGETS.join(', ')} (default: rehearsal); a step without one is left out`,
        runs: 'runs of each check on each target (1 to 1000, default 50)',
        load: 'busy loops beside the checks, one per core keeps every core busy (0 to 16, default 0)',
        out: 'where the figures page goes (default: docs/soak-figures.md; - for none)',
      },
    },
  );
  const runs = integerFlag('--runs', values.runs, 1, 1000);
  const load = integerFlag('--load', values.load, 0, 16);
  const steps = values.steps.split(',').map(findStep);
  const targets = values.targets.split(',').map((t) => t.trim());
  for (const t of targets)
    if (!(TARGETS as readonly string[]).includes(t))
      throw new UserError(`There is no target '${t}'.`, `targets: ${TARGETS.join(', ')}`);
  const pairs: SoakPair[] = [];
  const skipped: string[] = [];
  for (const step of steps)
    for (const target of targets as Target[]) {
      if (step.targets.includes(target)) pairs.push({ step, target });
      else
        skipped.push(
          `check ${step.number} on ${target} (step ${step.number} runs on ${step.targets.join(', ')})`,
        );
    }
  if (!pairs.length)
    throw new UserError(
      'None of these steps runs on these targets.',
      'e.g. --steps 2,4,6 --targets rehearsal',
    );
  // A target this machine cannot run fails every run the same way: said once, before an hour of it.
  for (const target of new Set(pairs.map((p) => p.target))) {
    const missing = await targetModule(target).missing();
    if (missing) throw new UserError(`The ${target} target cannot run here: ${missing}.`);
  }

  const command = `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim();
  const scratch = mkdtempSync(join(tmpdir(), 'wsk-soak-'));
  const options = { home: join(scratch, 'home'), tmp: join(scratch, 'tmp'), timeoutMs: 300_000 };
  mkdirSync(options.home);
  mkdirSync(options.tmp);
  const loadBefore = loadNow();
  // The busy loops are this command's processes: stopped at the end, or on Ctrl-C.
  const loops = Array.from({ length: load }, (_, i) =>
    startProcess({ name: `busy-${i + 1}`, command: process.execPath, args: ['-e', 'for (;;) {}'] }),
  );
  const startedAt = new Date();
  const results: SoakRun[] = [];
  const total = runs * pairs.length;
  console.log(
    `${total} runs: ${pairs.map((p) => `check ${p.step.number} on ${p.target}`).join(', ')}, ${runs} each${load ? `, beside ${load} busy loop${load > 1 ? 's' : ''}` : ''}.`,
  );
  try {
    // Round robin over the pairs: a busy minute of the machine falls on every check alike.
    for (let run = 1; run <= runs; run++)
      for (const pair of pairs) {
        const result = await soakRun(pair, run, options);
        results.push(result);
        const failures = results.filter((r) => !r.ok).length;
        console.log(
          `[${results.length}/${total}] check ${pair.step.number} on ${pair.target}, run ${run}: ${result.ok ? 'pass' : `FAIL ${result.failure?.id ?? ''} ${result.failure?.message ?? ''}${result.left.length ? ` (left running: ${result.left.join(', ')})` : ''}`} (${(result.ms / 1000).toFixed(1)} s; ${failures} failed so far)`,
        );
      }
  } finally {
    await Promise.all(loops.map((l) => l.stop({ signal: 'SIGKILL' })));
    rmSync(scratch, { recursive: true, force: true });
  }
  // An interrupted soak's last run failed by the interrupt: its figures would tell of a flake that is not.
  if (interrupting()) throw new Interrupted('SIGINT');
  const ms = Date.now() - startedAt.getTime();
  const page = soakMarkdown({
    command,
    pairs,
    runs: results,
    load,
    startedAt,
    ms,
    loadBefore,
    loadAfter: loadNow(),
    skipped,
  });
  if (values.out !== '-') {
    const out = resolve(ROOT, values.out);
    writeFileSync(out, page);
    console.log(`Figures written to ${relative(process.cwd(), out)}.`);
  } else console.log(page);
  const failed = results.filter((r) => !r.ok).length;
  console.log(failed ? `${failed} of ${results.length} runs failed.` : `All ${results.length} runs passed.`);
  return failed ? 1 : 0;
});
