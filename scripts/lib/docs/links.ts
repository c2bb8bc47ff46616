// Relative links in the built site must resolve to a built file: a broken one fails the build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface BrokenLink {
  page: string;
  target: string;
}

export function findBrokenLinks(out: string): BrokenLink[] {
  const pages = walk(out).filter((f) => f.endsWith('.html'));
  const broken: BrokenLink[] = [];
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, target] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
      if (/^(?:[a-z]+:|#|\/\/)/i.test(target)) continue; // external, mailto:, data:, in-page anchors
      const path = decodeURI(target.split('#')[0].split('?')[0]);
      if (!path) continue;
      const resolved = path.startsWith('/') ? join(out, path) : join(dirname(page), path);
      if (!existsSync(resolved)) broken.push({ page: relative(out, page), target });
    }
  }
  return broken;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
