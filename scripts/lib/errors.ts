// Errors an attendee can act on. Entry points (main.ts) print them as one line plus the hint and exit
// non-zero; anything else is a bug in the workshop and is reported as such (stack only with DEBUG=1).
export class UserError extends Error {
  /** What to try next: one word for it everywhere (checks, findings in checks, errors): the hint. */
  readonly hint?: string;
  readonly exitCode: number;
  constructor(message: string, hint?: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message}\n  hint: ${err.hint}` : err.message;
  if (err instanceof Error) return process.env.DEBUG ? (err.stack ?? err.message) : err.message;
  return String(err);
}

/** What to try when the workshop's own part failed: nothing in the attendee's files. */
export const WORKSHOP_HINT =
  'not your code: run the command again; if it happens again, run `npm run doctor` and report it (a workshop bug)';

/**
 * The workshop's own infrastructure failed (its Redis, its Traefik, its control plane, a port it chose):
 * a check says so, and never blames the attendee's code for it.
 */
export class WorkshopFailure extends UserError {
  constructor(message: string, hint = WORKSHOP_HINT) {
    super(message, hint);
    this.name = 'WorkshopFailure';
  }
}
