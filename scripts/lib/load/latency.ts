// Latency in microseconds, kept in an HDR histogram (3 significant digits) that is fed cheaply.
// hdr-histogram-js's recordValue costs ~130 ns (Math.pow and a division per value), which at 150,000
// receipts a second is a few percent of a core the load tool would take from the servers. So each
// receipt only increments a counter on HDR's own bucket grid (2,048 sub-buckets per power of two,
// found with Math.clz32), and the counts are folded into the histogram when it is read. Same buckets,
// so the same percentiles; min and max are kept exactly.
import { Int32Histogram, type JsHistogram } from 'hdr-histogram-js';

const SUB_BUCKETS = 2048;
const HALF = SUB_BUCKETS / 2;
/** Values up to 2^31 µs (35 minutes): far beyond any connect or drain bound. */
const MAX_US = 2 ** 31 - 1;
const SLOTS = SUB_BUCKETS + (31 - 11) * HALF;

export class LatencyRecorder {
  private readonly counts = new Uint32Array(SLOTS);
  private pending = 0;
  private readonly hdr: JsHistogram;
  private max = 0;

  constructor() {
    // The pure-JS build (no WebAssembly to initialise); up to 2 minutes before it resizes itself.
    this.hdr = new Int32Histogram(1, 120_000_000, 3);
    this.hdr.autoResize = true;
  }

  /** Records `ms` milliseconds (at 1 µs resolution, at least 1 µs). */
  record(ms: number) {
    const us = Math.min(MAX_US, Math.max(1, Math.round(ms * 1000)));
    this.counts[slotOf(us)]++;
    this.pending++;
    if (us > this.max) this.max = us;
  }

  get count() {
    return this.hdr.totalCount + this.pending;
  }

  /** The HDR histogram with everything recorded so far (in µs). */
  histogram(): JsHistogram {
    if (this.pending > 0) {
      for (let slot = 0; slot < SLOTS; slot++) {
        const n = this.counts[slot];
        if (n === 0) continue;
        this.hdr.recordValueWithCount(lowestValueOf(slot), n);
        this.counts[slot] = 0;
      }
      this.pending = 0;
      // The lowest value of the top bucket stood in for it; keep the real maximum.
      this.hdr.recordValueWithCount(this.max, 0);
    }
    return this.hdr;
  }

  /** The exact largest value recorded, in µs (HDR would report its bucket's edge). */
  get maxMicros() {
    return this.max;
  }
}

/** HDR's bucket for `us`: exact below 2,048 µs, then 2,048 sub-buckets per power of two. */
export function slotOf(us: number): number {
  if (us < SUB_BUCKETS) return us;
  const power = 31 - Math.clz32(us); // us is in [2^power, 2^(power+1)), power >= 11
  const shift = power - 10;
  return SUB_BUCKETS + (power - 11) * HALF + ((us >>> shift) - HALF);
}

/** The lowest value in a slot (what stands for it in the HDR histogram). */
export function lowestValueOf(slot: number): number {
  if (slot < SUB_BUCKETS) return slot;
  const power = 11 + Math.floor((slot - SUB_BUCKETS) / HALF);
  const sub = HALF + ((slot - SUB_BUCKETS) % HALF);
  return sub * 2 ** (power - 10);
}
