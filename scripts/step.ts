// npm run step [N] [-- --start [--target NAME] | --watch | --down]
// Without N: the steps and their status (a menu on a terminal). With N: the step's instructions,
// then the actions (start, check, hint, watch, diff, solve, reset, next); never a prompt without a TTY.

import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { ensurePlayground } from './lib/playground.ts';
import { openStep, startInForeground, stepList, stepMenu, watchStep } from './lib/step-session.ts';
import { findStep, STEPS } from './lib/steps.ts';
import { parseTarget, refuseOldFlags, TARGETS, targetModule } from './lib/targets/index.ts';
import { isInteractive } from './lib/ui/prompts.ts';

await main(async () => {
  refuseOldFlags(process.argv.slice(2), (t) => `npm run step N -- --start --target ${t}`);
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        start: { type: 'boolean', default: false },
        target: { type: 'string' },
        watch: { type: 'boolean', default: false },
        // Steps on kind: delete the kind cluster `--start` created (it outlives the command on purpose).
        down: { type: 'boolean', default: false },
      },
    },
    {
      usage: 'npm run step [N] [-- --start [--target NAME] | --watch | --down]',
      summary:
        'Without N, the steps and your progress (a menu on a terminal). With N, the step’s instructions, then its actions.',
      flags: {
        start: 'run the step in the foreground and print its URLs; Ctrl-C stops everything it started',
        target: `with --start: ${TARGETS.join(', ')} (default: the real thing where installed, else the rehearsal)`,
        watch: 'check again on every save',
        down: 'delete the kind cluster --start --target kind created',
      },
    },
  );
  const interactive = isInteractive();
  if (positionals[0] === undefined && !values.start && !values.watch) {
    if (!interactive) {
      console.log(`${stepList()}\n\nOpen one with: npm run step N`);
      return;
    }
    return openStep(await stepMenu(), { interactive });
  }
  // Each runs until Ctrl-C, printing as it goes: two terminals, not one command.
  const modes = (['start', 'watch', 'down'] as const).filter((m) => values[m]);
  if (modes.length > 1)
    throw new UserError(
      `--${modes.join(' and --')} do not go together.`,
      `one terminal each: npm run step ${positionals[0] ?? 'N'} -- --start, and in another npm run step ${positionals[0] ?? 'N'} -- --watch`,
    );
  const step = findStep(positionals[0]);
  const target = parseTarget(values.target, step);
  if (values.down) {
    // What outlives `--start` (a kind cluster): each of the step's targets that keeps something deletes it.
    const keeping = step.targets.map(targetModule).filter((m) => m.down);
    if (!keeping.length) {
      const withKind = STEPS.filter((s) => s.targets.includes('kind')).map((s) => s.number);
      throw new UserError(
        `--down deletes the kind cluster, and step ${step.number} runs on no kind cluster.`,
        `npm run step ${withKind[0]} -- --down (steps ${withKind.join(', ')} use kind)`,
      );
    }
    for (const module of keeping) console.log(await module.down?.(ensurePlayground(step).dir));
    return;
  }
  if (values.start) return startInForeground(step, { target });
  if (target)
    throw new UserError(
      '--target goes with --start.',
      `npm run step ${step.number} -- --start --target ${target}`,
    );
  if (values.watch) return watchStep(step);
  return openStep(step, { interactive });
});
