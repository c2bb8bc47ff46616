// npm run bench [-- --steps 1,2 --runs 5 --target NAME --fresh]
// Times `npm run check N` end to end (a fresh process, as an attendee runs it) against each step's
// solution and prints the median. The targets live in the registry's issues, not in timed tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median } from './lib/bench-figures.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { findStep, ROOT, STEPS, solutionDir } from './lib/steps.ts';
import { parseTarget, TARGETS, type Target, targetModule } from './lib/targets/index.ts';

await main(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        steps: { type: 'string' },
        runs: { type: 'string', default: '5' },
        target: { type: 'string' },
        fresh: { type: 'boolean', default: false },
      },
    },
    {
      usage: 'npm run bench [-- --steps 1,2 --runs 5 --target NAME --fresh]',
      summary: '`npm run check N` timed end to end against each solution: the median per step.',
      flags: {
        steps: 'comma-separated step numbers (default: all)',
        runs: 'runs per step (1 to 50, default 5)',
        target: 'where the checks run (default: the rehearsal); steps without it are left out',
        fresh: 'from nothing: delete what the target keeps between runs (the kind cluster) before each run',
      },
    },
  );
  const runs = integerFlag('--runs', values.runs, 1, 50);
  const chosen = values.steps ? values.steps.split(',').map(findStep) : STEPS;
  const target = values.target;
  // A misspelt target gets the commands' own message; a step without the target is left out.
  if (target !== undefined && !(TARGETS as readonly string[]).includes(target))
    parseTarget(target, chosen[0]);
  const steps = target ? chosen.filter((s) => (s.targets as readonly string[]).includes(target)) : chosen;
  const module = targetModule((target ?? 'rehearsal') as Target);
  console.log(
    `npm run check N${values.target ? ` -- --target ${values.target}` : ''} against each solution${values.fresh ? ', from nothing' : ''}, ${runs} runs, on ${process.platform} ${process.arch} Node ${process.version}`,
  );
  for (const step of steps) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Not timed: what the target keeps between runs goes (a cluster that is absent is no error).
      if (values.fresh) await module.down?.(solutionDir(step)).catch(() => undefined);
      const started = performance.now();
      const run = spawnSync(
        process.execPath,
        [
          join(ROOT, 'scripts/check.ts'),
          String(step.number),
          '--dir',
          solutionDir(step),
          ...(target ? ['--target', target] : []),
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
          timeout: 120_000 + module.startTimeoutMs,
        },
      );
      // A failing check is no figure: say which run and what it printed.
      if (run.status !== 0)
        throw new UserError(
          `check ${step.number} failed on run ${i + 1} (exit ${run.status ?? run.signal}):\n${`${run.stdout}${run.stderr}`.trim().split('\n').slice(-15).join('\n')}`,
        );
      times.push(performance.now() - started);
    }
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      `check ${step.number} (${step.slug}): median ${s(median(times))}  min ${s(Math.min(...times))}  max ${s(Math.max(...times))}`,
    );
  }
});
