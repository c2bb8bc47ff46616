// Step 3 onwards, Compose flavour: `docker compose up` where Docker and Compose v2 exist, else (or with
// --local) the rehearsal of the same compose.yaml: its replicas, its labels, its sticky cookie.
import { join } from 'node:path';
import { $ } from 'zx';
import { composeProject, composeStack, portConflict, waitForTraefikRoutes } from '../docker/stack.ts';
import { composeTarget } from '../drill-targets.ts';
import { UserError } from '../errors.ts';
import { formatFinding } from '../findings.ts';
import { startProcess } from '../processes.ts';
import { composeV2Answers, dockerEngineAnswers } from '../tools.ts';
import { startRehearsal } from './rehearsal.ts';
import type { Environment, StartOptions } from './types.ts';

export const DOCKER_MISSING = new UserError(
  'This needs a running Docker engine with Compose v2, and none answered.',
  'start Docker (Docker Desktop, or `sudo systemctl start docker`), check with `docker compose version`, or use the rehearsal: drop --docker / add --local',
);

export async function startComposeStep(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  const useDocker =
    options.real || (!options.local && (await dockerEngineAnswers()) && (await composeV2Answers()));
  if (useDocker) return startDockerCompose(dir, options);
  const file = join(dir, 'compose.yaml');
  const { analyzeCompose } = await import('../compose/index.ts');
  const stack = analyzeCompose(file);
  const error = stack.findings.find((f) => f.severity === 'error');
  if (error) throw new UserError(`compose.yaml can't be rehearsed: ${formatFinding(error)}`, error.fix);
  return startRehearsal(
    {
      dir,
      config: stack.config,
      replicas: stack.replicas,
      socketPath: options.socketPath,
      standsInFor: 'Docker Compose behind Traefik v3.7',
    },
    options,
  );
}

/** The real stack: build, start, wait for health checks; `stop` takes it down again. */
export async function startDockerCompose(
  dir: string,
  options: StartOptions & { socketPath?: string },
): Promise<Environment> {
  if (!((await dockerEngineAnswers()) && (await composeV2Answers()))) throw DOCKER_MISSING;
  const compose = $({ cwd: dir, quiet: !options.echo });
  const project = await composeProject(dir);
  const conflict = await portConflict(project);
  if (conflict) throw conflict;
  const down = async () => {
    // Volumes too: the stack's anonymous volumes would otherwise outlive every run.
    await compose`docker compose down --remove-orphans --volumes`.nothrow();
  };
  const notes = ['Docker Compose: `docker compose ps` and `docker compose logs app` show the replicas.'];
  try {
    await compose`docker compose up --build --detach --wait`;
    const late = await waitForTraefikRoutes(dir);
    if (late) notes.push(late);
  } catch (err) {
    await down();
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
        url: `http://localhost${(options.socketPath ?? '/socket.io/').replace(/socket\.io\/$/, '')}`,
      },
      { label: 'Traefik dashboard', url: 'http://127.0.0.1:8080/dashboard/' },
    ],
    notes,
    stop: async () => {
      await logs?.stop();
      await down();
    },
  };
}

/** Compose's own error: its last stderr line that is not a warning (the buildx one comes first). */
function composeError(err: unknown): string {
  const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
  const lines = stderr.split('\n').filter((l) => l.trim() && !/level=warning/.test(l));
  return lines.at(-1)?.trim() ?? (err as Error).message.split('\n')[0];
}
