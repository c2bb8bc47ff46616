// Errors an attendee can act on. Entry points print them as one line plus the fix and exit non-zero;
// anything else is a bug in the workshop and is reported as such (stack only with DEBUG=1).
import { styleText } from 'node:util';

export class UserError extends Error {
  readonly fix?: string;
  readonly exitCode: number;
  constructor(message: string, fix?: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.fix = fix;
    this.exitCode = exitCode;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.fix ? `${err.message}\n  fix: ${err.fix}` : err.message;
  if (err instanceof Error) return process.env.DEBUG ? (err.stack ?? err.message) : err.message;
  return String(err);
}

/** Runs an entry point: prints a UserError as one clear message, never a stack trace. */
export async function main(run: () => Promise<unknown>): Promise<void> {
  let code: number;
  try {
    const result = await run();
    code = typeof result === 'number' ? result : 0;
  } catch (err) {
    const prefix = err instanceof UserError ? '✖' : '✖ unexpected error (a workshop bug, please report it):';
    process.stderr.write(`${styleText('red', prefix)} ${describeError(err)}\n`);
    code = err instanceof UserError ? err.exitCode : 1;
  }
  // The command is done and its children are stopped: don't wait for idle keep-alive sockets
  // (fetch keeps them for seconds) before handing the prompt back.
  process.exit(code);
}
