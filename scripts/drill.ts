// npm run drill [NAME] [-- --target rehearsal|docker|kind|apiserver] [--step N] [--clients 12] [--rate 20]
//                [--retry] [--json]
// A failure drill: connects clients, sends numbered chats, causes the failure, and reports how long until
// every client was back and how many broadcasts were lost. The rehearsal is started and stopped here;
// the Docker and kind targets act on the stack you started with `npm run step N -- --start --target NAME`.

import { styleText } from 'node:util';
import { CheckFailure } from './lib/checks/types.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import {
  DRILLS,
  type DrillName,
  type DrillResult,
  type DrillTarget,
  drillName,
  drillTable,
  runDrill,
} from './lib/drill-run.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { ensurePlayground } from './lib/playground.ts';
import { findStep } from './lib/steps.ts';
import { readRunningNote, remoteDrills } from './lib/system-view/running.ts';
import { parseTarget, refuseOldFlags, TARGETS, targetModule } from './lib/targets/index.ts';
import { choose, isInteractive } from './lib/ui/prompts.ts';

const drillList = () => {
  const width = Math.max(...Object.keys(DRILLS).map((n) => n.length));
  return Object.entries(DRILLS)
    .map(([name, what]) => `  ${name.padEnd(width)}  ${what}`)
    .join('\n');
};

/** A client that cannot connect to a stack this command did not start: it is not up, or answers elsewhere. */
const rethrow = (err: unknown): never => {
  throw err;
};

const notReached =
  (step: number, target: string) =>
  (err: unknown): never => {
    if (err instanceof CheckFailure)
      throw new UserError(
        `${err.message}.`,
        `start it first (npm run step ${step} -- --start --target ${target}), or give --url where Traefik answers`,
      );
    throw err;
  };

await main(async () => {
  refuseOldFlags(process.argv.slice(2), (t) => `npm run drill NAME -- --target ${t}`);
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        target: { type: 'string', default: 'rehearsal' },
        step: { type: 'string', default: '6' },
        clients: { type: 'string', default: '12' },
        rate: { type: 'string', default: '20' },
        retry: { type: 'boolean', default: false },
        url: { type: 'string', default: 'http://localhost' },
        json: { type: 'boolean', default: false },
      },
    },
    {
      usage:
        'npm run drill [NAME] [-- --target NAME] [--step N] [--clients 12] [--rate 20] [--retry] [--json]',
      summary: `A failure drill on a step (6 by default): how long until every client is back, and what was lost.\nDrills:\n${drillList()}`,
      flags: {
        target: `${TARGETS.join(', ')} (default: rehearsal, started and stopped here)`,
        step: 'the step whose environment to drill (default 6)',
        clients: 'how many clients (1 to 1000, default 12)',
        rate: 'chats a second, all clients together (1 to 1000, default 20)',
        retry: 'each chat carries an id and is sent again until acknowledged (step 7)',
        url: 'docker and kind: where Traefik answers (default http://localhost)',
        json: 'print the result as JSON',
      },
    },
  );
  let drill: DrillName;
  if (positionals[0] === undefined && !isInteractive()) {
    console.log(`Drills:\n${drillList()}\n\nRun one with: npm run drill NAME`);
    return 0;
  }
  if (positionals[0] === undefined)
    drill = await choose<DrillName>(
      'Which drill?',
      Object.entries(DRILLS).map(([name, hint]) => ({ name: name as DrillName, message: name, hint })),
    );
  else drill = drillName(positionals[0]);
  const clients = integerFlag('--clients', values.clients, 1, 1_000);
  const rate = integerFlag('--rate', values.rate, 1, 1_000);
  const step = findStep(values.step);
  const target = parseTarget(values.target, step) ?? 'rehearsal';
  const { dir } = ensurePlayground(step);

  // No router in front before step 3: the drill's clients all reach one instance's own address, and a
  // client of a killed instance has nowhere else to go, so recovery there says nothing about scaling.
  if (step.flavour === 'server' || step.flavour === 'instances')
    console.error(
      styleText(
        'yellow',
        `Step ${step.number} has no router: every drill client connects to ${step.flavour === 'server' ? 'the one server' : 'instance-1'} directly, and one whose instance is gone can only wait for it. The recovery figures mean something from step 3, where Traefik sends clients to the others.`,
      ),
    );
  const module = targetModule(target);
  // Rehearsal and API server: the `--start` of this step that runs here, so that its system view shows
  // the drill; else started and stopped here. Docker and kind: the stack `--start` keeps running.
  const running = module.runningStack ? undefined : readRunningNote(step.number);
  const env: DrillTarget & { stop(): Promise<void> } =
    running?.target === target
      ? { ...running, drills: remoteDrills(running), stop: async () => {} }
      : await module.forDrill(step, dir, { url: values.url });
  if (running?.target === target)
    console.error(
      `Drilling the step ${step.number} --start running here (pid ${running.pid}): ${running.view}`,
    );
  let result: DrillResult;
  try {
    result = await runDrill(env, drill, {
      clients,
      rate,
      retry: values.retry,
      timeoutMs: module.drillTimeoutMs,
    }).catch(module.runningStack ? notReached(step.number, target) : rethrow);
  } finally {
    await env.stop();
  }

  console.log(values.json ? JSON.stringify(result, null, 2) : drillTable(result));
  return result.recovered ? 0 : 1;
});
