// The step menu's diff against the solution: the attendee's files, not npm's lock file or the optional
// advanced variant, which are named instead of shown.
import { cpSync } from 'node:fs';
import { expect, it } from 'vitest';
import { tempDir } from './helpers/temp.ts';

// Before the modules read it: the playground lives in this test's own home.
const home = tempDir('diff-home-');
process.env.WORKSHOP_HOME = home;
const { diffWithSolution } = await import('../scripts/lib/playground.ts');
const { findStep, playgroundDir, starterDir } = await import('../scripts/lib/steps.ts');

it('leaves the lock file and advanced/ out unless asked, and names them', () => {
  const step = findStep(6);
  cpSync(starterDir(step), playgroundDir(step), { recursive: true });
  const { diffs, left } = diffWithSolution(step);
  const shown = diffs.map((d) => d.file);
  expect(shown).toContain('server.ts');
  expect(shown.filter((f) => f.startsWith('advanced/') || f.endsWith('package-lock.json'))).toEqual([]);
  expect(left).toContain('advanced/server.ts');
  const all = diffWithSolution(step, { all: true });
  expect(all.diffs.map((d) => d.file)).toEqual(expect.arrayContaining(['server.ts', 'advanced/server.ts']));
  expect(all.left).toEqual([]);
});
