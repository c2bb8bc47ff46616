// Questions only where a person can answer them: never in CI or without a terminal, where the
// command says which flag to pass instead.
import Enquirer from 'enquirer';
import { UserError } from '../errors.ts';

export const isInteractive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY && !process.env.CI);

export async function confirm(message: string): Promise<boolean> {
  const { answer } = await Enquirer.prompt<{ answer: boolean }>({
    type: 'confirm',
    name: 'answer',
    message,
    initial: false,
  }).catch(cancelled);
  return answer;
}

export async function choose<T extends string>(
  message: string,
  choices: { name: T; message: string; hint?: string }[],
  /** The choice the cursor starts on (its index). */
  initial = 0,
): Promise<T> {
  const { answer } = await Enquirer.prompt<{ answer: T }>({
    type: 'select',
    name: 'answer',
    message,
    choices,
    initial,
  }).catch(cancelled);
  return answer;
}

// Enquirer rejects with an empty value on Ctrl-C: that is a choice, not a crash.
function cancelled(): never {
  throw new UserError('Cancelled.', undefined, 130);
}
