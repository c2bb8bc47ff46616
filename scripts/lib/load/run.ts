// One load run, the way you'd do it by hand: check the URLs answer, connect the clients over the ramp,
// send chats at the rate for the duration, wait (bounded) for the last acks and deliveries, take the
// figures, close everything. An abort (Ctrl-C) cuts the current phase short and still returns figures.
import { UserError } from '../errors.ts';
import { ClientPool } from './client-pool.ts';
import { chatText } from './messages.ts';
import type { LoadOptions } from './options.ts';
import { preflight } from './preflight.ts';
import { LoadStats, type LoadSummary, latencyBins, percentiles, round } from './stats.ts';

export type Phase = 'connecting' | 'sending' | 'draining' | 'done';

export interface ProgressSnapshot {
  phase: Phase;
  elapsedSec: number;
  clients: number;
  connected: number;
  sent: number;
  delivered: number;
  expected: number;
  /** Deliveries per second since the previous snapshot. */
  recentPerSec: number;
  p50Ms: number;
  p99Ms: number;
  reconnects: number;
  errors: number;
}

export interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  progressIntervalMs?: number;
  /** Skip the reachability probe (the benchmark has just started the servers itself). */
  skipPreflight?: boolean;
}

/** How many handshakes may be in flight at once: a ramp of 0 must not open 20,000 sockets in one tick. */
const MAX_CONNECTING = 256;

export async function runLoad(options: LoadOptions, hooks: RunHooks = {}): Promise<LoadSummary> {
  const { signal } = hooks;
  if (!hooks.skipPreflight) await preflight(options);

  const stats = new LoadStats();
  const pool = new ClientPool(options, stats);
  const startedAt = performance.now();
  let phase: Phase = 'connecting';
  const ticker = startTicker(stats, pool, options, startedAt, () => phase, hooks);
  let sendSeconds = 0;
  try {
    await connectClients(pool, options, signal);
    if (pool.connectedCount === 0 && !signal?.aborted) {
      throw new UserError(
        `None of the ${options.clients} clients could connect to ${options.urls.join(', ')}${options.path}` +
          (pool.lastConnectError ? `: ${pool.lastConnectError}` : '.'),
        'is the step still running? npm run step N -- --start',
      );
    }
    phase = 'sending';
    ticker.tick();
    sendSeconds = await sendChats(pool, stats, options, signal);
    phase = 'draining';
    ticker.tick();
    // After Ctrl-C, a short drain still lets in-flight chats land; the user asked to stop, not to wait.
    await drain(stats, signal?.aborted ? Math.min(options.drain, 1) : options.drain);
    phase = 'done';
    stats.sampleMemory();
    return summarize(stats, pool, options, {
      elapsedSec: (performance.now() - startedAt) / 1000,
      sendSeconds,
      interrupted: Boolean(signal?.aborted),
    });
  } finally {
    ticker.stop();
    await pool.closeAll();
  }
}

/** Opens the clients evenly over the ramp, then waits until each one's first attempt has settled. */
async function connectClients(pool: ClientPool, options: LoadOptions, signal?: AbortSignal) {
  const rampMs = options.ramp * 1000;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const deadline = start + rampMs + options.timeoutMs + 1_000;
    const timer = setInterval(() => {
      const now = performance.now();
      const due =
        rampMs === 0
          ? options.clients
          : Math.min(options.clients, Math.ceil(((now - start) / rampMs) * options.clients));
      while (pool.all.length < due && pool.all.length - pool.settledCount < MAX_CONNECTING) pool.open();
      const allSettled = pool.all.length === options.clients && pool.settledCount === options.clients;
      if (allSettled || now > deadline || signal?.aborted) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

/** Sends `rate` chats a second for `duration` seconds, on schedule (no drift); returns seconds spent. */
async function sendChats(
  pool: ClientPool,
  stats: LoadStats,
  options: LoadOptions,
  signal?: AbortSignal,
): Promise<number> {
  const total = Math.max(1, Math.round(options.rate * options.duration));
  const durationMs = options.duration * 1000;
  const start = performance.now();
  let scheduled = 0;
  const sendOne = () => {
    const client = pool.randomConnected();
    if (!client) return;
    const now = performance.now();
    const seq = stats.recordSend(now, pool.connectedCount);
    client.socket
      .timeout(options.timeoutMs)
      .emit(
        'chat',
        { text: chatText(options.runId, seq, performance.timeOrigin + now) },
        (err: Error | null, ack: { ok?: unknown } | undefined) => {
          if (err) stats.ackTimeouts++;
          else stats.recordAck(seq, performance.now(), ack?.ok === true);
        },
      );
  };
  // A slow rate still ticks often enough to stay on time; a fast one sends a few per tick.
  const intervalMs = Math.min(50, Math.max(5, 1000 / options.rate));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      // Chat k is due at k / rate seconds: the first goes at once, the last before the duration ends.
      const due = Math.min(total, Math.floor((elapsed / 1000) * options.rate) + 1);
      for (; scheduled < due; scheduled++) sendOne();
      if (scheduled >= total || elapsed >= durationMs || signal?.aborted) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, intervalMs);
    tick();
  });
  stats.skippedSends = scheduled - stats.sent;
  return (performance.now() - start) / 1000;
}

/**
 * Waits until every ack and expected delivery is in, at most `seconds`. Once every ack is in, two
 * quiet seconds without a delivery end it early: those deliveries are lost (no adapter), not late.
 */
async function drain(stats: LoadStats, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  const QUIET_MS = 2_000;
  let lastDelivered = stats.delivered;
  let lastChange = performance.now();
  const done = (now: number) => {
    const { acks, deliveries } = stats.outstanding();
    if (acks <= 0 && deliveries <= 0) return true;
    if (stats.delivered !== lastDelivered) {
      lastDelivered = stats.delivered;
      lastChange = now;
    }
    return acks <= 0 && now - lastChange >= QUIET_MS;
  };
  if (seconds <= 0 || done(performance.now())) return;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (done(now) || now >= deadline) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}

function startTicker(
  stats: LoadStats,
  pool: ClientPool,
  options: LoadOptions,
  startedAt: number,
  phase: () => Phase,
  hooks: RunHooks,
) {
  let last = { at: startedAt, delivered: 0 };
  const tick = () => {
    stats.sampleMemory();
    if (!hooks.onProgress) return;
    const now = performance.now();
    const seconds = (now - last.at) / 1000;
    const recentPerSec = seconds > 0 ? (stats.delivered - last.delivered) / seconds : 0;
    last = { at: now, delivered: stats.delivered };
    const latency = stats.delivery.count ? stats.delivery.histogram() : undefined;
    hooks.onProgress({
      phase: phase(),
      elapsedSec: (now - startedAt) / 1000,
      clients: options.clients,
      connected: pool.connectedCount,
      sent: stats.sent,
      delivered: stats.delivered,
      expected: stats.expected,
      recentPerSec,
      p50Ms: latency ? latency.getValueAtPercentile(50) / 1000 : 0,
      p99Ms: latency ? latency.getValueAtPercentile(99) / 1000 : 0,
      reconnects: stats.reconnects,
      errors: errorCount(stats),
    });
  };
  const timer = setInterval(tick, hooks.progressIntervalMs ?? 1_000);
  return {
    tick,
    stop: () => clearInterval(timer),
  };
}

const errorCount = (s: LoadStats) => s.connectErrors + s.rejected + s.ackTimeouts;

function summarize(
  stats: LoadStats,
  pool: ClientPool,
  options: LoadOptions,
  run: { elapsedSec: number; sendSeconds: number; interrupted: boolean },
): LoadSummary {
  const clientsByInstance = pool.clientsPerInstance();
  const deliveredByInstance = pool.deliveriesPerInstance();
  const instances = [...new Set([...clientsByInstance.keys(), ...deliveredByInstance.keys()])].sort();
  const perInstance: LoadSummary['perInstance'] = {};
  for (const instance of instances) {
    perInstance[instance] = {
      clients: clientsByInstance.get(instance) ?? 0,
      delivered: deliveredByInstance.get(instance) ?? 0,
    };
  }
  const spanSec = stats.delivered > 0 ? (stats.lastDeliveryAt - stats.firstSendAt) / 1000 : 0;
  return {
    clients: options.clients,
    connected: pool.connectedCount,
    sent: stats.sent,
    delivered: stats.delivered,
    expected: stats.expected,
    deliveriesPerSec: spanSec > 0 ? round(stats.delivered / spanSec, 1) : 0,
    latencyMs: percentiles(stats.delivery),
    ackLatencyMs: percentiles(stats.ack),
    perInstance,
    reconnects: stats.reconnects,
    errors: errorCount(stats),
    acked: stats.acked,
    rejected: stats.rejected,
    ackTimeouts: stats.ackTimeouts,
    connectErrors: stats.connectErrors,
    disconnects: stats.disconnects,
    skippedSends: stats.skippedSends,
    peakConnected: stats.peakConnected,
    extra: stats.extra,
    deliveryRatio: stats.expected > 0 ? round(stats.delivered / stats.expected, 4) : 1,
    runId: options.runId,
    urls: options.urls,
    path: options.path,
    transport: options.transport,
    rate: options.rate,
    durationSec: round(run.sendSeconds, 2),
    deliverySpanSec: round(spanSec, 3),
    elapsedSec: round(run.elapsedSec, 2),
    interrupted: run.interrupted,
    rssPeakMB: round(stats.rssPeak / 1024 / 1024, 1),
    latencyBins: latencyBins(stats.delivery.histogram()),
  };
}
