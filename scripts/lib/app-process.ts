// Starts an attendee's server (server.ts in a step folder) as a real Node process, and turns
// a crash into a message that names the file and line instead of a stack trace.
import { existsSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import type { Instance } from './environment.ts';
import { UserError, WorkshopFailure } from './errors.ts';
import { portIsFree } from './ports.ts';
import { type ManagedProcess, ProcessCrashed, startProcess, waitForHttp } from './processes.ts';

export interface AppOptions {
  dir: string;
  port: number;
  instanceId: string;
  redisUrl?: string;
  heartbeatMs?: number;
  echo?: boolean;
}

/** Node's type stripping arrived unflagged in 22.18 and 23.6; the workshop requires Node 24 (26 accepted). */
const TYPE_STRIPPING = (() => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
})();

/**
 * Runs server.ts as the container does, `node server.ts`, with Node's own type stripping: what fails in the
 * image (an `enum`, a parameter property, a non-type import of a type) fails here too, with its line.
 */
function serverEntry(dir: string): string {
  const entry = resolve(dir, 'server.ts');
  if (!existsSync(entry)) {
    throw new UserError(
      `${relative(process.cwd(), entry)} does not exist.`,
      `run \`npm run reset ${stepOf(dir)}\` to restore the step`,
    );
  }
  if (!TYPE_STRIPPING)
    throw new UserError(
      `Node ${process.versions.node} cannot run server.ts: the workshop needs Node 24 LTS (26 works too).`,
      'install Node 24 (nodejs.org, or `nvm install 24`), then run the command again',
    );
  return entry;
}

/** The step number of a playground or step folder (`03-compose-traefik` → 3), for hints; else a placeholder. */
const stepOf = (dir: string) => /^0*(\d+)-/.exec(basename(dir))?.[1] ?? '<step>';

export function spawnApp(options: AppOptions): ManagedProcess {
  return startProcess({
    name: options.instanceId,
    command: process.execPath,
    args: [serverEntry(options.dir)],
    cwd: options.dir,
    env: {
      PORT: String(options.port),
      INSTANCE_ID: options.instanceId,
      REDIS_URL: options.redisUrl,
      HEARTBEAT_MS: options.heartbeatMs === undefined ? undefined : String(options.heartbeatMs),
      NODE_ENV: 'development',
    },
    echo: options.echo,
  });
}

/** Starts the app and waits for /healthz; a crash before that becomes a UserError naming file:line. */
export async function startApp(options: AppOptions): Promise<ManagedProcess> {
  const app = spawnApp(options);
  try {
    await waitForHttp(`http://127.0.0.1:${options.port}/healthz`, { process: app, timeoutMs: 15_000 });
    return app;
  } catch (err) {
    await app.stop({ graceMs: 2_000 });
    // The port the workshop chose for it, taken between choosing and listening: not the attendee's doing.
    if (
      new RegExp(`EADDRINUSE[^\\n]*:${options.port}\\b`).test(app.output()) &&
      !(await portIsFree(options.port))
    )
      throw new WorkshopFailure(
        `Port ${options.port}, which the workshop chose for ${options.instanceId}, was taken by another program before ${options.instanceId} could listen on it.`,
      );
    if (err instanceof ProcessCrashed) {
      const message = explainCrash(app.output(), options.dir);
      throw new UserError(
        message,
        message.startsWith('Syntax error')
          ? `fix the line named (the diff action of \`npm run step ${stepOf(options.dir)}\` compares it with the solution)`
          : undefined,
      );
    }
    throw new UserError(
      `${options.instanceId} did not answer GET /healthz on port ${options.port} within 15 s.`,
      'the server must listen on process.env.PORT and answer 200 on /healthz',
    );
  }
}

/**
 * The first useful line of a crash: a syntax error with its line, or the error message and the first
 * stack frame inside the step's folder.
 */
export function explainCrash(output: string, dir: string): string {
  const lines = output.split('\n');
  const short = (path: string) => relative(process.cwd(), path.replace(/^file:\/\//, ''));
  // Node prints a syntax error (or TypeScript that type stripping refuses) as `file:///…/server.ts:LINE`, the
  // source line, a caret under the column, then the error.
  const at = lines.findIndex((l) => /^file:\/\/\/\S+\.ts:\d+$/.test(l.trim()));
  const syntaxError = lines.find((l) => /^SyntaxError/.test(l));
  if (at >= 0 && syntaxError) {
    const [, file, line] = /^(\S+):(\d+)$/.exec(lines[at].trim()) ?? [];
    const caret = lines.slice(at + 1).findIndex((l) => /^\s*\^/.test(l));
    const column = caret >= 0 ? `:${lines[at + 1 + caret].indexOf('^') + 1}` : '';
    const why = syntaxError.replace(/^SyntaxError( \[\w+\])?: /, '');
    const erasable = syntaxError.includes('UNSUPPORTED_TYPESCRIPT_SYNTAX')
      ? ' Node runs server.ts by stripping its types, as the container does: only erasable TypeScript works (no enum, namespace or parameter properties; `import type` for types).'
      : '';
    return `Syntax error in ${short(file)}:${line}${column}: ${why}.${erasable}`;
  }
  const error = lines.find((l) => /^\s*(\w*Error|Error)(\s\[\w+\])?:/.test(l));
  const frame = lines.find((l) => l.includes(dir) && /:\d+:\d+\)?$/.test(l.trim()));
  const where = frame ? /((?:file:\/\/)?\/[^\s()]+):(\d+):(\d+)/.exec(frame) : null;
  const location = where ? ` at ${short(where[1])}:${where[2]}` : '';
  if (error) return `The server crashed${location}: ${error.trim()}`;
  const tail = lines.filter(Boolean).slice(-5).join('\n  ');
  return `The server exited before it was ready${location}. Its last output:\n  ${tail || '(nothing)'}`;
}

/** An app instance that can be restarted on its port: what drills and rolling restarts need. */
export async function startInstance(options: AppOptions): Promise<Instance> {
  const instance: Instance = {
    id: options.instanceId,
    url: `http://127.0.0.1:${options.port}`,
    process: await startApp(options),
    async restart() {
      await instance.process.stop();
      instance.process = await startApp(options);
    },
  };
  return instance;
}
