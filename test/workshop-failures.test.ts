// When the workshop's own infrastructure fails under a check (its Redis, its Traefik, its control plane, a
// port it chose), the check says so and does not blame the attendee's code.
import { expect, it } from 'vitest';
import { WorkshopFailure } from '../scripts/lib/errors.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startRedisServer } from '../scripts/lib/redis.ts';

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
