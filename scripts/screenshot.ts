// npm run screenshot: the chat page of step 2's solution in Debian's Chromium, saved for the docs.
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startInstances } from './lib/environments/local.ts';
import { main, UserError } from './lib/errors.ts';
import { stopAllOnExit } from './lib/processes.ts';
import { ROOT, STEPS, solutionDir } from './lib/steps.ts';
import { findExecutable } from './lib/tools.ts';

await main(async () => {
  const executablePath = findExecutable('chromium') ?? findExecutable('chromium-browser');
  if (!executablePath) throw new UserError('No chromium on PATH.', 'sudo apt-get install chromium');
  stopAllOnExit();
  const env = await startInstances(solutionDir(STEPS[1]), {
    port: 0,
    count: 2,
    redis: true,
    heartbeatMs: 1_000,
  });
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
    await page.goto(env.instances[0].url);
    await page.locator('#status.connected').waitFor();
    for (const text of ['hello from instance-1', 'scaling out, one step at a time']) {
      await page.fill('#text', text);
      await page.click('button[type=submit]');
      await page.getByText(text).waitFor();
    }
    await page
      .getByText(/^instance-2:/)
      .waitFor({ timeout: 5_000 })
      .catch(() => {});
    const out = join(ROOT, 'docs/screenshots/chat.png');
    await page.screenshot({ path: out });
    console.log(`Saved ${out}`);
  } finally {
    await browser.close();
    await env.stop();
  }
});
