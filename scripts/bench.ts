// npm run bench [-- --steps 1,2 --runs 5]
// Times `npm run check N` end to end (a fresh process, as an attendee runs it) against each step's
// solution and prints the median. The targets live in the registry's issues, not in timed tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { median } from './lib/bench-figures.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { main } from './lib/errors.ts';
import { findStep, ROOT, STEPS, solutionDir } from './lib/steps.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { steps: { type: 'string' }, runs: { type: 'string', default: '5' } } },
    {
      usage: 'npm run bench [-- --steps 1,2 --runs 5]',
      summary: '`npm run check N` timed end to end against each solution: the median per step.',
      flags: {
        steps: 'comma-separated step numbers (default: all)',
        runs: 'runs per step (1 to 50, default 5)',
      },
    },
  );
  const runs = integerFlag('--runs', values.runs, 1, 50);
  const steps = values.steps ? values.steps.split(',').map(findStep) : STEPS;
  console.log(
    `npm run check N against each solution, ${runs} runs, on ${process.platform} ${process.arch} Node ${process.version}`,
  );
  for (const step of steps) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts/check.ts'), String(step.number), '--dir', solutionDir(step)],
        {
          cwd: ROOT,
          stdio: 'ignore',
          timeout: 120_000,
        },
      );
      times.push(performance.now() - started);
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `check ${step.number} (${step.slug}): median ${s(median(times))}  min ${s(Math.min(...times))}  max ${s(Math.max(...times))}`,
    );
  }
});
