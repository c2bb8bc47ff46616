// Step 6's advanced section: with the Redis streams adapter and connection state recovery, the clients of
// an instance stopped mid-stream get the broadcasts they missed, through another instance.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runDrill } from '../scripts/lib/drill-run.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { startRehearsal } from '../scripts/lib/targets/rehearsal/traefik-rehearsal.ts';
import { parseStaticConfig } from '../scripts/lib/traefik/static-config.ts';

// Not a strict zero: in about one run in four a client missed one to three broadcasts sent in the instant
// the instance closed. The pub/sub adapter of the main solution loses about a fifth of the deliveries to
// the clients of the stopped instance in the same drill.
it('loses (almost) no broadcast across an instance restart', async () => {
  const env = await startRehearsal(
    {
      dir: join(ROOT, 'solutions/06-load-and-failure/advanced'),
      config: {
        routers: {
          app: {
            name: 'app',
            rule: 'PathPrefix(`/`)',
            entryPoints: ['web'],
            service: 'app',
            middlewares: [],
          },
        },
        services: { app: { name: 'app', target: 'app', sticky: { cookie: { name: 'wsk_sticky' } } } },
        middlewares: {},
        unsupported: [],
      },
      replicas: { app: 3 },
      environment: {},
      traefik: parseStaticConfig(['--entrypoints.web.address=:80']),
      standsInFor: 'step 6, advanced',
    },
    { port: 0 },
  );
  try {
    const result = await runDrill(env, 'sigterm-instance', { clients: 12, rate: 50 });
    expect(result.recovered).toBe(true);
    expect(result.sent).toBeGreaterThan(0);
    expect(result.lost / result.expected).toBeLessThanOrEqual(0.05);
    // Recovery replays what a client missed: counted per client, the copies too (issue 24's measure).
    expect(result.perClient).toHaveLength(12);
    expect(result.perClient.reduce((n, c) => n + c.lost, 0)).toBe(result.lost);
    expect(result.perClient.reduce((n, c) => n + c.duplicated, 0)).toBe(result.duplicated);
    expect(result.delivered).toBe(result.expected - result.lost);
  } finally {
    await env.stop();
  }
}, 60_000);
