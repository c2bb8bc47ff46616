// Step 7: with recovery on a Redis stream, retried chats de-duplicated by id and a drain that finishes its
// work, the graceful drills lose nothing and double nothing, in every run: each drill 6 times at the
// default load (12 clients, 20 chats/s) and 3 times at ten times the chats (200/s), beside a busy loop, on
// the rehearsal of the solution. The step's check holds one run of each on every target. How fast the
// clients are back is a figure, not asserted here: `npm run bench:delivery` measures it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DrillName } from '../scripts/lib/drill-run.ts';
import { runDrill } from '../scripts/lib/drill-run.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { type ManagedProcess, startProcess } from '../scripts/lib/processes.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { targetModule } from '../scripts/lib/targets/index.ts';

const step = findStep(7);
let env: Environment & { stop(): Promise<void> };
let busy: ManagedProcess;

beforeAll(async () => {
  // CI's two cores are shared with the other test files; one more core's worth of work makes it sure.
  busy = startProcess({ name: 'busy', command: process.execPath, args: ['-e', 'for (;;) {}'] });
  env = (await targetModule('rehearsal').forDrill(step, solutionDir(step), { url: '' })) as typeof env;
}, 60_000);
afterAll(async () => {
  await env?.stop();
  await busy?.stop({ signal: 'SIGKILL' });
}, 60_000);

const RUNS: [DrillName, number, number][] = [
  ['sigterm-instance', 20, 6],
  ['rolling-restart', 20, 6],
  ['sigterm-instance', 200, 3],
  ['rolling-restart', 200, 3],
];

it.each(RUNS)(
  '%s at %i chats/s, %i runs: nothing lost, nothing twice, every chat acknowledged',
  async (drill, rate, runs) => {
    for (let run = 1; run <= runs; run++) {
      // The instance the previous run stopped comes back first: every run starts from three.
      for (const instance of env.instances) if (!instance.process.running()) await instance.restart();
      const result = await runDrill(env, drill, { clients: 12, rate, retry: true });
      const where = `${drill} run ${run} at ${rate}/s: ${result.action}`;
      expect(result.recovered, where).toBe(true);
      expect(result.unacknowledged, where).toBe(0);
      expect({ lost: result.lost, duplicated: result.duplicated }, where).toEqual({ lost: 0, duplicated: 0 });
      expect(result.delivered, where).toBe(result.expected);
      expect(result.acked, where).toBeGreaterThan(0);
    }
  },
  600_000,
);
