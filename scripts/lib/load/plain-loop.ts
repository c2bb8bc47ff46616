// The benchmark's yardstick: the same work as the load tool (same clients, same schedule of chats)
// written the plain way, with a counter and no matching, histograms or progress. If the load tool
// delivers as many per second as this, its bookkeeping is not what limits a run.
import { io, type Socket } from 'socket.io-client';

export interface PlainLoopOptions {
  urls: string[];
  clients: number;
  rate: number;
  duration: number;
  path: string;
  marker: string;
}

export interface PlainLoopResult {
  connected: number;
  sent: number;
  received: number;
  expected: number;
  deliveriesPerSec: number;
}

export async function plainLoop(o: PlainLoopOptions): Promise<PlainLoopResult> {
  const prefix = `load ${o.marker} #`;
  const sockets: Socket[] = [];
  let received = 0;
  let expected = 0;
  let firstSend = 0;
  let lastReceipt = 0;
  for (let i = 0; i < o.clients; i++) {
    const socket = io(o.urls[i % o.urls.length], { path: o.path, transports: ['websocket'], forceNew: true });
    socket.on('chat', (m: { text?: string }) => {
      if (m.text?.startsWith(prefix)) {
        received++;
        lastReceipt = performance.now();
      }
    });
    sockets.push(socket);
  }
  await until(() => sockets.every((s) => s.connected), 30_000);
  const connected = sockets.filter((s) => s.connected).length;

  // Chat k at k / rate seconds, like the load tool, so both do the same work.
  const total = Math.round(o.rate * o.duration);
  let sent = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * o.rate) + 1);
      for (; sent < due; sent++) {
        if (sent === 0) firstSend = performance.now();
        // The same text as the load tool's (marker, number, send time): the same bytes for everyone to carry.
        const text = `load ${o.marker} #${sent} @${(performance.timeOrigin + performance.now()).toFixed(3)}`;
        sockets[Math.floor(Math.random() * sockets.length)].emit('chat', { text });
        expected += connected;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, Math.min(50, Math.max(5, 1000 / o.rate)));
    tick();
  });
  await until(() => received >= expected, 5_000);
  for (const s of sockets) s.close();
  const spanSec = (lastReceipt - firstSend) / 1000;
  return {
    connected,
    sent,
    received,
    expected,
    deliveriesPerSec: spanSec > 0 ? Math.round(received / spanSec) : 0,
  };
}

function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (condition() || performance.now() > deadline) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}
