// The docs site builds from the registry, the READMEs and their learn-more pages, with every relative link
// resolving; a broken link fails the build, naming the page and the target.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findBrokenLinks } from '../scripts/lib/docs/links.ts';
import { buildSite, GUIDES, guidePage, learnMorePage, render, stepPage } from '../scripts/lib/docs/site.ts';
import { UserError } from '../scripts/lib/errors.ts';
import { ROOT, STEPS, starterDir } from '../scripts/lib/steps.ts';

const temps: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsk-docs-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

it('builds an index, a page per step, the guides, with highlighted code and callouts', () => {
  const { out } = buildSite({ out: join(temp(), 'site') });
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  for (const step of STEPS) {
    expect(index).toContain(`href="${stepPage(step)}"`);
    const html = readFileSync(join(out, stepPage(step)), 'utf8');
    expect(html).toContain(`npm run check ${step.number}`);
    for (const e of step.expectations)
      expect(html).toContain(
        e.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
      );
  }
  for (const guide of GUIDES) expect(existsSync(join(out, guidePage(guide)))).toBe(true);
  const highlighted = readdirSync(join(out, 'steps')).map((f) => readFileSync(join(out, 'steps', f), 'utf8'));
  expect(highlighted.some((html) => /<span class="hl-(keyword|string|comment)">/.test(html))).toBe(true);
  // Independent of the build's own check: every relative href/src exists.
  expect(findBrokenLinks(out)).toEqual([]);
});

it('fails on a broken relative link, naming the page and the target', () => {
  const docs = join(temp(), 'docs');
  cpSync(join(ROOT, 'docs'), docs, { recursive: true });
  writeFileSync(
    join(docs, 'troubleshooting.md'),
    `${readFileSync(join(docs, 'troubleshooting.md'), 'utf8')}\n[gone](missing-page.html)\n`,
  );
  let error: unknown;
  try {
    buildSite({ out: join(temp(), 'site'), docs });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toContain('troubleshooting.html: missing-page.html');
});

it('refuses to replace a non-empty folder that is not a docs build (`--out .` in a checkout)', () => {
  const checkout = join(temp(), 'checkout');
  mkdirSync(checkout);
  writeFileSync(join(checkout, 'precious.txt'), 'mine');
  expect(() => buildSite({ out: checkout })).toThrow(/is not empty and is not a previous docs build/);
  expect(readFileSync(join(checkout, 'precious.txt'), 'utf8')).toBe('mine');
  // A previous build (and an empty folder) are replaced.
  const site = join(temp(), 'site');
  buildSite({ out: site });
  writeFileSync(join(site, 'stale.html'), 'old');
  buildSite({ out: site });
  expect(existsSync(join(site, 'stale.html'))).toBe(false);
});

it('the diagrams are well-formed SVG, one per step', () => {
  for (const step of STEPS) {
    const svg = readFileSync(
      join(ROOT, `docs/diagrams/step-${String(step.number).padStart(2, '0')}.svg`),
      'utf8',
    );
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Balanced elements: every opening tag that isn't self-closed has its closing tag.
    const stack: string[] = [];
    for (const [, close, name, selfClosed] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (close) expect(stack.pop()).toBe(name);
      else if (!selfClosed) stack.push(name);
    }
    expect(stack).toEqual([]);
  }
});

it('renders Tip and Warning blockquotes as callouts', () => {
  expect(render('> **Warning:** never on http')).toContain(
    '<blockquote class="callout warning"><p><strong>Warning:</strong>',
  );
  expect(render('> **Tip:** try it')).toContain('class="callout tip"');
  expect(render('> a plain quote')).toContain('<blockquote>');
});

it("step 3's page has the tasks: the dashboard, the DEBUG/access-log exercise; its learn-more page the model", () => {
  const { out } = buildSite({ out: join(temp(), 'site') });
  const html = readFileSync(join(out, stepPage(STEPS[2])), 'utf8');
  for (const heading of [
    "TODO 6: find your stack in Traefik's dashboard",
    "Read Traefik's logs: DEBUG and the access log",
  ])
    expect(html).toContain(heading);
  // The exercise shows the flags, the log line's fields and Traefik's own error line.
  expect(html).toContain('--log.level=DEBUG');
  expect(html).toContain('"app@docker" "http://172.18.0.4:3000"');
  expect(html).toContain('unexpected number of parameters; got 2, expected one of [1]');
  expect(html).toContain('<img src="../screenshots/traefik-dashboard.png"');
  const more = readFileSync(join(out, learnMorePage(STEPS[2])), 'utf8');
  for (const heading of [
    'How Traefik thinks: entry points, routers, middlewares, services',
    'Two routers: <code>Host()</code> and priority',
    'Optional: TLS on <code>websecure</code>',
    'Optional: the same stack on Docker Swarm, for Traefik v3',
  ])
    expect(more).toContain(heading);
  // The diagram names the attendee's own objects.
  expect(more).toMatch(/router chat +Host\(`chat.localhost`\)/);
  // The solution the page describes has the second router.
  const compose = readFileSync(join(ROOT, 'solutions/03-compose-traefik/compose.yaml'), 'utf8');
  expect(compose).toContain('traefik.http.routers.chat.rule=Host(`chat.localhost`)');
});

it('every step leads with its tasks and ends with its learn-more page, which the site builds and links both ways', () => {
  const { out } = buildSite({ out: join(temp(), 'site') });
  const index = readFileSync(join(out, 'index.html'), 'utf8');
  for (const step of STEPS) {
    const readme = readFileSync(join(starterDir(step), 'README.md'), 'utf8');
    const path = `docs/learn-more/${String(step.number).padStart(2, '0')}-${step.slug}.md`;
    // Short enough to work from; the terminal renders it, so the learn-more page is named by its path.
    expect(readme.split('\n').length, `${step.slug}: README lines`).toBeLessThanOrEqual(110);
    expect(readme, step.slug).toContain('## Your tasks');
    expect(readme.trimEnd().split('\n').slice(-2).join(' '), step.slug).toContain(
      `[\`${path}\`](../../${path})`,
    );
    expect(existsSync(join(ROOT, path)), path).toBe(true);
    const page = readFileSync(join(out, stepPage(step)), 'utf8');
    expect(page).toContain(`href="../${learnMorePage(step)}"`);
    const more = readFileSync(join(out, learnMorePage(step)), 'utf8');
    expect(more).toContain(`href="../${stepPage(step)}"`);
    expect(index).toContain(`href="${learnMorePage(step)}"`);
  }
  expect(findBrokenLinks(out)).toEqual([]);
});

it('a link to another source file becomes a link to its page, keeping the anchor', () => {
  const pages = new Map([
    [join(ROOT, 'docs/learn-more/05-path-prefix.md'), 'learn-more/05-path-prefix.html'],
  ]);
  const source = join(starterDir(STEPS[4]), 'README.md');
  const html = render(
    '[more](../../docs/learn-more/05-path-prefix.md#tip) and [out](https://example.com/a.md)',
    '../',
    {
      source,
      pages,
    },
  );
  expect(html).toContain('<a href="../learn-more/05-path-prefix.html#tip">more</a>');
  expect(html).toContain('<a href="https://example.com/a.md">out</a>');
});
