// Runs a workshop command as a real process, the way an attendee would, in a private WORKSHOP_HOME.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { tempDir } from './temp.ts';

// The repo root, from the one place that computes it (`.pathname` broke on paths with spaces).
export { ROOT } from '../../scripts/lib/paths.ts';

import { ROOT } from '../../scripts/lib/paths.ts';

/**
 * A private WORKSHOP_HOME inside the repo, so a playground there still resolves the repo's node_modules.
 * Removed when the test file ends.
 */
export const tempHome = () => {
  mkdirSync(join(ROOT, '.test-homes'), { recursive: true });
  return tempDir('home-', join(ROOT, '.test-homes'));
};
/** Kept for the files that call it; tempDir's own hook removes the homes anyway. */
export const removeTempHomes = () => {};

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'scripts', script), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', ...env },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code =
          err && typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : err
              ? null
              : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Commands started by this file's tests. One that a failed test never stopped gets SIGTERM when the file
 * ends, so that its own handler stops the servers, Redis and Traefik it started (SIGKILL would orphan them).
 */
const running = new Set<ChildProcess>();
afterAll(() =>
  Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(killer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  ),
);

/** Starts a long-running command; `waitForOutput` resolves when a line shows up (bounded). */
export function startCli(script: string, args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts', script), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    waitForOutput(text: string, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          if (output.includes(text)) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() > deadline || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`'${text}' did not appear within ${timeoutMs} ms. Output:\n${output}`));
          }
        }, 50);
      });
    },
  };
}

/**
 * A base port for `--start`'s fixed layout (PORT, PORT+1, …) with `count` free ports, from 10000 to 19999:
 * below the checks' free ports (20000 up to the ephemeral range, ports.ts), which tests beside it take.
 */
export async function layoutBase(count: number): Promise<number> {
  const { portIsFree } = await import('../../scripts/lib/ports.ts');
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (20_000 - 10_000 - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports between 10000 and 20000`);
}

/** Processes whose command line mentions `needle` (our own test's unique temp folder). */
export async function processesMentioning(needle: string): Promise<string[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(needle) ? [`${pid} ${cmd}`] : [];
      } catch {
        return [];
      }
    });
}
