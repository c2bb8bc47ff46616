// The instructor's room: attendees POST their check results, the page shows attendees × steps live
// over socket.io, GET /api/room returns the same as JSON. Bounded: body size, attendee count, rate.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'socket.io';
import { STEPS } from '../steps.ts';
import { runningNotes } from '../system-view/running.ts';
import { roomPage } from './page.ts';
import { parseReport, type StepStatus } from './validate.ts';

export const MAX_BODY = 64 * 1024;
export const MAX_ATTENDEES = 500;
/** One report per name per this many ms: `check --watch` loops can't flood the room. */
export const MIN_INTERVAL_MS = 250;

interface Attendee {
  name: string;
  updatedAt: string;
  steps: Record<number, StepStatus>;
}

/** A system view running on the instructor's machine, which the room links to. */
export interface ViewLink {
  step: number;
  target: string;
  url: string;
}

const viewsHere = (): ViewLink[] =>
  runningNotes().map(({ step, target, view }) => ({
    step,
    target,
    url: view.replace('127.0.0.1', 'localhost'),
  }));

export async function createRoomServer({
  port = 4000,
  host = '0.0.0.0',
  views = viewsHere,
}: {
  port?: number;
  host?: string;
  /** The system views to link to: the `--start`s running on this machine. */
  views?: () => ViewLink[];
} = {}) {
  const attendees = new Map<string, Attendee>();
  const lastReport = new Map<string, number>();
  const room = () => ({
    steps: STEPS.map((s) => ({ number: s.number, slug: s.slug, title: s.title })),
    attendees: [...attendees.values()].sort((a, b) => a.name.localeCompare(b.name)),
    views: views(),
  });
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    res.end(JSON.stringify(body));
  };

  const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
      });
      return res.end(roomPage());
    }
    if (req.method === 'GET' && path === '/api/room') return json(res, 200, room());
    if (req.method !== 'POST' || path !== '/api/report') return json(res, 404, { error: 'not found' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return json(res, 415, { error: 'send application/json' });
    // 413 only for a body over the limit; a request cut off on the way is the client's fault, not its size.
    const body = await readBody(req).catch((err: Error) => err);
    if (body instanceof TooLarge) return json(res, 413, { error: `the body is over ${MAX_BODY} bytes` });
    if (body instanceof Error)
      return json(res, 400, { error: `the body did not arrive whole: ${body.message}` });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return json(res, 400, { error: 'the body is not JSON' });
    }
    const { report, error } = parseReport(parsed);
    if (!report) return json(res, 400, { error });
    const now = Date.now();
    if (now - (lastReport.get(report.name) ?? 0) < MIN_INTERVAL_MS)
      return json(res, 429, { error: 'too many reports: wait a moment' });
    if (!attendees.has(report.name) && attendees.size >= MAX_ATTENDEES)
      return json(res, 507, { error: `the room is full (${MAX_ATTENDEES})` });
    lastReport.set(report.name, now);
    const previous = attendees.get(report.name)?.steps ?? {};
    attendees.set(report.name, {
      name: report.name,
      updatedAt: new Date(now).toISOString(),
      steps: { ...previous, ...report.steps },
    });
    io.emit('room', room());
    json(res, 200, { ok: true });
  });
  const io = new Server(http, { maxHttpBufferSize: 1024 });
  io.on('connection', (socket) => socket.emit('room', room()));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const address = http.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}`,
    port: actualPort,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    // Past the limit, keep reading but drop the bytes: the client gets its 413 instead of a reset.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_BODY ? reject(new TooLarge()) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
    // The client went away before the end: no 'end' follows.
    req.on('aborted', () => reject(new Error('the client aborted the request')));
  });
}

export class TooLarge extends Error {}
