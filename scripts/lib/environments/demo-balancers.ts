// Step 2's two small balancers in front of the three instances, to see stickiness from the outside.
import { balancerConfig, createStandInRouter } from '../router/stand-in-router.ts';
import type { Environment } from './types.ts';

/** Two balancers over the step's instances: round robin on `port`, sticky on `port + 1` (free ports when 0). */
export async function startDemoBalancers(env: Environment, port = 0) {
  const resolve = () => env.instances.filter((i) => i.process.running()).map((i) => i.url);
  const roundRobin = await createStandInRouter({
    config: balancerConfig({ sticky: false }),
    entryPoint: 'web',
    resolve,
    port: port || undefined,
  });
  const sticky = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve,
    port: port ? port + 1 : undefined,
  });
  return {
    roundRobin,
    sticky,
    links: [
      { label: 'round robin (not sticky)', url: roundRobin.url.replace('127.0.0.1', 'localhost') },
      { label: 'sticky balancer', url: sticky.url.replace('127.0.0.1', 'localhost') },
    ],
    close: async () => {
      await roundRobin.close();
      await sticky.close();
    },
  };
}

/** `--start` of step 2: the balancers on PORT+3 (round robin) and PORT+4 (sticky), stopped with the rest. */
export async function withDemoBalancers(env: Environment, port: number): Promise<Environment> {
  if (!port) return env;
  const balancers = await startDemoBalancers(env, port + 3);
  return {
    ...env,
    links: [...env.links, ...balancers.links],
    notes: [...env.notes, `Try: npm run client -- --url ${balancers.links[0].url} --transport polling`],
    stop: async () => {
      await balancers.close();
      await env.stop();
    },
  };
}
