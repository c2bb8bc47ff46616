// Where this machine cannot reach the replicas (a kind cluster's pods live behind its node), the view asks
// from inside one of them: a single `node` kept running there by an exec, fed the addresses to read at each
// tick on its stdin, answering each /stats on its stdout. One exec for the whole run, not one per reading;
// when its pod goes (a drill), the next tick starts another in a pod still running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mustUndo } from '../processes.ts';

export interface InsideStats {
  instance?: string;
  clients?: number;
  chats?: number;
}

/** The script the replica runs: CommonJS, as `node -e` takes it; fetch is global from Node 18. */
export const INSIDE_SCRIPT = [
  "const rl = require('readline').createInterface({ input: process.stdin });",
  "rl.on('line', async (line) => {",
  '  const { id, urls } = JSON.parse(line);',
  '  const stats = await Promise.all(urls.map((u) =>',
  "    fetch(u + '/stats', { signal: AbortSignal.timeout(300) }).then((r) => (r.ok ? r.json() : {})).catch(() => null)));",
  "  process.stdout.write(JSON.stringify({ id, stats }) + '\\n');",
  '});',
].join('\n');

/**
 * Reads /stats of `urls` through a process that `argv()` starts inside the stack (undefined: none can run
 * now). Each answer is matched to its request by id: a late one is dropped, never taken for the next.
 */
export function insideReader(argv: () => Promise<string[] | undefined>, timeoutMs = 1_000) {
  let child: ChildProcess | undefined;
  let starting: Promise<ChildProcess | undefined> | undefined;
  let next = 0;
  const waiting = new Map<number, (stats: (InsideStats | null)[]) => void>();
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
          const { id, stats } = JSON.parse(line) as { id: number; stats: (InsideStats | null)[] };
          waiting.get(id)?.(stats);
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

  return {
    async read(urls: string[]): Promise<(InsideStats | undefined)[]> {
      if (!child) {
        starting ??= start().finally(() => {
          starting = undefined;
        });
        child = await starting;
      }
      const proc = child;
      if (!proc?.stdin?.writable) return urls.map(() => undefined);
      const id = next++;
      const answer = new Promise<(InsideStats | null)[] | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        waiting.set(id, (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
      });
      proc.stdin.write(`${JSON.stringify({ id, urls })}\n`);
      const stats = await answer;
      waiting.delete(id);
      return urls.map((_, i) => stats?.[i] ?? undefined);
    },
    close() {
      child?.kill();
      undo?.();
    },
  };
}
