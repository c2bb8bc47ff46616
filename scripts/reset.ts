// npm run reset N [-- --yes]: replace the playground of step N with its starter, after a backup.
import { parseCommandLine } from './lib/cli.ts';
import { main } from './lib/main.ts';
import { replaceWith } from './lib/playground-commands.ts';
import { findStep } from './lib/steps.ts';

await main(async () => {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: { yes: { type: 'boolean', short: 'y', default: false } },
    },
    {
      usage: 'npm run reset N [-- --yes]',
      summary:
        'Replaces your playground of step N with its starter; your files are backed up to .workshop/backups/ first.',
      flags: { yes: 'do not ask first (asked on a terminal; required without one)' },
    },
  );
  const step = findStep(positionals[0]);
  console.log(await replaceWith(step, 'starter', { yes: values.yes }));
});
