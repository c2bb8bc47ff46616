// Step 2 shows why sticky sessions matter: the same long-polling client through a plain round robin
// (HTTP 400 "Session ID unknown") and through a sticky balancer (works).
import { startDemoBalancers } from '../environments/demo-balancers.ts';
import { connectClient } from './clients.ts';
import { CheckFailure, type Expectation } from './types.ts';

export const stickySessionsShown: Expectation = {
  id: 'sticky-sessions',
  title:
    'long-polling fails through a plain round robin ("Session ID unknown") and works through a sticky one',
  hint: 'nothing to write here: this one shows why steps 3 and 4 configure a sticky cookie',
  timeoutMs: 20_000,
  async run(ctx) {
    const env = await ctx.environment();
    const balancers = await startDemoBalancers(env);
    ctx.defer(() => balancers.close());
    const failure = await connectClient(balancers.roundRobin.url, { transport: 'polling' }).then(
      (c) => {
        c.close();
        return undefined;
      },
      (err: Error) => err.message,
    );
    if (!failure)
      throw new CheckFailure(
        'A long-polling client got through a non-sticky round robin: were all three instances up?',
      );
    if (!/Session ID unknown|HTTP 400/.test(failure))
      throw new CheckFailure(`Through the round robin the client failed, but not as expected: ${failure}`);
    const client = await connectClient(balancers.sticky.url, { transport: 'polling' });
    ctx.defer(() => client.close());
  },
};
