// What `npm run doctor` looks at on an attendee's machine. Each check answers ok, missing or warning,
// with the fix for Linux, macOS and Windows (WSL2), and says which part of the workshop needs it.
import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import type { UserError } from '../errors.ts';
import { KIND_VERSION } from '../kubernetes/versions.ts';
import { portIsFree } from '../ports.ts';
import { registryProblems, STEPS } from '../steps.ts';
import { dockerEngineAnswers, findExecutable } from '../tools.ts';
import { TRAEFIK_VERSION } from '../traefik/version.ts';
import { findTraefikBinary, userCacheDir } from '../traefik-run/binary.ts';

export type DoctorStatus = 'ok' | 'missing' | 'warning';
/** local: steps 1–2 and every rehearsal; docker: step 3+ for real; kind: step 4+ for real. */
export type Needed = 'local' | 'docker' | 'kind';

export interface DoctorLine {
  name: string;
  status: DoctorStatus;
  detail: string;
  needed: Needed;
  fix?: { linux: string; macos: string; windows: string };
}

const run = (command: string, args: string[]) =>
  new Promise<string | undefined>((resolve) => {
    if (!findExecutable(command)) return resolve(undefined);
    execFile(command, args, { timeout: 10_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });

// Node 24 LTS runs server.ts by type stripping, as the container does (26 works too).
const NODE_MIN = [24, 0];

export async function runDoctor(env: NodeJS.ProcessEnv = process.env): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number);
  const nodeOk = major > NODE_MIN[0] || (major === NODE_MIN[0] && minor >= NODE_MIN[1]);
  lines.push({
    name: 'Node.js',
    status: nodeOk ? 'ok' : 'missing',
    detail: `v${process.versions.node}${nodeOk ? '' : ' (24 LTS or newer needed)'}`,
    needed: 'local',
    fix: {
      linux: 'install Node 24 LTS with nvm or your package manager (nodesource)',
      macos: 'brew install node@24',
      windows: 'in WSL2: nvm install 24',
    },
  });
  const npm = await run('npm', ['--version']);
  lines.push({
    name: 'npm',
    status: npm ? 'ok' : 'missing',
    detail: npm ?? 'not found',
    needed: 'local',
    fix: { linux: 'comes with Node.js', macos: 'comes with Node.js', windows: 'comes with Node.js' },
  });

  lines.push(await traefikLine());

  const redis = env.REDIS_URL ? `REDIS_URL=${env.REDIS_URL}` : await run('redis-server', ['--version']);
  lines.push({
    name: 'Redis',
    status: redis ? 'ok' : 'missing',
    detail: redis ? redis.split(' ').slice(0, 3).join(' ') : 'no redis-server on PATH and no REDIS_URL',
    needed: 'local',
    fix: {
      linux: 'sudo apt-get install redis-server (or dnf install redis)',
      macos: 'brew install redis',
      windows: 'in WSL2: sudo apt-get install redis-server',
    },
  });

  const dockerClient = await run('docker', ['--version']);
  const engine = dockerClient ? await dockerEngineAnswers() : false;
  lines.push({
    name: 'Docker engine',
    status: engine ? 'ok' : 'missing',
    detail: engine
      ? (dockerClient ?? '')
      : dockerClient
        ? `${dockerClient}, but no engine answers (docker info failed)`
        : 'docker not found',
    needed: 'docker',
    fix: {
      linux:
        'install Docker Engine (docs.docker.com/engine/install), then sudo systemctl start docker and add yourself to the docker group',
      macos: 'install and start Docker Desktop (or colima start)',
      windows: 'install Docker Desktop with the WSL2 backend and enable it for your distro',
    },
  });
  const compose = engine ? await run('docker', ['compose', 'version']) : undefined;
  lines.push({
    name: 'Docker Compose v2',
    status: compose ? 'ok' : 'missing',
    detail: compose ?? (engine ? '`docker compose` not available' : 'needs the Docker engine'),
    needed: 'docker',
    fix: {
      linux: 'sudo apt-get install docker-compose-plugin',
      macos: 'comes with Docker Desktop',
      windows: 'comes with Docker Desktop',
    },
  });
  const kind = await run('kind', ['version']);
  lines.push({
    name: 'kind',
    status: kind ? 'ok' : 'missing',
    detail: kind ?? 'not found',
    needed: 'kind',
    fix: {
      linux: `go install sigs.k8s.io/kind@${KIND_VERSION} (or the release binary from kind.sigs.k8s.io)`,
      macos: 'brew install kind',
      windows: `in WSL2: the Linux release binary of kind ${KIND_VERSION}`,
    },
  });
  const kubectl = await run('kubectl', ['version', '--client']);
  lines.push({
    name: 'kubectl',
    status: kubectl ? 'ok' : 'missing',
    detail: kubectl?.split('\n')[0] ?? 'not found',
    needed: 'kind',
    fix: {
      linux: 'sudo snap install kubectl --classic (or the release binary)',
      macos: 'brew install kubectl',
      windows: 'in WSL2: the Linux kubectl binary',
    },
  });

  const base = Number(env.PORT ?? 3000);
  for (const [port, needed] of [
    // The most ports any step's --start takes from PORT on the rehearsal (the registry says).
    ...Array.from({ length: Math.max(...STEPS.map((s) => s.ports)) }, (_, i) => [base + i, 'local'] as const),
    [80, 'docker'] as const,
    [8080, 'docker'] as const,
  ]) {
    const free = await portIsFree(port);
    lines.push({
      name: `port ${port}`,
      status: free ? 'ok' : 'warning',
      detail: free ? 'free' : 'in use',
      needed,
      fix: {
        linux: `sudo lsof -i :${port} shows who; or PORT=${base + 100} npm run step N`,
        macos: `lsof -i :${port} shows who; or PORT=${base + 100}`,
        windows: `netstat -ano | findstr :${port}; or PORT=${base + 100}`,
      },
    });
  }
  // A filesystem that cannot report its free space (statfs unsupported) is no reason to warn.
  const disk = await statfs('.')
    .then((s) => (s.bavail * s.bsize) / 2 ** 30)
    .catch(() => undefined);
  lines.push({
    name: 'free disk',
    status: disk === undefined || disk >= 5 ? 'ok' : 'warning',
    detail:
      disk === undefined ? 'unknown' : `${disk.toFixed(1)} GiB (images and a kind node take about 3 GiB)`,
    needed: 'docker',
    fix: {
      linux: 'docker system prune; free some space',
      macos: 'docker system prune; free some space',
      windows: 'docker system prune; compact the WSL2 disk',
    },
  });
  const problems = registryProblems();
  lines.push({
    name: 'workshop files',
    status: problems.length ? 'missing' : 'ok',
    detail: problems.length ? problems.join('; ') : 'every step has its starter and solution',
    needed: 'local',
    fix: problems.length
      ? {
          linux: 'git checkout -- steps solutions',
          macos: 'git checkout -- steps solutions',
          windows: 'git checkout -- steps solutions',
        }
      : undefined,
  });
  return lines;
}

/** Local mode (steps 1–2, every rehearsal) needs Node, npm, Redis and the workshop's own files. */
export const localModeReady = (lines: DoctorLine[]) =>
  // A warning (Traefik not downloaded yet, a tight disk) does not stop local mode; a missing tool does.
  lines
    .filter((l) => l.needed === 'local' && !l.name.startsWith('port'))
    .every((l) => l.status !== 'missing');

/** The pinned Traefik every rehearsal runs: found (and where), or downloaded on first use. */
async function traefikLine(): Promise<DoctorLine> {
  const line = { name: `Traefik ${TRAEFIK_VERSION}`, needed: 'local' as const };
  const fix = {
    linux: 'nothing to do online: the first rehearsal downloads it; offline: npm run offline:load',
    macos: 'nothing to do online: the first rehearsal downloads it; offline: npm run offline:load',
    windows: 'nothing to do online: the first rehearsal downloads it; offline: npm run offline:load',
  };
  try {
    const found = await findTraefikBinary();
    if (found) return { ...line, status: 'ok', detail: `${found.path} (${found.source})` };
    return { ...line, status: 'warning', detail: `not yet in ${userCacheDir()}`, fix };
  } catch (err) {
    const message = (err as UserError).message;
    const remedy = (err as UserError).hint ?? '';
    return {
      ...line,
      status: 'missing',
      detail: message,
      fix: { linux: remedy, macos: remedy, windows: remedy },
    };
  }
}
