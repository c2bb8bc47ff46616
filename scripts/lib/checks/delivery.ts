// Step 7's delivery guarantees: a client that drops and comes back is replayed what it missed, and a chat
// sent again with the same id is broadcast once, whichever instances the two copies reach.
import type { Environment } from '../environment.ts';
import { waitFor } from '../processes.ts';
import { connectClient, nextEvent, sendChat, type TestClient } from './clients.ts';
import { type CheckContext, CheckFailure, type Expectation } from './types.ts';

async function connected(ctx: CheckContext, env: Environment, reconnect = false): Promise<TestClient> {
  const c = await connectClient(env.entries[0], { transport: 'websocket', path: env.socketPath, reconnect });
  ctx.defer(() => c.close());
  return c;
}

const chatsWith = (c: TestClient, text: string) =>
  c.received.filter((r) => r.event === 'chat' && (r.data as { text?: unknown })?.text === text).length;

export const connectionRecovery: Expectation = {
  id: 'connection-recovery',
  title: 'a client whose connection drops gets, on reconnecting, the broadcasts it missed',
  hint: 'TODO 1: new Server(http, { …, connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 } }), with the streams adapter (the pub/sub one keeps nothing to replay)',
  timeoutMs: 20_000,
  async run(ctx) {
    const env = await ctx.environment();
    const [away, sender] = [await connected(ctx, env, true), await connected(ctx, env)];
    // A broadcast first: its stream offset is what the client names when it comes back.
    const first = `before-${Date.now()}`;
    const got = nextEvent(away, 'chat', {
      accept: (m: { text?: string }) => m?.text === first,
      what: 'the first chat',
    });
    await sendChat(sender, { text: first });
    await got;
    // Its connection drops (as when its instance goes away): the client reconnects by itself.
    const gone = new Promise((resolve) => away.socket.once('disconnect', resolve));
    away.socket.io.engine.close();
    await gone;
    const missed = `while-away-${Date.now()}`;
    await sendChat(sender, { text: missed });
    await waitFor('the client to reconnect', async () => (away.socket.connected ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 20,
    }).catch(() => {
      throw new CheckFailure('The client whose connection dropped did not reconnect within 5 s.');
    });
    // What it missed comes right behind the reconnection, before or after a listener could be added (and
    // maybe twice: the server may replay it again, a copy the receiver drops by id).
    await waitFor('the missed chat', async () => (chatsWith(away, missed) ? true : undefined), {
      timeoutMs: 3_000,
      intervalMs: 20,
    }).catch(() => {
      throw new CheckFailure(
        `A client whose connection dropped came back ${away.socket.recovered ? 'with its session recovered, but' : 'as a new session (socket.recovered is false), and'} never got the chat sent while it was away.`,
      );
    });
    if (!away.socket.recovered)
      throw new CheckFailure(
        'The client came back as a new session (socket.recovered is false): what it missed was not replayed, it only happened to arrive.',
      );
  },
};

export const chatDeduplication: Expectation = {
  id: 'chat-dedup',
  title: 'a chat sent again with the same id is acknowledged again and broadcast once, across instances',
  hint: "TODO 2: before broadcasting, SET wsk:chat:<id> with { condition: 'NX', expiration: { type: 'PX', value: 2 * 60_000 } }: only 'OK' means first time; else ack { ok: true, instance, duplicate: true } and broadcast nothing",
  async run(ctx) {
    const env = await ctx.environment();
    // A retry lands wherever its client reconnected: send the copies through two instances when there are.
    const clients = [await connected(ctx, env)];
    for (let i = 0; i < 4 && clients.length < 2; i++) {
      const c = await connected(ctx, env);
      if (c.welcome.instance !== clients[0].welcome.instance) clients.push(c);
    }
    const [first, again = first] = clients;
    const watcher = await connected(ctx, env);
    const text = `once-${Date.now()}`;
    const id = `check-${text}`;
    for (const c of [first, again, first]) {
      const answer = (await sendChat(c, { text, id })) as { ok?: unknown };
      if (answer?.ok !== true)
        throw new CheckFailure(
          `A chat sent again with the same id was acked ${JSON.stringify(answer)}: its sender would give up on it; a copy is acknowledged { ok: true, … } too.`,
        );
    }
    // A marker through each instance that had a copy: an instance's broadcasts reach the watcher in the
    // order it sent them, but two instances' may cross. Once both markers are in, every copy is too.
    const senders = first === again ? [first] : [first, again];
    await Promise.all(
      senders.map(async (sender, i) => {
        const marker = `marker-${i}-${Date.now()}`;
        const arrived = nextEvent(watcher, 'chat', {
          accept: (m: { text?: string }) => m?.text === marker,
          what: `the marker chat through ${sender.welcome.instance}`,
        });
        await sendChat(sender, { text: marker, id: `check-${marker}` });
        await arrived;
      }),
    );
    const times = chatsWith(watcher, text);
    if (times !== 1)
      throw new CheckFailure(
        `One chat sent three times with the same id (${first.welcome.instance === again.welcome.instance ? `through ${first.welcome.instance}` : `through ${first.welcome.instance} and ${again.welcome.instance}`}) was broadcast ${times} times.`,
      );
  },
};
