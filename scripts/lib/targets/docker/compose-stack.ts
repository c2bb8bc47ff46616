// A running Compose stack as Docker and Traefik see it: which containers Traefik should route to, and
// whether its Docker provider already does. `docker compose up --wait` returns once the containers are
// healthy, but Traefik learns of each health change from Docker's events a moment later: a check that
// starts at once finds a single replica behind the router.
import { createServer } from 'node:net';
import { $ } from 'zx';
import type { RealStack } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { waitFor } from '../../processes.ts';

export const TRAEFIK_API = 'http://127.0.0.1:8080/api';

interface ServiceInfo {
  provider?: string;
  loadBalancer?: { servers?: { url: string }[] };
  serverStatus?: Record<string, string>;
}

/** The addresses of the project's running containers that ask Traefik to route to them. */
export async function routedAddresses(dir: string): Promise<string[]> {
  const ids = (await $({ cwd: dir, quiet: true })`docker compose ps -q`).stdout.split('\n').filter(Boolean);
  if (!ids.length) return [];
  const format =
    '{{if eq (index .Config.Labels "traefik.enable") "true"}}{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}{{end}}';
  const out = (await $({ quiet: true })`docker inspect --format ${format} ${ids}`).stdout;
  return out.split(/\s+/).filter(Boolean);
}

/** The hosts Traefik's Docker provider balances over and reports up, from its API. */
export async function traefikUpHosts(api = TRAEFIK_API): Promise<Set<string>> {
  const res = await fetch(`${api}/http/services`, { signal: AbortSignal.timeout(2_000) });
  const services = (await res.json()) as ServiceInfo[];
  const hosts = new Set<string>();
  for (const s of services) {
    if (s.provider !== 'docker') continue;
    for (const { url } of s.loadBalancer?.servers ?? [])
      if ((s.serverStatus?.[url] ?? 'UP') === 'UP') hosts.add(new URL(url).hostname);
  }
  return hosts;
}

/**
 * Waits until Traefik balances over exactly the running labelled containers of the stack. Returns a note when it did not
 * within the bound (no API on 8080, labels Traefik rejects): the behavioural checks then say what is wrong.
 */
export async function waitForTraefikRoutes(dir: string, timeoutMs = 20_000): Promise<string | undefined> {
  // The running containers do not change while this waits (it follows `up` or a drill's action): asked
  // once, then only Traefik is polled.
  const wanted = await routedAddresses(dir);
  if (!wanted.length)
    return 'No running container of this stack has the label traefik.enable=true: Traefik routes to none.';
  try {
    await waitFor(
      'Traefik to route to every replica',
      async () => {
        const up = await traefikUpHosts();
        // Exactly those: a replica that just stopped must be gone from the routes too.
        return wanted.every((a) => up.has(a)) && up.size === wanted.length ? true : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
    return undefined;
  } catch {
    return `Traefik's API (${TRAEFIK_API}) did not list every labelled container as a server within ${timeoutMs / 1000} s.`;
  }
}

export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';

/**
 * Why `docker compose up` could not publish the stack's host ports, or undefined when it can: the kind
 * cluster of step 4 (its node container maps 80 and 8080), another Compose project, or another program.
 */
export async function portConflict(project: string, ports = [80, 8080]): Promise<UserError | undefined> {
  for (const port of ports) {
    const format = `{{.Names}}\t{{.Label "${KIND_CLUSTER_LABEL}"}}\t{{.Label "com.docker.compose.project"}}`;
    const out = (await $({ quiet: true })`docker ps --filter publish=${port} --format ${format}`).stdout;
    for (const line of out.split('\n').filter(Boolean)) {
      const [name, cluster, other] = line.split('\t');
      if (cluster)
        return new UserError(
          `Port ${port} is held by the kind cluster '${cluster}' (step 4): Docker Compose can't publish it.`,
          'delete the cluster first: npm run step 4 -- --down',
        );
      if (other !== project)
        return new UserError(
          `Port ${port} is held by the container ${name}${other ? ` of the Compose project '${other}'` : ''}.`,
          other ? `stop it: docker compose -p ${other} down` : `stop it: docker stop ${name}`,
        );
    }
    if (!out.trim() && !(await portFree(port)))
      return new UserError(
        `Port ${port} is in use by another program on this machine.`,
        `find it with \`sudo ss -ltnp 'sport = :${port}'\` and stop it`,
      );
  }
  return undefined;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EACCES'));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** The Compose project name of the stack in `dir` (its `name:`, else the folder's), as Compose resolves it. */
export async function composeProject(dir: string): Promise<string> {
  const result = await $({ cwd: dir, quiet: true, nothrow: true })`docker compose config --format json`;
  if (result.exitCode !== 0)
    throw new UserError(
      `docker compose config rejected ${dir}/compose.yaml: ${result.stderr.trim().split('\n')[0]}`,
      'fix compose.yaml; `docker compose config` shows what Compose reads',
    );
  return (JSON.parse(result.stdout) as { name: string }).name;
}

/** The Compose stack in `dir` as the checks see it: its app replicas are its labelled containers. */
export function composeStack(dir: string): RealStack {
  const sh = $({ cwd: dir, quiet: true });
  const redisService = 'redis';
  return {
    // Traefik's Docker provider hears of a container's end from Docker's events and applies new routes at
    // most every 2 s (providersThrottleDuration): until then reconnecting clients get 502s and back off.
    routerLagMs: 3_000,
    settle: () => waitForTraefikRoutes(dir),
    async replicas() {
      const ids = (await sh`docker compose ps -a -q`).stdout.split('\n').filter(Boolean);
      if (!ids.length) return [];
      const format =
        '{{if eq (index .Config.Labels "traefik.enable") "true"}}{{.Id}} {{.Config.Hostname}} {{.State.Running}} {{.State.ExitCode}}{{"\\n"}}{{end}}';
      const out = (await sh`docker inspect --format ${format} ${ids}`).stdout;
      return out
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => {
          const [id, hostname, running, exitCode] = line.trim().split(' ');
          return {
            id,
            instance: hostname,
            running: running === 'true',
            exitCode: Number(exitCode),
            logs: async () => (await sh`docker logs --tail 40 ${id}`.nothrow()).stderr,
          };
        });
    },
    insideNode: (replica, script) => ['docker', 'exec', '-i', replica.id, 'node', '-e', script],
    async status(replica, path) {
      // From inside the container: its port is published to no one but Traefik.
      const probe = `fetch('http://127.0.0.1:'+(process.env.PORT||3000)+${JSON.stringify(path)}).then(r=>console.log(r.status),()=>console.log(0))`;
      const out = await sh`docker exec ${replica.id} node -e ${probe}`.nothrow();
      return Number(out.stdout.trim()) || 0;
    },
    async freezeRedis() {
      await sh`docker compose kill -s SIGSTOP ${redisService}`;
    },
    async stopRedis() {
      // No grace: a frozen Redis would sit out the whole stop timeout before its SIGKILL.
      await sh`docker compose stop -t 0 ${redisService}`;
    },
    async startRedis() {
      await sh`docker compose start ${redisService}`;
    },
  };
}
