// Each starter holds the solved code of the steps before it (anyone can start anywhere), so a file a step
// does not ask the attendee to edit is a copy: the same in the step's starter and solution, and the same
// as the latest earlier solution that has it. Copies kept by hand drift; this holds them equal.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { folderName, STEPS, solutionDir, starterDir } from '../scripts/lib/steps.ts';

/** The tracked files of a folder (not the server a check compiled next to server.ts, nor node_modules). */
const filesUnder = (dir: string): string[] =>
  execFileSync('git', ['ls-files', '-z', '.'], { cwd: dir, encoding: 'utf8' }).split('\0').filter(Boolean);

/** Its README is each step's own. */
const ownFile = (file: string) => file === 'README.md';

/** Where a starter ships a new version of a file the attendee does not edit, and why. */
const NEW_VERSION: Record<string, string> = {
  '02-redis-adapter/package.json': 'step 2 brings the Redis adapter and client as dependencies',
  '07-exactly-once/package.json': 'step 7 trades the pub/sub adapter for the streams adapter',
  '07-exactly-once/package-lock.json': 'the same dependencies, locked',
  '07-exactly-once/public/index.html': 'the page retries its chats with an id and shows each chat once',
};

it('a file a step does not ask to edit equals its copy in the solution and in the earlier solution', () => {
  const drift: string[] = [];
  const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
  STEPS.forEach((step, i) => {
    const starter = starterDir(step);
    const solution = solutionDir(step);
    for (const file of new Set([...filesUnder(starter), ...filesUnder(solution)])) {
      if (ownFile(file) || step.files.includes(file)) continue;
      const here = `${folderName(step)}/${file}`;
      let text: string;
      try {
        text = read(starter, file);
        if (read(solution, file) !== text) drift.push(`${here}: the starter and the solution differ`);
      } catch {
        drift.push(`${here}: only in one of steps/ and solutions/`);
        continue;
      }
      const earlier = STEPS.slice(0, i)
        .reverse()
        .find((s) => filesUnder(solutionDir(s)).includes(file));
      if (earlier && !(here in NEW_VERSION) && read(solutionDir(earlier), file) !== text)
        drift.push(`${here}: differs from solutions/${folderName(earlier)}/${file}`);
    }
  });
  expect(drift).toEqual([]);
});
