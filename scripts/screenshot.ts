// npm run screenshot: the chat page of step 2's solution in Debian's Chromium, saved for the docs.
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { ROOT, STEPS, solutionDir } from './lib/steps.ts';
import { startInstances } from './lib/targets/rehearsal/instances.ts';
import { findExecutable } from './lib/tools.ts';

await main(async () => {
  parseCommandLine(
    { options: {} },
    {
      usage: 'npm run screenshot',
      summary:
        "The chat page of the first step with several instances, in Debian's Chromium, saved for the docs.",
    },
  );
  const executablePath = findExecutable('chromium') ?? findExecutable('chromium-browser');
  if (!executablePath) throw new UserError('No chromium on PATH.', 'sudo apt-get install chromium');
  // The first step with several instances: the page then shows chats from more than one.
  const step = STEPS.find((s) => s.flavour === 'instances');
  if (!step) throw new Error('the registry has no step with several instances');
  const env = await startInstances(solutionDir(step), {
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
    // Nicer with a chat from the other instance on it, but a screenshot without one is still right.
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
