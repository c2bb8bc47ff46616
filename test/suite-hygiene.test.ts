// The suite's own hygiene: what a developer's shell holds does not change what the tests do.
import { expect, it } from 'vitest';
import { redisUrlFor } from '../scripts/lib/redis.ts';

it('an ambient REDIS_URL is not seen by the tests (the setup file removes it)', () => {
  expect(process.env.REDIS_URL).toBeUndefined();
  expect(redisUrlFor(6390)).toBe('redis://127.0.0.1:6390');
});
