// The live line while a run goes: rewritten in place on a terminal, a plain line per second otherwise
// (CI logs and pipes get no carriage-return soup). It goes to stderr so stdout stays the result.
import type { ProgressSnapshot } from './run.ts';

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** Most telling first: a narrow terminal cuts the end of the line, not the deliveries. */
export function progressLine(s: ProgressSnapshot): string {
  const ratio = s.expected > 0 ? ` ${((s.delivered / s.expected) * 100).toFixed(1)}%` : '';
  return [
    `${s.elapsedSec.toFixed(1).padStart(5)}s ${s.phase.padEnd(10)}`,
    `clients ${fmt(s.connected)}/${fmt(s.clients)}`,
    `sent ${fmt(s.sent)}`,
    `delivered ${fmt(s.delivered)}/${fmt(s.expected)}${ratio}`,
    `${fmt(s.recentPerSec)}/s`,
    `p50 ${fmtMs(s.p50Ms)} p99 ${fmtMs(s.p99Ms)} ms`,
    `reconnects ${fmt(s.reconnects)}`,
    `errors ${fmt(s.errors)}`,
  ].join('  ');
}

export interface ProgressReporter {
  /** How often the run should call update: often on a terminal, once a second in a log. */
  intervalMs: number;
  update(snapshot: ProgressSnapshot): void;
  /** Ends the in-place line so what follows starts on a clean one. */
  done(): void;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) {
    return { intervalMs: 1_000, update: (s) => stream.write(`${progressLine(s)}\n`), done: () => {} };
  }
  let drawn = false;
  return {
    intervalMs: 250,
    update(s) {
      // Cut to the terminal width: a wrapped line can't be rewritten with \r.
      // Some pseudo-terminals report 0 columns: then assume a common width.
      const width = Math.max(20, (stream.columns || 120) - 1);
      stream.write(`\r\x1b[2K${progressLine(s).slice(0, width)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
