// `--report FILE`: one self-contained HTML page (inline CSS and SVG, no scripts, no external assets) to
// keep or share after a run: the figures, the latency distribution and the split per instance.
import { writeFileSync } from 'node:fs';
import { fmt, fmtMs } from './live-progress.ts';
import type { LatencyBin, LoadSummary, Percentiles } from './stats.ts';
import { binLabel, verdict } from './table.ts';

export function writeReport(file: string, summary: LoadSummary, command: string) {
  writeFileSync(file, renderReport(summary, command));
}

export function renderReport(s: LoadSummary, command: string): string {
  const percent = s.expected > 0 ? `${((s.delivered / s.expected) * 100).toFixed(1)}%` : '–';
  const rows: [string, string][] = [
    ['Target', `${s.urls.join(', ')} — path ${s.path} — ${s.transport}`],
    ['Clients', `${fmt(s.connected)} connected of ${fmt(s.clients)} (peak ${fmt(s.peakConnected)})`],
    [
      'Chats sent',
      `${fmt(s.sent)} in ${s.durationSec} s at ${s.rate}/s (${fmt(s.acked)} acked, ${fmt(s.rejected)} rejected, ${fmt(s.ackTimeouts)} without ack)`,
    ],
    [
      'Deliveries',
      `${fmt(s.delivered)} of ${fmt(s.expected)} expected (${percent}), ${fmt(s.deliveriesPerSec)}/s`,
    ],
    ['Fan-out latency', latencyText(s.latencyMs)],
    ['Ack latency', latencyText(s.ackLatencyMs)],
    ['Reconnects', fmt(s.reconnects)],
    [
      'Errors',
      `${fmt(s.errors)} (connect ${fmt(s.connectErrors)}, rejected ${fmt(s.rejected)}, no ack ${fmt(s.ackTimeouts)})`,
    ],
    ['Peak RSS of the load tool', `${s.rssPeakMB} MB`],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Load run ${esc(s.runId)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d232a; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  code { background: #f3f4f6; padding: .1rem .3rem; border-radius: 3px; word-break: break-all; }
  .verdict { padding: .6rem .8rem; border-radius: 4px; background: ${s.delivered === s.expected ? '#e7f6ec' : '#fff4e0'}; }
  svg text { font: 12px system-ui, sans-serif; fill: #1d232a; }
</style>
</head>
<body>
<h1>Load run ${esc(s.runId)}${s.interrupted ? ' (interrupted)' : ''}</h1>
<p><code>${esc(command)}</code></p>
<p class="verdict">${esc(stripAnsi(verdict(s)))}</p>
<table>
${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}
</table>
<h2>Fan-out latency distribution</h2>
${s.latencyBins.length ? latencyChart(s.latencyBins) : '<p>No deliveries.</p>'}
<h2>Per instance</h2>
${instanceChart(s)}
<table>
<tr><th>Instance</th><th>Clients</th><th>Deliveries</th></tr>
${Object.entries(s.perInstance)
  .map(
    ([name, v]) =>
      `<tr><td>${esc(name)}</td><td class="n">${fmt(v.clients)}</td><td class="n">${fmt(v.delivered)}</td></tr>`,
  )
  .join('\n')}
</table>
</body>
</html>
`;
}

const latencyText = (p: Percentiles) =>
  p.count === 0
    ? '–'
    : `p50 ${fmtMs(p.p50)} ms, p95 ${fmtMs(p.p95)} ms, p99 ${fmtMs(p.p99)} ms, max ${fmtMs(p.max)} ms`;

/** Vertical bars, one per 1-2-5 bin, with its count above and its range below. */
function latencyChart(bins: LatencyBin[]): string {
  const barWidth = 48;
  const gap = 8;
  const height = 180;
  const top = 20;
  const width = bins.length * (barWidth + gap) + gap;
  const most = Math.max(...bins.map((b) => b.count));
  const bars = bins.map((b, i) => {
    const h = most > 0 ? Math.max(b.count > 0 ? 1 : 0, (b.count / most) * height) : 0;
    const x = gap + i * (barWidth + gap);
    const y = top + height - h;
    return [
      `<rect x="${x}" y="${y.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="#3b82c4"><title>${esc(binLabel(b))} ms: ${fmt(b.count)}</title></rect>`,
      `<text x="${x + barWidth / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${fmt(b.count)}</text>`,
      `<text x="${x + barWidth / 2}" y="${top + height + 16}" text-anchor="middle">${esc(binLabel(b))}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Fan-out latency histogram, ms" width="${width}" height="${top + height + 40}" viewBox="0 0 ${width} ${top + height + 40}">
${bars.join('\n')}
<text x="${width / 2}" y="${top + height + 34}" text-anchor="middle">milliseconds from send to receipt</text>
</svg>`;
}

/** Two stacked horizontal bars: how clients and how deliveries split over the instances. */
function instanceChart(s: LoadSummary): string {
  const entries = Object.entries(s.perInstance);
  if (entries.length === 0) return '<p>No client received a welcome.</p>';
  const palette = ['#3b82c4', '#e07b39', '#4caf7a', '#9b6cc9', '#d9534f', '#5bc0de', '#8a6d3b', '#777'];
  const width = 600;
  const label = 90;
  const rowHeight = 28;
  const totals = {
    clients: entries.reduce((n, [, v]) => n + v.clients, 0),
    delivered: entries.reduce((n, [, v]) => n + v.delivered, 0),
  };
  const rows = (['clients', 'delivered'] as const).map((key, row) => {
    let x = label;
    const y = 8 + row * (rowHeight + 8);
    const parts = entries.map(([name, v], i) => {
      const w = totals[key] > 0 ? (v[key] / totals[key]) * (width - label) : 0;
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight}" fill="${palette[i % palette.length]}"><title>${esc(name)}: ${fmt(v[key])}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${y + 18}">${key === 'clients' ? 'clients' : 'deliveries'}</text>${parts.join('')}`;
  });
  const legendY = 8 + 2 * (rowHeight + 8) + 12;
  const legend = entries.map(
    ([name], i) =>
      `<rect x="${label + i * 130}" y="${legendY - 10}" width="12" height="12" fill="${palette[i % palette.length]}"/><text x="${label + i * 130 + 16}" y="${legendY}">${esc(name)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Clients and deliveries per instance" width="${width}" height="${legendY + 10}" viewBox="0 0 ${width} ${legendY + 10}">
${rows.join('\n')}
${legend.join('')}
</svg>`;
}

const esc = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is removed.
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
