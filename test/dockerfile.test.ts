// The Dockerfile's base image is judged against Node's dated LTS table, on a day the test chooses: every
// supported LTS line passes, an ended one, one not LTS yet, an odd major or `latest` fails with the lines
// to use, and a line within a quarter of its end of life gets a warning that names the date.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkDockerfile, nodeVersionFinding, supportedNodeLines } from '../scripts/lib/docker/dockerfile.ts';
import { ROOT } from '../scripts/lib/paths.ts';

const SOLUTION = readFileSync(join(ROOT, 'solutions/03-compose-traefik/Dockerfile'), 'utf8');
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const withBase = (tag: string) => SOLUTION.replaceAll('FROM node:24-alpine', `FROM node:${tag}`);
const check = (text: string, today: string) => checkDockerfile('Dockerfile', text, { today: day(today) });

it('accepts every supported LTS line: 22 and 24 (maintenance) and 26 (active LTS since 2026-10-28)', () => {
  expect(supportedNodeLines(day('2026-12-03')).map((l) => l.major)).toEqual([22, 24, 26]);
  for (const tag of ['22-alpine', '24-alpine', '26-alpine', '26.1-alpine', '24-slim'])
    expect(check(withBase(tag), '2026-12-03'), tag).toEqual([]);
});

it('refuses an ended line, a line before its LTS start, an odd major and a moving tag, with the lines to use', () => {
  const twenty = nodeVersionFinding('node', '20-alpine', day('2026-12-03'));
  expect(twenty).toMatchObject({ code: 'dockerfile-node-version', severity: 'error' });
  expect(twenty?.message).toContain('Node 20 reached its end of life on 2026-04-30');
  expect(twenty?.fix).toBe(
    "use node:24-alpine (the workshop's image); any supported LTS line works: 22 until 2027-04-30, 24 until 2028-04-30, 26 until 2029-04-30",
  );
  // Before 2026-10-28, 26 was a Current release.
  expect(nodeVersionFinding('node', '26-alpine', day('2026-06-01'))?.message).toContain(
    'Node 26 becomes LTS only on 2026-10-28',
  );
  expect(nodeVersionFinding('node', '25-alpine', day('2026-12-03'))?.message).toContain(
    'odd-numbered release, which never becomes LTS',
  );
  expect(nodeVersionFinding('node', 'latest', day('2026-12-03'))?.message).toContain(
    'names no Node major version',
  );
  // In the whole Dockerfile, each stage's FROM is judged, on its own line.
  const findings = check(withBase('20-alpine'), '2026-12-03');
  expect(findings.map((f) => [f.code, f.line])).toEqual([
    ['dockerfile-node-version', 2],
    ['dockerfile-node-version', 8],
  ]);
});

it('warns, without failing, when a line is within a quarter of its end of life', () => {
  const ending = nodeVersionFinding('node', '22-alpine', day('2027-02-15'));
  expect(ending).toMatchObject({ code: 'dockerfile-node-ending', severity: 'warning' });
  expect(ending?.message).toBe(
    'FROM node:22-alpine: Node 22 reaches its end of life on 2027-04-30, in 74 days: after that it gets no security fixes.',
  );
  expect(ending?.fix).toBe('move to node:26-alpine (LTS until 2029-04-30)');
  // Three and a half months before, nothing is said yet; on the day itself the line is refused.
  expect(nodeVersionFinding('node', '22-alpine', day('2027-01-15'))).toBeUndefined();
  expect(nodeVersionFinding('node', '22-alpine', day('2027-04-30'))?.severity).toBe('error');
});
