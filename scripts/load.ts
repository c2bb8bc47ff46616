// npm run load -- --url http://localhost:3000[,http://localhost:3001,...] --clients 200 --rate 20 --duration 10
//   [--path /socket.io/] [--transport websocket|polling] [--ramp 2] [--drain 5] [--json] [--report FILE]
// Drives a running step with many socket.io clients and measures the fan-out: how many of the chats'
// expected deliveries arrived, how fast, on which instance. Ctrl-C stops early and still reports.
import { resolve } from 'node:path';
import { progressReporter } from './lib/load/live-progress.ts';
import { parseLoadArgs } from './lib/load/options.ts';
import { writeReport } from './lib/load/report.ts';
import { runLoad } from './lib/load/run.ts';
import { renderSummary } from './lib/load/table.ts';
import { main } from './lib/main.ts';

await main(async () => {
  const options = parseLoadArgs(process.argv.slice(2));

  // First Ctrl-C: stop sending, close the clients, print what was measured. Second: leave at once.
  const stop = new AbortController();
  // Replaces main's Ctrl-C handling for this command (it would stop at once, without the figures).
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nStopping: closing the clients and printing the figures (Ctrl-C again to quit at once)…\n',
    );
    stop.abort();
  });

  // --json keeps stdout to the one object; progress goes to stderr, and only to a terminal.
  const progress = options.json && !process.stderr.isTTY ? undefined : progressReporter(process.stderr);
  const summary = await runLoad(options, {
    signal: stop.signal,
    onProgress: progress?.update,
    progressIntervalMs: progress?.intervalMs,
  }).finally(() => progress?.done());

  if (options.report) {
    const file = resolve(options.report);
    writeReport(file, summary, `npm run load -- ${process.argv.slice(2).join(' ')}`);
    process.stderr.write(`Report written to ${file}\n`);
  }
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : renderSummary(summary));
  return summary.interrupted ? 130 : 0;
});
