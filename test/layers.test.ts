// The engine's layers read bottom-up: no import cycle anywhere in scripts/, and the pure models (Traefik's,
// Compose's, Kubernetes', the Dockerfile lint) import nothing that starts a process.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/paths.ts';

const SCRIPTS = join(ROOT, 'scripts');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });

/** Every module a file imports, statically or dynamically, by relative path (types included). */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)].map((m) =>
    resolve(dirname(file), m[1]),
  );
const packagesOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^.'][^']*)'/g)].map((m) => m[1]);

const graph = new Map(files(SCRIPTS).map((f) => [f, importsOf(f)]));
const name = (f: string) => relative(ROOT, f);

it('no import cycle in scripts/', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(name).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  expect(cycles).toEqual([]);
});

it('the models (traefik/, compose/, kubernetes/, docker/) import nothing that starts a process', () => {
  const models = [...graph.keys()].filter((f) =>
    /scripts\/lib\/(traefik|compose|kubernetes|docker)\//.test(f),
  );
  expect(models.length).toBeGreaterThan(30);
  // Everything a model reaches, through any chain of imports.
  const reach = (file: string, seen = new Set<string>()): Set<string> => {
    for (const next of graph.get(file) ?? [])
      if (!seen.has(next)) {
        seen.add(next);
        reach(next, seen);
      }
    return seen;
  };
  const RUNS = /scripts\/lib\/(processes|redis|app-process)\.ts$|scripts\/lib\/(targets|traefik-run)\//;
  const offenders = models.flatMap((m) => [
    ...[...reach(m)].filter((f) => RUNS.test(f)).map((f) => `${name(m)} reaches ${name(f)}`),
    ...packagesOf(m)
      .filter((p) => /^(node:child_process|zx)$/.test(p))
      .map((p) => `${name(m)} imports ${p}`),
  ]);
  expect(offenders).toEqual([]);
});
