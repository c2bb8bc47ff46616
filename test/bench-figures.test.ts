// What the benchmarks share: a failed measurement is said, kept for the figures and left out of the
// medians, and the benchmark goes on (bench:router once ended on HAProxy's first failed round).
import { expect, it } from 'vitest';
import { finiteMedian, measurements } from '../scripts/lib/bench-figures.ts';

it('a failed measurement is NaN, said and listed; the medians use the others', async () => {
  const said: string[] = [];
  const { attempt, failures } = measurements((line) => said.push(line));
  const values = [
    await attempt('round 1', async () => 3),
    await attempt('round 2', async () => {
      throw new Error('socket has been disconnected');
    }),
    await attempt('round 3', async () => 5),
  ];
  expect(values[1]).toBeNaN();
  expect(finiteMedian(values)).toBe(4);
  expect(failures).toEqual(['round 2: socket has been disconnected']);
  expect(said).toEqual(['  round 2 failed (socket has been disconnected); going on without it']);
});
