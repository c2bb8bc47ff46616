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
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  running(): boolean;
  /** Whether stop() was called: an exit after it was asked for, not a crash. */
  stopRequested(): boolean;
  /** SIGTERM (or `signal`) to the group, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ProcessExit>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Print the process's output with a `[name]` prefix (for `--start`); checks keep it quiet. */
  echo?: boolean;
}

const OUTPUT_LIMIT = 64 * 1024;
const live = new Set<ManagedProcess>();

export function startProcess(options: StartOptions): ManagedProcess {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined)
    throw new UserError(`Could not start ${options.command}.`, 'Is it installed and on PATH?');
  let output = '';
  let exit: ProcessExit | undefined;
  const record = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-OUTPUT_LIMIT);
    if (options.echo) {
      const prefix = `[${options.name}]`;
      for (const line of text.split('\n').filter(Boolean)) {
        process.stdout.write(line.startsWith(prefix) ? `${line}\n` : `${styleText('dim', prefix)} ${line}\n`);
      }
    }
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
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
  const pid = child.pid;
  let stopping = false;
  const handle: ManagedProcess = {
    name: options.name,
    pid,
    output: () => output,
    exited,
    running: () => exit === undefined,
    stopRequested: () => stopping,
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (exit) return exit;
      stopping = true;
      signalGroup(pid, signal);
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // The leader is gone; make sure nothing it started lingers.
      signalGroup(pid, 'SIGKILL');
      return result;
    },
  };
  live.add(handle);
  exited.then(() => live.delete(handle));
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

/** Stops every process this command started, in parallel. */
export async function stopAll(graceMs = 10_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop({ graceMs })));
}

let installed = false;
/**
 * Ctrl-C, SIGTERM and a normal exit all stop the children: the signal handlers stop them gracefully,
 * the exit hook kills whatever is left synchronously.
 */
export function stopAllOnExit(onSignal?: () => Promise<void> | void): void {
  if (installed) return;
  installed = true;
  const shutdown = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping ${live.size} process(es)…\n`);
    Promise.resolve(onSignal?.())
      .then(() => stopAll())
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  process.once('exit', () => {
    for (const p of live) signalGroup(p.pid, 'SIGKILL');
  });
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
