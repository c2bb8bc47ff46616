// The chat server of the workshop, delivering exactly once across restarts: broadcasts go through a Redis
// stream a reconnecting client is replayed from, and a chat sent again (a client retrying an emit whose ack
// it never got) is recognised by its id and broadcast once.
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
const MAX_ID = 100;

// The streams adapter writes each broadcast to a Redis stream with this client, and reads the stream on
// duplicates it makes itself.
const redis = createClient({ url: REDIS_URL });
// Says what failed and why; without an 'error' listener a lost connection would end the process.
redis.on('error', (err: Error) => console.error(`[${INSTANCE}] redis client: ${err.message}`));

// Set on SIGTERM: from then on the instance takes no new work (see the drain at the end).
let draining = false;
/** Why this instance should get no new clients, if it should not. */
const notReady = () =>
  draining
    ? 'draining'
    : !redis.isReady
      ? 'redis not ready'
      : !reading
        ? 'not reading the stream yet'
        : undefined;

const page = await readFile(new URL('./public/index.html', import.meta.url));

const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/healthz') return reply(res, 200, 'ok');
  if (path === '/readyz') {
    const why = notReady();
    return why ? reply(res, 503, why) : reply(res, 200, 'ready');
  }
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
// Connection state recovery: when a client's connection drops, its session is kept (in Redis, by the
// streams adapter) for two minutes, and a client back within that time, on any instance, is sent every
// broadcast it missed, in order.
const io = new Server(http, {
  maxHttpBufferSize: 16 * 1024,
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
});
io.adapter(createAdapter(redis));

// The adapter reads the stream on a connection of its own, from the first entry written after its first
// read: until then, what the other instances broadcast never reaches this one's clients (a restarted
// instance lost up to a tenth of a second of chats that way). So the instance is ready only once it has
// read an entry, a marker of its own if nothing else comes.
let reading = false;
const readingStream = new Promise<void>((resolve) => {
  const adapter = io.of('/').adapter as unknown as { onRawMessage(message: unknown, offset: string): void };
  const read = adapter.onRawMessage.bind(adapter);
  adapter.onRawMessage = (message, offset) => {
    reading = true;
    resolve();
    read(message, offset);
  };
});
const marker = setInterval(() => (reading ? clearInterval(marker) : io.to('wsk:nobody').emit('marker')), 100);

interface Chat {
  text: string;
  /** The sender's name for this message, the same on every retry of it. */
  id?: string;
}

function invalid(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return 'payload must be an object { text, id? }';
  const { text, id } = payload as { text?: unknown; id?: unknown };
  if (typeof text !== 'string' || text.trim() === '') return 'text must be a non-empty string';
  if (text.length > MAX_TEXT) return `text must be at most ${MAX_TEXT} characters`;
  if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > MAX_ID))
    return `id must be a non-empty string of at most ${MAX_ID} characters`;
  return undefined;
}

// A chat id is remembered for as long as a session is: a retry can't come later than its client.
const SEEN_MS = 2 * 60_000;
/** True the first time any instance sees this id: SET NX is one atomic step in Redis, shared by all. */
const firstTime = async (id: string) =>
  (await redis.set(`wsk:chat:${id}`, INSTANCE, {
    condition: 'NX',
    expiration: { type: 'PX', value: SEEN_MS },
  })) === 'OK';

// The chats being handled right now: the drain lets them finish before it closes anything.
const inFlight = new Set<Promise<void>>();

// Chats this instance took from its clients: the system view shows them per second.
let chats = 0;

io.on('connection', (socket) => {
  socket.emit('welcome', { instance: INSTANCE, id: socket.id });
  void replayAgain(socket, socket.handshake.auth.offset);
  socket.on('chat', (payload: unknown, ack?: unknown) => {
    const answer: (reply: unknown) => void = typeof ack === 'function' ? (reply) => ack(reply) : () => {};
    const error = invalid(payload);
    if (error) return answer({ ok: false, error });
    // Draining: no answer at all. The client sends the chat again once it is connected elsewhere.
    if (draining) return;
    const handled = handle(socket.id, payload as Chat, answer).finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
});

async function handle(from: string, { text, id }: Chat, answer: (reply: unknown) => void) {
  try {
    // Seen before: its broadcast went out then. Acknowledge it again (the first ack was lost), once only.
    if (id !== undefined && !(await firstTime(id)))
      return answer({ ok: true, instance: INSTANCE, duplicate: true });
  } catch (err) {
    // Redis is away: no answer, so the client's retry tries again later, rather than a broadcast twice.
    return console.error(`[${INSTANCE}] chat ${id}: ${(err as Error).message}`);
  }
  chats++;
  io.emit('chat', { from, id, text, instance: INSTANCE });
  answer({ ok: true, instance: INSTANCE });
}

// socket.io's replay misses in three ways, all measured in the drills. It reads the stream, then adds the
// socket to the broadcasts: a chat this instance delivers in between reaches everyone but that client
// (Redis flushes its replies newest first, so the stream's news can overtake the read), about one
// recovery in a hundred. A recovery the client never saw (its long-polling request failed while the
// session was restored) uses the session up: the client comes back as a new one, replayed nothing. And an
// instance delivers its own broadcasts when Redis answers their write, the others' when its reader gets
// them, so a client's last offset can be past one it has not had yet. A client that comes back names the
// last offset it got: read the stream from a quarter second before it, now that the socket takes
// broadcasts, and send it every chat since, with its offset. It has most of them already, and drops a copy
// by its id.
const REORDER_MS = 250;
async function replayAgain(socket: import('socket.io').Socket, offset: unknown) {
  if (typeof offset !== 'string' || !/^\d+-\d+$/.test(offset)) return;
  try {
    // On an instance that just started, after its first read: what came before is in this one.
    await readingStream;
    const from = `${Math.max(0, Number(offset.split('-')[0]) - REORDER_MS)}-0`;
    for (const { id, message } of await redis.xRange('socket.io', from, '+')) {
      // The streams adapter's entries: type 3 is a broadcast, its data { packet, opts } in JSON.
      if (message.type !== '3' || message.nsp !== '/') continue;
      const { packet } = JSON.parse(message.data);
      // io.local: to this instance's socket only, not written to the stream again (socket.emit would be).
      if (packet.data?.[0] === 'chat') io.local.to(socket.id).emit('chat', packet.data[1], id);
    }
  } catch (err) {
    console.error(`[${INSTANCE}] replay for ${socket.id}: ${(err as Error).message}`);
  }
}

const heartbeat = setInterval(
  () => io.emit('heartbeat', { instance: INSTANCE, at: Date.now() }),
  HEARTBEAT_MS,
);

// Connect in the background: the process answers /healthz at once and /readyz once Redis is there.
redis.connect().catch((err: Error) => console.error(`[${INSTANCE}] redis: ${err.message}`));

http.listen(PORT, () => console.log(`[${INSTANCE}] listening on http://localhost:${PORT}`));

// On SIGTERM: take no new work first (readiness off, new chats left unanswered), let the chats in flight
// finish, then close every client's transport (each reconnects elsewhere and is replayed what it missed),
// close Redis once it has what is queued, and exit within 10 s.
process.once('SIGTERM', async () => {
  console.log(`[${INSTANCE}] SIGTERM: draining`);
  draining = true;
  clearInterval(heartbeat);
  setTimeout(() => process.exit(1), 9_000).unref();
  await Promise.allSettled(inFlight);
  // io.close() closes every client's transport at once, but resolves only when every HTTP connection has
  // ended, and a connection that never carries a request (browsers and proxies open spare ones: Traefik
  // keeps its own for 90 s) would hold it that long. The last responses need a moment, not more.
  await Promise.race([io.close(), sleep(1_000)]);
  // close() sends what is queued (the sessions io.close() just saved among it), then quits. A client still
  // reconnecting (Redis is down) would wait for ever for replies that cannot come: the exit ends it.
  if (redis.isReady) await redis.close().catch(() => {});
  process.exit(0);
});
