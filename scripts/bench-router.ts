// npm run bench:router [-- --rounds 5]
// Traefik's cost in the rehearsal: chat round-trip latency (p50) and fan-out throughput through the real
// Traefik, set up exactly as the rehearsal sets it up (step 2's sticky router, keep-alive to the instances,
// no extra hop), against a direct connection to the same three instances, for long-polling and WebSocket.
// Where `haproxy` is installed (Debian: apt-get install haproxy), the same measurements through it too, as
// a yardstick: what another native proxy costs on the same machine. Also Traefik's start time (process
// start to its API answering, and to the configuration served) and its RSS. Writes docs/router-figures.md;
// exits 1 when Traefik misses a target.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finiteMedian, fmt, machine, measurements, median, row } from './lib/bench-figures.ts';
import { closeAll, connectClient, type TestClient, type Transport } from './lib/checks/clients.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { main } from './lib/main.ts';
import { ROOT } from './lib/paths.ts';
import { freePort } from './lib/ports.ts';
import { startProcess, waitFor, waitForHttp } from './lib/processes.ts';
import { STEPS, solutionDir } from './lib/steps.ts';
import { DEMO_CONFIG } from './lib/targets/rehearsal/demo-balancers.ts';
import { startInstances } from './lib/targets/rehearsal/instances.ts';
import { findExecutable } from './lib/tools.ts';
import { startTraefik } from './lib/traefik-run/process.ts';

const TARGET = { extraMs: 1.0, fanOutShare: 0.85 };
const TRAEFIK = 'traefik';

/** How the bench clients connect: browsers keep polling connections alive, Node's client by default does not. */
interface Variant {
  name: string;
  transport: Transport;
  keepAlive: boolean;
}
const VARIANTS: Variant[] = [
  { name: 'polling, kept-alive connections (as browsers)', transport: 'polling', keepAlive: true },
  { name: 'polling, a connection per poll (Node client)', transport: 'polling', keepAlive: false },
  { name: 'websocket', transport: 'websocket', keepAlive: false },
];

async function connect(url: string, v: Variant): Promise<TestClient> {
  const agent = v.keepAlive ? new Agent({ keepAlive: true }) : undefined;
  const c = await connectClient(url, { transport: v.transport, agent });
  return {
    ...c,
    close: () => {
      c.close();
      agent?.destroy();
    },
  };
}

/** p50 of `count` sequential chat acks from one client. */
async function roundTrip(url: string, v: Variant, count = 300): Promise<number> {
  const c = await connect(url, v);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await c.socket.timeout(5_000).emitWithAck('chat', { text: `rt-${i}` });
      times.push(performance.now() - t0);
    }
  } finally {
    c.close();
  }
  return median(times.slice(20)); // the first few warm the connection up
}

/**
 * Sustained fan-out, deliveries per second: `clients` connected, `inFlight` chats kept unacknowledged at
 * all times (a new one as each ack comes back) for `seconds`, then the last deliveries awaited. A short
 * burst would measure a few polls' latency rather than throughput.
 */
async function fanOut(urls: string[], v: Variant, clients = 30, inFlight = 60, seconds = 2) {
  const all: TestClient[] = [];
  try {
    for (let i = 0; i < clients; i++) all.push(await connect(urls[i % urls.length], v));
  } catch (err) {
    closeAll(all);
    throw err;
  }
  let delivered = 0;
  for (const c of all) c.socket.on('chat', () => delivered++);
  let sent = 0;
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  const sender = async (k: number) => {
    while (performance.now() < until) {
      sent++;
      await all[(k + sent) % clients].socket.timeout(5_000).emitWithAck('chat', { text: `fan-${sent}` });
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, (_, k) => sender(k)));
    // Every chat is acknowledged; its broadcast may still be on its way to the other clients.
    const expected = sent * clients;
    await waitFor(
      `all ${expected} deliveries (fan-out, ${v.name})`,
      async () => (delivered >= expected ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    return delivered / ((performance.now() - t0) / 1000);
  } finally {
    closeAll(all);
  }
}

interface Proxy {
  name: string;
  url: string;
  rssMb?: () => number;
  stop(): Promise<unknown>;
}

/** Traefik as the rehearsal runs it: step 2's sticky router over `backends`; its start time and memory. */
async function startTraefikProxy(backends: string[]): Promise<Proxy & { readyMs: number }> {
  const [sticky, api] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const traefik = await startTraefik({
    args: ['--entrypoints.sticky.address=:80', '--api.insecure=true'],
    ports: { sticky },
    apiPort: api,
    config: { ...DEMO_CONFIG, routers: { sticky: DEMO_CONFIG.routers.sticky } },
    servers: { sticky: backends, roundrobin: backends },
  });
  return {
    name: TRAEFIK,
    url: traefik.entryPoints.sticky,
    readyMs: performance.now() - t0,
    rssMb: () => rssMb(traefik.process.pid),
    stop: () => traefik.stop(),
  };
}

/** Resident memory of a process, in MB (Linux). */
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** The same balancing in HAProxy: round robin, a sticky cookie, kept-alive connections to the backends. */
async function startHaproxy(backends: string[]): Promise<Proxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wsk-haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  const servers = backends.map((b, i) => `  server s${i} ${new URL(b).host} cookie s${i}`);
  writeFileSync(
    config,
    [
      'global',
      '  nbthread 1',
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend web',
      `  bind 127.0.0.1:${port}`,
      '  default_backend app',
      'backend app',
      '  balance roundrobin',
      '  cookie wsk_sticky insert indirect nocache httponly',
      '  http-reuse always',
      ...servers,
      '',
    ].join('\n'),
  );
  const proc = startProcess({ name: 'haproxy', command: 'haproxy', args: ['-db', '-f', config] });
  const stop = () => proc.stop().finally(() => rmSync(dir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, { process: proc }).catch(async (err) => {
    await stop();
    throw err;
  });
  return { name: proc.name, url, stop };
}

interface Series {
  rt: number[];
  fan: number[];
}

interface Figures {
  variant: Variant;
  direct: Series;
  /** By proxy name: Traefik, and HAProxy where it is installed. */
  routed: Record<string, Series>;
}

const { attempt, failures } = measurements();

async function bench(rounds: number) {
  const env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 3, redis: true });
  const proxies: Proxy[] = [];
  const results: Figures[] = [];
  let traefik: { readyMs: number; rss: number[] } | undefined;
  try {
    const backends = env.instances.map((i) => i.url);
    const t = await startTraefikProxy(backends);
    traefik = { readyMs: t.readyMs, rss: [] };
    proxies.push(t);
    if (findExecutable('haproxy')) proxies.push(await startHaproxy(backends));
    const names = proxies.map((p) => p.name).join(' and ');
    console.log(`${names} vs direct, 3 instances + Redis, ${rounds} rounds, Node ${process.version}`);
    for (const variant of VARIANTS) {
      const routed = Object.fromEntries(proxies.map((p) => [p.name, { rt: [], fan: [] } as Series]));
      const f: Figures = { variant, direct: { rt: [], fan: [] }, routed };
      const ways = [
        { name: 'direct', series: f.direct, urls: env.entries },
        ...proxies.map((p) => ({ name: p.name, series: routed[p.name], urls: [p.url] })),
      ];
      for (let r = 0; r < rounds; r++) {
        // Rotate which goes first, so that none always runs on a warmer (or busier) machine.
        for (const way of [...ways.slice(r % ways.length), ...ways.slice(0, r % ways.length)]) {
          const what = `${variant.name}, round ${r + 1}, ${way.name}`;
          way.series.rt.push(await attempt(`${what}, round trip`, () => roundTrip(way.urls[0], variant)));
          way.series.fan.push(await attempt(`${what}, fan-out`, () => fanOut(way.urls, variant)));
        }
        for (const p of proxies) if (p.rssMb) traefik?.rss.push(p.rssMb());
      }
      results.push(f);
      console.log(summary(f).join('\n'));
    }
  } finally {
    await Promise.all(proxies.map((p) => p.stop()));
    await env.stop();
  }
  const file = join(ROOT, 'docs/router-figures.md');
  const start = traefik
    ? `Traefik's start: ${traefik.readyMs.toFixed(0)} ms from spawn to serving the configuration (its API answering); RSS at most ${Math.max(...traefik.rss).toFixed(0)} MB during the rounds.`
    : '';
  console.log(start);
  writeFileSync(file, figuresMarkdown(results, rounds, start));
  console.log(`Wrote ${file}`);
  return results.every((f) => met(f, TRAEFIK)) ? 0 : 1;
}
const extra = (f: Figures, proxy: string) => finiteMedian(f.routed[proxy].rt) - finiteMedian(f.direct.rt);
const share = (f: Figures, proxy: string) => finiteMedian(f.routed[proxy].fan) / finiteMedian(f.direct.fan);
const met = (f: Figures, proxy: string) =>
  extra(f, proxy) <= TARGET.extraMs && share(f, proxy) >= TARGET.fanOutShare;
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'failed');
const perSecond = (x: number) => (Number.isFinite(x) ? fmt(x) : 'failed');
const signed = (x: number) => `${x < 0 ? '−' : '+'}${ms(Math.abs(x))}`;

function summary(f: Figures): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    `${f.variant.name}: direct round trip p50 ${ms(finiteMedian(f.direct.rt))} ms, fan-out ${perSecond(finiteMedian(f.direct.fan))}/s`,
    ...Object.entries(f.routed).map(
      ([proxy, s]) =>
        `  ${proxy.padEnd(15)} round trip ${ms(finiteMedian(s.rt))} ms (${signed(extra(f, proxy))} ms; target ≤ +${TARGET.extraMs}: ${verdict(extra(f, proxy) <= TARGET.extraMs)}), ` +
        `fan-out ${perSecond(finiteMedian(s.fan))}/s (${Math.round(share(f, proxy) * 100)}%; target ≥ ${TARGET.fanOutShare * 100}%: ${verdict(share(f, proxy) >= TARGET.fanOutShare)})`,
    ),
  ];
}

function figuresMarkdown(results: Figures[], rounds: number, startLine: string): string {
  const proxies = Object.keys(results[0]?.routed ?? {});
  const header = [
    'clients',
    'round',
    ...['direct', ...proxies].map((w) => `${w} p50 ms`),
    ...['direct', ...proxies].map((w) => `${w} deliveries/s`),
  ];
  const rows = results.flatMap((f) =>
    f.direct.rt.map((_, i) => {
      const series = [f.direct, ...proxies.map((p) => f.routed[p])];
      return [
        f.variant.name,
        String(i + 1),
        ...series.map((s) => ms(s.rt[i])),
        ...series.map((s) => perSecond(s.fan[i])),
      ];
    }),
  );
  return `# Traefik in the rehearsal: figures

Measured with \`npm run bench:router -- --rounds ${rounds}\` (\`scripts/bench-router.ts\`) on ${new Date().toISOString().slice(0, 10)}: ${machine()}.
Three instances of solutions/02-redis-adapter and a \`redis-server\`, each its own process; the real Traefik
in front of them, started as the rehearsal starts it (step 2's sticky router through the file provider,
kept-alive connections to the instances, no other hop).${proxies.includes('haproxy') ? ' As a yardstick, HAProxy (one thread) with the same round robin and sticky cookie: what another native proxy costs on the same machine.' : ''}
Targets: at most +${TARGET.extraMs} ms round trip over direct, and at least ${TARGET.fanOutShare * 100}% of direct fan-out.

${startLine}

The clients are socket.io-client in the benchmark's process, in two ways over long-polling: with
kept-alive connections, as browsers poll, and with a new connection for every poll, as Node's client
does by default (and as \`npm run check\` keeps on purpose: then only the sticky cookie can keep a
session on its instance). Everything shares this machine's cores over loopback, and the polling figures
move by 10-20% from run to run, so these are figures for this machine; rerun the command to get yours.

- Round trip: one client, 300 chats one after another, each awaiting its ack; p50 of the last 280.
  Over long-polling one round trip is three HTTP requests through the proxy (the POST, the poll that
  brings the broadcast back, the poll that brings the ack).
- Fan-out: 30 clients, 60 chats kept in flight for 2 s, each broadcast to all 30; deliveries per second
  until the last one arrived. When the cores are saturated, as here, this measures how much CPU the
  proxy takes from the instances and the clients.

## Summary (medians of ${rounds} rounds)

\`\`\`
${results.flatMap(summary).join('\n')}
\`\`\`

## Rounds

${row(header)}
${row(header.map((_, i) => (i === 0 ? '---' : '---:')))}
${rows.map(row).join('\n')}
${failures.length ? `\nFailed measurements (left out of the medians):\n\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
}

await main(async () => {
  const { values } = parseCommandLine(
    { options: { rounds: { type: 'string', default: '5' } } },
    {
      usage: 'npm run bench:router [-- --rounds 5]',
      summary:
        "Traefik's cost in the rehearsal against direct connections (HAProxy too where installed); writes docs/router-figures.md.",
      flags: { rounds: 'rounds per way of connecting (1 to 10, default 5)' },
    },
  );
  return bench(integerFlag('--rounds', values.rounds, 1, 10));
});
