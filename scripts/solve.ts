// npm run solve N [-- --yes]: replace the playground of step N with its solution, after a backup.
import { parseCommandLine } from './lib/cli.ts';
import { main } from './lib/errors.ts';
import { replaceWith } from './lib/playground-commands.ts';
import { findStep } from './lib/steps.ts';

await main(async () => {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: { yes: { type: 'boolean', short: 'y', default: false } },
    },
    'npm run solve N [-- --yes]',
  );
  const step = findStep(positionals[0]);
  console.log(await replaceWith(step, 'solution', { yes: values.yes }));
});
