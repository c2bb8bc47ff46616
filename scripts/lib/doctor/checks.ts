// What `npm run doctor` looks at on an attendee's machine. Each check answers ok, missing or warning,
// with the fix for Linux, macOS and Windows (WSL2), and says which part of the workshop needs it. The
// judgements that read a tool's answer (kind's version, the engine's cgroups, a busy port) are functions
// of that answer, so that a test can hand them any machine's.
import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';
import type { UserError } from '../errors.ts';
import { KIND_NODE_TAG, KIND_VERSION, KUBERNETES_VERSION } from '../kubernetes/versions.ts';
import { PORT_LAYOUT, PORT_RANGE, portIsFree } from '../ports.ts';
import { registryProblems } from '../steps.ts';
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
    name: 'Docker Compose',
    status: compose ? 'ok' : 'missing',
    detail: compose ?? (engine ? '`docker compose` not available' : 'needs the Docker engine'),
    needed: 'docker',
    fix: {
      linux: 'sudo apt-get install docker-compose-plugin',
      macos: 'comes with Docker Desktop',
      windows: 'comes with Docker Desktop',
    },
  });
  // What the kubelet inside kind's node sees is the engine's cgroup version (Docker Desktop's VM on macOS and
  // Windows), so the engine is asked; without one there is no kind cluster to worry about.
  const cgroups = engine
    ? cgroupLine(parseCgroupVersion(await run('docker', ['info', '--format', '{{.CgroupVersion}}'])))
    : undefined;
  if (cgroups) lines.push(cgroups);
  lines.push(kindLine(await run('kind', ['version'])));
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
  // `--start` takes every port from PORT by the layout's offsets (ports.ts): the whole layout is checked.
  const busy: string[] = [];
  const layout = new Map<number, string>();
  for (const { offset, count, what } of Object.values(PORT_LAYOUT))
    for (let i = 0; i < count; i++) if (!layout.has(base + offset + i)) layout.set(base + offset + i, what);
  for (const [port, what] of layout) if (!(await portIsFree(port))) busy.push(`${port} (${what})`);
  const range = `ports ${base}–${base + PORT_RANGE - 1}`;
  lines.push(
    busy.length
      ? {
          ...portLine(Number(busy[0].split(' ')[0]), 'local', false, base),
          name: range,
          detail: `in use: ${busy.join(', ')}`,
        }
      : {
          name: range,
          needed: 'local',
          status: 'ok',
          detail: "free (every port a step's --start opens is PORT plus an offset in this range)",
        },
  );
  for (const port of [80, 8080]) lines.push(portLine(port, 'docker', await portIsFree(port), base));
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

const KIND_PINNED = KIND_VERSION.replace(/^v/, '');
const KIND_INSTALL = {
  linux: `go install sigs.k8s.io/kind@${KIND_VERSION}, or the release binary: curl -Lo kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64 (arm64: kind-linux-arm64) && chmod +x kind && sudo mv kind /usr/local/bin/`,
  macos: `go install sigs.k8s.io/kind@${KIND_VERSION}, or the release binary: curl -Lo kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-darwin-arm64 (Intel: kind-darwin-amd64) && chmod +x kind && sudo mv kind /usr/local/bin/ (brew install kind gives the newest release, not ${KIND_VERSION})`,
  windows: `in WSL2: go install sigs.k8s.io/kind@${KIND_VERSION}, or the Linux release binary: curl -Lo kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64 && chmod +x kind && sudo mv kind /usr/local/bin/`,
};

/**
 * `kind version` (e.g. `kind v0.32.0 go1.26.8 linux/amd64`) against the pinned release: older than v0.32
 * cannot load images into the v1.36 node images (a containerd change in the node), so it blocks step 4;
 * a newer one defaults to another Kubernetes and is not promised to run the node image built for v0.32.
 */
export function kindLine(output: string | undefined): DoctorLine {
  const line = { name: 'kind', needed: 'kind' as const, fix: KIND_INSTALL };
  if (!output) return { ...line, status: 'missing', detail: 'not found' };
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!m)
    return {
      ...line,
      status: 'warning',
      detail: `${output} (could not read its version; the workshop pins ${KIND_VERSION})`,
    };
  const [major, minor] = KIND_PINNED.split('.').map(Number);
  const order = Number(m[1]) - major || Number(m[2]) - minor;
  if (order < 0)
    return {
      ...line,
      status: 'missing',
      detail: `${output}: kind older than v${major}.${minor} cannot \`kind load\` images into the ${KIND_NODE_TAG} node (a containerd change), so the app never starts there`,
    };
  if (order > 0)
    return {
      ...line,
      status: 'warning',
      detail: `${output}: the workshop pins kind ${KIND_VERSION} and its node image ${KIND_NODE_TAG} (by digest); a newer kind defaults to a newer Kubernetes and promises only the node images built for its own release`,
    };
  return { ...line, status: 'ok', detail: output };
}

/** `docker info --format {{.CgroupVersion}}` answers `1` or `2`; anything else is unknown. */
export const parseCgroupVersion = (output: string | undefined): 1 | 2 | undefined =>
  output?.trim() === '1' ? 1 : output?.trim() === '2' ? 2 : undefined;

/**
 * The engine's cgroup version, where kind's nodes run: since Kubernetes 1.35 the kubelet refuses to start
 * on cgroup v1 unless its configuration sets `failCgroupV1: false`, which kind v0.32 does not (it only warns).
 */
export function cgroupLine(version: 1 | 2 | undefined): DoctorLine | undefined {
  if (version === undefined) return undefined;
  const line = { name: 'cgroups (kind)', needed: 'kind' as const };
  if (version === 2) return { ...line, status: 'ok', detail: "cgroup v2, as the kind node's kubelet needs" };
  const patch =
    'add to kind-config.yaml, under `kind: Cluster`: kubeadmConfigPatches: ["kind: KubeletConfiguration\\nfailCgroupV1: false"], then recreate the cluster';
  return {
    ...line,
    status: 'missing',
    detail: `the Docker engine runs on cgroup v1: the Kubernetes ${KUBERNETES_VERSION} kubelet in kind's node refuses to start there (since 1.35), and kind ${KIND_VERSION} only warns`,
    fix: {
      linux: `${patch}; or boot the host on cgroup v2 (systemd.unified_cgroup_hierarchy=1 on the kernel command line)`,
      macos: `update Docker Desktop or colima (their VMs run cgroup v2); or ${patch}`,
      windows: `in %UserProfile%\\.wslconfig, under [wsl2]: kernelCommandLine = cgroup_no_v1=all, then wsl --shutdown; or ${patch}`,
    },
  };
}

/**
 * A port the workshop needs. PORT moves the rehearsal's ports (steps 1–6 on this machine), but not 80 and
 * 8080: compose.yaml publishes them and kind-config.yaml maps them, so Docker and kind need them free.
 */
export function portLine(port: number, needed: Needed, free: boolean, base: number): DoctorLine {
  const line = { name: `port ${port}`, needed, status: free ? ('ok' as const) : ('warning' as const) };
  if (free) return { ...line, detail: 'free' };
  if (needed === 'local') {
    const move = `or move the rehearsal: PORT=${base + 100} npm run step N -- --start`;
    return {
      ...line,
      detail: 'in use',
      fix: {
        linux: `sudo lsof -iTCP:${port} -sTCP:LISTEN shows who; ${move}`,
        macos: `sudo lsof -iTCP:${port} -sTCP:LISTEN shows who; ${move}`,
        windows: `netstat -ano | findstr :${port} names the PID (Task Manager shows whose); ${move}`,
      },
    };
  }
  const why = `PORT= does not move it: compose.yaml publishes ${port} and kind-config.yaml maps it, so Docker and kind need it free (the rehearsal, --target rehearsal, runs on PORT instead)`;
  return {
    ...line,
    detail: 'in use',
    fix: {
      linux: `sudo lsof -iTCP:${port} -sTCP:LISTEN shows who: stop it. ${why}`,
      macos: `sudo lsof -iTCP:${port} -sTCP:LISTEN shows who: stop it. ${why}`,
      windows: `netstat -ano | findstr :${port} names the PID (Task Manager shows whose): stop it. ${why}`,
    },
  };
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
