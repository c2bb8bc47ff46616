// Failure drills: clients connected through the entry, chats numbered and sent at a steady rate, then one
// failure (an instance stopped or killed, Redis restarted, a rolling restart). Reports how long until
// every client is back and reached by a broadcast, and how many broadcasts were lost, by sequence number.
// With `retry`, each chat carries an id and its client sends it again until acknowledged (step 7).
import { closeAllFlushed, connectClient, type TestClient } from './checks/clients.ts';
import { suggestion } from './did-you-mean.ts';
import { DRILLS, type DrillName, type Environment } from './environment.ts';
import { UserError } from './errors.ts';

export { DRILLS, type DrillName } from './environment.ts';

/** What a drill needs of an environment: where clients connect, and how the target causes each failure. */
export type DrillTarget = Pick<Environment, 'entries' | 'socketPath' | 'drills'>;

export function drillName(name: string | undefined): DrillName {
  if (name && name in DRILLS) return name as DrillName;
  const list = Object.entries(DRILLS)
    .map(([n, d]) => `${n} (${d})`)
    .join('; ');
  throw new UserError(
    name ? `There is no drill '${name}'.${suggestion(name, Object.keys(DRILLS))}` : 'Which drill?',
    `drills: ${list}`,
  );
}

export interface DrillResult {
  drill: DrillName;
  action: string;
  clients: number;
  /** ms from the failure until every client was connected and had received a broadcast sent after it. */
  recoveryMs?: number;
  /** ms the failure itself took to cause (a rolling restart restarts every instance first). */
  actionMs: number;
  recovered: boolean;
  /** Whether clients sent each chat again until acknowledged, with its id (`--retry`). */
  retry: boolean;
  sent: number;
  /** Chats a server acknowledged: only those were broadcast for sure, so only those count. */
  acked: number;
  /** Chats sent that no server ever acknowledged: lost on their way in, before any broadcast. */
  unacknowledged: number;
  /** acked × clients: the deliveries a lossless system makes. */
  expected: number;
  delivered: number;
  lost: number;
  /** Acknowledged chats a client received more than once, in separate broadcasts (each extra one counts). */
  duplicated: number;
  /**
   * The same broadcast received again (the same stream offset: a replay overlapping what the client had),
   * which a receiver drops by the chat's id. Without connection state recovery there are no offsets, and
   * every second arrival counts as duplicated.
   */
  copies: number;
  /** Each client's losses and duplicates, in connection order, with the instance it ended on. */
  perClient: { client: number; instance: string; lost: number; duplicated: number }[];
  instancesBefore: Record<string, number>;
  instancesAfter: Record<string, number>;
  /** How many times clients were disconnected, by socket.io's reason ('transport close', 'io server disconnect'…). */
  disconnects: Record<string, number>;
}

export async function runDrill(
  target: DrillTarget,
  drill: DrillName,
  {
    clients: count = 12,
    rate = 20,
    timeoutMs = 15_000,
    retry = false,
  }: { clients?: number; rate?: number; timeoutMs?: number; retry?: boolean } = {},
): Promise<DrillResult> {
  const run = `drill-${Date.now().toString(36)}`;
  const clients: TestClient[] = [];
  // Per client, how many times each numbered chat arrived: a loss is a 0, a duplicate more than 1.
  const seen = new Map<TestClient, Map<number, number>>();
  const instanceOf = new Map<TestClient, string>();
  let sequence = 0;
  let copies = 0;
  const acked = new Set<number>();
  const disconnects: Record<string, number> = {};
  let sender: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i < count; i++) {
      const c = await connectClient(target.entries[0], {
        transport: i % 2 ? 'polling' : 'websocket',
        path: target.socketPath,
        reconnect: true,
        // Sent again each second without an answer, and at once on reconnecting: a minute's worth.
        ...(retry ? { retries: { count: 60, ackTimeoutMs: 1_000 } } : {}),
      });
      clients.push(c);
      seen.set(c, new Map());
      instanceOf.set(c, c.welcome.instance);
      c.socket.on('welcome', (w: { instance: string }) => instanceOf.set(c, w.instance));
      c.socket.on('disconnect', (reason) => {
        disconnects[reason] = (disconnects[reason] ?? 0) + 1;
      });
      const offsets = new Set<string>();
      c.socket.on('chat', (m: { text?: string }, offset?: unknown) => {
        const match = m?.text?.startsWith(`${run}:`) ? Number(m.text.slice(run.length + 1)) : Number.NaN;
        const counts = seen.get(c);
        if (Number.isNaN(match) || !counts) return;
        if (typeof offset === 'string') {
          if (offsets.has(`${match}@${offset}`)) return void copies++;
          offsets.add(`${match}@${offset}`);
        }
        counts.set(match, (counts.get(match) ?? 0) + 1);
      });
    }
    const spread = () => {
      const counts: Record<string, number> = {};
      for (const c of clients)
        if (c.socket.connected)
          counts[instanceOf.get(c) ?? '?'] = (counts[instanceOf.get(c) ?? '?'] ?? 0) + 1;
      return counts;
    };
    const instancesBefore = spread();
    const busiest = Object.entries(instancesBefore).sort((a, b) => b[1] - a[1])[0][0];

    // Numbered chats at a steady rate from whichever client is connected: the loss count's ground truth.
    const sentAt: number[] = [];
    sender = setInterval(() => {
      // Retrying clients take turns, connected or not: a chat queued on a client that is away goes out
      // when it is back. The others send from whichever client is connected.
      const from = retry ? clients[sequence % clients.length] : clients.find((c) => c.socket.connected);
      if (!from) return;
      const seq = sequence++;
      sentAt[seq] = Date.now();
      const text = `${run}:${seq}`;
      const onAck = (err: Error | null, answer?: { ok?: boolean }) => {
        if (!err && answer?.ok) acked.add(seq);
      };
      // A chat lost on its way *to* a dying server was never broadcast: it is counted by its missing ack.
      if (retry) from.socket.emit('chat', { text, id: text }, onAck);
      else from.socket.timeout(3_000).emit('chat', { text }, onAck);
    }, 1000 / rate);

    const failedAt = Date.now();
    const action = await target.drills[drill](busiest);
    const actionMs = Date.now() - failedAt;
    let recoveryMs: number | undefined;
    while (Date.now() - failedAt - actionMs < timeoutMs) {
      const firstAfter = sentAt.findIndex((t) => t !== undefined && t > failedAt);
      const allBack =
        firstAfter >= 0 &&
        clients.every(
          (c) => c.socket.connected && [...(seen.get(c)?.keys() ?? [])].some((s) => s >= firstAfter),
        );
      if (allBack) {
        recoveryMs = Date.now() - failedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    clearInterval(sender);
    sender = undefined;
    // Let the last chats and acks in flight arrive before counting (bounded: two seconds at most, ten
    // when clients retry: a chat queued on a client still away goes out, and is answered, once it is back).
    const last = sequence - 1;
    const drainUntil = Date.now() + (retry ? 10_000 : 2_000);
    const settled = () =>
      retry
        ? acked.size === sequence &&
          clients.every((c) => c.socket.connected && [...acked].every((seq) => seen.get(c)?.has(seq)))
        : acked.has(last) && clients.every((c) => !c.socket.connected || seen.get(c)?.has(last));
    while (Date.now() < drainUntil && !settled()) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const perClient = clients.map((c, i) => ({
      client: i + 1,
      instance: instanceOf.get(c) ?? '?',
      ...tally(acked, seen.get(c) ?? new Map()),
    }));
    const expected = acked.size * clients.length;
    const lost = perClient.reduce((n, c) => n + c.lost, 0);
    return {
      drill,
      action,
      clients: clients.length,
      recoveryMs,
      actionMs,
      recovered: recoveryMs !== undefined,
      retry,
      sent: sequence,
      acked: acked.size,
      unacknowledged: sequence - acked.size,
      expected,
      delivered: expected - lost,
      lost,
      duplicated: perClient.reduce((n, c) => n + c.duplicated, 0),
      copies,
      perClient,
      instancesBefore,
      instancesAfter: spread(),
      disconnects,
    };
  } finally {
    clearInterval(sender);
    await closeAllFlushed(clients);
  }
}

/**
 * One client's count against the acknowledged chats (only those were surely broadcast): each one it never
 * received is lost, each copy beyond the first a duplicate.
 */
export function tally(
  acked: Set<number>,
  received: Map<number, number>,
): { lost: number; duplicated: number } {
  const counts = [...received].filter(([seq]) => acked.has(seq));
  return {
    lost: acked.size - counts.length,
    duplicated: counts.reduce((n, [, times]) => n + times - 1, 0),
  };
}

/** The result as a two-column table a person reads at a glance. */
export function drillTable(result: DrillResult): string {
  const perInstance = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([instance, n]) => `${instance}: ${n}`)
      .join(', ') || '(none)';
  const rows: [string, string][] = [
    ['drill', result.drill],
    ['what happened', result.action],
    ['clients', String(result.clients)],
    ['before', perInstance(result.instancesBefore)],
    ['after', perInstance(result.instancesAfter)],
    [
      'recovery',
      result.recovered
        ? `every client back and reached by a broadcast after ${result.recoveryMs} ms`
        : 'not every client came back in time',
    ],
    [
      'chats sent',
      `${result.sent}${result.retry ? ', each sent again until acknowledged' : ''}, ${result.unacknowledged} never acknowledged`,
    ],
    [
      'deliveries',
      `${result.delivered} of ${result.expected} arrived, ${result.lost} lost, ${result.duplicated} duplicated${result.copies ? ` (and ${result.copies} copies of a broadcast already received, dropped by id)` : ''}`,
    ],
    [
      'per client',
      result.perClient
        .filter((c) => c.lost || c.duplicated)
        .map((c) => `#${c.client} (${c.instance}): ${c.lost} lost, ${c.duplicated} duplicated`)
        .join('; ') || 'none lost, none duplicated',
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
