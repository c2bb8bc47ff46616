// One consistent CLI: every command answers --help, refuses what it does not take in one line, and says
// what to do instead; the target model's flags; the client's and the room's behaviour at the edges.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drillTable, tally } from '../scripts/lib/drill-run.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { layoutBase, ROOT, removeTempHomes, runCli, startCli, tempHome } from './helpers/cli.ts';
import { fakeTools } from './helpers/fake-tools.ts';

afterAll(removeTempHomes);

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

/** npm script name → its script file, from package.json (a new command is covered without a change here). */
const commands = Object.entries(
  JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts as Record<string, string>,
)
  .map(([name, line]) => [name, /^node scripts\/([\w-]+\.ts)$/.exec(line)?.[1]] as const)
  .filter((c): c is readonly [string, string] => c[1] !== undefined);

it('every command answers --help with its usage and exits 0', async () => {
  expect(commands.length).toBeGreaterThan(10);
  const failures: string[] = [];
  // Four at a time: each is a Node process.
  for (let i = 0; i < commands.length; i += 4) {
    await Promise.all(
      commands.slice(i, i + 4).map(async ([name, script]) => {
        const { code, stdout } = await runCli(script, ['--help'], { WORKSHOP_HOME: tempHome() });
        if (code !== 0 || !stdout.startsWith(`usage: npm run ${name}`))
          failures.push(`${name}: exit ${code}, stdout ${JSON.stringify(stdout.slice(0, 80))}`);
      }),
    );
  }
  expect(failures).toEqual([]);
}, 120_000);

describe('bad input: one line, what to do, no stack trace and no parser noise', () => {
  it.each([
    ['check.ts', ['1', '2'], /Unexpected argument '2': this command takes one/],
    ['check.ts', ['1', '--bogus'], /^✖ Unknown option '--bogus'\.\n {2}hint: usage: npm run check/],
    ['offline-pack.ts', ['--form', 'x'], /Unknown option '--form'/],
    ['step.ts', ['3', '--start', '--local'], /--local is now --target rehearsal/],
    ['check.ts', ['3', '--docker'], /--docker is now --target docker/],
    [
      'check.ts',
      ['3', '--target', 'apiserver'],
      /Step 3 does not run on apiserver[\s\S]*runs on: rehearsal, docker/,
    ],
    ['check.ts', ['2', '--target', 'docker'], /Step 2 does not run on docker[\s\S]*runs on: rehearsal/],
    ['drill.ts', ['sigterm-instance', '--target', 'dokcer'], /no target 'dokcer'\. Did you mean 'docker'\?/],
    ['drill.ts', ['sigterm-instance', '--clients', '0'], /--clients takes a whole number from 1 to 1000/],
  ])('%s %j', async (script, args, message) => {
    const { code, stderr } = await runCli(script, args, { WORKSHOP_HOME: tempHome() });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/To specify a positional|workshop bug/);
    noStackTrace(stderr);
  });
});

it('drill without a name and without a terminal lists the drills and never prompts', async () => {
  const { code, stdout } = await runCli('drill.ts', [], { WORKSHOP_HOME: tempHome() });
  expect(code).toBe(0);
  expect(stdout).toMatch(/^ {2}sigterm-instance {2}stop one instance gracefully/m);
  expect(stdout).toMatch(/npm run drill NAME/);
});

it("a client's tally: an acknowledged chat never received is lost, a second copy a duplicate", () => {
  const acked = new Set([0, 1, 2, 3]);
  // 0 once, 1 three times, 2 never, 3 once; 9 was never acknowledged and does not count.
  const received = new Map([
    [0, 1],
    [1, 3],
    [3, 1],
    [9, 2],
  ]);
  expect(tally(acked, received)).toEqual({ lost: 1, duplicated: 2 });
});

it('a drill result reads as a table: one labelled line each, values aligned', () => {
  const table = drillTable({
    drill: 'sigkill-instance',
    action: 'SIGKILL to instance-2',
    clients: 12,
    recovered: true,
    recoveryMs: 840,
    actionMs: 12,
    retry: true,
    sent: 60,
    acked: 58,
    unacknowledged: 2,
    expected: 696,
    delivered: 690,
    lost: 6,
    instancesBefore: { 'instance-1': 4, 'instance-2': 4, 'instance-3': 4 },
    instancesAfter: { 'instance-1': 6, 'instance-3': 6 },
    disconnects: { 'transport close': 4 },
    duplicated: 1,
    copies: 3,
    perClient: [
      { client: 1, instance: 'instance-1', lost: 0, duplicated: 0 },
      { client: 2, instance: 'instance-3', lost: 6, duplicated: 1 },
    ],
  });
  const lines = table.split('\n');
  expect(lines).toContain('after          instance-1: 6, instance-3: 6');
  expect(lines).toContain('recovery       every client back and reached by a broadcast after 840 ms');
  expect(lines).toContain('chats sent     60, each sent again until acknowledged, 2 never acknowledged');
  expect(lines).toContain(
    'deliveries     690 of 696 arrived, 6 lost, 1 duplicated (and 3 copies of a broadcast already received, dropped by id)',
  );
  // Only the clients that lost or got a chat twice: the others are the rule.
  expect(lines).toContain('per client     #2 (instance-3): 6 lost, 1 duplicated');
  expect(table).not.toMatch(/[{}"]/);
});

it('instructor listens on PORT like every other server command', async () => {
  const port = await freePort();
  const run = startCli('instructor.ts', [], { PORT: String(port) });
  try {
    await run.waitForOutput(`The room is at http://localhost:${port}`, 30_000);
    expect((await fetch(`http://127.0.0.1:${port}/api/room`)).status).toBe(200);
  } finally {
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
  }
}, 60_000);

describe('client', () => {
  it('says when nothing listens', async () => {
    const port = await freePort();
    const { code, stderr } = await runCli('client.ts', ['--url', `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(`Nothing is listening at http://127.0.0.1:${port}`);
    expect(stderr).toMatch(/npm run step N -- --start/);
  });

  it('suggests --path when socket.io is not at the path (a 404)', async () => {
    const server = createServer((_, res) => res.writeHead(404).end('not found'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { code, stderr } = await runCli('client.ts', ['--url', `http://127.0.0.1:${port}`]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/HTTP 404/);
      expect(stderr).toMatch(/--path \/wsk\/socket\.io\//);
    } finally {
      server.close();
    }
  });
});

it('--start says why it chose the rehearsal (here: the Docker engine does not answer)', async () => {
  const fakes = fakeTools();
  const run = startCli('step.ts', ['3', '--start'], {
    WORKSHOP_HOME: tempHome(),
    PATH: fakes.path,
    FAKE_DOCKER_ENGINE: '0',
    PORT: String(await layoutBase(40)),
  });
  try {
    await run.waitForOutput('The rehearsal, because', 30_000);
    expect(run.output()).toMatch(
      /on rehearsal…\n {2}The rehearsal, because Docker Compose: the Docker engine does not answer/,
    );
  } finally {
    run.child.kill('SIGTERM');
    await run.exited;
  }
}, 60_000);

it('check 3 --target docker says which part is missing (here: the engine)', async () => {
  const fakes = fakeTools();
  const { code, stdout } = await runCli(
    'check.ts',
    ['3', '--target', 'docker', '--json', '--dir', `${ROOT}solutions/03-compose-traefik`],
    { WORKSHOP_HOME: tempHome(), PATH: fakes.path, FAKE_DOCKER_ENGINE: '0' },
  );
  expect(code).toBe(1);
  const failure = JSON.parse(stdout).results[0].failure;
  expect(failure.message).toMatch(
    /docker target needs Docker with the Compose plugin: the Docker engine does not answer/,
  );
}, 60_000);

it('a drill on step 2 says that without a router its recovery figures mean nothing', async () => {
  const home = tempHome();
  expect((await runCli('solve.ts', ['2', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
  const { stderr, stdout } = await runCli(
    'drill.ts',
    ['sigterm-instance', '--step', '2', '--clients', '2'],
    { WORKSHOP_HOME: home },
    60_000,
  );
  expect(stderr).toMatch(/^Step 2 has no router: every drill client connects to instance-1 directly/m);
  expect(stdout).toMatch(/^drill {10}sigterm-instance$/m);
}, 90_000);

it('check says where it checked when --start would have taken the real thing, and how to check that', async () => {
  const home = tempHome();
  const three = await runCli('check.ts', ['3', '--dir', join(ROOT, 'solutions/03-compose-traefik')], {
    WORKSHOP_HOME: home,
  });
  expect(three.code, three.stderr).toBe(0);
  expect(three.stdout).toMatch(
    /^Checked on the rehearsal, the checks' default .* npm run check 3 -- --target docker$/m,
  );
  // Step 2 runs nowhere else: nothing to say.
  const two = await runCli('check.ts', ['2', '--dir', join(ROOT, 'solutions/02-redis-adapter')], {
    WORKSHOP_HOME: home,
  });
  expect(two.stdout).not.toMatch(/Checked on the rehearsal/);
}, 90_000);
