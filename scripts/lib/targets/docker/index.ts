// The `docker` target: steps 3, 5 and 6 as their compose.yaml describes them, for real: the attendee's
// image built, `docker compose up --wait`, Traefik's Docker provider reading their labels, the checks and
// drills through http://localhost. The drills are the commands an operator would type.
import { spawnSync } from 'node:child_process';
import { $ } from 'zx';
import type { Drills, Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { mustUndo, startProcess } from '../../processes.ts';
import { composeV2Answers, dockerEngineAnswers, findExecutable } from '../../tools.ts';
import { traefikAnswers } from '../../traefik-run/api.ts';
import { routerErrors } from '../../traefik-run/process.ts';
import type { StepShape, TargetModule } from '../target.ts';
import {
  composeProject,
  composeStack,
  portConflict,
  TRAEFIK_API,
  waitForTraefikRoutes,
} from './compose-stack.ts';

export const DOCKER_MISSING = new UserError(
  'This needs a running Docker engine with the Compose plugin (docker compose), and none answered.',
  'start Docker (Docker Desktop, or `sudo systemctl start docker`), check with `docker compose version`, or use the rehearsal: --target rehearsal',
);

/** The real stack: build, start, wait for health checks; `stop` takes it down again. */
export async function startDockerCompose(
  step: Pick<StepShape, 'socketPath'>,
  dir: string,
  options: StartOptions,
): Promise<Environment> {
  const missing = await dockerMissing();
  if (missing)
    throw new UserError(
      `The docker target needs Docker with the Compose plugin: ${missing}.`,
      DOCKER_MISSING.hint,
    );
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
  // Traefik's API where compose.yaml publishes it (the solution: on 127.0.0.1:8080), for the checks and
  // --start; a stack that keeps it to itself has none, and what needs it says so.
  const api = TRAEFIK_API.replace(/\/api$/, '');
  const answers = await traefikAnswers(api);
  const logs = options.echo
    ? startProcess({
        name: 'compose',
        command: 'docker',
        args: ['compose', 'logs', '--follow'],
        cwd: dir,
        echo: true,
      })
    : undefined;
  return {
    entries: ['http://localhost'],
    socketPath: step.socketPath,
    instances: [],
    stack: composeStack(dir),
    drills: composeDrills(dir),
    ...(answers ? { traefik: { apiUrl: api, problems: () => routerErrors(api) } } : {}),
    links: [
      { label: 'chat (Traefik)', url: `http://localhost${step.socketPath.replace(/socket\.io\/$/, '')}` },
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

/** Instance names are container ids here (the app names itself after its hostname). */
export function composeDrills(dir: string): Drills {
  const sh = $({ cwd: dir });
  const done = (drill: string, busiest: string) => `${drill} on the Compose stack (${busiest})`;
  return {
    'sigterm-instance': async (busiest) => {
      await sh`docker stop ${busiest}`;
      return done('sigterm-instance', busiest);
    },
    'sigkill-instance': async (busiest) => {
      await sh`docker kill ${busiest}`;
      return done('sigkill-instance', busiest);
    },
    'restart-redis': async (busiest) => {
      await sh`docker compose restart redis`;
      return done('restart-redis', busiest);
    },
    'rolling-restart': async (busiest) => {
      const ids = (await sh`docker compose ps -q app`).stdout.split('\n').filter(Boolean);
      for (const id of ids) await sh`docker restart ${id}`;
      return done('rolling-restart', busiest);
    },
  };
}

/** What the docker target lacks on this machine, in words (undefined: nothing). */
export async function dockerMissing(): Promise<string | undefined> {
  if (!findExecutable('docker')) return 'no docker command on PATH';
  if (!(await dockerEngineAnswers())) return 'the Docker engine does not answer (`docker info` fails)';
  if (!(await composeV2Answers())) return 'the Compose plugin is missing (`docker compose version` fails)';
  return undefined;
}

export const docker: TargetModule = {
  name: 'docker',
  label: 'Docker Compose',
  summary: 'Docker Compose for real: your Dockerfile built, compose.yaml up, Traefik reading your labels',
  runs: {
    server: null,
    instances: null,
    compose: 'compose',
    kubernetes: null,
    'compose-and-kubernetes': 'compose',
  },
  cannot: { 'local-processes': 'the replicas are containers, not processes of this command' },
  showsItself: () => false,
  missing: dockerMissing,
  start: startDockerCompose,
  // The stack `npm run step N -- --start` keeps up in another terminal.
  runningStack: true,
  startTimeoutMs: 300_000,
  drillTimeoutMs: 15_000,
  forDrill: async (step, dir, { url }) => ({
    entries: [url],
    socketPath: step.socketPath,
    instances: [],
    drills: composeDrills(dir),
    links: [],
    notes: [],
    stop: async () => {},
  }),
};
