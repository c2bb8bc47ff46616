// The attendee's copy of a step: playground/NN-slug, made from the starter on first use. Reset and
// solve replace it, and always back up what they replace first: nothing an attendee wrote is lost.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { HOME } from './paths.ts';
import { folderName, playgroundDir, type Step, solutionDir, starterDir } from './steps.ts';

export const STATE_DIR = join(HOME, '.workshop');
export const BACKUP_DIR = join(STATE_DIR, 'backups');

/** Returns the playground folder, copying the starter there when it does not exist yet. */
export function ensurePlayground(step: Step): { dir: string; created: boolean } {
  const dir = playgroundDir(step);
  if (existsSync(dir)) return { dir, created: false };
  copyFolder(starterDir(step), dir);
  return { dir, created: true };
}

/**
 * Replaces the playground with the starter (reset) or the solution (solve). The current playground
 * is moved into a timestamped backup first; the backup path is returned for the message.
 */
export function replacePlayground(
  step: Step,
  source: 'starter' | 'solution',
): { dir: string; backup?: string } {
  const dir = playgroundDir(step);
  const backup = existsSync(dir) ? backupPlayground(step) : undefined;
  copyFolder(source === 'starter' ? starterDir(step) : solutionDir(step), dir);
  return { dir, backup };
}

export function backupPlayground(step: Step): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const target = join(BACKUP_DIR, folderName(step), stamp);
  mkdirSync(dirname(target), { recursive: true });
  // A rename keeps the attendee's files byte for byte and cannot half-fail like a copy.
  renameSync(playgroundDir(step), target);
  return target;
}

/** Copies into a temporary sibling first, then renames: an interrupted copy never leaves half a folder. */
function copyFolder(from: string, to: string) {
  const temporary = `${to}.tmp-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, temporary, { recursive: true });
  renameSync(temporary, to);
}

/** Every file below a folder, relative to it (node_modules and dotfiles aside). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const walk = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      if (name === 'node_modules') return [];
      const path = join(folder, name);
      return statSync(path).isDirectory() ? walk(path) : [relative(dir, path)];
    });
  return walk(dir).sort();
}

/** What the diff leaves out unless asked: lock files, npm's and not the lesson. */
const NOT_THE_LESSON = (file: string) => /(^|\/)package-lock\.json$/.test(file);

/**
 * Unified diffs between the playground and the solution: the files the attendee edits first, then the
 * rest of the solution. Lock files only with `all`; `left` names them.
 */
export function diffWithSolution(
  step: Step,
  { all = false } = {},
): {
  diffs: { file: string; patch: string }[];
  left: string[];
} {
  const mine = playgroundDir(step);
  const theirs = solutionDir(step);
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const changed = [...new Set([...step.files, ...listFiles(theirs)])].filter(
    (file) => read(join(mine, file)) !== read(join(theirs, file)),
  );
  const shown = all ? changed : changed.filter((file) => !NOT_THE_LESSON(file));
  return {
    diffs: shown.map((file) => ({
      file,
      patch: createTwoFilesPatch(
        `playground/${file}`,
        `solution/${file}`,
        read(join(mine, file)),
        read(join(theirs, file)),
        '',
        '',
        { context: 3 },
      ),
    })),
    left: changed.filter((file) => !shown.includes(file)),
  };
}

/** Writes JSON atomically: a temporary file, then a rename. */
export function writeJsonAtomic(path: string, value: unknown) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, path);
}
