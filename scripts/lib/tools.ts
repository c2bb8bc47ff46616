// Finding external tools (redis-server, docker, kind, kubectl) on PATH without running a shell.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
}

/** True when `command args…` exits 0 within a few seconds (a docker client without an engine does not). */
export async function answers(command: string, args: string[]): Promise<boolean> {
  if (!findExecutable(command)) return false;
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000 }, (err) => resolve(!err));
  });
}

export const dockerEngineAnswers = () => answers('docker', ['info', '--format', '{{.ServerVersion}}']);
export const composeV2Answers = () => answers('docker', ['compose', 'version']);
