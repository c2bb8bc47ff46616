// When the workshop's own infrastructure fails under a check (its Redis, its Traefik, its control plane, a
// port it chose), the check says so and does not blame the attendee's code: each part is broken here behind
// the workshop's back, on a correct solution, and the failure must name it, with the workshop's hint.

import { expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import type { Environment, StepShape } from '../scripts/lib/environment.ts';
import { WORKSHOP_HINT, WorkshopFailure } from '../scripts/lib/errors.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { redisPid, startRedisServer } from '../scripts/lib/redis.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { targetModule } from '../scripts/lib/targets/index.ts';
import type { TargetModule } from '../scripts/lib/targets/target.ts';
import type { TraefikRun } from '../scripts/lib/traefik-run/process.ts';
import { describeWith, lacking } from './helpers/needs.ts';

/** The target, with `harm` done to each environment it starts, as if by something else on the machine. */
function harmed(name: 'rehearsal' | 'apiserver', harm: (env: Environment) => Promise<void>): TargetModule {
  const real = targetModule(name);
  return {
    ...real,
    async start(step: StepShape, dir: string, options) {
      const env = await real.start(step, dir, options);
      await harm(env);
      return env;
    },
  };
}

const killRedis = async (env: Environment) => {
  const pid = await redisPid(Number(new URL(env.redis?.url ?? '').port));
  if (!pid) throw new Error('no Redis answers');
  process.kill(pid, 'SIGKILL');
};

const expectWorkshopBlamed = (
  failure: { message?: string; hint?: string; workshop?: true } | undefined,
  part: RegExp,
) => {
  expect(failure?.message, failure?.hint).toMatch(new RegExp(`^Not your code: ${part.source}`));
  expect(failure?.hint).toBe(WORKSHOP_HINT);
  expect(failure?.workshop).toBe(true);
};

it('its Redis killed: check 2 says the workshop’s Redis exited, not that the adapter is missing', async () => {
  const step = findStep(2);
  const result = await runStep(step, solutionDir(step), { target: harmed('rehearsal', killRedis) });
  expectWorkshopBlamed(
    result.failure,
    /the workshop's Redis \(redis:\/\/127\.0\.0\.1:\d+\) exited \(SIGKILL\)/,
  );
}, 60_000);

it('its Traefik killed: check 3 says the workshop’s Traefik exited, not that the routing is wrong', async () => {
  const step = findStep(3);
  const result = await runStep(step, solutionDir(step), {
    target: harmed('rehearsal', async (env) => {
      // The rehearsal's router is the Traefik it runs.
      const traefik = env.traefik as TraefikRun | undefined;
      traefik?.process && process.kill(traefik.process.pid, 'SIGKILL');
      await traefik?.process.exited;
    }),
  });
  expectWorkshopBlamed(result.failure, /the workshop's Traefik exited \(SIGKILL\)/);
}, 60_000);

it('the Redis REDIS_URL names is down: check 2 says so', async () => {
  const port = await freePort();
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  try {
    const step = findStep(2);
    const result = await runStep(step, solutionDir(step), { target: 'rehearsal' });
    expectWorkshopBlamed(
      result.failure,
      /the Redis that REDIS_URL names \(redis:\/\/127\.0\.0\.1:\d+\) does not answer PING/,
    );
  } finally {
    delete process.env.REDIS_URL;
  }
}, 60_000);

it('a port chosen for its Redis, taken by another Redis: a workshop failure naming the port', async () => {
  const other = await startRedisServer(await freePort());
  const port = Number(new URL(other.url).port);
  try {
    const failure = await startRedisServer(port).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkshopFailure);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^Port ${port}, chosen for the workshop's Redis, (is held by another Redis|was taken by another program)`,
      ),
    );
  } finally {
    await other.stop();
  }
}, 30_000);

describeWith(
  await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'root'),
  'the apiserver target',
  () => {
    it('its Redis killed: check 4 says the workshop’s Redis exited, not "add sticky.cookie"', async () => {
      const step = findStep(4);
      const result = await runStep(step, solutionDir(step), { target: harmed('apiserver', killRedis) });
      expectWorkshopBlamed(
        result.failure,
        /the workshop's Redis \(redis:\/\/127\.0\.0\.1:\d+\) exited \(SIGKILL\)/,
      );
    }, 120_000);
  },
);
