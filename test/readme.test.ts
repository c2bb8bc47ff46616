// The README is for attendees and instructors: short, and true. Every command it names is one npm runs,
// every test file it names exists, and no table cell is longer than a paragraph.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/paths.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);

it('is under 12,000 characters', () => {
  expect(readme.length).toBeLessThan(12_000);
});

it('names only commands npm runs, and only files that exist', () => {
  const commands = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
  // `bench:router` and its siblings, written after `npm run bench`, in the same cell.
  const siblings = [...readme.matchAll(/`(bench:[\w-]+)`/g)].map((m) => m[1]);
  expect([...commands, ...siblings].filter((c) => !scripts.includes(c))).toEqual([]);
  const files = [...readme.matchAll(/`((?:test|scripts|docs|\.ci)\/[\w./-]+\.(?:ts|md|sh))`/g)].map(
    (m) => m[1],
  );
  expect(files.length).toBeGreaterThan(3);
  expect(files.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  for (const link of [...readme.matchAll(/\]\(([\w./-]+\.md)\)/g)].map((m) => m[1]))
    expect(existsSync(join(ROOT, link)), link).toBe(true);
});

it('has no table cell longer than a paragraph', () => {
  const cells = readme
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .flatMap((l) => l.split(' | '));
  expect(cells.filter((c) => c.length > 400)).toEqual([]);
});
