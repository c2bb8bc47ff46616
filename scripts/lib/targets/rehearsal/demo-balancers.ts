// Step 2's two demonstration routers in front of the three instances, to see stickiness from the outside:
// one real Traefik with two entry points, a plain round robin on one and a sticky cookie on the other.

import type { Environment } from '../../environment.ts';
import { ensurePortsFree, freePort } from '../../ports.ts';
import type { DynamicConfig } from '../../traefik/dynamic-config.ts';
import { startTraefik } from '../../traefik-run/process.ts';
import { processPart } from '../../workshop-parts.ts';
import { followInstances } from './traefik-rehearsal.ts';

const router = (name: string) => ({
  name,
  rule: 'PathPrefix(`/`)',
  entryPoints: [name],
  service: name,
  middlewares: [],
});

export const DEMO_CONFIG: DynamicConfig = {
  routers: { roundrobin: router('roundrobin'), sticky: router('sticky') },
  services: {
    roundrobin: { name: 'roundrobin', target: 'app' },
    sticky: {
      name: 'sticky',
      target: 'app',
      sticky: { cookie: { name: 'wsk_sticky', httpOnly: true, sameSite: 'lax' } },
    },
  },
  middlewares: {},
  unsupported: [],
};

/** Round robin on `port`, sticky on `port + 1` (free ports when 0), over the step's running instances. */
export async function startDemoBalancers(env: Environment, port = 0, echo = false) {
  const servers = (leaving: ReadonlySet<unknown> = new Set()) => {
    const urls = env.instances
      .filter((i) => i.process.running() && !leaving.has(i.process))
      .map((i) => i.url);
    return { roundrobin: urls, sticky: urls };
  };
  if (port) await ensurePortsFree([port, port + 1]);
  const ports = { roundrobin: port || (await freePort()), sticky: port ? port + 1 : await freePort() };
  const traefik = await startTraefik({
    args: ['--entrypoints.roundrobin.address=:80', '--entrypoints.sticky.address=:81', '--api.insecure=true'],
    ports,
    apiPort: await freePort(),
    config: DEMO_CONFIG,
    servers: servers(),
    echo,
  });
  followInstances(env.instances, (leaving) => traefik.update(DEMO_CONFIG, servers(leaving)));
  const local = (url: string) => url.replace('127.0.0.1', 'localhost');
  return {
    traefik,
    roundRobin: { url: traefik.entryPoints.roundrobin },
    sticky: { url: traefik.entryPoints.sticky },
    links: [
      { label: 'round robin (Traefik, not sticky)', url: local(traefik.entryPoints.roundrobin) },
      { label: 'sticky (Traefik, cookie wsk_sticky)', url: local(traefik.entryPoints.sticky) },
      { label: 'Traefik dashboard', url: `${local(traefik.apiUrl)}/dashboard/` },
    ],
    close: () => traefik.stop(),
  };
}

/** `--start` of step 2: the two routers on PORT+3 (round robin) and PORT+4 (sticky), stopped with the rest. */
export async function withDemoBalancers(env: Environment, port: number, echo = false): Promise<Environment> {
  if (!port) return env;
  const balancers = await startDemoBalancers(env, port + 3, echo).catch(async (err) => {
    await env.stop();
    throw err;
  });
  return {
    ...env,
    traefik: balancers.traefik,
    links: [...env.links, ...balancers.links],
    notes: [...env.notes, `Try: npm run client -- --url ${balancers.links[0].url} --transport polling`],
    workshopParts: [
      ...(env.workshopParts ?? []),
      processPart('Traefik (the two balancers)', balancers.traefik.process),
    ],
    stop: async () => {
      await balancers.close();
      await env.stop();
    },
  };
}
