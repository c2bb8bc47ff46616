// The chat page in a real browser: it connects and shows its instance, sends a chat and sees it, says
// a refused chat on the page (no dialog), and reconnects by itself after its instance restarts. CI installs Debian's chromium, so there it must run.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInstances } from '../scripts/lib/environments/local.ts';
import type { Environment } from '../scripts/lib/environments/types.ts';
import { STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { CHROMIUM, launchChromium } from './helpers/browser.ts';

const runs = Boolean(CHROMIUM) || Boolean(process.env.CI);
let env: Environment;
let browser: Browser;

beforeAll(async () => {
  if (!runs) return;
  env = await startInstances(solutionDir(STEPS[1]), { port: 0, count: 2, redis: true });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

it.skipIf(!runs)(
  'connects, chats, and reconnects after its instance restarts',
  async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(env.instances[0].url);
    await page.locator('#status.connected').waitFor({ timeout: 10_000 });
    expect(await page.textContent('p:has(#status)')).toMatch(
      /^connected to instance-1 \((polling|websocket)\)$/,
    );

    // Only spaces: the server refuses it, and the page says so beside the form, not in an alert().
    await page.fill('#text', '   ');
    await page.click('button[type=submit]');
    await page.locator('#error:not([hidden])').waitFor({ timeout: 5_000 });
    expect(await page.textContent('#error')).toBe('Not sent: text must be a non-empty string');
    expect(dialogs).toEqual([]);

    await page.fill('#text', 'hello from the browser');
    await page.click('button[type=submit]');
    await page.getByText('[instance-1] hello from the browser').waitFor({ timeout: 5_000 });
    expect(await page.isHidden('#error')).toBe(true);

    const disconnected = page.locator('#status.disconnected').waitFor({ timeout: 10_000 });
    const restart = env.instances[0].restart();
    await disconnected;
    // The line reads as a sentence in every state: never "Connected to disconnected: …".
    expect(await page.textContent('p:has(#status)')).toMatch(/^disconnected: /);
    await restart;
    await page.locator('#status.connected').waitFor({ timeout: 15_000 });
    expect(await page.textContent('#status')).toBe('connected to instance-1');
  },
  60_000,
);
