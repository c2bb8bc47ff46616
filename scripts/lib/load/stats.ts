// The counters and latency histograms of one run. Every receipt costs a few array reads and one
// counter increment (see latency.ts): this runs up to 150,000 times a second and must never be the
// bottleneck.
import type { JsHistogram } from 'hdr-histogram-js';
import { LatencyRecorder } from './latency.ts';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

export interface LatencyBin {
  /** Inclusive lower and exclusive upper bound, in ms (Infinity for the last). */
  fromMs: number;
  toMs: number;
  count: number;
}

/** The JSON `--json` prints: the brief's keys first, then the details behind them. */
export interface LoadSummary {
  clients: number;
  connected: number;
  sent: number;
  delivered: number;
  expected: number;
  deliveriesPerSec: number;
  latencyMs: Percentiles;
  ackLatencyMs: Percentiles;
  perInstance: Record<string, { clients: number; delivered: number }>;
  reconnects: number;
  /** Connect errors + chats rejected or never acknowledged. */
  errors: number;
  acked: number;
  rejected: number;
  ackTimeouts: number;
  connectErrors: number;
  disconnects: number;
  /** Chats due while no client was connected (nobody to send them). */
  skippedSends: number;
  peakConnected: number;
  /** Receipts beyond a chat's expected count (a client that joined just after the send, or a duplicate). */
  extra: number;
  /** delivered / expected, 1 when nothing was expected. */
  deliveryRatio: number;
  runId: string;
  urls: string[];
  path: string;
  transport: string;
  rate: number;
  durationSec: number;
  /** Seconds from the first send to the last counted delivery (what deliveriesPerSec divides by). */
  deliverySpanSec: number;
  elapsedSec: number;
  interrupted: boolean;
  rssPeakMB: number;
  latencyBins: LatencyBin[];
}

export class LoadStats {
  readonly delivery = new LatencyRecorder();
  readonly ack = new LatencyRecorder();
  sent = 0;
  acked = 0;
  rejected = 0;
  ackTimeouts = 0;
  delivered = 0;
  expected = 0;
  extra = 0;
  reconnects = 0;
  connectErrors = 0;
  disconnects = 0;
  peakConnected = 0;
  skippedSends = 0;
  firstSendAt = 0;
  lastDeliveryAt = 0;
  rssPeak = 0;
  /** Indexed by sequence number: performance.now() at send, receipts expected and counted so far. */
  private readonly sentAt: number[] = [];
  private readonly expectedFor: number[] = [];
  private readonly deliveredFor: number[] = [];

  /** Records a send; returns its sequence number. */
  recordSend(now: number, connected: number): number {
    const seq = this.sent++;
    if (seq === 0) this.firstSendAt = now;
    this.sentAt.push(now);
    this.expectedFor.push(connected);
    this.deliveredFor.push(0);
    this.expected += connected;
    return seq;
  }

  recordAck(seq: number, now: number, ok: boolean) {
    if (!ok) {
      this.rejected++;
      return;
    }
    this.acked++;
    this.ack.record(now - this.sentAt[seq]);
  }

  /** A receipt of chat `seq`; false when it is not one we are waiting for (the client counts the rest). */
  recordDelivery(seq: number, now: number): boolean {
    if (seq >= this.sent) return false;
    if (this.deliveredFor[seq] >= this.expectedFor[seq]) {
      this.extra++;
      return false;
    }
    this.deliveredFor[seq]++;
    this.delivered++;
    this.lastDeliveryAt = now;
    this.delivery.record(now - this.sentAt[seq]);
    return true;
  }

  /** Acks still awaited and deliveries still expected: the drain waits for both to reach zero. */
  outstanding() {
    return {
      acks: this.sent - this.acked - this.rejected - this.ackTimeouts,
      deliveries: this.expected - this.delivered,
    };
  }

  sampleMemory() {
    this.rssPeak = Math.max(this.rssPeak, process.memoryUsage.rss());
  }
}

export function percentiles(latency: LatencyRecorder): Percentiles {
  const ms = (us: number) => round(us / 1000, 2);
  const histogram = latency.histogram();
  if (histogram.totalCount === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0, count: 0 };
  // A percentile is the top of its HDR bucket, which can overshoot the exact max by a hair: cap it.
  const max = latency.maxMicros;
  const at = (p: number) => ms(Math.min(histogram.getValueAtPercentile(p), max));
  return {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: ms(max),
    mean: ms(histogram.mean),
    count: histogram.totalCount,
  };
}

// 1-2-5 steps read well on a log scale, which is the shape latency has.
const EDGES_MS = [
  0, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000,
];

/** The distribution in 1-2-5 bins, without the empty bins at either end. */
export function latencyBins(histogram: JsHistogram): LatencyBin[] {
  const bins: LatencyBin[] = EDGES_MS.map((fromMs, i) => ({
    fromMs,
    toMs: EDGES_MS[i + 1] ?? Infinity,
    count: 0,
  }));
  const iterator = histogram.recordedValuesIterator;
  iterator.reset();
  while (iterator.hasNext()) {
    const step = iterator.next();
    const valueMs = histogram.medianEquivalentValue(step.valueIteratedTo) / 1000;
    const bin = bins.findLast((b) => valueMs >= b.fromMs) ?? bins[0];
    bin.count += step.countAtValueIteratedTo;
  }
  const first = bins.findIndex((b) => b.count > 0);
  if (first < 0) return [];
  const last = bins.findLastIndex((b) => b.count > 0);
  return bins.slice(first, last + 1);
}

export const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
