// Every step's checks bite: they all pass on the solution, and the untouched starter fails on the
// expectation the registry names. This is what keeps a check from becoming one that cannot fail.
import { describe, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { registryProblems, STEPS, solutionDir, starterDir } from '../scripts/lib/steps.ts';

it('the registry agrees with the folders', () => {
  expect(registryProblems()).toEqual([]);
});

describe.each(STEPS.map((s) => [`${s.number} ${s.slug}`, s] as const))('step %s', (_, step) => {
  it('passes every check on its solution', async () => {
    const result = await runStep(step, solutionDir(step));
    expect(result.failure, `${result.failure?.title}: ${result.failure?.message}`).toBeUndefined();
    expect(result.expectations.every((e) => e.status === 'pass')).toBe(true);
  }, 120_000);

  it('fails on its starter, at the expected expectation', async () => {
    const result = await runStep(step, starterDir(step));
    expect(result.ok).toBe(false);
    expect(result.failure?.id, result.failure?.message).toBe(step.starterFailsAt);
    expect(result.failure?.message).toBeTruthy();
    expect(result.failure?.hint).toBeTruthy();
  }, 120_000);
});
