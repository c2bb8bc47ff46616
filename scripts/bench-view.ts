// npm run bench:view: what the system view costs the instances it watches. Step 3's solution on the
// rehearsal (Traefik, three instances, Redis), 600 clients from `npm run load` in a process of its own,
// then, after a window to settle, windows of equal length in turn: the view watched (it reads every
// instance's /stats twice a second), not watched, and /stats read 200 times as often (the cost of one read).
// The instances' CPU in each window, from /proc; the medians compared.
// Writes docs/view-figures.md.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, machine, median, row } from './lib/bench-figures.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { main } from './lib/main.ts';
import { ROOT } from './lib/paths.ts';
import { startProcess, waitFor } from './lib/processes.ts';
import { findStep, solutionDir } from './lib/steps.ts';
import { startSystemView, TICK_MS } from './lib/system-view/server.ts';
import { rehearsal } from './lib/targets/rehearsal/index.ts';

/** How many times as often as the view the amplified windows read /stats. */
const AMPLIFY = 200;

/** CPU seconds a process has used (user + system), from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100/s).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

await main(async () => {
  const { values } = parseCommandLine(
    {
      options: {
        clients: { type: 'string', default: '600' },
        rate: { type: 'string', default: '20' },
        window: { type: 'string', default: '10' },
        rounds: { type: 'string', default: '3' },
      },
    },
    {
      usage: 'npm run bench:view [-- --clients 600] [--rate 20] [--window 10] [--rounds 3]',
      summary:
        'What the system view costs the instances it watches: their CPU with it and without, under load.',
      flags: {
        clients: 'clients from npm run load (default 600)',
        rate: 'chats per second, in total (default 20)',
        window: 'seconds of each measured window (default 10)',
        rounds: 'windows of each kind, in turn (default 3)',
      },
    },
  );
  const clients = integerFlag('--clients', values.clients, 1, 5_000);
  const rate = integerFlag('--rate', values.rate, 1, 1_000);
  const windowS = integerFlag('--window', values.window, 2, 120);
  const rounds = integerFlag('--rounds', values.rounds, 1, 20);
  if (process.platform !== 'linux') throw new Error('bench:view reads /proc: run it on Linux');

  const step = findStep('3');
  const env = await rehearsal.start(step, solutionDir(step), { port: 0 });
  const view = await startSystemView(env, {
    port: 0,
    title: 'bench:view',
    step: step.number,
    target: 'rehearsal',
    drillable: false,
  });
  const duration = (3 * rounds + 1) * windowS + 20;
  const load = startProcess({
    name: 'load',
    command: process.execPath,
    args: [
      join(ROOT, 'scripts/load.ts'),
      ...['--url', env.entries[0], '--clients', String(clients), '--rate', String(rate)],
      ...['--duration', String(duration), '--ramp', '5', '--json'],
    ],
  });
  const instances = () => env.instances.map((i) => i.process.pid);
  const cpu = () => instances().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const held = async () => {
    const snapshot = (await (await fetch(new URL('snapshot', view.url))).json()) as { clients: number };
    return snapshot.clients;
  };
  console.log(`Waiting for ${clients} clients on ${env.instances.length} instances…`);
  await waitFor('every load client to connect', async () => ((await held()) >= clients ? true : undefined), {
    timeoutMs: 60_000,
    intervalMs: 500,
    process: load,
  });

  // Connecting is costly, and its tail would land in the first window: a window's time to settle first.
  await new Promise((r) => setTimeout(r, windowS * 1_000));
  // Three kinds of window in a rotating order, so that a drift over the run favours none: the view watched;
  // not watched; and each instance's /stats read 200 times as often as the view does, whose cost stands well
  // above the windows' noise and, divided by its reads, gives the cost of one.
  const KINDS = ['watched', 'quiet', 'amplified'] as const;
  type Kind = (typeof KINDS)[number];
  const windows: { kind: Kind; cpuPercent: number; frames: number; reads: number }[] = [];
  for (let r = 0; r < 3 * rounds; r++) {
    const kind = KINDS[(r + Math.floor(r / 3)) % 3];
    const controller = new AbortController();
    let frames = 0;
    let reads = 0;
    if (kind === 'watched')
      void fetch(new URL('events', view.url), { signal: controller.signal })
        .then(async (res) => {
          for await (const chunk of res.body ?? [])
            frames += String(Buffer.from(chunk)).split('\n\n').length - 1;
        })
        .catch(() => {});
    const amplifier =
      kind === 'amplified'
        ? setInterval(() => {
            for (const i of env.instances)
              void fetch(`${i.url}/stats`, { signal: AbortSignal.timeout(1_000) })
                .then((res) => res.text())
                .then(
                  () => reads++,
                  () => {},
                );
          }, TICK_MS / AMPLIFY)
        : undefined;
    const before = cpu();
    await new Promise((r) => setTimeout(r, windowS * 1_000));
    const used = cpu() - before;
    controller.abort();
    clearInterval(amplifier);
    // Percent of one core, for all three instances together.
    const cpuPercent = (100 * used) / windowS;
    windows.push({ kind, cpuPercent, frames, reads });
    const extra = { watched: `, ${frames} frames`, quiet: '', amplified: `, ${fmt(reads)} reads of /stats` };
    console.log(
      `  window ${r + 1}: ${kind.padEnd(9)}  instances ${cpuPercent.toFixed(1)}% CPU${extra[kind]}`,
    );
  }
  const clientsAtEnd = await held();
  await load.stop();
  await view.stop();
  await env.stop();

  const of = (kind: Kind) => windows.filter((w) => w.kind === kind);
  const cpuOf = (kind: Kind) => of(kind).map((w) => w.cpuPercent);
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const quiet = median(cpuOf('quiet'));
  const abCost = median(cpuOf('watched')) - quiet;
  // One read's cost, from the amplified windows; the view makes one per instance per tick.
  const perRead =
    (median(cpuOf('amplified')) - quiet) / (median(of('amplified').map((w) => w.reads)) / windowS);
  const viewCost = perRead * env.instances.length * (1_000 / TICK_MS);
  const framesPerSecond = median(of('watched').map((w) => w.frames)) / windowS;
  const percentOf = (points: number) => `${((100 * points) / quiet).toFixed(1)}% of the instances' CPU`;
  const lines = [
    '# What the system view costs the instances',
    '',
    `Measured with \`npm run bench:view -- --clients ${clients} --rate ${rate} --window ${windowS} --rounds ${rounds}\` on ${new Date().toISOString().slice(0, 10)}, ${machine()}.`,
    `Step 3's solution on the rehearsal (Traefik 3.7.15, three instances, Redis); ${fmt(clients)} WebSocket clients from \`npm run load\` (its own process) sending ${rate} chats/s in total; ${fmt(clientsAtEnd)} still held at the end.`,
    `Windows of ${windowS} s in turn: the view watched (one page open: it reads each instance's \`/stats\`, Traefik's API and Redis twice a second), not watched (it reads nothing), and amplified (each instance's \`/stats\` read ${AMPLIFY} times as often as the view reads it). CPU is the three instances' together, in percent of one core.`,
    '',
    "| windows | instances' CPU, median | spread (max − min) |",
    '|---|---|---|',
    ...KINDS.map((k) =>
      row([
        { watched: 'view watched', quiet: 'not watched', amplified: `/stats read ${AMPLIFY}× as often` }[k],
        `${median(cpuOf(k)).toFixed(1)}%`,
        `${spread(cpuOf(k)).toFixed(1)} points`,
      ]),
    ),
    '',
    `- **The view's cost, from the amplified windows:** ${(perRead * 1_000).toFixed(3)} points per 1,000 reads of \`/stats\` a second; the view reads ${env.instances.length} instances ${1_000 / TICK_MS} times a second: **${viewCost.toFixed(2)} points, ${percentOf(viewCost)}**.`,
    `- Watched minus not watched: ${abCost.toFixed(2)} points (${percentOf(abCost)}); the spread of the windows of one kind says how much of it is noise.`,
    `- The view redrew ${framesPerSecond.toFixed(1)} times a second while watched.`,
    '',
  ];
  writeFileSync(join(ROOT, 'docs/view-figures.md'), lines.join('\n'));
  console.log(`\n${lines.slice(6).join('\n')}\nWrote docs/view-figures.md`);
});
