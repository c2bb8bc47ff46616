// The load tool's socket.io clients: opened round-robin over the entry URLs on a ramp, each on its
// own connection (forceNew: socket.io would otherwise multiplex them all over one), each counting the
// run's chats it receives and remembering the instance that welcomed it.
import { io, type Socket } from 'socket.io-client';
import { closeFlushed, describeTransportError } from '../checks/clients.ts';
import { chatPrefix, sequenceOf } from './messages.ts';
import type { LoadOptions } from './options.ts';
import type { LoadStats } from './stats.ts';

export interface LoadClient {
  readonly index: number;
  readonly url: string;
  readonly socket: Socket;
  /** From the last `welcome`: a client that reconnects elsewhere moves with it. */
  instance?: string;
  /** Its place in the pool's connected list, -1 while disconnected (O(1) add, remove and pick). */
  slot: number;
  /** Its first connection attempt has succeeded or failed (the ramp waits for all of them). */
  settled: boolean;
  /** Deliveries since its last welcome: a plain counter is cheaper per receipt than a map by instance. */
  delivered: number;
}

export const NO_WELCOME = '(no welcome)';

export class ClientPool {
  readonly all: LoadClient[] = [];
  private readonly connected: LoadClient[] = [];
  private readonly deliveredByInstance = new Map<string, number>();
  private readonly prefix: string;
  private closing = false;
  settledCount = 0;
  lastConnectError?: string;

  private readonly options: LoadOptions;
  private readonly stats: LoadStats;

  constructor(options: LoadOptions, stats: LoadStats) {
    this.options = options;
    this.stats = stats;
    this.prefix = chatPrefix(options.runId);
  }

  get connectedCount() {
    return this.connected.length;
  }

  /** Opens client number `this.all.length` on the next URL in turn. */
  open(): LoadClient {
    const index = this.all.length;
    const url = this.options.urls[index % this.options.urls.length];
    const socket = io(url, {
      path: this.options.path,
      transports: [this.options.transport],
      forceNew: true,
      // Node clients keep the sticky cookie a load balancer sets only with withCredentials (4.7+).
      withCredentials: true,
      timeout: this.options.timeoutMs,
      // Reconnecting is what a failure drill (step 6) wants to watch: kill an instance, count reconnects.
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
    });
    const client: LoadClient = { index, url, socket, slot: -1, settled: false, delivered: 0 };
    this.all.push(client);
    const { stats, prefix } = this;

    socket.on('connect', () => {
      this.settle(client);
      this.add(client);
    });
    socket.on('disconnect', () => {
      this.remove(client);
      if (!this.closing) stats.disconnects++;
    });
    socket.on('connect_error', (err: Error) => {
      this.settle(client);
      stats.connectErrors++;
      this.lastConnectError = describeTransportError(err);
    });
    socket.on('welcome', (welcome: { instance?: unknown }) => {
      // A new welcome (after a reconnect) may come from another instance: book what came before.
      this.flushDeliveries(client);
      client.instance = typeof welcome?.instance === 'string' ? welcome.instance : NO_WELCOME;
    });
    socket.on('chat', (message: { text?: unknown } | null) => {
      const seq = sequenceOf(message?.text, prefix);
      if (seq >= 0 && stats.recordDelivery(seq, performance.now())) client.delivered++;
    });
    socket.io.on('reconnect', () => {
      stats.reconnects++;
    });
    return client;
  }

  /** A random connected client, or undefined when none is. */
  randomConnected(): LoadClient | undefined {
    if (this.connected.length === 0) return undefined;
    return this.connected[Math.floor(Math.random() * this.connected.length)];
  }

  /** Connected clients per instance, by the welcome each received. */
  clientsPerInstance(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.connected) {
      const instance = c.instance ?? NO_WELCOME;
      counts.set(instance, (counts.get(instance) ?? 0) + 1);
    }
    return counts;
  }

  /** Deliveries per instance, counted where each client was (by its welcome) when it received them. */
  deliveriesPerInstance(): Map<string, number> {
    for (const c of this.all) this.flushDeliveries(c);
    return this.deliveredByInstance;
  }

  private flushDeliveries(client: LoadClient) {
    if (client.delivered === 0) return;
    const instance = client.instance ?? NO_WELCOME;
    this.deliveredByInstance.set(instance, (this.deliveredByInstance.get(instance) ?? 0) + client.delivered);
    client.delivered = 0;
  }

  /** Every client closed, long-polling ones flushed: a load run leaves no client behind on the servers. */
  async closeAll() {
    this.closing = true;
    await closeFlushed(this.all.map((c) => c.socket));
  }

  private settle(client: LoadClient) {
    if (client.settled) return;
    client.settled = true;
    this.settledCount++;
  }

  private add(client: LoadClient) {
    if (client.slot >= 0) return;
    client.slot = this.connected.length;
    this.connected.push(client);
    this.stats.peakConnected = Math.max(this.stats.peakConnected, this.connected.length);
  }

  private remove(client: LoadClient) {
    if (client.slot < 0) return;
    // Swap with the last one: removal stays O(1) with thousands of clients.
    const last = this.connected.pop() as LoadClient;
    if (last !== client) {
      this.connected[client.slot] = last;
      last.slot = client.slot;
    }
    client.slot = -1;
  }
}
