// Starts an attendee's server (server.ts in a step folder) as a real Node process, and turns
// a crash into a message that names the file and line instead of a stack trace.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Instance } from './environments/types.ts';
import { UserError } from './errors.ts';
import { type ManagedProcess, ProcessCrashed, startProcess, waitForHttp } from './processes.ts';

/** The compiled server, next to server.ts so that its relative paths (./public) stay right. Git-ignored. */
export const COMPILED = '.wsk-server.mjs';

export interface AppOptions {
  dir: string;
  port: number;
  instanceId: string;
  redisUrl?: string;
  heartbeatMs?: number;
  echo?: boolean;
}

/**
 * Strips the types of server.ts once (esbuild, the compiler tsx uses), so that each instance starts as
 * plain Node: half a second sooner per process than loading tsx into each one. A syntax error becomes a
 * UserError naming the file, line and column.
 */
export async function compileServer(dir: string): Promise<string> {
  const entry = resolve(dir, 'server.ts');
  if (!existsSync(entry)) {
    throw new UserError(
      `${relative(process.cwd(), entry)} does not exist.`,
      'run `npm run reset N` to restore the step',
    );
  }
  const out = resolve(dir, COMPILED);
  // Reused only for the very same source: a copied folder or an edit within the file system's timestamp
  // granularity leaves mtimes that say "up to date" for a stale build.
  const stamp = `// wsk-source-sha256: ${createHash('sha256').update(readFileSync(entry)).digest('hex')}`;
  if (existsSync(out) && readFileSync(out, 'utf8').startsWith(stamp)) return out;
  const temporary = `${out}.${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await build({
      entryPoints: [entry],
      outfile: temporary,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      banner: { js: stamp },
      logLevel: 'silent',
    });
  } catch (err) {
    const first = (err as { errors?: { text: string; location?: { line: number; column: number } }[] })
      .errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column + 1}` : '';
    throw new UserError(
      `Syntax error in ${relative(process.cwd(), entry)}${where}: ${first?.text ?? (err as Error).message}`,
      'fix the line named (the diff action of `npm run step N` compares it with the solution)',
    );
  }
  // A rename is atomic: instances started at the same moment never read half a file.
  renameSync(temporary, out);
  return out;
}

export function spawnApp(options: AppOptions, compiled: string): ManagedProcess {
  return startProcess({
    name: options.instanceId,
    command: process.execPath,
    // Source maps: a crash's stack points at server.ts lines, not at the compiled file's.
    args: ['--enable-source-maps', compiled],
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
  const app = spawnApp(options, await compileServer(options.dir));
  try {
    await waitForHttp(`http://127.0.0.1:${options.port}/healthz`, { process: app, timeoutMs: 15_000 });
    return app;
  } catch (err) {
    await app.stop({ graceMs: 2_000 });
    if (err instanceof ProcessCrashed) throw new UserError(explainCrash(app.output(), options.dir));
    throw new UserError(
      `${options.instanceId} did not answer GET /healthz on port ${options.port} within 15 s.`,
      'the server must listen on process.env.PORT and answer 200 on /healthz',
    );
  }
}

/**
 * The first useful line of a crash: the error message and the first stack frame inside the step's
 * folder (syntax errors never get here: compileServer reports them).
 */
export function explainCrash(output: string, dir: string): string {
  const lines = output.split('\n');
  const short = (path: string) => relative(process.cwd(), path.replace(/^file:\/\//, ''));
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
