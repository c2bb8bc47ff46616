// The docs site read on a phone (390 px) and a laptop (1280 px), in Debian's Chromium: no page is wider
// than the screen (wide tables and code scroll inside their own box, long words wrap), and each page is
// screenshot so that a failure can be looked at. Also: issue references and guide mentions are links.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSite, render } from '../scripts/lib/docs/site.ts';
import { launchChromium } from './helpers/browser.ts';
import { IN_CI, itWith, lacking } from './helpers/needs.ts';

const missing = await lacking('chromium');
const runs = missing.length === 0 || IN_CI;
const out = join(mkdtempSync(join(tmpdir(), 'wsk-docs-layout-')), 'site');
const shots = mkdtempSync(join(tmpdir(), 'wsk-docs-shots-'));
let pages: string[] = [];
let browser: Browser;

beforeAll(async () => {
  pages = buildSite({ out }).pages;
  if (runs) browser = await launchChromium();
}, 60_000);
let failed = false;
afterAll(async () => {
  await browser?.close();
  // The screenshots are kept only when a test failed: they are what to look at then.
  if (!failed) rmSync(shots, { recursive: true, force: true });
});

/** Elements whose right edge passes the viewport, outside any box that scrolls sideways. */
const OVERFLOWING = () => {
  const scrolls = (el: Element | null): boolean => {
    for (let e = el?.parentElement; e; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (x === 'auto' || x === 'scroll') return true;
    }
    return false;
  };
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('main *, header *')]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !scrolls(e))
    .map((e) => `${e.tagName.toLowerCase()}: ${(e.textContent ?? '').slice(0, 60)}`);
  return { pageWidth: document.documentElement.scrollWidth, width, wide };
};

for (const width of [390, 1280]) {
  itWith(
    missing,
    `every page fits ${width} px: wide tables and code scroll in their box, long words wrap`,
    async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      for (const path of pages) {
        await page.goto(pathToFileURL(join(out, path)).href);
        const shot = join(shots, `${width}-${path.replace(/\W+/g, '-')}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size, shot).toBeGreaterThan(1_000);
        const layout = await page.evaluate(OVERFLOWING);
        failed ||= layout.wide.length > 0 || layout.pageWidth !== layout.width;
        expect(layout.wide, `${path} at ${width} px (screenshot: ${shot})`).toEqual([]);
        expect(layout.pageWidth, `${path} scrolls sideways at ${width} px (screenshot: ${shot})`).toBe(
          layout.width,
        );
      }
      await context.close();
    },
    120_000,
  );
}

it('upstream issue references and guide mentions are links', () => {
  const html = render(
    'See traefik/traefik#3926, kind#328 and socketio/socket.io#4881; the figures are in `docs/load-figures.md`. Not `kind#1` in code, nor [a link](https://example.com/x#12).',
    '../',
  );
  expect(html).toContain('<a href="https://github.com/traefik/traefik/issues/3926">traefik/traefik#3926</a>');
  expect(html).toContain('<a href="https://github.com/kubernetes-sigs/kind/issues/328">kind#328</a>');
  expect(html).toContain(
    '<a href="https://github.com/socketio/socket.io/issues/4881">socketio/socket.io#4881</a>',
  );
  expect(html).toContain('<a href="../load-figures.html"><code>docs/load-figures.md</code></a>');
  expect(html).toContain('<code>kind#1</code>');
  expect(html).toContain('<a href="https://example.com/x#12">a link</a>');
  // And in the built site: the troubleshooting guide links its references.
  expect(readFileSync(join(out, 'troubleshooting.html'), 'utf8')).toContain(
    'href="https://github.com/kubernetes-sigs/kind/issues/328"',
  );
});
