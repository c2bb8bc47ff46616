// The chat page in a real browser: it shows this tab's instance and transport (polling, then the upgrade
// to WebSocket), what it can know about the sticky cookie, heartbeats per instance on a timeline, chats,
// and the loss and reconnection when its instance is killed; a refused chat is said on the page, never in an
// alert(); step 7's page shows a chat once when a replay brings it again. CI installs Debian's chromium,
// so there it must run.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { connectClient, sendChat } from '../scripts/lib/checks/clients.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { startInstances } from '../scripts/lib/targets/rehearsal/instances.ts';
import { launchChromium } from './helpers/browser.ts';
import { IN_CI, itWith, lacking } from './helpers/needs.ts';

const missing = await lacking('chromium');
const runs = missing.length === 0 || IN_CI;
let env: Environment;
let browser: Browser;

beforeAll(async () => {
  if (!runs) return;
  // Fast heartbeats, so that both instances' lanes fill within the test's bounds.
  env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 2, redis: true, heartbeatMs: 300 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

const text = async (page: Page, selector: string) => (await page.textContent(selector)) ?? '';

itWith(
  missing,
  'shows its instance, the transport upgrade, the cookie it can see, heartbeats per instance, and chats',
  async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(env.instances[0].url);
    await page.locator('#status.connected').waitFor({ timeout: 10_000 });
    expect(await text(page, 'p:has(#status)')).toMatch(/^connected to instance-1 \((polling|websocket)\)$/);
    expect(await text(page, '#tab')).toMatch(/^instance-1, socket \S+$/);
    // Browsers start on long-polling and upgrade: the page shows both, in that order.
    await page.locator('#transports', { hasText: 'polling → websocket' }).waitFor({ timeout: 10_000 });
    // The upgrade can land before the welcome (then the page does not know the instance yet).
    await page.getByText(/upgraded to websocket( \(still instance-1\))?$/).waitFor({ timeout: 5_000 });
    // No balancer here, so no cookie; the page says what it can't see rather than inventing it.
    expect(await text(page, '#cookie')).toMatch(/none visible to this page.*httpOnly/);
    // Heartbeats of both instances reach this tab (through Redis), each on its own lane.
    for (const instance of ['instance-1', 'instance-2'])
      await page
        .locator(`.lane[data-instance="${instance}"] .track i`)
        .nth(1)
        .waitFor({ state: 'attached', timeout: 5_000 });

    // Only spaces: the server refuses it, and the page says so beside the form, not in an alert().
    await page.fill('#text', '   ');
    await page.click('button[type=submit]');
    await page.locator('#error:not([hidden])').waitFor({ timeout: 5_000 });
    expect(await text(page, '#error')).toBe('Not sent: text must be a non-empty string');
    expect(dialogs).toEqual([]);

    await page.fill('#text', 'hello from the browser');
    await page.click('button[type=submit]');
    await page.getByText('[instance-1] hello from the browser').waitFor({ timeout: 5_000 });
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  },
  60_000,
);

itWith(
  missing,
  'shows a cookie that scripts may read, by name and value',
  async () => {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'wsk_sticky', value: 'e75c815bc684cffa', url: env.instances[0].url }]);
    const page = await context.newPage();
    await page.goto(env.instances[0].url);
    await page.locator('#status.connected').waitFor({ timeout: 10_000 });
    expect(await text(page, '#cookie')).toBe('wsk_sticky=e75c815bc684cffa');
    await context.close();
  },
  30_000,
);

itWith(
  missing,
  'shows the loss and the reconnection when its instance is killed',
  async () => {
    const page = await browser.newPage();
    await page.goto(env.instances[0].url);
    await page.locator('#status.connected').waitFor({ timeout: 10_000 });

    const instance = env.instances[0];
    await instance.process.stop({ signal: 'SIGKILL' });
    await page.locator('#status.disconnected').waitFor({ timeout: 10_000 });
    // The line reads as a sentence in every state: never "Connected to disconnected: …".
    expect(await text(page, 'p:has(#status)')).toMatch(/^disconnected: /);
    await page.locator('#events li.lost', { hasText: 'lost the connection to instance-1' }).waitFor();
    // No router in front here: the tab can only come back to the same address, so bring it back.
    await instance.restart();
    await page
      .getByText(/reconnected to instance-1 over \w+, \d+ ms after the loss/)
      .waitFor({ timeout: 15_000 });
    expect(await text(page, '#status')).toBe('connected to instance-1');
    await page.close();
  },
  60_000,
);

itWith(
  missing,
  'step 5: /wsk without its trailing slash goes to /wsk/ and connects, not "connecting…" for ever',
  async () => {
    const step5 = await startInstances(solutionDir(STEPS[4]), { port: 0, count: 1, redis: true });
    const page = await browser.newPage();
    try {
      const origin = new URL(step5.instances[0].url).origin;
      // StripPrefix, played by the browser: /wsk/… goes to the app as /… (HTTP only: WebSocket stays off).
      await page.route(
        (url) => url.origin === origin && url.pathname.startsWith('/wsk'),
        (route) => {
          const url = new URL(route.request().url());
          url.pathname = url.pathname.slice('/wsk'.length) || '/';
          return route.continue({ url: url.href });
        },
      );
      await page.goto(`${origin}/wsk`);
      await page.locator('#status.connected').waitFor({ timeout: 10_000 });
      expect(new URL(page.url()).pathname).toBe('/wsk/');
    } finally {
      await page.close();
      await step5.stop();
    }
  },
  60_000,
);

itWith(
  missing,
  "step 7: a chat sent while the tab was away arrives with the replay, and again from the server's own: shown once",
  async () => {
    const step7 = await startInstances(solutionDir(STEPS[6]), { port: 0, count: 1, redis: true });
    const page = await browser.newPage();
    const sender = await connectClient(step7.instances[0].url, { transport: 'websocket' });
    try {
      // The page counts what it receives, copies included, before its own handler drops them.
      await page.addInitScript(() => {
        (window as unknown as { arrivals: string[] }).arrivals = [];
      });
      await page.goto(step7.instances[0].url);
      await page.locator('#status.connected').waitFor({ timeout: 10_000 });
      // The page's script is a classic one: its top-level `socket` is a global binding, reachable by name.
      await page.evaluate("socket.on('chat', (m) => window.arrivals.push(m.text))");
      // A first chat gives the tab a stream offset to come back with.
      await sendChat(sender, { text: 'before', id: 'browser-before' });
      await page.getByText('] before').waitFor({ timeout: 5_000 });
      const away = page.waitForFunction(() => document.querySelector('#status.disconnected') !== null);
      await page.evaluate('socket.io.engine.close()');
      await away;
      await sendChat(sender, { text: 'while away', id: 'browser-while-away' });
      await page.getByText('] while away').waitFor({ timeout: 10_000 });
      // Both replays have arrived once the copy is counted: the tab shows the chat once all the same.
      await page.waitForFunction(
        () =>
          (window as unknown as { arrivals: string[] }).arrivals.filter((t) => t === 'while away').length >=
          2,
        undefined,
        { timeout: 5_000 },
      );
      expect(await page.locator('#messages li', { hasText: 'while away' }).count()).toBe(1);
    } finally {
      sender.close();
      await page.close();
      await step7.stop();
    }
  },
  60_000,
);
