// npm run step [N] [-- --start [--local | --docker] | --watch]
// Without N: the steps and their status (a menu on a terminal). With N: the step's instructions,
// then the actions (start, check, hint, watch, diff, solve, reset, next); never a prompt without a TTY.

import { parseCommandLine } from './lib/cli.ts';
import { deleteKindCluster } from './lib/environments/kubernetes.ts';
import { main, UserError } from './lib/errors.ts';
import { ensurePlayground } from './lib/playground.ts';
import { openStep, startInForeground, stepList, stepMenu, watchStep } from './lib/step-session.ts';
import { findStep } from './lib/steps.ts';
import { isInteractive } from './lib/ui/prompts.ts';

await main(async () => {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        start: { type: 'boolean', default: false },
        local: { type: 'boolean', default: false },
        // The real stack even where the rehearsal would be chosen; fails clearly without an engine.
        docker: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
        // Step 4 onwards: delete the kind cluster `--start` created (it outlives the command on purpose).
        down: { type: 'boolean', default: false },
      },
    },
    'npm run step [N] [-- --start [--local | --docker] | --watch | --down]',
  );
  const interactive = isInteractive();
  if (positionals[0] === undefined && !values.start && !values.watch) {
    if (!interactive) {
      console.log(`${stepList()}\n\nOpen one with: npm run step N`);
      return;
    }
    return openStep(await stepMenu(), { interactive });
  }
  const step = findStep(positionals[0]);
  if (values.down) {
    if (step.number < 4)
      throw new UserError('--down deletes the kind cluster of steps 4–6.', `npm run step 4 -- --down`);
    console.log(await deleteKindCluster(ensurePlayground(step).dir));
    return;
  }
  if (values.start) return startInForeground(step, { local: values.local, real: values.docker });
  if (values.watch) return watchStep(step);
  return openStep(step, { interactive });
});
