// `npm run load` against real servers: three instances sharing a real Redis, and one single server.
// Its figures are held against plain socket.io-client observers that count, on their own, the chats
// carrying the run's marker: every chat the tool says it sent must reach each of them exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32Histogram } from 'hdr-histogram-js';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../scripts/lib/app-process.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { UserError } from '../scripts/lib/errors.ts';
import { LatencyRecorder } from '../scripts/lib/load/latency.ts';
import { type LoadOptions, newRunId, parseLoadArgs } from '../scripts/lib/load/options.ts';
import { renderReport } from '../scripts/lib/load/report.ts';
import { runLoad } from '../scripts/lib/load/run.ts';
import type { LoadSummary } from '../scripts/lib/load/stats.ts';
import { renderSummary } from '../scripts/lib/load/table.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { stopAll, waitFor } from '../scripts/lib/processes.ts';
import { startInstances } from '../scripts/lib/targets/rehearsal/instances.ts';
import { ROOT, runCli } from './helpers/cli.ts';

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

let three: Environment;
let single: Environment;
const tempDir = mkdtempSync(join(tmpdir(), 'load-test-'));

beforeAll(async () => {
  [three, single] = await Promise.all([
    startInstances(join(ROOT, 'solutions/02-redis-adapter'), { port: 0, count: 3, redis: true }),
    startInstances(join(ROOT, 'solutions/01-single-server'), { port: 0, count: 1, redis: false }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([three?.stop(), single?.stop()]);
  await stopAll(2_000);
  rmSync(tempDir, { recursive: true, force: true });
});

interface Observer {
  socket: Socket;
  /** Chats seen with this run's marker. */
  count(): number;
}

/** A plain client on `url` that counts chats whose text starts with the run's marker; nothing else. */
async function observe(url: string, runId: string): Promise<Observer> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 5_000 });
  let count = 0;
  socket.on('chat', (m: { text?: unknown }) => {
    if (typeof m?.text === 'string' && m.text.startsWith(`load ${runId} #`)) count++;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('welcome', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, count: () => count };
}

/** Waits (bounded) until every observer has seen `sent` chats, then checks none saw more. */
async function expectObserversSaw(observers: Observer[], sent: number) {
  await waitFor(
    `observers to count ${sent} chats`,
    async () => observers.every((o) => o.count() >= sent) || undefined,
    {
      timeoutMs: 5_000,
    },
  ).catch(() => {});
  expect(observers.map((o) => o.count())).toEqual(observers.map(() => sent));
}

const closeObservers = (observers: Observer[]) => {
  for (const o of observers) o.socket.close();
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** What must hold for any run where nothing failed. */
function expectCleanRun(s: LoadSummary, clients: number) {
  expect(s.connected).toBe(clients);
  expect(s.sent).toBeGreaterThan(0);
  expect(s.acked).toBe(s.sent);
  expect(s.expected).toBe(s.sent * clients);
  expect(s.delivered).toBe(s.expected);
  expect(s.extra).toBe(0);
  expect(s.errors).toBe(0);
  expect(s.reconnects).toBe(0);
  expect(sum(Object.values(s.perInstance).map((i) => i.clients))).toBe(s.connected);
  expect(sum(Object.values(s.perInstance).map((i) => i.delivered))).toBe(s.delivered);
  expect(s.latencyMs.count).toBe(s.delivered);
  expect(s.ackLatencyMs.count).toBe(s.acked);
  expect(s.latencyMs.p50).toBeGreaterThan(0);
  expect(s.latencyMs.p50).toBeLessThanOrEqual(s.latencyMs.p99);
  expect(s.latencyMs.p99).toBeLessThanOrEqual(s.latencyMs.max);
  expect(s.deliveriesPerSec).toBeGreaterThan(0);
  expect(sum(s.latencyBins.map((b) => b.count))).toBe(s.delivered);
}

const baseOptions = (env: Environment, overrides: Partial<LoadOptions>): LoadOptions => ({
  urls: env.entries,
  clients: 30,
  rate: 20,
  duration: 1.5,
  ramp: 0.3,
  path: env.socketPath,
  transport: 'websocket',
  runId: newRunId(),
  drain: 5,
  timeoutMs: 5_000,
  ...overrides,
});

describe('runLoad against 3 instances + Redis', () => {
  it('counts every delivery the observers count, spread round-robin over the instances', async () => {
    const options = baseOptions(three, { clients: 30 });
    const observers = await Promise.all(three.entries.map((url) => observe(url, options.runId)));
    try {
      const summary = await runLoad(options);
      expectCleanRun(summary, 30);
      // 1.5 s at 20/s: 30 chats, on schedule.
      expect(summary.sent).toBe(30);
      expect(Object.keys(summary.perInstance)).toEqual(['instance-1', 'instance-2', 'instance-3']);
      for (const instance of Object.values(summary.perInstance)) {
        expect(instance.clients).toBe(10);
        expect(instance.delivered).toBe(10 * summary.sent);
      }
      await expectObserversSaw(observers, summary.sent);

      const table = renderSummary(summary);
      expect(table).toContain('Every connected client received every chat');
      expect(table).toMatch(/instance-2\s+10\s+300/);
      expect(table).toContain('█');
    } finally {
      closeObservers(observers);
    }
  });

  it('as a real process with --json: one JSON object on stdout, and a self-contained HTML report', async () => {
    const runId = newRunId();
    const report = join(tempDir, 'report.html');
    const observers = await Promise.all(three.entries.map((url) => observe(url, runId)));
    try {
      const args = ['--url', three.entries.join(','), '--clients', '24', '--rate', '10', '--duration', '1.5'];
      const { code, stdout, stderr } = await runCli('load.ts', [
        ...args,
        '--ramp',
        '0.2',
        '--run-id',
        runId,
        '--json',
        '--report',
        report,
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
      const summary = JSON.parse(stdout) as LoadSummary;
      for (const key of [
        'clients',
        'connected',
        'sent',
        'delivered',
        'expected',
        'deliveriesPerSec',
        'latencyMs',
        'perInstance',
        'reconnects',
      ]) {
        expect(summary).toHaveProperty(key);
      }
      expect(Object.keys(summary.latencyMs)).toEqual(expect.arrayContaining(['p50', 'p95', 'p99', 'max']));
      expect(summary.clients).toBe(24);
      expect(summary.runId).toBe(runId);
      expectCleanRun(summary, 24);
      expect(summary.sent).toBe(15);
      await expectObserversSaw(observers, summary.sent);

      expect(existsSync(report)).toBe(true);
      const html = readFileSync(report, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html.match(/<svg/g)).toHaveLength(2);
      expect(html).toContain('instance-3');
      // Self-contained: nothing fetched from anywhere.
      expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    } finally {
      closeObservers(observers);
    }
  });

  it('Ctrl-C stops the run, closes the clients and still prints the figures', async () => {
    const runId = newRunId();
    const observers = await Promise.all(three.entries.map((url) => observe(url, runId)));
    const args = [
      '--url',
      three.entries.join(','),
      '--clients',
      '12',
      '--rate',
      '20',
      '--duration',
      '60',
      '--ramp',
      '0',
    ];
    const child = spawnLoad([...args, '--run-id', runId, '--json']);
    try {
      // Interrupt once the observers have seen sending under way.
      await waitFor(
        'the run to be sending',
        async () => observers.every((o) => o.count() >= 5) || undefined,
        {
          timeoutMs: 20_000,
        },
      );
      child.process.kill('SIGINT');
      const code = await child.exited;
      expect(code).toBe(130);
      const summary = JSON.parse(child.stdout()) as LoadSummary;
      expect(summary.interrupted).toBe(true);
      expect(summary.sent).toBeGreaterThanOrEqual(5);
      expect(summary.sent).toBeLessThan(60 * 20);
      expect(summary.acked).toBe(summary.sent);
      expect(summary.delivered).toBe(summary.expected);
      await expectObserversSaw(observers, summary.sent);
      expect(child.stderr()).toContain('Stopping');
    } finally {
      child.process.kill('SIGKILL');
      closeObservers(observers);
    }
  });
});

describe('runLoad against a single server (step 1)', () => {
  it('over long-polling, every client gets every chat and all sit on the one instance', async () => {
    const options = baseOptions(single, { clients: 20, transport: 'polling', rate: 10 });
    const observers = [await observe(single.entries[0], options.runId)];
    try {
      const summary = await runLoad(options);
      expectCleanRun(summary, 20);
      expect(summary.transport).toBe('polling');
      expect(summary.perInstance).toEqual({ 'instance-1': { clients: 20, delivered: summary.delivered } });
      await expectObserversSaw(observers, summary.sent);
    } finally {
      closeObservers(observers);
    }
  });

  it('two servers without an adapter: the tool reports the missing deliveries instead of hiding them', async () => {
    // Step 1's server twice, no Redis: a chat only reaches the clients of the server it was sent to.
    const port = await freePort();
    const second = await startApp({
      dir: join(ROOT, 'solutions/01-single-server'),
      port,
      instanceId: 'solo-2',
    });
    try {
      const urls = [single.entries[0], `http://127.0.0.1:${port}`];
      const summary = await runLoad(baseOptions(single, { urls, clients: 20, rate: 10, drain: 3 }));
      expect(summary.acked).toBe(summary.sent);
      expect(summary.expected).toBe(summary.sent * 20);
      expect(summary.delivered).toBe(summary.sent * 10);
      expect(summary.perInstance['instance-1'].clients).toBe(10);
      expect(summary.perInstance['solo-2'].clients).toBe(10);
      expect(renderSummary(summary)).toMatch(/did not arrive \(50\.0%\)\. That is about 1\/2/);
      expect(renderReport(summary, 'npm run load')).toContain('did not arrive');
    } finally {
      await second.stop();
    }
  }, 30_000);
});

describe('bad input: one clear line, a non-zero exit, no stack trace', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--clients', 'abc'], /--clients must be a number, got 'abc'/],
    [['--clients', '2.5'], /--clients must be a whole number/],
    [['--clients', '50000'], /--clients must be between 1 and 20000/],
    [['--rate', '-3'], /--rate needs a value, got '-3'/],
    [['--rate=0'], /--rate must be between 0.1 and 10000/],
    [['--url', 'ftp://localhost:3000'], /must be http:\/\/ or https:\/\//],
    [['--url', 'localhost:3000'], /must be http:\/\/ or https:\/\//],
    [['--transport', 'tcp'], /Unknown transport 'tcp'/],
  ])('%j', async (args, message) => {
    const { code, stdout, stderr } = await runCli('load.ts', args);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
    noStackTrace(stderr);
  });

  it('nothing listening at the URL: says to start the step', async () => {
    const port = await freePort();
    const { code, stderr } = await runCli('load.ts', [
      '--url',
      `http://127.0.0.1:${port}`,
      '--duration',
      '1',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(`Nothing is listening at http://127.0.0.1:${port}`);
    expect(stderr).toContain('npm run step N -- --start');
    noStackTrace(stderr);
  });

  it('a wrong --path: names the path and the HTTP status', async () => {
    const { code, stderr } = await runCli('load.ts', [
      '--url',
      single.entries[0],
      '--path',
      '/wsk/socket.io/',
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/socket\.io did not answer at \/wsk\/socket\.io\/ .*HTTP 404/);
    noStackTrace(stderr);
  });

  it('parseLoadArgs: defaults, several URLs, and errors as UserError', () => {
    const options = parseLoadArgs([
      '--url',
      'http://localhost:3000, http://localhost:3001/',
      '--rate',
      '0.5',
    ]);
    expect(options.urls).toEqual(['http://localhost:3000', 'http://localhost:3001']);
    expect(options).toMatchObject({
      clients: 100,
      rate: 0.5,
      path: '/socket.io/',
      transport: 'websocket',
      json: false,
    });
    expect(() => parseLoadArgs(['--url', 'http://localhost:3000/wsk'])).toThrow(/give the origin only/);
    expect(() => parseLoadArgs(['extra'])).toThrow(UserError);
  });
});

describe('LatencyRecorder', () => {
  it('gives the same percentiles, mean, min and max as recording straight into an HDR histogram', () => {
    const recorder = new LatencyRecorder();
    const direct = new Int32Histogram(1, 120_000_000, 3);
    direct.autoResize = true;
    // Log-uniform from 7 µs to 8 s: every bucket size the grid has.
    for (let i = 0; i < 50_000; i++) {
      const ms = Math.exp(Math.random() * 14 - 5);
      recorder.record(ms);
      direct.recordValue(Math.max(1, Math.round(ms * 1000)));
    }
    const folded = recorder.histogram();
    for (const p of [1, 50, 90, 95, 99, 99.9, 100])
      expect(folded.getValueAtPercentile(p)).toBe(direct.getValueAtPercentile(p));
    expect([folded.totalCount, folded.mean, folded.minNonZeroValue, folded.maxValue]).toEqual([
      direct.totalCount,
      direct.mean,
      direct.minNonZeroValue,
      direct.maxValue,
    ]);
    expect(recorder.maxMicros).toBe(direct.maxValue);
  });
});

/** The load tool as a child process, stdout and stderr kept apart (stdout must be the JSON alone). */
function spawnLoad(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts/load.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { process: child, exited, stdout: () => stdout, stderr: () => stderr };
}
