// npm run bench:router [-- --rounds 5]
// The stand-in router's cost: chat round-trip latency (p50) and fan-out throughput through the router
// against a direct connection to the same three instances, for long-polling and WebSocket.
import { parseArgs } from 'node:util';
import { closeAll, connectClient, type TestClient, type Transport } from './lib/checks/clients.ts';
import { startInstances } from './lib/environments/local.ts';
import { main } from './lib/errors.ts';
import { stopAllOnExit } from './lib/processes.ts';
import { balancerConfig, createStandInRouter } from './lib/router/stand-in-router.ts';
import { STEPS, solutionDir } from './lib/steps.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** p50 of `count` sequential chat acks from one client. */
async function roundTrip(url: string, transport: Transport, count = 300): Promise<number> {
  const c = await connectClient(url, { transport });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await c.socket.emitWithAck('chat', { text: `rt-${i}` });
    times.push(performance.now() - t0);
  }
  c.close();
  return median(times.slice(20)); // the first few warm the connection up
}

/** Deliveries per second: `clients` connected, `messages` chats sent as fast as acks allow. */
async function fanOut(urls: string[], transport: Transport, clients = 30, messages = 200): Promise<number> {
  const all: TestClient[] = [];
  for (let i = 0; i < clients; i++) all.push(await connectClient(urls[i % urls.length], { transport }));
  let delivered = 0;
  const expected = clients * messages;
  const done = new Promise<void>((resolve) => {
    for (const c of all)
      c.socket.on('chat', () => {
        if (++delivered === expected) resolve();
      });
  });
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) all[i % clients].socket.emit('chat', { text: `fan-${i}` });
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
  const seconds = (performance.now() - t0) / 1000;
  closeAll(all);
  return delivered / seconds;
}

await main(async () => {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
  const rounds = Math.min(10, Math.max(1, Number(values.rounds) || 3));
  stopAllOnExit();
  const env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 3, redis: true });
  const router = await createStandInRouter({
    config: balancerConfig({ sticky: true }),
    entryPoint: 'web',
    resolve: () => env.instances.map((i) => i.url),
  });
  try {
    console.log(`stand-in router vs direct, 3 instances + Redis, ${rounds} rounds, Node ${process.version}`);
    for (const transport of ['polling', 'websocket'] as const) {
      const direct = { rt: [] as number[], fan: [] as number[] };
      const routed = { rt: [] as number[], fan: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        direct.rt.push(await roundTrip(env.entries[0], transport));
        routed.rt.push(await roundTrip(router.url, transport));
        direct.fan.push(await fanOut(env.entries, transport));
        routed.fan.push(await fanOut([router.url], transport));
      }
      const [d, r] = [median(direct.rt), median(routed.rt)];
      const [df, rf] = [median(direct.fan), median(routed.fan)];
      console.log(
        `${transport.padEnd(9)} round trip p50: direct ${d.toFixed(2)} ms, router ${r.toFixed(2)} ms (+${(r - d).toFixed(2)} ms; target ≤ +1.5 ms)` +
          `\n${''.padEnd(9)} fan-out: direct ${Math.round(df)}/s, router ${Math.round(rf)}/s (${Math.round((rf / df) * 100)}%; target ≥ 70%)`,
      );
    }
  } finally {
    await router.close();
    await env.stop();
  }
});
