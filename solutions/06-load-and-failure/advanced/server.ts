// The advanced variant of step 6: Redis Streams instead of pub/sub, and connection state recovery, so a
// client that reconnects (to any instance) gets the broadcasts it missed while it was away.
// It speaks the workshop's protocol: welcome, chat (ack + broadcast), heartbeat, /healthz, /readyz.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const PORT = Number(process.env.PORT ?? 3000);
const INSTANCE = process.env.INSTANCE_ID ?? hostname();
const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 5000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAX_TEXT = 1000;

// The streams adapter reads with blocking XREADs on duplicates it makes itself; this client writes.
const pub = createClient({ url: REDIS_URL });
for (const [name, client] of [['redis', pub]] as const) {
  // Without an 'error' listener a lost Redis connection would crash the process; the client reconnects.
  client.on('error', (err: Error) => console.error(`[${INSTANCE}] redis ${name}: ${err.message}`));
}
const redisReady = () => pub.isReady;

// The adapter publishes without waiting for the answer: a publish in flight when Redis drops rejects
// with nobody listening, and Node ends a process on an unhandled rejection. Catch and log those.
const publish = pub.publish.bind(pub);
Object.assign(pub, {
  publish: (...args: Parameters<typeof publish>) =>
    publish(...args).catch((err: Error) => {
      console.error(`[${INSTANCE}] redis publish: ${err.message}`);
      return 0;
    }),
});

const page = await readFile(new URL('./public/index.html', import.meta.url));

const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return reply(res, 200, 'ok');
  if (path === '/readyz') return redisReady() ? reply(res, 200, 'ready') : reply(res, 503, 'redis not ready');
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
// Sessions are kept for two minutes: a client back within that time gets what it missed, in order.
const io = new Server(http, {
  maxHttpBufferSize: 16 * 1024,
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
});
io.adapter(createAdapter(pub));

function invalid(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return 'payload must be an object { text }';
  const { text } = payload as { text?: unknown };
  if (typeof text !== 'string' || text.trim() === '') return 'text must be a non-empty string';
  if (text.length > MAX_TEXT) return `text must be at most ${MAX_TEXT} characters`;
  return undefined;
}

// Chats this instance took from its clients: the system view shows them per second.
let chats = 0;

io.on('connection', (socket) => {
  socket.emit('welcome', { instance: INSTANCE, id: socket.id });
  socket.on('chat', (payload: unknown, ack?: unknown) => {
    const answer = typeof ack === 'function' ? ack : () => {};
    const error = invalid(payload);
    if (error) return answer({ ok: false, error });
    chats++;
    io.emit('chat', { from: socket.id, text: (payload as { text: string }).text, instance: INSTANCE });
    answer({ ok: true, instance: INSTANCE });
  });
});

const heartbeat = setInterval(
  () => io.emit('heartbeat', { instance: INSTANCE, at: Date.now() }),
  HEARTBEAT_MS,
);

// Connect in the background: the process answers /healthz at once and /readyz once Redis is there.
pub.connect().catch((err: Error) => console.error(`[${INSTANCE}] redis: ${err.message}`));

http.listen(PORT, () => console.log(`[${INSTANCE}] listening on http://localhost:${PORT}`));

// On SIGTERM: stop taking connections, close every client's transport (so it reconnects elsewhere,
// which a server-side disconnect() would prevent), close Redis, and exit within 10 s.
process.once('SIGTERM', async () => {
  console.log(`[${INSTANCE}] SIGTERM: draining`);
  clearInterval(heartbeat);
  setTimeout(() => process.exit(1), 9_000).unref();
  // io.close() closes every client's transport at once, but resolves only when every HTTP connection has
  // ended, and a connection that never carries a request (browsers and proxies open spare ones: Traefik
  // keeps its own for 90 s) would hold it that long. The last responses need a moment, not more.
  await Promise.race([io.close(), sleep(1_000)]);
  // A connected Redis client sends what it has queued, then quits. One still reconnecting (Redis is
  // down) would wait for ever for replies that cannot come: the exit ends it.
  await Promise.allSettled([pub].filter((client) => client.isReady).map((client) => client.close()));
  process.exit(0);
});
