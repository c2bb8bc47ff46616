// Steps 6 and 7's checks: the failure drills themselves, on whichever target runs the step, with the brief's
// bounds; step 7's with clients that retry, and nothing lost or doubled.

import { type DrillName, runDrill } from '../drill-run.ts';
import { spareConnection } from './clients.ts';
import { STALLED_DRAIN } from './protocol.ts';
import { CheckFailure, type Expectation } from './types.ts';

export function drillExpectation(
  drill: DrillName,
  title: string,
  hint: string,
  {
    boundMs = 3_000,
    exactlyOnce = false,
  }: {
    boundMs?: number;
    /** Clients retry each chat by id until acknowledged, and every client must get each one once. */
    exactlyOnce?: boolean;
  } = {},
): Expectation {
  return {
    id: `drill-${drill}`,
    title,
    hint,
    // A rolling restart on a real stack restarts every replica before the clients can be counted.
    timeoutMs: drill === 'rolling-restart' ? 240_000 : 30_000,
    disturbs: true,
    destructive: true,
    async run(ctx) {
      const env = await ctx.environment();
      const running = env.instances.filter((i) => i.process.running());
      // Traefik keeps spare connections to its servers now and then: one to each local replica, always,
      // so that a drain waiting for every connection to end fails every time, not once in twenty runs.
      if (drill === 'sigterm-instance')
        for (const instance of running) ctx.defer(await spareConnection(instance.url));
      // A replica the previous drill stopped must be out of the routes before new clients connect.
      await env.stack?.settle();
      const bound = boundMs + (env.stack?.routerLagMs ?? 0);
      const result = await runDrill(env, drill, {
        clients: 12,
        rate: 20,
        timeoutMs: bound + 2_000,
        retry: exactlyOnce,
      });
      if (drill === 'sigterm-instance' && env.stack) {
        const stopped = (await env.stack.replicas()).find((r) => !r.running);
        if (stopped && stopped.exitCode !== 0)
          throw new CheckFailure(
            `After docker stop, ${stopped.instance} ended with exit code ${stopped.exitCode}, not 0: it did not drain${stopped.exitCode === 137 ? ' (137: Docker killed it after its 10 s grace)' : ''}.`,
            hint,
          );
      } else if (drill === 'sigterm-instance') {
        const stopped = running.find((i) => !i.process.running());
        const exit = stopped ? await stopped.process.exited : undefined;
        if (exit && exit.code !== 0) {
          // What it was doing meanwhile says why: a close that never called back, an error, nothing at all.
          const last = (stopped?.process.output() ?? '').trim().split('\n').slice(-6).join('\n  ');
          throw new CheckFailure(
            `After SIGTERM, ${stopped?.id} ended with ${exit.signal ?? `code ${exit.code}`}, not exit code 0: it did not drain.${
              exit.code === 1
                ? ` If its safety timer ended it, the drain waited on something that never ends: ${STALLED_DRAIN}.`
                : ''
            }${last ? ` Its last output:\n  ${last}` : ''}`,
            hint,
          );
        }
      }
      // A rolling restart's clients are counted from its last restart: the restarts themselves take longer.
      const recoveryMs =
        result.recoveryMs === undefined
          ? undefined
          : result.recoveryMs - (drill === 'rolling-restart' ? result.actionMs : 0);
      if (!result.recovered || (recoveryMs ?? Infinity) > bound) {
        const back = `${recoveryMs === undefined ? 'not all' : `all only after ${recoveryMs} ms`}`;
        // The one disconnect a socket.io client never recovers from by itself: the server's own.
        const kicked = result.disconnects['io server disconnect'];
        throw new CheckFailure(
          `${result.action}. Of ${result.clients} clients, ${back} were connected again and reached by a broadcast (bound: ${bound} ms).${
            kicked
              ? ` ${kicked} of the disconnects were the server's own (reason 'io server disconnect'), after which a socket.io client does not reconnect.`
              : ''
          }`,
          kicked
            ? "a socket.io client does not reconnect after the server disconnects it: don't call socket.disconnect() or io.disconnectSockets(true) (on SIGTERM, io.close() closes the transports instead, and clients reconnect to another instance)"
            : hint,
        );
      }
      if (exactlyOnce && (result.lost || result.duplicated || result.unacknowledged))
        throw new CheckFailure(
          `${result.action}. With every chat retried until acknowledged, ${[
            result.unacknowledged &&
              `${result.unacknowledged} of ${result.sent} chats were never acknowledged`,
            result.lost && `${result.lost} of ${result.expected} deliveries were lost`,
            result.duplicated && `${result.duplicated} arrived twice`,
          ]
            .filter(Boolean)
            .join(', ')} (per client: ${
            result.perClient
              .filter((c) => c.lost || c.duplicated)
              .map((c) => `#${c.client} on ${c.instance} ${c.lost} lost, ${c.duplicated} doubled`)
              .join('; ') || 'none'
          }).`,
          result.duplicated ? EXACTLY_ONCE_HINTS.duplicated : result.lost ? EXACTLY_ONCE_HINTS.lost : hint,
        );
    },
  };
}

/** What each kind of miss in an exactly-once drill points to. */
const EXACTLY_ONCE_HINTS = {
  duplicated:
    'a retried chat was broadcast again: de-duplicate by id before broadcasting (TODO 2), with SET NX in Redis so that every instance sees the first copy',
  lost: 'a client missed broadcasts across the restart: turn on connection state recovery (TODO 1), and drain in order (TODO 3): draining first, chats in flight finished, then io.close()',
};
