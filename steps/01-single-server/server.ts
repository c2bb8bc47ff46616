// The chat server of the workshop: one socket.io server speaking the workshop's protocol.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 3000);
const INSTANCE = process.env.INSTANCE_ID ?? hostname();
const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 5000);
const MAX_TEXT = 1000;

const page = await readFile(new URL('./public/index.html', import.meta.url));

const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return reply(res, 200, 'ok');
  if (path === '/readyz') return reply(res, 200, 'ready');
  // What the system view (`--start` prints where) shows of this instance.
  if (path === '/stats')
    return reply(res, 200, JSON.stringify({ instance: INSTANCE, clients: io.engine.clientsCount, chats }));
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page);
  }
  reply(res, 404, 'not found');
});

function reply(res: import('node:http').ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(body);
}

// maxHttpBufferSize bounds what one message may weigh: a chat text is at most 1,000 characters.
const io = new Server(http, { maxHttpBufferSize: 16 * 1024 });

function invalid(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return 'payload must be an object { text }';
  const { text } = payload as { text?: unknown };
  if (typeof text !== 'string' || text.trim() === '') return 'text must be a non-empty string';
  if (text.length > MAX_TEXT) return `text must be at most ${MAX_TEXT} characters`;
  return undefined;
}

// Chats this instance took from its clients: the system view shows them per second.
const chats = 0;

io.on('connection', (socket) => {
  // TODO 1: greet the new client: emit 'welcome' with { instance: INSTANCE, id: socket.id }.
  // TODO 2: handle 'chat' (payload, ack): when invalid(payload) returns an error, ack { ok: false, error }
  //         and stop; else broadcast 'chat' { from: socket.id, text, instance: INSTANCE } to every client
  //         (io.emit, not socket.broadcast: the sender sees its own message too) and ack { ok: true, instance: INSTANCE }.
  //         Count each chat you broadcast in `chats` (chats++): the system view shows them per second.
  //         A client may send no ack at all: call ack only if typeof ack === 'function', or the server crashes.
  console.log(`[${INSTANCE}] ${socket.id} connected`);
});

// TODO 3: every HEARTBEAT_MS, emit 'heartbeat' { instance: INSTANCE, at: Date.now() } to every client,
//         and keep the timer in a `heartbeat` constant so the SIGTERM handler below can clear it.
const heartbeat: NodeJS.Timeout | undefined = undefined;

http.listen(PORT, () => console.log(`[${INSTANCE}] listening on http://localhost:${PORT}`));

// On SIGTERM: stop taking connections, close every client's transport (so it reconnects elsewhere,
// which a server-side disconnect() would prevent), and exit within 10 s.
process.once('SIGTERM', async () => {
  console.log(`[${INSTANCE}] SIGTERM: draining`);
  if (heartbeat) clearInterval(heartbeat);
  setTimeout(() => process.exit(1), 9_000).unref();
  // io.close() closes every client's transport at once, but resolves only when every HTTP connection has
  // ended, and a connection that never carries a request (browsers and proxies open spare ones: Traefik
  // keeps its own for 90 s) would hold it that long. The last responses need a moment, not more.
  await Promise.race([io.close(), sleep(1_000)]);
  process.exit(0);
});
