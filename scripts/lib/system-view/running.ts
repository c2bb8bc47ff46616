// A step's `--start` leaves a note saying where it runs, so that `npm run drill` on the same step and target
// acts on it (and the system view shows the drill) rather than starting a stack of its own. The note goes
// when `--start` ends; one left by a process that died is ignored.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DRILLS, type DrillName, type Drills } from '../environment.ts';
import { UserError } from '../errors.ts';
import { STATE_DIR, writeJsonAtomic } from '../playground.ts';

export interface RunningStart {
  pid: number;
  step: number;
  target: string;
  /** The system view: its page, and the drills it runs on the stack (POST drill/NAME with the token). */
  view: string;
  token: string;
  entries: string[];
  socketPath: string;
}

const noteOf = (step: number) => join(STATE_DIR, 'running', `step-${step}.json`);

export function writeRunningNote(note: RunningStart): () => void {
  const file = noteOf(note.step);
  writeJsonAtomic(file, note);
  return () => {
    // Only our own: a later `--start` of the same step may have replaced it.
    if (readRunningNote(note.step)?.pid === note.pid) rmSync(file, { force: true });
  };
}

export function readRunningNote(step: number): RunningStart | undefined {
  const file = noteOf(step);
  if (!existsSync(file)) return undefined;
  try {
    const note = JSON.parse(readFileSync(file, 'utf8')) as RunningStart;
    process.kill(note.pid, 0);
    return note;
  } catch {
    return undefined;
  }
}

/** Every `--start` running on this machine: the instructor's room links to their system views. */
export function runningNotes(): RunningStart[] {
  const dir = join(STATE_DIR, 'running');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^step-(\d+)\.json$/.exec(f)?.[1])
    .flatMap((n) => {
      const note = n === undefined ? undefined : readRunningNote(Number(n));
      return note ? [note] : [];
    });
}

/** The drills of a running `--start`, asked of its system view: each resolves to what it did there. */
export function remoteDrills(note: RunningStart): Drills {
  const ask = (drill: DrillName) => async (busiest: string) => {
    const res = await fetch(new URL(`drill/${drill}`, note.view), {
      method: 'POST',
      headers: { 'x-workshop-token': note.token, 'content-type': 'application/json' },
      body: JSON.stringify({ busiest }),
      signal: AbortSignal.timeout(120_000),
    }).catch((err: Error) => {
      throw new UserError(
        `The step ${note.step} --start (pid ${note.pid}) did not take the drill: ${err.message}.`,
        'is it still running? Start it again, or stop it to let the drill start its own',
      );
    });
    const body = (await res.json().catch(() => ({}))) as { action?: string; error?: string };
    if (!res.ok || !body.action)
      throw new UserError(`The drill failed in the step ${note.step} --start: ${body.error ?? res.status}.`);
    return body.action;
  };
  return Object.fromEntries(Object.keys(DRILLS).map((d) => [d, ask(d as DrillName)])) as Drills;
}
