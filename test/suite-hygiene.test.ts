// The suite's own hygiene: what a developer's shell holds does not change what the tests do.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/paths.ts';
import { redisUrlFor } from '../scripts/lib/redis.ts';
import { TIERS } from './tiers.ts';

it('an ambient REDIS_URL is not seen by the tests (the setup file removes it)', () => {
  expect(process.env.REDIS_URL).toBeUndefined();
  expect(redisUrlFor(6390)).toBe('redis://127.0.0.1:6390');
});

it('every test file is in exactly one tier (test/tiers.ts)', () => {
  const files = readdirSync(join(ROOT, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.replace(/\.test\.ts$/, ''));
  const tiered = Object.values(TIERS).flat();
  expect(
    tiered.filter((name, i) => tiered.indexOf(name) !== i),
    'in two tiers',
  ).toEqual([]);
  expect(files.filter((f) => !tiered.includes(f as never)).sort(), 'in no tier').toEqual([]);
  expect(
    tiered.filter((name) => !files.includes(name)),
    'no such file',
  ).toEqual([]);
});
