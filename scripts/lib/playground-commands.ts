// solve and reset, shared by their npm scripts and the step menu: ask first on a terminal,
// refuse to guess without one, and always say where the backup went.
import { relative } from 'node:path';
import { UserError } from './errors.ts';
import { replacePlayground } from './playground.ts';
import { HOME, type Step } from './steps.ts';
import { confirm, isInteractive } from './ui/prompts.ts';

export async function replaceWith(
  step: Step,
  source: 'starter' | 'solution',
  { yes = false } = {},
): Promise<string> {
  const verb = source === 'starter' ? 'Reset' : 'Solve';
  if (!yes) {
    if (!isInteractive()) {
      throw new UserError(
        `${verb} replaces playground/ files and needs a confirmation.`,
        `add --yes: npm run ${verb.toLowerCase()} ${step.number} -- --yes`,
      );
    }
    const question = `${verb} step ${step.number}: replace your playground with the ${source}? (your files are backed up first)`;
    if (!(await confirm(question))) return 'Nothing changed.';
  }
  const { dir, backup } = replacePlayground(step, source);
  const where = relative(HOME, dir);
  return backup
    ? `${verb}: ${where} is now the ${source}. Your previous files are in ${relative(HOME, backup)}.`
    : `${verb}: ${where} is now the ${source}.`;
}
