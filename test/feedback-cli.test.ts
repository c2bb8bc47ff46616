// What the commands say while and after they check, and when a running step loses an instance: the
// terminal's progress line, what passed and the next step, the diagnosed hint in --json, the menu's
// starting point and instructions not printed twice in a row, and `--start` naming an instance that ended.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Expectation } from '../scripts/lib/checks/types.ts';
import { PORT_RANGE } from '../scripts/lib/ports.ts';
import { instructionsJustShown, JUST_SHOWN_MS, type Progress } from '../scripts/lib/progress-file.ts';
import { stepMenuChoices } from '../scripts/lib/step-session.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { terminalProgress } from '../scripts/lib/ui/results.ts';
import { layoutBase, removeTempHomes, runCli, startCli, tempHome } from './helpers/cli.ts';

afterAll(removeTempHomes);

const copyOf = (step: number, edit: (text: string) => string) => {
  const dir = join(tempHome(), 'dir');
  cpSync(solutionDir(findStep(step)), dir, { recursive: true });
  writeFileSync(join(dir, 'server.ts'), edit(readFileSync(join(dir, 'server.ts'), 'utf8')));
  return dir;
};

it('check lists what passed and names the next step on success', async () => {
  const { code, stdout } = await runCli('check.ts', ['1', '--dir', solutionDir(findStep(1))]);
  expect(code, stdout).toBe(0);
  expect(stdout).toMatch(/^Step 1, passed:\n {2}✔ the step starts and answers \/healthz\n/);
  expect(stdout).toContain('Step 1 done. Next: npm run step 2 (Many instances and the Redis adapter)');
}, 60_000);

it('check --json carries the hint that matches the crash, not the expectation’s generic one', async () => {
  // On redis 5's default RESP 2, where a subscribed connection cannot publish.
  const dir = copyOf(2, (t) =>
    t.replace(', RESP: 3 });', ' });').replace('createAdapter(pub, sub)', 'createAdapter(pub, pub)'),
  );
  const { code, stdout } = await runCli('check.ts', ['2', '--json', '--dir', dir], {}, 90_000);
  expect(code).toBe(1);
  const { results } = JSON.parse(stdout);
  expect(results[0].failure.message).toMatch(/ERR Can't execute 'publish'/);
  expect(results[0].failure.hint).toMatch(/subscribed Redis connection can't publish/);
}, 90_000);

it('on a terminal, one live line names the expectation being checked, and is cleared after', () => {
  const written: string[] = [];
  const stream = {
    isTTY: true,
    columns: 60,
    write: (s: string) => written.push(s),
  } as unknown as NodeJS.WriteStream;
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    const progress = terminalProgress(stream);
    const expectation = { id: 'welcome', title: "a client gets 'welcome'" } as Expectation;
    progress?.(findStep(1), expectation);
    progress?.(findStep(1), expectation, { id: 'welcome', title: '', status: 'pass', ms: 1 });
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
  expect(written).toEqual(["\r\x1b[2Kstep 1: checking a client gets 'welcome'…", '\r\x1b[2K']);
  expect(terminalProgress({ isTTY: false } as NodeJS.WriteStream)).toBeUndefined();
});

it('the step menu starts on the current step', () => {
  const progress: Progress = { version: 1, current: 4, steps: {} };
  const { choices, initial } = stepMenuChoices(progress);
  expect(choices[initial].name).toBe('4');
  expect(stepMenuChoices({ version: 1, steps: {} }).initial).toBe(0);
});

it('instructions printed a moment ago are not printed again before the menu', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  const shown = (minutesAgo: number): Progress => ({
    version: 1,
    steps: {},
    shown: { 2: new Date(now - minutesAgo * 60_000).toISOString() },
  });
  expect(instructionsJustShown(shown(1), 2, now)).toBe(true);
  expect(instructionsJustShown(shown(JUST_SHOWN_MS / 60_000 + 1), 2, now)).toBe(false);
  expect(instructionsJustShown(shown(1), 3, now)).toBe(false);
});

it('--start says when an instance exits, with its error and the hint that matches', async () => {
  const home = tempHome();
  const playground = join(home, 'playground/01-single-server');
  mkdirSync(join(home, 'playground'), { recursive: true });
  cpSync(solutionDir(findStep(1)), playground, { recursive: true });
  const file = join(playground, 'server.ts');
  // Starts fine, then dies a moment later: the kind of crash that scrolls by unnoticed.
  writeFileSync(
    file,
    `${readFileSync(file, 'utf8')}\nsetTimeout(() => undefinedHelper(), 300);\ndeclare function undefinedHelper(): void;\n`,
  );
  const port = String(await layoutBase(PORT_RANGE));
  const run = startCli('step.ts', ['1', '--start'], { WORKSHOP_HOME: home, PORT: port });
  try {
    await run.waitForOutput('instance-1 exited (code 1)', 60_000);
    expect(run.output()).toMatch(
      /instance-1 exited \(code 1\): crashed at .*server\.ts:\d+: ReferenceError: undefinedHelper is not defined/,
    );
    expect(run.output()).toContain('hint: undefinedHelper is used but never declared or imported');
    // Its only instance gone: the command ends, non-zero, instead of serving nothing.
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/Every instance of the step has ended, so nothing serves it any more/);
    expect(run.output()).toMatch(/npm run step 1 -- --start/);
  } finally {
    run.child.kill('SIGINT');
    await run.exited;
  }
}, 90_000);
