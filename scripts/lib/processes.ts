// Every process a command starts goes through here, so that every one of them is stopped when the
// command ends or is interrupted. Each child leads its own process group: stopping it signals the
// whole tree (a server started through a wrapper leaves no orphan behind).
import { type ChildProcess, spawn } from 'node:child_process';
import { styleText } from 'node:util';
import { UserError } from './errors.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** The last 64 KiB of stdout and stderr, interleaved as they came. */
  output(): string;
  /** The last 64 KiB of stdout alone (what a command answers, without its warnings). */
  stdout(): string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves once its stdout and stderr have ended: all it wrote has been read (after `exited`, usually). */
  readonly drained: Promise<void>;
  running(): boolean;
  /** Whether stop() was called: an exit after it was asked for, not a crash. */
  stopRequested(): boolean;
  /** SIGTERM (or `signal`) to the group, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ProcessExit>;
}

export interface ProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * Print the process's output with a `[name]` prefix (for `--start`); checks keep it quiet. A function
   * prints what it returns for each line instead (nothing for undefined).
   */
  echo?: boolean | ((line: string) => string | undefined);
  /** Keep all of stdout, not its last 64 KiB (a command's answer: JSON must be whole). */
  wholeStdout?: boolean;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Something this command must undo: a child process group, a container. `now` runs in the exit hook,
 * where only synchronous work happens; `stop` is the graceful way.
 */
interface Undo {
  now(): void;
  stop(): Promise<unknown>;
}
const pending = new Set<Undo>();
let interrupted: NodeJS.Signals | undefined;

/** Raised when a command would start something after SIGINT/SIGTERM began stopping everything. */
export class Interrupted extends Error {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/**
 * Registers what must be undone when the command ends, fails or is interrupted; returns the function
 * that unregisters it once it is undone. Refuses (throws Interrupted) once stopping has begun, so that
 * nothing started in the middle of a shutdown outlives it.
 */
export function mustUndo(undo: Undo): () => void {
  if (interrupted) {
    undo.now();
    throw new Interrupted(interrupted);
  }
  pending.add(undo);
  return () => pending.delete(undo);
}

// Whatever way the command exits (main's process.exit, an uncaught error), nothing it started stays.
process.on('exit', () => {
  for (const undo of pending) undo.now();
});

export function startProcess(options: ProcessOptions): ManagedProcess {
  if (interrupted) throw new Interrupted(interrupted);
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined)
    throw new UserError(`Could not start ${options.command}.`, 'Is it installed and on PATH?');
  const pid = child.pid;
  // Registered in the same tick as the spawn: no signal can arrive in between.
  let handle: ManagedProcess | undefined;
  const done = mustUndo({ now: () => signalGroup(pid, 'SIGKILL'), stop: () => handle?.stop() ?? exited });
  let output = '';
  let stdout = '';
  let exit: ProcessExit | undefined;
  const record = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_LIMIT);
    if (options.echo) {
      const prefix = `[${options.name}]`;
      const shown = typeof options.echo === 'function' ? options.echo : (line: string) => line;
      for (const raw of text.split('\n').filter(Boolean)) {
        const line = shown(raw);
        if (line === undefined) continue;
        process.stdout.write(line.startsWith(prefix) ? `${line}\n` : `${styleText('dim', prefix)} ${line}\n`);
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = options.wholeStdout
      ? stdout + chunk.toString()
      : (stdout + chunk.toString()).slice(-OUTPUT_LIMIT);
    record(chunk);
  });
  child.stderr?.on('data', record);
  const drained = Promise.all(
    [child.stdout, child.stderr].map(
      (stream) => new Promise<void>((resolve) => stream?.once('close', resolve)),
    ),
  ).then(() => undefined);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (err) => {
      output += `\n${err.message}`;
      exit = { code: 127, signal: null };
      resolve(exit);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  let stopping = false;
  handle = {
    name: options.name,
    pid,
    output: () => output,
    stdout: () => stdout,
    exited,
    drained,
    running: () => exit === undefined,
    stopRequested: () => stopping,
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      stopping = true;
      if (!exit) signalGroup(pid, signal);
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it started lingers in its group.
      signalGroup(pid, 'SIGKILL');
      return result;
    },
  };
  // Once the leader has exited, a last SIGKILL to its group: then there is nothing left to undo.
  exited.then(() => {
    signalGroup(pid, 'SIGKILL');
    done();
  });
  return handle;
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Stops (undoes) everything this command started, in parallel, until nothing is left. */
export async function stopAll(graceMs = 10_000): Promise<void> {
  while (pending.size) {
    await Promise.all(
      [...pending].map(async (undo) => {
        const timer = setTimeout(() => undo.now(), graceMs);
        await undo.stop().catch((err: Error) => {
          // Stopping goes on for the others; the exit hook still forces this one.
          process.stderr.write(`could not stop cleanly: ${err.message}\n`);
        });
        clearTimeout(timer);
        pending.delete(undo);
      }),
    );
  }
}

/** True once Ctrl-C or SIGTERM has begun stopping everything: no time for anything but stopping. */
export const interrupting = () => interrupted !== undefined;

let interruption: Promise<number> | undefined;
/**
 * Ctrl-C and SIGTERM: stop everything this command started, then resolve with the exit code (130, 143)
 * for the entry point to exit with. Installed by `main` before a command does anything.
 */
export function onInterrupt(): Promise<number> {
  interruption ??= new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      if (interrupted) return;
      interrupted = signal;
      if (pending.size) process.stderr.write(`\n${signal}: stopping everything this command started…\n`);
      stopAll(5_000).finally(() => resolve(signal === 'SIGINT' ? 130 : 143));
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return interruption;
}

/** What a command said and how it ended: runCommand's answer. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  /** stdout and stderr interleaved, as a person would have seen them. */
  output: string;
}

/**
 * Runs a command to its end as a managed process: Ctrl-C at any moment stops it (and whatever it started)
 * before the command's own clean-up runs, so no tool keeps working behind the workshop's back.
 */
export async function runCommand(options: ProcessOptions): Promise<CommandResult> {
  const proc = startProcess({ wholeStdout: true, ...options });
  const { code, signal } = await proc.exited;
  // 'exit' can come before the last of its output: wait for the pipes to close (bounded: a process it
  // left behind may hold them open).
  await Promise.race([proc.drained, new Promise((r) => setTimeout(r, 2_000).unref())]);
  return { exitCode: code ?? (signal ? 128 : 1), stdout: proc.stdout(), output: proc.output() };
}

/**
 * Polls `probe` until it returns a value, with a bound and a message. When `process` is given and it
 * exits first, fails at once with its output: waiting longer for a crashed server helps nobody.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  {
    timeoutMs = 10_000,
    intervalMs = 50,
    process: proc,
  }: { timeoutMs?: number; intervalMs?: number; process?: ManagedProcess } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !proc.running()) {
      const { code, signal } = await proc.exited;
      throw new ProcessCrashed(proc, `${proc.name} exited (${signal ?? `code ${code}`}) before ${what}`);
    }
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class ProcessCrashed extends Error {
  readonly process: ManagedProcess;
  constructor(process: ManagedProcess, message: string) {
    super(message);
    this.process = process;
  }
}

/** Waits until `url` answers with `status` (200 by default). */
export function waitForHttp(
  url: string,
  options: { status?: number; timeoutMs?: number; process?: ManagedProcess } = {},
) {
  const { status = 200, ...rest } = options;
  return waitFor(
    `${url} to answer ${status}`,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      return res.status === status ? true : undefined;
    },
    rest,
  );
}
