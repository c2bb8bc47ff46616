// The compiled server is reused only for the same server.ts: a folder copied with its compiled file
// (as the mistake tables copy the solutions) and then edited must run the edit, not the old build.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { compileServer } from '../scripts/lib/app-process.ts';
import { ROOT } from '../scripts/lib/steps.ts';
import { tempDir } from './helpers/temp.ts';

it('an edited copy is compiled again, even when its compiled file is as new as server.ts', async () => {
  const original = tempDir('wsk-compile-');
  cpSync(join(ROOT, 'solutions/01-single-server'), original, { recursive: true });
  await compileServer(original);
  const copy = tempDir('wsk-compile-');
  cpSync(original, copy, { recursive: true });
  const server = join(copy, 'server.ts');
  writeFileSync(server, readFileSync(server, 'utf8').replace("'welcome'", "'hello-edited'"));
  const compiled = readFileSync(await compileServer(copy), 'utf8');
  expect(compiled).toContain('hello-edited');
  // And the same source is not compiled twice.
  expect(await compileServer(copy)).toBe(join(copy, '.wsk-server.mjs'));
});
