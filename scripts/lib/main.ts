// The entry point of every command: one clear line for an error an attendee can act on, never a stack
// trace; `--help` on stdout; Ctrl-C and SIGTERM stop everything the command started. Only here does a
// command exit.
import { styleText } from 'node:util';
import { HelpRequested } from './cli.ts';
import { describeError, UserError } from './errors.ts';
import { Interrupted, onInterrupt, stopAll } from './processes.ts';

/**
 * Runs an entry point: prints a UserError as one clear message, never a stack trace; `--help` on stdout.
 * Ctrl-C and SIGTERM at any moment stop everything the command started. Only here does a command exit.
 */
export async function main(run: () => Promise<unknown>): Promise<void> {
  const interrupted = onInterrupt();
  const finished = (async (): Promise<number> => {
    try {
      const result = await run();
      return typeof result === 'number' ? result : 0;
    } catch (err) {
      if (err instanceof HelpRequested) {
        process.stdout.write(err.message);
        return 0;
      }
      // The signal handler is already stopping everything and decides the exit code.
      if (err instanceof Interrupted) return interrupted;
      const prefix =
        err instanceof UserError ? '✖' : '✖ unexpected error (a workshop bug, please report it):';
      process.stderr.write(`${styleText('red', prefix)} ${describeError(err)}\n`);
      return err instanceof UserError ? err.exitCode : 1;
    }
  })();
  const code = await Promise.race([finished, interrupted]);
  // A command that ends normally stops what it left running too (the exit hook would SIGKILL it).
  await stopAll();
  // The command is done and its children are stopped: don't wait for idle keep-alive sockets
  // (fetch keeps them for seconds) before handing the prompt back.
  process.exit(code);
}
