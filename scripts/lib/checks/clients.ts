// Real socket.io clients for the checks, with every wait bounded and named.
import type { Agent } from 'node:http';
import { connect } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_IO_PATH } from '../socket-path.ts';
import { CheckFailure } from './types.ts';

export type Transport = 'polling' | 'websocket';

export interface Welcome {
  instance: string;
  id: string;
}

export interface TestClient {
  socket: Socket;
  welcome: Welcome;
  transport: Transport;
  /** Every event received since connecting, in order. */
  received: { event: string; data: unknown }[];
  close(): void;
}

/** The transports option that makes a client stay on one transport for the whole check. */
const transportsFor = (transport: Transport) => (transport === 'polling' ? ['polling'] : ['websocket']);

export async function connectClient(
  url: string,
  {
    transport,
    path = SOCKET_IO_PATH,
    timeoutMs = 3_000,
    reconnect = false,
    agent,
    headers,
    retries,
  }: {
    transport: Transport;
    path?: string;
    timeoutMs?: number;
    reconnect?: boolean;
    /**
     * For polling with kept-alive connections, as browsers do. Without one, Node's client opens a new
     * connection for every poll, which the checks keep: no proxy can pin a client to a backend by its
     * connection then, so only the sticky cookie keeps a session in place.
     */
    agent?: Agent;
    /** Request headers (WebSocket's upgrade, Node only): `Host` for a router that matches on it. */
    headers?: Record<string, string>;
    /**
     * Emits go out one at a time and are sent again until acknowledged: after each `ackTimeoutMs` without an
     * answer, and at once on reconnecting (socket.io-client's `retries`), `count` times at most.
     */
    retries?: { count: number; ackTimeoutMs: number };
  },
): Promise<TestClient> {
  const socket = io(url, {
    path,
    transports: transportsFor(transport),
    // Node clients keep cookies (the sticky one) only with withCredentials (socket.io-client 4.7+).
    withCredentials: true,
    // Checks want a failure to stay a failure; drills want clients that come back, quickly.
    reconnection: reconnect,
    reconnectionDelay: 100,
    reconnectionDelayMax: 1_000,
    timeout: timeoutMs,
    forceNew: true,
    // engine.io-client hands it to its XMLHttpRequest; its types say string | boolean.
    ...(agent ? { agent: agent as unknown as string } : {}),
    ...(headers ? { extraHeaders: headers } : {}),
    ...(retries ? { retries: retries.count, ackTimeout: retries.ackTimeoutMs } : {}),
  });
  const received: TestClient['received'] = [];
  socket.onAny((event, data) => received.push({ event, data }));
  try {
    const welcome = await new Promise<Welcome>((resolve, reject) => {
      let timer = setTimeout(
        () =>
          reject(
            new CheckFailure(`No 'welcome' event within ${timeoutMs} ms of connecting over ${transport}.`),
          ),
        timeoutMs,
      );
      // Once connected, a missing welcome is the server's doing: say so rather than blame the network.
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            reject(
              new CheckFailure(`Connected over ${transport}, but no 'welcome' event arrived within 1.5 s.`),
            ),
          1_500,
        );
      });
      socket.once('welcome', (data: Welcome) => {
        clearTimeout(timer);
        resolve(data);
      });
      socket.once('connect_error', (err: Error & { context?: unknown; description?: unknown }) => {
        clearTimeout(timer);
        reject(
          new CheckFailure(
            `Could not connect over ${transport} to ${url}${path}: ${describeTransportError(err)}`,
          ),
        );
      });
    });
    return { socket, welcome, transport, received, close: () => socket.close() };
  } catch (err) {
    socket.close();
    throw err;
  }
}

/** socket.io-client hides HTTP details in `description`/`context`; surface the status and body. */
export function describeTransportError(err: Error & { description?: unknown; context?: unknown }): string {
  const context = err.context as { status?: number; responseText?: string; statusText?: string } | undefined;
  const body = context?.responseText ? ` ${context.responseText}` : '';
  const status = typeof err.description === 'number' ? err.description : context?.status;
  return status ? `${err.message} (HTTP ${status}${body})` : err.message;
}

/** Resolves with the first `event` whose payload satisfies `accept`, or fails naming what was awaited. */
export function nextEvent<T>(
  client: TestClient,
  event: string,
  {
    accept = () => true,
    timeoutMs = 3_000,
    what,
  }: { accept?: (data: T) => boolean; timeoutMs?: number; what: string },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (data: T) => {
      if (!accept(data)) return;
      clearTimeout(timer);
      client.socket.off(event, onEvent);
      resolve(data);
    };
    const timer = setTimeout(() => {
      client.socket.off(event, onEvent);
      reject(new CheckFailure(`${what}: no '${event}' event within ${timeoutMs} ms.`));
    }, timeoutMs);
    client.socket.on(event, onEvent);
  });
}

export async function sendChat(client: TestClient, payload: unknown, timeoutMs = 3_000): Promise<unknown> {
  try {
    return await client.socket.timeout(timeoutMs).emitWithAck('chat', payload);
  } catch {
    throw new CheckFailure(
      `The server did not acknowledge a 'chat' within ${timeoutMs} ms.`,
      "call the ack callback, the handler's last argument: socket.on('chat', (payload, ack) => ack({ ok: true, instance }))",
    );
  }
}

export const closeAll = (clients: TestClient[]) => {
  for (const c of clients) c.close();
};

/**
 * Closes every socket, then waits (bounded) until each long-polling one's close packet has been sent: a
 * command that exits at once would leave its server holding such a client until its ping timeout (45 s),
 * counted among the clients the system view shows. A WebSocket's end reaches the server with its TCP close.
 */
export async function closeFlushed(sockets: Socket[], timeoutMs = 3_000): Promise<void> {
  await Promise.all(
    sockets.map((socket) => {
      const engine = socket.io.engine as
        | {
            readyState: string;
            transport?: { name: string; once(event: 'drain', listener: () => void): void };
          }
        | undefined;
      const transport = engine?.transport;
      // Open, or its handshake on the way (a client reconnecting after a drill): the server holds a session
      // for it either way, and the transport sends the close packet once it is open.
      const polling =
        transport?.name === 'polling' && (engine?.readyState === 'open' || engine?.readyState === 'opening');
      socket.close();
      if (!polling) return undefined;
      // The polling transport writes the close packet as a POST, and says 'drain' once it has been sent.
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        transport.once('drain', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }),
  );
}

/** closeFlushed for the checks' and drills' clients. */
export const closeAllFlushed = (clients: TestClient[]) => closeFlushed(clients.map((c) => c.socket));

/**
 * A TCP connection to `url` that never sends a request, as Traefik's HTTP transport and browsers keep
 * spare ones to a server: Node's `server.close()` waits for it to end, so a drain that waits for every
 * connection (io.close()'s callback) waits until its safety timer. Resolves once connected, to its closer.
 */
export function spareConnection(url: string, timeoutMs = 3_000): Promise<() => void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const close = () => socket.destroy();
    // Once connected, the server's end (a drain, a kill) is all this connection waits for.
    socket.on('error', () => {});
    socket.setTimeout(timeoutMs, () => {
      close();
      reject(new CheckFailure(`Could not open a connection to ${url} within ${timeoutMs} ms.`));
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      resolve(close);
    });
    socket.once('error', (err) => reject(new CheckFailure(`Could not connect to ${url}: ${err.message}`)));
  });
}
