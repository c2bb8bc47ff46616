// `step N --watch` checks once per save: a check writes nothing into the folder it checks (it once compiled
// the server next to server.ts, and every save was checked twice).
import { cpSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { watch } from 'chokidar';
import { afterAll, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { ignoredByWatch } from '../scripts/lib/step-session.ts';
import { findStep, ROOT } from '../scripts/lib/steps.ts';
import { removeTempHomes, tempHome } from './helpers/cli.ts';

// Inside the repo, so that the server resolves the repo's node_modules.
const dir = join(tempHome(), 'step');
afterAll(removeTempHomes);

it('a whole check of the folder raises no event; a save does', async () => {
  cpSync(join(ROOT, 'solutions/01-single-server'), dir, { recursive: true });
  const watcher = watch(dir, { ignoreInitial: true, ignored: ignoredByWatch });
  const seen: string[] = [];
  try {
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    const saved = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event for the save; saw ${seen}`)), 10_000);
      watcher.on('all', (_event, path) => {
        seen.push(basename(path));
        if (basename(path) === 'notes.md') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect((await runStep(findStep(1), dir)).ok).toBe(true);
    // A new file saved after the check: chokidar reports new files in order, so waiting for it is enough.
    writeFileSync(join(dir, 'notes.md'), 'saved\n');
    await saved;
    expect(seen).toEqual(['notes.md']);
  } finally {
    await watcher.close();
  }
});
