// The commands as an attendee runs them: real processes, a private WORKSHOP_HOME, real servers.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { PORT_RANGE } from '../scripts/lib/ports.ts';
import { STEPS } from '../scripts/lib/steps.ts';
import {
  layoutBase,
  processesMentioning,
  ROOT,
  removeTempHomes,
  runCli,
  startCli,
  tempHome,
} from './helpers/cli.ts';

afterAll(removeTempHomes);

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('bad input gets one clear line, a non-zero exit and no stack trace', () => {
  it.each([
    ['step.ts', ['99'], /There is no step '99'/],
    ['check.ts', ['abc'], /There is no step 'abc'/],
    ['solve.ts', [], /Which step\?/],
    ['reset.ts', ['1'], /needs a confirmation[\s\S]*--yes/],
    ['check.ts', ['1', '--bogus'], /Unknown option '--bogus'\.\n/],
    ['step.ts', ['3', '--strat'], /Unknown option '--strat'\. Did you mean --start\?/],
    [
      'step.ts',
      ['2', '--start', '--watch'],
      /--start and --watch do not go together[\s\S]*one terminal each/,
    ],
    ['check.ts', ['3', '--tagret', 'kind'], /Unknown option '--tagret'\. Did you mean --target\?/],
  ])('%s %j', async (script, args, message) => {
    const { code, stderr } = await runCli(script, args, { WORKSHOP_HOME: tempHome() });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    noStackTrace(stderr);
  });

  it('a syntax error in the server names the file and line', async () => {
    const home = tempHome();
    const dir = join(home, 'broken');
    cpSync(join(ROOT, 'solutions/01-single-server'), dir, { recursive: true });
    const server = join(dir, 'server.ts');
    const lines = readFileSync(server, 'utf8').split('\n');
    lines[9] = 'const broken = ;';
    writeFileSync(server, lines.join('\n'));
    const { code, stdout } = await runCli('check.ts', ['1', '--dir', dir], { WORKSHOP_HOME: home });
    expect(code).toBe(1);
    expect(stdout).toMatch(/Syntax error in .*server\.ts:10:\d+/);
    noStackTrace(stdout);
  });

  it('TypeScript that Node cannot strip (an enum) fails as it would in the container, with the hint', async () => {
    const home = tempHome();
    const dir = join(home, 'enum');
    cpSync(join(ROOT, 'solutions/01-single-server'), dir, { recursive: true });
    const server = join(dir, 'server.ts');
    writeFileSync(server, `enum Room { Lobby }\nconsole.log(Room.Lobby);\n${readFileSync(server, 'utf8')}`);
    const { code, stdout } = await runCli('check.ts', ['1', '--dir', dir], { WORKSHOP_HOME: home });
    expect(code).toBe(1);
    expect(stdout).toMatch(/Syntax error in .*server\.ts:1:1: TypeScript enum is not supported/);
    expect(stdout).toMatch(/only erasable TypeScript works/);
    noStackTrace(stdout);
  });
});

describe('check', () => {
  it('--json prints the results and exits 0 only when they pass', async () => {
    const home = tempHome();
    const pass = await runCli(
      'check.ts',
      ['1', '--json', '--dir', join(ROOT, 'solutions/01-single-server')],
      { WORKSHOP_HOME: home },
    );
    expect(pass.code).toBe(0);
    const passed = JSON.parse(pass.stdout);
    expect(passed.ok).toBe(true);
    expect(passed.results[0]).toMatchObject({ step: 1, ok: true });

    // No --dir: the playground is made from the starter on first use, checked, and progress recorded.
    const fail = await runCli('check.ts', ['1', '--json'], { WORKSHOP_HOME: home });
    expect(fail.code).toBe(1);
    const failed = JSON.parse(fail.stdout);
    expect(failed.results[0].failure).toMatchObject({ id: 'welcome' });
    expect(existsSync(join(home, 'playground/01-single-server/server.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(join(home, '.workshop/progress.json'), 'utf8')).steps['1']).toMatchObject({
      ok: false,
    });
  }, 60_000);

  it('prints a table with the first failing expectation and its hint', async () => {
    const { code, stdout } = await runCli('check.ts', ['1'], { WORKSHOP_HOME: tempHome() });
    expect(code).toBe(1);
    // The starter passes the expectations before the one it fails at, out of all of step 1's.
    const one = STEPS[0];
    const passed = one.expectations.findIndex((e) => e.id === one.starterFailsAt);
    expect(stdout).toMatch(new RegExp(`1\\s+${one.title}\\s+✖ ${passed}/${one.expectations.length}`));
    expect(stdout).toMatch(/hint: .*socket\.emit\('welcome'/);
  }, 60_000);
});

describe('solve and reset never lose work', () => {
  it('backs up the playground before replacing it', async () => {
    const home = tempHome();
    expect((await runCli('solve.ts', ['1', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
    const mine = join(home, 'playground/01-single-server/server.ts');
    writeFileSync(mine, '// my own work\n');
    const reset = await runCli('reset.ts', ['1', '--yes'], { WORKSHOP_HOME: home });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/previous files are in \.workshop\/backups\/01-single-server\//);
    expect(readFileSync(mine, 'utf8')).toBe(
      readFileSync(join(ROOT, 'steps/01-single-server/server.ts'), 'utf8'),
    );
    const backups = readdirSync(join(home, '.workshop/backups/01-single-server'));
    const saved = backups.map((b) =>
      readFileSync(join(home, '.workshop/backups/01-single-server', b, 'server.ts'), 'utf8'),
    );
    expect(saved).toContain('// my own work\n');
  });
});

describe('step', () => {
  it('without a terminal lists the steps and never prompts', async () => {
    const { code, stdout } = await runCli('step.ts', [], { WORKSHOP_HOME: tempHome() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/1\. One socket.io server/);
    expect(stdout).toMatch(/npm run step N/);
  });

  it('N renders the instructions and the commands to use', async () => {
    const home = tempHome();
    const { code, stdout } = await runCli('step.ts', ['1'], { WORKSHOP_HOME: home });
    expect(code).toBe(0);
    expect(stdout).toMatch(/STEP 1: ONE SOCKET.IO SERVER/);
    expect(stdout).toMatch(/npm run check 1/);
    expect(existsSync(join(home, 'playground/01-single-server'))).toBe(true);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '--start stops every process it started on %s',
    async (signal) => {
      const home = tempHome();
      mkdirSync(home, { recursive: true });
      // Port 0 is not a layout: a base of free ports (the whole range --start may take) away from the defaults.
      const port = String(await layoutBase(PORT_RANGE));
      const run = startCli('step.ts', ['2', '--start'], { WORKSHOP_HOME: home, PORT: port });
      await run.waitForOutput('Ctrl-C stops everything', 60_000);
      expect(await processesMentioning(home)).toHaveLength(3);
      // Step 2's demonstration: Traefik, a plain round robin on PORT+3 and a sticky cookie on PORT+4.
      expect(run.output()).toMatch(
        new RegExp(`round robin \\(Traefik, not sticky\\) +http://localhost:${Number(port) + 3}\n`),
      );
      expect(run.output()).toMatch(
        new RegExp(`sticky \\(Traefik, cookie wsk_sticky\\) +http://localhost:${Number(port) + 4}\n`),
      );
      run.child.kill(signal);
      expect(await run.exited).not.toBe(0);
      expect(await processesMentioning(home)).toEqual([]);
      // Nothing answers any more: neither the instances nor Traefik's two entry points.
      for (const p of [Number(port), Number(port) + 3, Number(port) + 4]) {
        const res = await fetch(`http://127.0.0.1:${p}/healthz`).catch(() => undefined);
        expect(res, `port ${p}`).toBeUndefined();
      }
    },
    90_000,
  );

  it('--start names the single instance of step 1 by INSTANCE_ID (the protocol)', async () => {
    const home = tempHome();
    const port = await layoutBase(PORT_RANGE);
    expect((await runCli('solve.ts', ['1', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
    const run = startCli('step.ts', ['1', '--start'], {
      WORKSHOP_HOME: home,
      PORT: String(port),
      INSTANCE_ID: 'alpha',
    });
    try {
      await run.waitForOutput('Ctrl-C stops everything', 60_000);
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      const welcome = await new Promise<{ instance: string }>((resolve, reject) => {
        socket.once('welcome', resolve);
        socket.once('connect_error', reject);
      }).finally(() => socket.close());
      expect(welcome.instance).toBe('alpha');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 90_000);
});
