// npm run bench:delivery: the three delivery guarantees, measured with the drills on the rehearsal, and
// what the Redis stream costs. At most once: step 6's solution (pub/sub adapter), chats sent once. At least
// once: step 7's solution with its de-duplication taken out, chats retried until acknowledged. Exactly
// once: step 7's solution, chats retried. Then Redis's memory and CPU per 1,000 chats, pub/sub against the
// stream (with its de-duplication keys). Writes docs/delivery-figures.md.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { fmt, machine, median, row } from './lib/bench-figures.ts';
import { closeAllFlushed, connectClient } from './lib/checks/clients.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { type DrillName, type DrillResult, runDrill } from './lib/drill-run.ts';
import type { Environment } from './lib/environment.ts';
import { main } from './lib/main.ts';
import { ROOT } from './lib/paths.ts';
import { waitFor } from './lib/processes.ts';
import { findStep, type Step, solutionDir } from './lib/steps.ts';
import { rehearsal } from './lib/targets/rehearsal/index.ts';

/** The test of step 7's solution that skips a chat seen before: the at-least-once variant never passes it. */
const DEDUP_LINE = 'if (id !== undefined && !(await firstTime(id)))';

interface Variant {
  guarantee: string;
  what: string;
  step: Step;
  dir: string;
  retry: boolean;
}

await main(async () => {
  const { values } = parseCommandLine(
    { options: { runs: { type: 'string', default: '5' }, chats: { type: 'string', default: '5000' } } },
    {
      usage: 'npm run bench:delivery [-- --runs 5] [--chats 5000]',
      summary:
        'The drills on at-most-once, at-least-once and exactly-once servers, and what the Redis stream costs.',
      flags: {
        runs: 'runs of each graceful drill for each variant (default 5)',
        chats: 'chats sent to measure Redis per 1,000 (default 5000)',
      },
    },
  );
  const runs = integerFlag('--runs', values.runs, 1, 50);
  const chats = integerFlag('--chats', values.chats, 1_000, 100_000);
  const six = findStep(6);
  const seven = findStep(7);

  // The variant without de-duplication: a copy of the solution, in the repository's ignored .workshop/ so
  // that it resolves the same packages, removed at the end.
  mkdirSync(join(ROOT, '.workshop'), { recursive: true });
  const scratch = mkdtempSync(join(ROOT, '.workshop', 'bench-delivery-'));
  cpSync(solutionDir(seven), scratch, { recursive: true });
  const server = readFileSync(join(scratch, 'server.ts'), 'utf8');
  if (!server.includes(DEDUP_LINE)) throw new Error("step 7's solution changed: update DEDUP_LINE");
  writeFileSync(join(scratch, 'server.ts'), server.replace(DEDUP_LINE, 'if (false)'));

  const variants: Variant[] = [
    {
      guarantee: 'at most once',
      what: "step 6's solution, chats sent once",
      step: six,
      dir: solutionDir(six),
      retry: false,
    },
    {
      guarantee: 'at least once',
      what: "step 7's solution without de-duplication, chats retried",
      step: seven,
      dir: scratch,
      retry: true,
    },
    {
      guarantee: 'exactly once',
      what: "step 7's solution, chats retried",
      step: seven,
      dir: solutionDir(seven),
      retry: true,
    },
  ];
  const plan: { variant: Variant; drill: DrillName; rate: number; runs: number }[] = [
    ...variants.flatMap((variant) =>
      (['sigterm-instance', 'rolling-restart'] as const).map((drill) => ({ variant, drill, rate: 20, runs })),
    ),
    ...(['sigterm-instance', 'rolling-restart'] as const).map((drill) => ({
      variant: variants[2],
      drill,
      rate: 200,
      runs: Math.max(1, Math.ceil(runs / 2)),
    })),
    ...(['sigkill-instance', 'restart-redis'] as const).map((drill) => ({
      variant: variants[2],
      drill,
      rate: 20,
      runs: Math.max(1, Math.ceil(runs / 2)),
    })),
  ];

  const results: { variant: Variant; drill: DrillName; rate: number; drills: DrillResult[] }[] = [];
  const costs: { what: string; memoryBytes: number; cpuMs: number }[] = [];
  try {
    for (const variant of variants) {
      const env = await rehearsal.start(variant.step, variant.dir, { port: 0 });
      try {
        for (const { drill, rate, runs: n } of plan.filter((p) => p.variant === variant)) {
          const drills: DrillResult[] = [];
          for (let run = 1; run <= n; run++) {
            for (const instance of env.instances) if (!instance.process.running()) await instance.restart();
            const result = await runDrill(env, drill, { clients: 12, rate, retry: variant.retry });
            drills.push(result);
            console.log(
              `${variant.guarantee}, ${drill} at ${rate}/s, run ${run}: ${result.lost} of ${result.expected} lost, ${result.duplicated} twice, ${result.copies} copies, back after ${result.recoveryMs ?? '—'} ms`,
            );
          }
          results.push({ variant, drill, rate, drills });
        }
        if (variant !== variants[1]) costs.push({ what: variant.what, ...(await redisCost(env, chats)) });
      } finally {
        await env.stop();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const sum = (
    drills: DrillResult[],
    key: 'expected' | 'lost' | 'duplicated' | 'copies' | 'unacknowledged',
  ) => drills.reduce((n, d) => n + d[key], 0);
  const lines = [
    '# Delivery figures: at most once, at least once, exactly once',
    '',
    `Measured by \`npm run bench:delivery -- --runs ${runs} --chats ${chats}\` on ${new Date().toISOString().slice(0, 10)}, ${machine()}.`,
    'Every drill on the rehearsal: Traefik in front of three instances and one Redis, 12 clients (half',
    'long-polling, half WebSocket), chats numbered and sent at the rate shown. A run restarts any stopped',
    'instance first. "Back after" is the median time from the failure until every client was connected and',
    'had received a chat sent after it (for a SIGTERM, from the signal, the drain included).',
    '',
    '| guarantee | server and clients | drill | chats/s | runs | deliveries | lost | twice | copies dropped | never acked | back after (median) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(({ variant, drill, rate, drills }) =>
      row([
        variant.guarantee,
        variant.what,
        drill,
        rate,
        drills.length,
        fmt(sum(drills, 'expected')),
        `${sum(drills, 'lost')} (runs with any: ${drills.filter((d) => d.lost).length})`,
        sum(drills, 'duplicated'),
        sum(drills, 'copies'),
        sum(drills, 'unacknowledged'),
        `${Math.round(median(drills.map((d) => d.recoveryMs ?? Number.NaN).filter(Number.isFinite)))} ms`,
      ]),
    ),
    '',
    '"Twice": a chat a client received in two separate broadcasts (its server broadcast it again).',
    '"Copies dropped": the same broadcast received again, by its stream offset, when a replay overlaps what',
    'the client had; a receiver recognises it by the chat id. "Never acked": chats no server acknowledged.',
    '',
    '## What Redis pays',
    '',
    `${fmt(chats)} chats sent through one client as fast as their acknowledgements come back, with 12 clients`,
    "receiving; Redis's `used_memory` and CPU (`used_cpu_user` + `used_cpu_sys` from `INFO`) before and after,",
    "per 1,000 chats. The stream keeps its last 10,000 entries (the adapter's `maxLen`), and step 7 adds a",
    'de-duplication key per chat for two minutes: memory grows until both limits are reached, then holds.',
    '',
    '| server | Redis memory per 1,000 chats | Redis CPU per 1,000 chats |',
    '| --- | --- | --- |',
    ...costs.map((c) =>
      row([c.what, `${fmt(Math.round(c.memoryBytes / 1024))} KiB`, `${c.cpuMs.toFixed(0)} ms`]),
    ),
    '',
  ];
  writeFileSync(join(ROOT, 'docs/delivery-figures.md'), lines.join('\n'));
  console.log('Wrote docs/delivery-figures.md');
});

/** Redis's memory and CPU per 1,000 chats broadcast to 12 clients through `env`. */
async function redisCost(env: Environment, chats: number): Promise<{ memoryBytes: number; cpuMs: number }> {
  const url = env.redis?.url;
  if (!url) throw new Error('the rehearsal runs no Redis');
  const redis = createClient({ url });
  await redis.connect();
  const clients = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      connectClient(env.entries[0], { transport: i % 2 ? 'polling' : 'websocket', path: env.socketPath }),
    ),
  );
  try {
    const info = async () => {
      const text = await redis.info();
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1]);
      return { memory: field('used_memory'), cpu: field('used_cpu_user') + field('used_cpu_sys') };
    };
    let received = 0;
    const marker = `cost-${Date.now()}`;
    for (const c of clients)
      c.socket.on('chat', (m: { text?: string }) => {
        if (m?.text?.startsWith(marker)) received++;
      });
    const before = await info();
    const [sender] = clients;
    for (let sent = 0; sent < chats; sent += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, chats - sent) }, (_, i) =>
          sender.socket
            .timeout(10_000)
            .emitWithAck('chat', { text: `${marker}:${sent + i}`, id: `${marker}:${sent + i}` }),
        ),
      );
    await waitFor(
      'every client to receive every chat',
      async () => (received >= chats * clients.length ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    const after = await info();
    const per = 1_000 / chats;
    return {
      memoryBytes: (after.memory - before.memory) * per,
      cpuMs: (after.cpu - before.cpu) * 1_000 * per,
    };
  } finally {
    await closeAllFlushed(clients);
    await redis.close();
  }
}
