// Step 3 onwards, Compose flavour: `docker compose up` on the docker target, else the rehearsal of the
// same compose.yaml: its replicas, its labels, its sticky cookie.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { $ } from 'zx';
import type { Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { formatFinding } from '../../findings.ts';
import { mustUndo, startProcess } from '../../processes.ts';
import { SOCKET_IO_PATH } from '../../socket-path.ts';
import { parseStaticConfig } from '../../traefik/static-config.ts';
import { composeTarget } from '../drill-actions.ts';
import { dockerMissing } from '../index.ts';
import { startRehearsal } from '../rehearsal/traefik-rehearsal.ts';
import { composeProject, composeStack, portConflict, waitForTraefikRoutes } from './compose-stack.ts';

export const DOCKER_MISSING = new UserError(
  'This needs a running Docker engine with Compose v2, and none answered.',
  'start Docker (Docker Desktop, or `sudo systemctl start docker`), check with `docker compose version`, or use the rehearsal: --target rehearsal',
);

export async function startComposeStep(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  if (options.target === 'docker') return startDockerCompose(dir, options);
  if (options.target && options.target !== 'rehearsal')
    throw new UserError(`The Compose flavour does not run on ${options.target}.`);
  const file = join(dir, 'compose.yaml');
  const { analyzeCompose } = await import('../../compose/index.ts');
  const stack = analyzeCompose(file);
  const error = stack.findings.find((f) => f.severity === 'error');
  if (error) throw new UserError(`compose.yaml can't be rehearsed: ${formatFinding(error)}`, error.fix);
  return startRehearsal(
    {
      dir,
      config: stack.config,
      replicas: stack.replicas,
      environment: stack.environment,
      traefik: stack.traefik?.static ?? parseStaticConfig([]),
      socketPath: options.socketPath,
      standsInFor: 'Docker Compose behind Traefik',
      reread: async () => {
        const next = analyzeCompose(file);
        if (!next.doc) throw new UserError(`compose.yaml can't be read: ${formatFinding(next.findings[0])}`);
        const errors = next.findings.filter((f) => f.severity === 'error').map(formatFinding);
        return { config: next.config, problems: errors };
      },
    },
    options,
  );
}

/** The real stack: build, start, wait for health checks; `stop` takes it down again. */
export async function startDockerCompose(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  const missing = await dockerMissing();
  if (missing)
    throw new UserError(`The docker target needs Docker with Compose v2: ${missing}.`, DOCKER_MISSING.hint);
  const compose = $({ cwd: dir, quiet: !options.echo });
  const project = await composeProject(dir);
  const conflict = await portConflict(project);
  if (conflict) throw conflict;
  // Volumes too: the stack's anonymous volumes would otherwise outlive every run (in the exit hook as well).
  const DOWN = ['compose', 'down', '--remove-orphans', '--volumes'];
  const down = async () => {
    await compose`docker ${DOWN}`.nothrow();
  };
  // Registered before `up`: an interruption during the build or the start still takes the stack down.
  const undone = mustUndo({
    now: () => {
      spawnSync('docker', DOWN, { cwd: dir, stdio: 'ignore' });
    },
    stop: down,
  });
  const notes = ['Docker Compose: `docker compose ps` and `docker compose logs app` show the replicas.'];
  try {
    await compose`docker compose up --build --detach --wait`;
    const late = await waitForTraefikRoutes(dir);
    if (late) notes.push(late);
  } catch (err) {
    await down();
    undone();
    throw new UserError(
      `docker compose up failed: ${composeError(err)}`,
      'read the output above; `docker compose logs` shows each container',
    );
  }
  const logs = options.echo
    ? startProcess({
        name: 'compose',
        command: 'docker',
        args: ['compose', 'logs', '--follow'],
        cwd: dir,
        echo: true,
      })
    : undefined;
  const socketPath = options.socketPath ?? '/socket.io/';
  return {
    entries: ['http://localhost'],
    socketPath,
    instances: [],
    stack: composeStack(dir, composeTarget('http://localhost', socketPath, dir)),
    links: [
      {
        label: 'chat (Traefik)',
        url: `http://localhost${(options.socketPath ?? SOCKET_IO_PATH).replace(/socket\.io\/$/, '')}`,
      },
      { label: 'Traefik dashboard', url: 'http://127.0.0.1:8080/dashboard/' },
    ],
    notes,
    stop: async () => {
      await logs?.stop();
      await down();
      undone();
    },
  };
}

/** Compose's own error: its last stderr line that is not a warning (the buildx one comes first). */
function composeError(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
  const lines = stderr.split('\n').filter((l) => l.trim() && !/level=warning/.test(l));
  return lines.at(-1)?.trim() ?? (err as Error).message.split('\n')[0];
}
