// Step 2's two demonstration routers in front of the three instances, to see stickiness from the outside:
// one real Traefik with two entry points, a plain round robin on one and a sticky cookie on the other.

import type { Environment } from '../../environment.ts';
import { PortPlan } from '../../ports.ts';
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

/** Where the two balancers and their Traefik's API listen. */
export interface DemoPorts {
  roundrobin: number;
  sticky: number;
  api: number;
}

/** The demo's ports in a start's plan: PORT+3 (round robin), PORT+4 (sticky), PORT+5 (the dashboard). */
export async function demoPorts(plan: PortPlan): Promise<DemoPorts> {
  return {
    roundrobin: await plan.port('roundRobin'),
    sticky: await plan.port('sticky'),
    api: await plan.port('dashboard'),
  };
}

/** Round robin and sticky over the step's running instances, on `ports` (free ones when absent). */
export async function startDemoBalancers(env: Environment, ports?: DemoPorts, echo = false) {
  const servers = (leaving: ReadonlySet<unknown> = new Set()) => {
    const urls = env.instances
      .filter((i) => i.process.running() && !leaving.has(i.process))
      .map((i) => i.url);
    return { roundrobin: urls, sticky: urls };
  };
  const { roundrobin, sticky, api } = ports ?? (await demoPorts(new PortPlan(0)));
  const traefik = await startTraefik({
    args: ['--entrypoints.roundrobin.address=:80', '--entrypoints.sticky.address=:81', '--api.insecure=true'],
    ports: { roundrobin, sticky },
    apiPort: api,
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

/** `--start` of step 2: the two balancers on their ports of the plan, stopped with the rest. */
export async function withDemoBalancers(
  env: Environment,
  ports: DemoPorts,
  echo = false,
): Promise<Environment> {
  const balancers = await startDemoBalancers(env, ports, echo).catch(async (err) => {
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
