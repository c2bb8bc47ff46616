// What the benchmarks share when they report: medians, the machine they ran on, Markdown table rows.
import { cpus, totalmem } from 'node:os';

export { fmt } from './load/live-progress.ts';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "2 × AMD EPYC, 24 GB RAM, Node v20.20.2, linux": figures are for the machine that measured them. */
export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 1024 ** 3)} GB RAM, Node ${process.version}, ${process.platform}`;

export const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/**
 * Measurements that may fail without ending the benchmark: each failure is said as it happens and kept
 * for the figures, and counts as NaN, which `median` of `finite` leaves out.
 */
export function measurements(say: (line: string) => void = console.log) {
  const failures: string[] = [];
  return {
    failures,
    async attempt(what: string, measure: () => Promise<number>): Promise<number> {
      try {
        return await measure();
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
        say(`  ${what} failed (${(err as Error).message}); going on without it`);
        return Number.NaN;
      }
    },
  };
}

/** The median of the measurements that did not fail (NaN when none did). */
export const finiteMedian = (values: number[]) => median(values.filter(Number.isFinite));
