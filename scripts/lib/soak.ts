// The soak: the checks of some steps, run many times on their solutions (optionally beside busy loops), each
// as a fresh `npm run check` process, to count what fails that should not. A flaky check teaches the
// attendee something false; this is how a maintainer finds one before a room does.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { machine, median, row } from './bench-figures.ts';
import type { Target } from './environment.ts';
import { mustUndo } from './processes.ts';
import { ROOT, type Step, solutionDir } from './steps.ts';

export interface SoakPair {
  step: Step;
  target: Target;
}

export interface SoakRun {
  step: number;
  target: Target;
  /** 1-based, per pair. */
  run: number;
  ok: boolean;
  ms: number;
  /** The first failing expectation and its message (first lines), or why the run itself failed. */
  failure?: { id: string; message: string; workshop: boolean };
  /** Processes the run left behind (killed after), as `pid command`. */
  left: string[];
}

export interface SoakOptions {
  /** WORKSHOP_HOME and TMPDIR of every run: what carries them afterwards was left behind. */
  home: string;
  tmp: string;
  timeoutMs: number;
}

/** One `npm run check N -- --dir solution --target T --json` as a fresh process; never rejects. */
export async function soakRun(pair: SoakPair, run: number, options: SoakOptions): Promise<SoakRun> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'scripts/check.ts'),
      String(pair.step.number),
      '--dir',
      solutionDir(pair.step),
      '--target',
      pair.target,
      '--json',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', WORKSHOP_HOME: options.home, TMPDIR: options.tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // SIGTERM first: the check's own handler stops what it started; SIGKILL if it does not end.
  const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs + 15_000);
  const closed = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  // Ctrl-C on the soak reaches the check it runs, whose own handler stops what it started.
  const undone = mustUndo({
    now: () => child.kill('SIGTERM'),
    stop: async () => {
      child.kill('SIGTERM');
      await closed;
    },
  });
  const code = await closed;
  undone();
  clearTimeout(timer);
  clearTimeout(killer);
  const ms = performance.now() - started;
  const left = await leftBehind(options);
  const result: SoakRun = { step: pair.step.number, target: pair.target, run, ok: false, ms, left };
  const outcome = readOutcome(stdout);
  if (ms >= options.timeoutMs) {
    result.failure = {
      id: 'timeout',
      message: `still running after ${options.timeoutMs / 1000} s`,
      workshop: false,
    };
  } else if (outcome) {
    result.ok = outcome.ok;
    if (outcome.failure) result.failure = outcome.failure;
  } else {
    const tail = `${stdout}${stderr}`.trim().split('\n').slice(-4).join(' ⏎ ');
    result.failure = { id: 'command', message: `exit ${code}: ${tail}`, workshop: false };
  }
  if (left.length) result.ok = false;
  return result;
}

/** The check's --json answer: passed or not, and its first failure. */
function readOutcome(stdout: string): Pick<SoakRun, 'ok' | 'failure'> | undefined {
  // Not JSON: the command itself failed (a crash, a kill); the caller says how, from its output.
  if (!stdout.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(stdout) as {
      ok: boolean;
      results: { failure?: { id: string; message?: string; workshop?: boolean } }[];
    };
    const failure = parsed.results[0]?.failure;
    return {
      ok: parsed.ok,
      failure: failure && {
        id: failure.id,
        message: (failure.message ?? '').split('\n').slice(0, 3).join(' ⏎ '),
        workshop: failure.workshop === true,
      },
    };
  } catch (err) {
    if (err instanceof SyntaxError) return undefined; // Cut short: the caller reports the output.
    throw err;
  }
}

/**
 * Processes that carry the soak's WORKSHOP_HOME in their environment, or work in its TMPDIR (redis-server
 * replaces its environment with its title, and works where its --dir is): what a run left running.
 * Given three seconds to end by themselves, then killed, and named.
 */
async function leftBehind({ home, tmp }: SoakOptions): Promise<string[]> {
  // Only Linux shows every process's environment and folder; elsewhere nothing is looked for.
  if (process.platform !== 'linux') return [];
  const marker = `WORKSHOP_HOME=${home}\0`;
  const list = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
      .flatMap((pid) => {
        try {
          const ours =
            readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker) ||
            readlinkSync(`/proc/${pid}/cwd`).startsWith(tmp);
          return ours
            ? [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim()}`]
            : [];
        } catch (err) {
          // Gone between the listing and the read (ENOENT, ESRCH), or not ours to read (EACCES, EPERM).
          if (['ENOENT', 'ESRCH', 'EACCES', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? ''))
            return [];
          throw err;
        }
      });
  const deadline = Date.now() + 3_000;
  while (list().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = list();
  for (const entry of left) {
    try {
      process.kill(Number(entry.split(' ')[0]), 'SIGKILL');
    } catch (err) {
      // ESRCH: it ended meanwhile, which is what was wanted.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return left;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The figures page: how it was run, a row per check and target, and every failure's message. */
export function soakMarkdown({
  command,
  pairs,
  runs,
  load,
  startedAt,
  ms,
  loadBefore,
  loadAfter,
  skipped,
}: {
  command: string;
  pairs: SoakPair[];
  runs: SoakRun[];
  load: number;
  startedAt: Date;
  ms: number;
  loadBefore: number;
  loadAfter: number;
  skipped: string[];
}): string {
  const rows = pairs.map(({ step, target }) => {
    const mine = runs.filter((r) => r.step === step.number && r.target === target);
    const failed = mine.filter((r) => !r.ok).length;
    const times = mine.map((r) => r.ms);
    return row([
      `check ${step.number}`,
      target,
      mine.length,
      mine.length - failed,
      failed,
      times.length ? seconds(median(times)) : '-',
      times.length ? seconds(Math.max(...times)) : '-',
    ]);
  });
  const failures = runs
    .filter((r) => !r.ok)
    .map(
      (r) =>
        `- check ${r.step} on ${r.target}, run ${r.run}: ${r.failure ? `\`${r.failure.id}\`${r.failure.workshop ? ' (the workshop’s own part)' : ''}: ${r.failure.message}` : 'passed'}${r.left.length ? `; left running: ${r.left.join(', ')}` : ''}`,
    );
  const total = runs.length;
  const failed = runs.filter((r) => !r.ok).length;
  return `# Soak figures

Measured with \`${command}\` (\`scripts/soak.ts\`) on ${startedAt.toISOString().slice(0, 10)}: ${machine()}.
${load ? `${load} busy loop${load > 1 ? 's' : ''} (\`--load ${load}\`) ran beside the checks the whole time, on ${cpus().length} cores` : 'No busy loops ran beside the checks'}; other work on the machine came and went (load average ${loadBefore.toFixed(1)} when the soak started, ${loadAfter.toFixed(1)} when it ended). ${total} runs took ${ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`}.

Each run is \`npm run check N -- --dir solutions/NN-… --target T --json\`, a fresh process as an attendee
runs it, against the step's solution. The runs go round robin over the checks, so a busy minute falls on
all of them alike. A run fails when the check does not pass, or when anything it started is still running
three seconds after it ended. Rerun the command to get this machine's figures.

| check | target | runs | passed | failed | median | max |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
${skipped.length ? `\nNot run: ${skipped.join('; ')}.\n` : ''}
## Failures

${failed ? `${failed} of ${total} runs failed:\n\n${failures.join('\n')}` : `None: all ${total} runs passed.`}
`;
}

/** Load average over the last minute, for the figures. */
export const loadNow = () => loadavg()[0];
