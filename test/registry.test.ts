// The registry is the only source of what a step is, and it checks itself when it loads: numbering,
// targets, destructive expectations last, folders without an entry. Skips say why and never pass.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { CheckFailure, type Expectation } from '../scripts/lib/checks/types.ts';
import { drillName } from '../scripts/lib/drill-run.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { UserError } from '../scripts/lib/errors.ts';
import { findStep, ROOT, registryErrors, registryProblems, STEPS, type Step } from '../scripts/lib/steps.ts';
import { parseTarget, TARGETS, type Target, targetModule } from '../scripts/lib/targets/index.ts';
import { localDrills } from '../scripts/lib/targets/rehearsal/local-drills.ts';
import type { TargetModule } from '../scripts/lib/targets/target.ts';
import { renderExpectations } from '../scripts/lib/ui/results.ts';

const step = (n: number) => STEPS[n - 1];
const expectation = (id: string, extra: Partial<Expectation> = {}): Expectation => ({
  id,
  title: id,
  hint: `fix ${id}`,
  run: async () => {},
  ...extra,
});
const fakeStep = (expectations: Expectation[]): Step => ({
  ...step(1),
  expectations,
  starterFailsAt: expectations[0].id,
});
/** A target as the runner sees it, whose environment is this fake one. */
const fakeTarget = (name: Target, env: Partial<Environment> = {}): TargetModule => ({
  ...targetModule(name),
  start: async () => ({
    entries: ['http://127.0.0.1:9'],
    socketPath: '/socket.io/',
    instances: [],
    drills: localDrills(
      () => [],
      () => undefined,
    ),
    links: [],
    notes: [],
    stop: async () => {},
    ...env,
  }),
});

describe('each step declares its targets', () => {
  it('as the brief says', () => {
    expect(Object.fromEntries(STEPS.map((s) => [s.number, s.targets]))).toMatchObject({
      1: ['rehearsal'],
      2: ['rehearsal'],
      3: ['rehearsal', 'docker'],
      4: ['rehearsal', 'kind', 'apiserver'],
      5: ['rehearsal', 'docker', 'kind', 'apiserver'],
      6: ['rehearsal', 'docker', 'kind', 'apiserver'],
    });
    for (const s of STEPS) expect(s.targets.every((t) => TARGETS.includes(t))).toBe(true);
  });

  it('parseTarget refuses a target the step lacks', () => {
    expect(parseTarget(undefined, step(3))).toBeUndefined();
    expect(parseTarget('docker', step(3))).toBe('docker');
    expect(() => parseTarget('kind', step(3))).toThrow(/Step 3 does not run on kind/);
    expect(parseTarget('apiserver', step(4))).toBe('apiserver');
    expect(() => parseTarget('apiserver', step(3))).toThrow(UserError);
    expect(() => parseTarget('apiserver', step(3))).toThrow(/Step 3 does not run on apiserver/);
  });
});

describe('the registry checks itself', () => {
  it('holds for the real registry', () => {
    expect(registryErrors()).toEqual([]);
    expect(registryProblems()).toEqual([]);
  });

  it('a destructive expectation before a non-destructive one is an error', () => {
    const bad = fakeStep([expectation('sigterm', { destructive: true }), expectation('welcome')]);
    expect(registryErrors([bad])).toEqual([
      "step 1 (single-server): 'welcome' comes after the destructive 'sigterm' (it stops an instance or Redis): destructive expectations go last",
    ]);
  });

  it('every destructive expectation of the real steps comes last', () => {
    for (const s of STEPS) {
      const first = s.expectations.findIndex((e) => e.destructive);
      if (first >= 0) expect(s.expectations.slice(first).every((e) => e.destructive)).toBe(true);
    }
    expect(
      step(2)
        .expectations.filter((e) => e.destructive)
        .map((e) => e.id),
    ).toEqual(['redis-outage', 'sigterm']);
  });

  describe('a folder in steps/ without an entry', () => {
    const folder = join(ROOT, 'steps', `99-no-entry-${process.pid}`);
    afterEach(() => rmSync(folder, { recursive: true, force: true }));
    it('is reported', () => {
      mkdirSync(folder);
      expect(registryProblems()).toEqual([
        `steps/99-no-entry-${process.pid} has no entry in scripts/lib/steps.ts: add one there, or the folder is ignored`,
      ]);
    });
  });
});

describe('an expectation a target cannot show is skipped with the reason, never passed', () => {
  it('readyz over no reachable instances (Docker, kind)', async () => {
    const readyz = STEPS[0].expectations.find((e) => e.id === 'readyz') as Expectation;
    const result = await runStep(fakeStep([readyz]), ROOT, { target: fakeTarget('docker') });
    expect(result.expectations).toEqual([
      expect.objectContaining({ id: 'readyz', status: 'skip', message: expect.stringMatching(/on docker/) }),
    ]);
  });

  it("sigterm on Docker and kind, by the target's declaration: their replicas are not this command's processes", async () => {
    const sigterm = step(2).expectations.find((e) => e.id === 'sigterm') as Expectation;
    for (const [name, why] of [
      ['docker', 'the replicas are containers, not processes of this command'],
      ['kind', 'the replicas are pods, not processes of this command'],
    ] as const) {
      const result = await runStep(fakeStep([sigterm]), ROOT, { target: fakeTarget(name) });
      expect(result.expectations).toEqual([
        expect.objectContaining({ id: 'sigterm', status: 'skip', message: `not on ${name}: ${why}` }),
      ]);
    }
  });

  it('redis-outage with a Redis that is not ours (REDIS_URL)', async () => {
    const outage = step(2).expectations.find((e) => e.id === 'redis-outage') as Expectation;
    const redis = {
      url: 'redis://elsewhere:6379',
      kind: 'external' as const,
      stop: async () => {},
      freeze: async () => {},
      restart: async () => {},
      failure: async () => undefined,
    };
    const result = await runStep(fakeStep([outage]), ROOT, { target: fakeTarget('rehearsal', { redis }) });
    expect(result.expectations[0]).toMatchObject({
      status: 'skip',
      message: expect.stringMatching(/REDIS_URL/),
    });
  });
});

it('a failing hint names the step, never a literal N', async () => {
  const failing = expectation('welcome', {
    run: async () => {
      throw new CheckFailure('npm run step N -- --start shows the output', 'npm run reset N, then try again');
    },
  });
  const [result] = (await runStep({ ...fakeStep([failing]), number: 4 }, ROOT)).expectations;
  expect(result).toMatchObject({
    message: 'npm run step 4 -- --start shows the output',
    hint: 'npm run reset 4, then try again',
  });
});

it('a misspelt step or drill gets the closest name', () => {
  expect(() => findStep('compose-trafik')).toThrow(
    "There is no step 'compose-trafik'. Did you mean 'compose-traefik'?",
  );
  expect(() => findStep('99')).toThrow("There is no step '99'.");
  expect(() => drillName('sigterm-instanse')).toThrow("Did you mean 'sigterm-instance'?");
});

it('the terminal shows why an expectation was skipped', async () => {
  const sigterm = step(2).expectations.find((e) => e.id === 'sigterm') as Expectation;
  const result = await runStep(fakeStep([sigterm]), ROOT, { target: fakeTarget('kind') });
  expect(renderExpectations(result, { color: false })).toMatch(
    /· .+ \(skipped: not on kind: the replicas are pods, not processes of this command\)/,
  );
});
