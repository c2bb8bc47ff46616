// The real Docker path: a Docker engine, Compose, the attendee's own Dockerfile and compose.yaml, the
// real Traefik reading the containers' labels. Where no engine answers these tests are skipped, except
// under CI=true, where that is a failure: CI brings the engine up (.ci/docker-tier.sh).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { closeAll, connectClient, type TestClient } from '../scripts/lib/checks/clients.ts';
import { expectFanOut } from '../scripts/lib/checks/protocol.ts';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { analyzeCompose } from '../scripts/lib/compose/index.ts';
import { DRILLS, type DrillName, runDrill } from '../scripts/lib/drill-run.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { KIND_NODE_TAG } from '../scripts/lib/kubernetes/versions.ts';
import { NODE_BASE_IMAGE, OFFLINE_IMAGES } from '../scripts/lib/offline/images.ts';
import { ROOM_BASE_LABEL } from '../scripts/lib/offline/npm-cache.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import { findStep, solutionDir, starterDir, stepsOn } from '../scripts/lib/steps.ts';
import type { Snapshot } from '../scripts/lib/system-view/snapshot.ts';
import { TRAEFIK_API } from '../scripts/lib/targets/docker/compose-stack.ts';
import { startDockerCompose } from '../scripts/lib/targets/docker/index.ts';
import type { StickyCookie } from '../scripts/lib/traefik/dynamic-config.ts';
import { ROOT, removeTempHomes, runCli, startCli, tempHome } from './helpers/cli.ts';
import { describeWith, lacking } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';
import { serveTraefikRelease } from './helpers/traefik-release.ts';

interface TraefikObject {
  name: string;
  provider: string;
  rule?: string;
  priority?: number;
  entryPoints?: string[];
  service?: string;
  middlewares?: string[];
  loadBalancer?: { sticky?: { cookie?: StickyCookie }; strategy?: string; servers?: { url: string }[] };
  stripPrefix?: { prefixes: string[] };
}

const missing = await lacking('docker');
const PROJECT = 'wsk';
const sh = $({ quiet: true });

/** The project's containers, networks and volumes still there (all of them, running or not). */
async function leftovers(): Promise<string[]> {
  const filter = `label=com.docker.compose.project=${PROJECT}`;
  const [containers, networks, volumes] = await Promise.all([
    sh`docker ps -a -q --filter ${filter}`,
    sh`docker network ls -q --filter ${filter}`,
    sh`docker volume ls -q --filter ${filter}`,
  ]);
  return [
    ...containers.stdout.split('\n').map((id) => id && `container ${id}`),
    ...networks.stdout.split('\n').map((id) => id && `network ${id}`),
    ...volumes.stdout.split('\n').map((id) => id && `volume ${id}`),
  ].filter(Boolean);
}

it('no Dockerfile has a `# syntax=` line: BuildKit would pull that frontend, which fails offline', () => {
  const dockerfiles = ['steps', 'solutions'].flatMap((top) =>
    readdirSync(join(ROOT, top)).map((d) => join(ROOT, top, d, 'Dockerfile')),
  );
  const existing = dockerfiles.filter((f) => existsSync(f));
  expect(existing.length).toBeGreaterThanOrEqual(8);
  expect(existing.filter((f) => /^#\s*syntax\s*=/im.test(readFileSync(f, 'utf8')))).toEqual([]);
});

describeWith(missing, 'the Docker target, for real', () => {
  beforeAll(async () => {
    // A stack left by an interrupted run would hold ports 80 and 8080.
    for (const step of stepsOn('docker'))
      await $({
        cwd: solutionDir(findStep(step)),
        quiet: true,
      })`docker compose down --remove-orphans --volumes`;
  }, 60_000);
  afterAll(removeTempHomes);

  it('npm run step 3 -- --start --target docker: 3 replicas + Redis + Traefik healthy, sticky long-polling and WebSocket through Traefik on port 80, non-root; SIGTERM leaves nothing', async () => {
    const home = tempHome();
    expect((await runCli('solve.ts', ['3', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
    const started = Date.now();
    const cli = startCli('step.ts', ['3', '--start', '--target', 'docker'], { WORKSHOP_HOME: home });
    const clients: TestClient[] = [];
    try {
      await cli.waitForOutput('Traefik dashboard', 240_000);
      console.log(`step 3 --start --target docker: up, healthy and routed in ${Date.now() - started} ms`);
      const dir = join(home, 'playground/03-compose-traefik');
      const ps = (
        await $({
          cwd: dir,
          quiet: true,
        })`docker compose ps --format ${'{{.Service}} {{.State}} {{.Health}}'}`
      ).stdout
        .trim()
        .split('\n')
        .map((line) => line.trim())
        .sort();
      expect(ps).toEqual([
        'app running healthy',
        'app running healthy',
        'app running healthy',
        'redis running healthy',
        'traefik running',
      ]);

      for (let i = 0; i < 12; i++)
        clients.push(await connectClient('http://localhost', { transport: 'polling' }));
      const instances = new Set(clients.map((c) => c.welcome.instance));
      expect(instances.size, `12 clients over ${[...instances].join(', ')}`).toBeGreaterThanOrEqual(2);
      // Sessions kept: every client's chat is acknowledged by the instance that welcomed it, and all see it.
      for (const c of clients) {
        const ack = (await c.socket.timeout(3_000).emitWithAck('chat', { text: 'hello' })) as {
          instance: string;
        };
        expect(ack.instance).toBe(c.welcome.instance);
      }
      await expectFanOut(clients, 'docker-polling');
      const ws = await connectClient('http://localhost', { transport: 'websocket' });
      clients.push(ws);
      expect(ws.socket.io.engine.transport.name).toBe('websocket');

      // The system view reads each container from inside one: the clients each holds, and Redis.
      const view = /^system view {2}(\S+)/m.exec(cli.output())?.[1] as string;
      const held: Record<string, number> = {};
      for (const c of clients) held[c.welcome.instance] = (held[c.welcome.instance] ?? 0) + 1;
      const want = JSON.stringify(
        Object.keys(held)
          .sort()
          .map((id) => [id, `up ${held[id]}`, id]),
      );
      let seen = '';
      await waitFor(
        `the view to show ${want} and Redis up`,
        async () => {
          const snapshot = (await (await fetch(new URL('snapshot', view))).json()) as Snapshot;
          const servers = snapshot.traefik?.services.flatMap((x) => x.servers.map((v) => v.instance)) ?? [];
          seen = JSON.stringify(
            snapshot.instances
              .map((i) => [i.id, `${i.state} ${i.clients ?? 0}`, servers.find((s) => s === i.id)])
              .sort(),
          );
          return seen === want && snapshot.redis?.up ? true : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the view showed ${seen}`);
      });

      const users = (
        await $({ cwd: dir, quiet: true })`docker compose exec -T app node -p ${'process.getuid()'}`
      ).stdout;
      expect(users.trim()).not.toBe('0');
      expect(users.trim()).toMatch(/^\d+$/);
    } finally {
      closeAll(clients);
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    expect(await leftovers()).toEqual([]);
  }, 300_000);

  for (const number of stepsOn('docker')) {
    const step = findStep(number);
    it(`check ${number} --target docker passes on the solution`, async () => {
      const started = Date.now();
      const result = await runStep(step, solutionDir(step), { target: 'docker' });
      console.log(`check ${number} --target docker on the solution: ${Date.now() - started} ms`);
      expect(result.failure, JSON.stringify(result.failure)).toBeUndefined();
      expect(result.expectations.every((e) => e.status === 'pass')).toBe(true);
      expect(await leftovers()).toEqual([]);
    }, 300_000);

    it(`check ${number} --target docker fails on the starter at '${step.starterFailsAt}', as on the rehearsal`, async () => {
      const result = await runStep(step, starterDir(step), { target: 'docker' });
      expect(result.failure?.id).toBe(step.starterFailsAt);
      expect(await leftovers()).toEqual([]);
    }, 300_000);
  }

  for (const number of [3, 5, 6]) {
    it(`label fidelity, step ${number}: Traefik's Docker provider builds what the rehearsal's translation of the same labels says`, async () => {
      const step = findStep(number);
      const dir = solutionDir(step);
      const translated = analyzeCompose(join(dir, 'compose.yaml')).config;
      expect(Object.keys(translated.routers).length, 'the solution has routers to compare').toBeGreaterThan(
        0,
      );
      const env = await startDockerCompose(step, dir, { port: 0 });
      try {
        const api = async (kind: string) =>
          ((await (await fetch(`${TRAEFIK_API}/http/${kind}`)).json()) as TraefikObject[]).filter(
            (o) => o.provider === 'docker',
          );
        const [routers, services, middlewares] = await Promise.all([
          api('routers'),
          api('services'),
          api('middlewares'),
        ]);
        // Provider suffixes and server addresses aside, both sides in the same shape.
        const bare = (name: string) => name.replace(/@docker$/, '');
        expect(
          Object.fromEntries(
            routers.map((r) => [
              bare(r.name),
              {
                rule: r.rule,
                priority: r.priority,
                entryPoints: r.entryPoints,
                service: bare(r.service ?? ''),
                middlewares: (r.middlewares ?? []).map(bare),
              },
            ]),
          ),
        ).toEqual(
          Object.fromEntries(
            Object.values(translated.routers).map((r) => [
              r.name,
              {
                rule: r.rule,
                // Traefik's default priority is the rule's length.
                priority: r.priority ?? r.rule.length,
                entryPoints: r.entryPoints,
                service: r.service,
                middlewares: r.middlewares,
              },
            ]),
          ),
        );
        const cookie = (c?: StickyCookie) =>
          c && {
            name: c.name,
            httpOnly: c.httpOnly ?? false,
            secure: c.secure ?? false,
            sameSite: c.sameSite ?? '',
            maxAge: c.maxAge ?? 0,
            path: c.path ?? '/',
          };
        expect(
          Object.fromEntries(
            services.map((s) => [
              bare(s.name),
              {
                sticky: cookie(s.loadBalancer?.sticky?.cookie),
                strategy: s.loadBalancer?.strategy,
                servers: s.loadBalancer?.servers?.length,
              },
            ]),
          ),
        ).toEqual(
          Object.fromEntries(
            Object.values(translated.services).map((s) => [
              s.name,
              {
                sticky: cookie(s.sticky?.cookie),
                strategy: s.strategy ?? 'wrr',
                servers: analyzeCompose(join(dir, 'compose.yaml')).replicas[s.target],
              },
            ]),
          ),
        );
        expect(Object.fromEntries(middlewares.map((m) => [bare(m.name), m.stripPrefix?.prefixes]))).toEqual(
          Object.fromEntries(
            Object.values(translated.middlewares).map((m) => [m.name, m.stripPrefix?.prefixes]),
          ),
        );
      } finally {
        await env.stop();
      }
      expect(await leftovers()).toEqual([]);
    }, 300_000);
  }

  it('steps 5–6 after step 4: the kind cluster holding port 80 is named, with the command that frees it', async () => {
    // A stand-in for kind's node container: what matters is its label and the host port it maps.
    const node = (
      await sh`docker run -d --label io.x-k8s.kind.cluster=wsk -p 80:3000 node:24-alpine node -e ${'setInterval(() => {}, 1000)'}`
    ).stdout.trim();
    try {
      const start = startDockerCompose(findStep(5), solutionDir(findStep(5)), { port: 0 });
      await expect(start).rejects.toThrow("Port 80 is held by the kind cluster 'wsk' (step 4)");
      await expect(start).rejects.toHaveProperty(
        'hint',
        'delete the cluster first: npm run step 4 -- --down',
      );
    } finally {
      await sh`docker rm -f ${node}`;
    }
    expect(await leftovers()).toEqual([]);
  }, 60_000);

  describe('drills --target docker on step 6', () => {
    const step = findStep(6);
    let env: Environment;
    beforeAll(async () => {
      env = await startDockerCompose(step, solutionDir(step), { port: 0 });
    }, 300_000);
    afterAll(async () => {
      await env?.stop();
      expect(await leftovers()).toEqual([]);
    }, 120_000);

    /** Every replica back (a drill stops one) and routed, before the next drill. */
    async function restore() {
      const dir = solutionDir(step);
      await $({ cwd: dir, quiet: true })`docker compose up --detach --wait`;
      await waitFor(
        'three replicas routed by Traefik',
        async () => ((await env.stack?.replicas())?.filter((r) => r.running).length === 3 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(await env.stack?.settle()).toBeUndefined();
    }

    for (const drill of Object.keys(DRILLS) as DrillName[]) {
      it(`${drill}: every client back and reached by a broadcast, the losses counted`, async () => {
        await restore();
        const result = await runDrill(env, drill, { clients: 12, timeoutMs: 20_000 });
        console.log(
          `drill ${drill} on Docker: recovered in ${result.recoveryMs} ms, ${result.lost} of ${result.expected} deliveries lost`,
        );
        expect(result.recovered, result.action).toBe(true);
        expect(result.sent).toBeGreaterThan(0);
        // The instance drills hold the step 6 check's bound: the rehearsal's 3 s plus the router's lag.
        if (drill === 'sigterm-instance' || drill === 'sigkill-instance')
          expect(result.recoveryMs).toBeLessThanOrEqual(3_000 + (env.stack?.routerLagMs ?? 0));
      }, 120_000);
    }

    it('npm run drill restart-redis -- --target docker: the command, on the running stack', async () => {
      await restore();
      const home = tempHome();
      const out = await runCli(
        'drill.ts',
        ['restart-redis', '--target', 'docker', '--step', '6'],
        { WORKSHOP_HOME: home },
        90_000,
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/every client back and reached by a broadcast after \d+ ms/);
      expect(out.stdout).toMatch(
        /chats sent +\d+, \d+ never acknowledged\ndeliveries +\d+ of \d+ arrived, \d+ lost/,
      );
    }, 120_000);
  });

  // Last in this file, and in this file rather than its own: it takes the images every test above builds
  // from off the engine for a moment, so it must never run beside them (vitest runs a file's tests in order).
  describe('the offline pack, for real', () => {
    // kind's node image is left out: no registry serves it here.
    const removable = OFFLINE_IMAGES.filter((i) => i !== KIND_NODE_TAG);
    const appImage = 'wsk-offline-test-app:1';
    const imageId = async (ref: string) => {
      const out = await sh`docker image inspect --format ${'{{.Id}}'} ${ref}`.nothrow();
      return out.exitCode === 0 ? out.stdout.trim() : undefined;
    };
    /** Every image built on top of `id` (the classic builder records parents), children first. */
    async function descendants(id: string): Promise<string[]> {
      const all = (await sh`docker images -a -q --no-trunc`).stdout.split('\n').filter(Boolean);
      if (all.length === 0) return [];
      const parents = new Map(
        (await sh`docker image inspect --format ${'{{.Id}} {{.Parent}}'} ${all}`).stdout
          .trim()
          .split('\n')
          .map((line) => line.split(' ') as [string, string]),
      );
      const below = (parent: string): string[] =>
        [...parents].filter(([, p]) => p === parent).flatMap(([child]) => [...below(child), child]);
      return below(id);
    }

    it('offline:pack, the images removed, offline:load, then npm run step 3 -- --start --target docker with the build cut from the network: healthy through Traefik', async () => {
      const release = await serveTraefikRelease();
      const out = tempDir('wsk-offline-pack-');
      const env = { ...release.env, WSK_CACHE_DIR: tempDir('wsk-cache-') };
      const before: Record<string, string | undefined> = {};
      for (const image of removable) before[image] = await imageId(image);
      for (const image of removable)
        expect(before[image], `${image} (.ci/docker-tier.sh builds the stand-ins)`).toMatch(/^sha256:/);
      let started = Date.now();
      const packed = await runCli('offline-pack.ts', ['--out', out, '--without-kind'], env, 240_000);
      const packMs = Date.now() - started;
      expect(packed.code, packed.stderr).toBe(0);
      for (const image of removable) expect(packed.stdout).toMatch(`${image}: already on this machine`);
      const packMb = Number((await sh`du -sm ${out}`).stdout.split('\t')[0]);

      const home = tempHome();
      let cli: ReturnType<typeof startCli> | undefined;
      try {
        await sh`docker rmi ${removable}`;
        for (const image of removable) expect(await imageId(image), `${image} removed`).toBeUndefined();
        started = Date.now();
        const loaded = await runCli('offline-load.ts', ['--from', out], env, 240_000);
        const loadMs = Date.now() - started;
        expect(loaded.code, loaded.stderr).toBe(0);
        // Redis and Traefik: the same bytes again. The Node base: on top of the same, the pack's npm cache.
        for (const image of removable.filter((i) => i !== NODE_BASE_IMAGE))
          expect(await imageId(image), image).toBe(before[image]);
        const labels =
          await sh`docker image inspect --format ${'{{json .Config.Labels}}'} ${NODE_BASE_IMAGE}`;
        expect(labels.stdout).toMatch(ROOM_BASE_LABEL);
        const layers = await sh`docker history --quiet --no-trunc ${NODE_BASE_IMAGE}`;
        expect(layers.stdout.split('\n')).toContain(before[NODE_BASE_IMAGE]);

        // The attendee's command; its build with no network and no cache, so `npm ci` runs and finds every
        // package in the pack (the same build without the pack fails: getaddrinfo EAI_AGAIN).
        expect((await runCli('solve.ts', ['3', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
        const dir = join(home, 'playground/03-compose-traefik');
        const offline = join(tempDir('wsk-offline-compose-'), 'offline.yaml');
        writeFileSync(
          offline,
          `services:\n  app:\n    image: ${appImage}\n    build:\n      network: none\n      no_cache: true\n`,
        );
        started = Date.now();
        cli = startCli('step.ts', ['3', '--start', '--target', 'docker'], {
          WORKSHOP_HOME: home,
          COMPOSE_FILE: `${join(dir, 'compose.yaml')}:${offline}`,
        });
        await cli.waitForOutput('Traefik dashboard', 240_000);
        const upMs = Date.now() - started;
        const created = (await sh`docker image inspect --format ${'{{.Created}}'} ${appImage}`).stdout.trim();
        expect(Date.parse(created.replace(/(\.\d{3})\d*/, '$1')), `${appImage} built now`).toBeGreaterThan(
          started - 1_000,
        );
        const ps = (
          await $({
            cwd: dir,
            quiet: true,
            env: { ...process.env, COMPOSE_FILE: `${join(dir, 'compose.yaml')}:${offline}` },
          })`docker compose ps --format ${'{{.Service}} {{.Health}}'}`
        ).stdout;
        expect(ps.match(/^app healthy$/gm)?.length, ps).toBe(3);
        const healthz = await fetch('http://localhost/healthz', { signal: AbortSignal.timeout(5_000) });
        expect(healthz.status).toBe(200);
        const client = await connectClient('http://localhost', { transport: 'polling' });
        closeAll([client]);
        expect(client.welcome.instance).toMatch(/\S/);
        console.log(
          `offline: pack ${packMs} ms (${packMb} MB), load ${loadMs} ms, step 3 built with no network and up healthy in ${upMs} ms`,
        );
      } finally {
        if (cli) {
          cli.child.kill('SIGTERM');
          await cli.exited;
        }
        // Whatever happened above: the stand-ins back as they were, for the tests that follow.
        const missing = [];
        for (const image of removable) if (!(await imageId(image))) missing.push(image);
        if (missing.length > 0) await sh`docker load -i ${join(out, 'images.tar')}`.nothrow();
        const room = await imageId(NODE_BASE_IMAGE);
        if (before[NODE_BASE_IMAGE])
          await sh`docker tag ${before[NODE_BASE_IMAGE]} ${NODE_BASE_IMAGE}`.nothrow();
        if (room && room !== before[NODE_BASE_IMAGE]) {
          // A failed build's step stays as a stopped container (the classic builder keeps it) and holds its image.
          const failed = (await sh`docker ps -a -q --filter ${`ancestor=${room}`}`).stdout
            .split('\n')
            .filter(Boolean);
          if (failed.length > 0) await sh`docker rm -f ${failed}`.nothrow();
          for (const image of [...(await descendants(room)), room]) await sh`docker rmi ${image}`.nothrow();
        }
      }
      for (const image of removable) expect(await imageId(image), image).toBe(before[image]);
      expect(await imageId(appImage)).toBeUndefined();
      expect((await sh`docker images -a -q --filter ${`label=${ROOM_BASE_LABEL}`}`).stdout.trim()).toBe('');
      expect(await leftovers()).toEqual([]);
    }, 600_000);
  });
});
