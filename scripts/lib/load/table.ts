// The figures after a run, for a terminal or a projector: a table, the split per instance, a latency
// histogram drawn with block characters, and one sentence on what the numbers mean.
import { styleText } from 'node:util';
import { useColor } from '../ui/color.ts';
import { fmt, fmtMs } from './live-progress.ts';
import type { LatencyBin, LoadSummary, Percentiles } from './stats.ts';

type Style = Parameters<typeof styleText>[0];
const paint = (style: Style, text: string) => (useColor() ? styleText(style, text) : text);

export function renderSummary(s: LoadSummary): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(18)}${value}`);
  const pct = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–');

  lines.push(paint('bold', `Load run ${s.runId}${s.interrupted ? ' (interrupted)' : ''}`));
  row('target', `${s.urls.join(', ')}  path ${s.path}  over ${s.transport}`);
  row('clients', `${fmt(s.connected)} connected of ${fmt(s.clients)} (peak ${fmt(s.peakConnected)})`);
  row(
    'chats sent',
    `${fmt(s.sent)} in ${s.durationSec} s at ${s.rate}/s  (${fmt(s.acked)} acked, ${fmt(s.rejected)} rejected, ${fmt(s.ackTimeouts)} without ack)`,
  );
  const ratio = pct(s.delivered, s.expected);
  const ratioStyle: Style = s.delivered === s.expected ? 'green' : 'yellow';
  row(
    'deliveries',
    `${fmt(s.delivered)} of ${fmt(s.expected)} expected (${paint(ratioStyle, ratio)})  ${fmt(s.deliveriesPerSec)}/s`,
  );
  row('fan-out latency', latencyText(s.latencyMs));
  row('ack latency', latencyText(s.ackLatencyMs));
  row('reconnects', fmt(s.reconnects));
  row(
    'errors',
    `${fmt(s.errors)}  (connect ${fmt(s.connectErrors)}, rejected ${fmt(s.rejected)}, no ack ${fmt(s.ackTimeouts)})`,
  );
  if (s.skippedSends) row('not sent', `${fmt(s.skippedSends)} (no client was connected when they were due)`);
  row('memory', `${s.rssPeakMB} MB peak RSS in this process`);

  lines.push('', paint('bold', 'Per instance'), ...perInstanceTable(s), '');
  if (s.latencyBins.length)
    lines.push(paint('bold', 'Fan-out latency (ms)'), ...histogram(s.latencyBins), '');
  lines.push(verdict(s));
  return `${lines.join('\n')}\n`;
}

const latencyText = (p: Percentiles) =>
  p.count === 0
    ? '–'
    : `p50 ${fmtMs(p.p50)} ms   p95 ${fmtMs(p.p95)} ms   p99 ${fmtMs(p.p99)} ms   max ${fmtMs(p.max)} ms`;

function perInstanceTable(s: LoadSummary): string[] {
  const entries = Object.entries(s.perInstance);
  if (entries.length === 0) return ['  (no client received a welcome)'];
  const width = Math.max(8, ...entries.map(([name]) => name.length));
  const header = `  ${'instance'.padEnd(width)}  ${'clients'.padStart(8)}  ${'deliveries'.padStart(11)}  share of deliveries`;
  const rows = entries.map(([name, { clients, delivered }]) => {
    const share = s.delivered > 0 ? delivered / s.delivered : 0;
    return `  ${name.padEnd(width)}  ${fmt(clients).padStart(8)}  ${fmt(delivered).padStart(11)}  ${bar(share, 24)} ${(share * 100).toFixed(1)}%`;
  });
  return [paint('dim', header), ...rows];
}

function histogram(bins: LatencyBin[]): string[] {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  const most = Math.max(...bins.map((b) => b.count));
  const labels = bins.map(binLabel);
  const width = Math.max(...labels.map((l) => l.length));
  return bins.map((b, i) => {
    const share = total > 0 ? (b.count / total) * 100 : 0;
    return `  ${labels[i].padStart(width)}  ${bar(b.count / most, 40)} ${fmt(b.count).padStart(9)}  ${share.toFixed(1).padStart(5)}%`;
  });
}

export const binLabel = (b: LatencyBin) =>
  b.toMs === Number.POSITIVE_INFINITY ? `≥ ${b.fromMs}` : `${b.fromMs}–${b.toMs}`;

// Eighth blocks give a bar eight times the resolution of whole characters.
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
export function bar(fraction: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  const text = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
  return paint('cyan', text.padEnd(width));
}

/** One sentence on what the figures say, for the room. */
export function verdict(s: LoadSummary): string {
  if (s.sent === 0) return paint('yellow', 'No chat was sent: no client was connected.');
  if (s.delivered === s.expected) {
    return paint('green', `Every connected client received every chat (${fmt(s.delivered)} deliveries).`);
  }
  const missing = s.expected - s.delivered;
  const instances = Object.keys(s.perInstance).length;
  const ratio = s.delivered / s.expected;
  // Without an adapter, a chat reaches only its own instance's clients: about 1/N of the expected.
  const adapterHint =
    instances > 1 && Math.abs(ratio - 1 / instances) < 0.5 / instances
      ? ` That is about 1/${instances}: broadcasts stay on their own instance. Is the Redis adapter on?`
      : s.reconnects > 0 || s.disconnects > 0
        ? ' Clients disconnected during the run: chats sent while they were away are lost.'
        : '';
  return paint(
    'yellow',
    `${fmt(missing)} of ${fmt(s.expected)} expected deliveries did not arrive (${((1 - ratio) * 100).toFixed(1)}%).${adapterHint}`,
  );
}
