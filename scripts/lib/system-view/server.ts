// The system view of a running step: a page on loopback that redraws from a snapshot twice a second, read
// only while someone watches. It also runs `npm run drill` on the stack it shows (running.ts), so that the
// drill is seen as it happens.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DRILLS, type DrillName, type Environment } from '../environment.ts';
import { describeError } from '../errors.ts';
import { mustUndo } from '../processes.ts';
import { PAGE } from './page.ts';
import { writeRunningNote } from './running.ts';
import { Observer, type Snapshot } from './snapshot.ts';
import { sourcesOf } from './sources.ts';

/** Twice a second: the drills' moves show as they happen. */
export const TICK_MS = 500;

export interface SystemView {
  url: string;
  stop(): Promise<void>;
}

export interface ViewOptions {
  port: number;
  title: string;
  step: number;
  target: string;
  /** Leave the note by which `npm run drill` acts on this stack (not for a screenshot's). Default true. */
  drillable?: boolean;
}

export async function startSystemView(env: Environment, options: ViewOptions): Promise<SystemView> {
  const sources = sourcesOf(env);
  const observer = new Observer(sources, options.title);
  const watchers = new Set<ServerResponse>();
  const token = randomBytes(16).toString('hex');
  let latest: Snapshot | undefined;
  let reading: Promise<Snapshot> | undefined;

  /**
   * One reading at a time, shared by whoever asks while it runs (the tick, GET /snapshot): two at once would
   * double the requests and turn the rates into counts over a few milliseconds.
   */
  const read = () => {
    reading ??= observer.read().then(
      (snapshot) => {
        latest = snapshot;
        reading = undefined;
        return snapshot;
      },
      (err) => {
        reading = undefined;
        throw err;
      },
    );
    return reading;
  };
  const tick = async () => {
    if (reading || !watchers.size) return;
    const frame = `data: ${JSON.stringify(await read())}\n\n`;
    for (const res of watchers) res.write(frame);
  };
  const timer = setInterval(() => void tick().catch(() => {}), TICK_MS);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(PAGE);
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      if (latest) res.write(`data: ${JSON.stringify(latest)}\n\n`);
      watchers.add(res);
      req.on('close', () => watchers.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/snapshot')
      return void read().then(
        (s) => json(res, 200, s),
        (err) => json(res, 500, { error: describeError(err) }),
      );
    const drill = /^\/drill\/([\w-]+)$/.exec(path)?.[1];
    if (req.method === 'POST' && drill) return void runDrill(env, drill, token, req, res);
    json(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
  const forget =
    (options.drillable ?? true)
      ? writeRunningNote({
          pid: process.pid,
          step: options.step,
          target: options.target,
          view: url.replace('localhost', '127.0.0.1'),
          token,
          entries: env.entries,
          socketPath: env.socketPath,
        })
      : () => {};

  const stop = async () => {
    clearInterval(timer);
    forget();
    for (const res of watchers) res.end();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sources.close();
  };
  const done = mustUndo({ now: forget, stop: () => stop() });
  return {
    url,
    stop: async () => {
      await stop();
      done();
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A drill asked by `npm run drill` (it holds the token from the running note; a web page does not). */
async function runDrill(
  env: Environment,
  name: string,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  if (req.headers['x-workshop-token'] !== token) return json(res, 403, { error: 'wrong token' });
  if (!(name in DRILLS)) return json(res, 404, { error: `no drill ${name}` });
  let body = '';
  for await (const chunk of req) body += chunk;
  try {
    const { busiest } = JSON.parse(body || '{}') as { busiest?: string };
    const action = await env.drills[name as DrillName](busiest ?? '');
    json(res, 200, { action });
  } catch (err) {
    json(res, 500, { error: describeError(err) });
  }
}
