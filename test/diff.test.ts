// The step menu's diff against the solution: the attendee's files, not npm's lock file, which is named
// instead of shown.
import { cpSync } from 'node:fs';
import { expect, it } from 'vitest';
import { tempDir } from './helpers/temp.ts';

// Before the modules read it: the playground lives in this test's own home.
const home = tempDir('diff-home-');
process.env.WORKSHOP_HOME = home;
const { diffWithSolution } = await import('../scripts/lib/playground.ts');
const { findStep, playgroundDir, starterDir } = await import('../scripts/lib/steps.ts');

it('leaves the lock file out unless asked, and names it', () => {
  const step = findStep(7);
  cpSync(starterDir(step), playgroundDir(step), { recursive: true });
  expect(diffWithSolution(step).diffs.map((d) => d.file)).toEqual(['server.ts']);
  // The starter's lock file is the solution's: a playground's differs after an npm install of its own.
  cpSync(starterDir(findStep(6)), playgroundDir(step), { recursive: true });
  const edited = diffWithSolution(step);
  expect(edited.diffs.map((d) => d.file)).toContain('server.ts');
  expect(edited.diffs.map((d) => d.file)).not.toContain('package-lock.json');
  expect(edited.left).toContain('package-lock.json');
  const all = diffWithSolution(step, { all: true });
  expect(all.diffs.map((d) => d.file)).toEqual(expect.arrayContaining(['server.ts', 'package-lock.json']));
  expect(all.left).toEqual([]);
});
