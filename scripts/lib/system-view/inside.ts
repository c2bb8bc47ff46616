// Where this machine cannot reach the replicas (a kind cluster's pods live behind its node), the view asks
// from inside one of them: a single `node` kept running there by an exec, fed the addresses to read at each
// tick on its stdin, answering each /stats on its stdout. One exec for the whole run, not one per reading;
// when its pod goes (a drill), the next tick starts another in a pod still running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mustUndo } from '../processes.ts';
import { type Stats, statsOf } from './stats.ts';

interface Answer {
  stats?: unknown[];
  info?: string | null;
}

/**
 * The script the replica runs: CommonJS, as `node -e` takes it; fetch is global from Node 18. A line
 * `{ id, urls }` asks each URL's /stats; `{ id, redis: true }` asks the replica's Redis (its REDIS_URL) for
 * INFO commandstats in plain RESP. Each read has `timeoutMs`: a /stats or a Redis that does not answer within
 * it is null.
 */
export const insideScript = (timeoutMs = 300) =>
  [
    "const net = require('net');",
    'const redisInfo = () => new Promise((resolve) => {',
    "  const u = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');",
    '  const s = net.connect(Number(u.port) || 6379, u.hostname);',
    "  let buf = '';",
    '  const done = (v) => { s.destroy(); resolve(v); };',
    `  s.setTimeout(${timeoutMs}, () => done(null));`,
    "  s.on('error', () => done(null));",
    "  s.on('connect', () => s.write('*2\\r\\n$4\\r\\nINFO\\r\\n$12\\r\\ncommandstats\\r\\n'));",
    "  s.on('data', (d) => {",
    '    buf += d;',
    '    const m = /^\\$(\\d+)\\r\\n/.exec(buf);',
    '    if (m && Buffer.byteLength(buf) >= m[0].length + Number(m[1])) done(buf.slice(m[0].length));',
    '  });',
    '});',
    "const rl = require('readline').createInterface({ input: process.stdin });",
    "rl.on('line', async (line) => {",
    '  const { id, urls, redis } = JSON.parse(line);',
    '  const answer = redis ? { info: await redisInfo() } : { stats: await Promise.all(urls.map((u) =>',
    `    fetch(u + '/stats', { signal: AbortSignal.timeout(${timeoutMs}) }).then((r) => (r.ok ? r.json() : {})).catch(() => null))) };`,
    "  process.stdout.write(JSON.stringify({ id, ...answer }) + '\\n');",
    '});',
  ].join('\n');

/**
 * Reads /stats of `urls`, and Redis, through a process that `argv()` starts inside the stack (undefined:
 * none can run now). Each answer is matched to its request by id: a late one is dropped, never taken for
 * the next.
 */
export function insideReader(argv: () => Promise<string[] | undefined>, timeoutMs = 1_000) {
  let child: ChildProcess | undefined;
  let starting: Promise<ChildProcess | undefined> | undefined;
  let next = 0;
  const waiting = new Map<number, (answer: Answer) => void>();
  let undo: (() => void) | undefined;

  const start = async () => {
    const args = await argv();
    if (!args) return undefined;
    const proc = spawn(args[0], args.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    let buffer = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        try {
          const answer = JSON.parse(line) as Answer & { id: number };
          waiting.get(answer.id)?.(answer);
        } catch {
          // Not an answer (kubectl's own words): nothing waits for it.
        }
      }
    });
    proc.stdin?.on('error', () => {});
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    undo?.();
    undo = mustUndo({ now: () => proc.kill('SIGKILL'), stop: async () => void proc.kill() });
    return proc;
  };

  /** One request, answered by id within the bound; undefined when no process runs or none answered. */
  const ask = async (request: { urls: string[] } | { redis: true }): Promise<Answer | undefined> => {
    if (!child) {
      starting ??= start().finally(() => {
        starting = undefined;
      });
      child = await starting;
    }
    const proc = child;
    if (!proc?.stdin?.writable) return undefined;
    const id = next++;
    const answer = new Promise<Answer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      waiting.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    proc.stdin.write(`${JSON.stringify({ id, ...request })}\n`);
    const got = await answer;
    waiting.delete(id);
    return got;
  };

  return {
    async read(urls: string[]): Promise<(Stats | undefined)[]> {
      const answer = await ask({ urls });
      // null: that replica did not answer in time; an answer is held to the fields the view knows.
      return urls.map((_, i) => {
        const body = answer?.stats?.[i];
        return body === undefined || body === null ? undefined : statsOf(body);
      });
    },
    /** Redis's INFO commandstats, seen from the replica: null when it does not answer, undefined unknown. */
    async redisInfo(): Promise<string | null | undefined> {
      return (await ask({ redis: true }))?.info;
    },
    close() {
      child?.kill();
      // Gone for the next read at once, not when its exit is heard: that one starts another.
      child = undefined;
      undo?.();
    },
  };
}
