// npm run drill NAME [-- --target rehearsal|docker|kind] [--step N] [--clients 12] [--json]
// A failure drill: connects clients, sends numbered chats, causes the failure, and reports how long until
// every client was back and how many broadcasts were lost. The rehearsal is started and stopped here;
// the Docker and kind targets act on the stack you started with `npm run step N -- --start`.

import { parseCommandLine } from './lib/cli.ts';
import { composeTarget, kubernetesTarget, rehearsalTarget } from './lib/drill-targets.ts';
import { DRILLS, drillName, runDrill } from './lib/drills.ts';
import { main, UserError } from './lib/errors.ts';
import { ensurePlayground } from './lib/playground.ts';
import { stopAllOnExit } from './lib/processes.ts';
import { findStep } from './lib/steps.ts';

await main(async () => {
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        target: { type: 'string', default: 'rehearsal' },
        step: { type: 'string', default: '6' },
        clients: { type: 'string', default: '12' },
        url: { type: 'string', default: 'http://localhost' },
        namespace: { type: 'string', default: 'wsk' },
        json: { type: 'boolean', default: false },
      },
    },
    `npm run drill ${Object.keys(DRILLS).join('|')} [-- --target rehearsal|docker|kind]`,
  );
  const drill = drillName(positionals[0]);
  const clients = Number(values.clients);
  if (!Number.isInteger(clients) || clients < 1 || clients > 1_000)
    throw new UserError('--clients takes a whole number from 1 to 1000.');
  const step = findStep(values.step);
  const { dir } = ensurePlayground(step);
  stopAllOnExit();

  const socketPath = step.number >= 5 ? '/wsk/socket.io/' : '/socket.io/';
  let result: Awaited<ReturnType<typeof runDrill>>;
  if (values.target === 'rehearsal') {
    const env = await step.start(dir, { port: 0, local: true });
    try {
      result = await runDrill(rehearsalTarget(env), drill, { clients });
    } finally {
      await env.stop();
    }
  } else if (values.target === 'docker') {
    result = await runDrill(composeTarget(values.url, socketPath, dir), drill, { clients });
  } else if (values.target === 'kind') {
    result = await runDrill(kubernetesTarget(values.url, socketPath, values.namespace), drill, { clients });
  } else {
    throw new UserError(`Unknown target '${values.target}'.`, 'use --target rehearsal, docker or kind');
  }

  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`${result.action}`);
    console.log(
      `clients: ${result.clients}, before: ${JSON.stringify(result.instancesBefore)}, after: ${JSON.stringify(result.instancesAfter)}`,
    );
    console.log(
      result.recovered
        ? `every client back and reached by a broadcast after ${result.recoveryMs} ms`
        : 'not every client came back in time',
    );
    console.log(
      `broadcasts: ${result.sent} sent, ${result.delivered} of ${result.expected} deliveries arrived, ${result.lost} lost`,
    );
  }
  return result.recovered ? 0 : 1;
});
