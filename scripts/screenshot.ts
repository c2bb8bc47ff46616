// npm run screenshot: the chat page of step 2's solution and the system view of step 3's, in Debian's
// Chromium, saved for the docs.
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { findStep, ROOT, STEPS, solutionDir } from './lib/steps.ts';
import { startSystemView } from './lib/system-view/server.ts';
import { rehearsal } from './lib/targets/rehearsal/index.ts';
import { startInstances } from './lib/targets/rehearsal/instances.ts';
import { findExecutable } from './lib/tools.ts';

await main(async () => {
  parseCommandLine(
    { options: {} },
    {
      usage: 'npm run screenshot',
      summary:
        "The chat page of step 2 and the system view of step 3, in Debian's Chromium, saved for the docs.",
    },
  );
  const executablePath = findExecutable('chromium') ?? findExecutable('chromium-browser');
  if (!executablePath) throw new UserError('No chromium on PATH.', 'sudo apt-get install chromium');
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
    await chatPage(browser);
    await systemView(browser);
  } finally {
    await browser.close();
  }
});

/** Step 2's chat page with two instances: chats from more than one. */
async function chatPage(browser: Browser) {
  // The first step with several instances: the page then shows chats from more than one.
  const step = STEPS.find((s) => s.flavour === 'instances');
  if (!step) throw new Error('the registry has no step with several instances');
  const env = await startInstances(solutionDir(step), {
    port: 0,
    count: 2,
    redis: true,
    heartbeatMs: 1_000,
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
    await save(page, 'chat.png');
  } finally {
    await env.stop();
  }
}

/**
 * The system view of step 3's rehearsal at a projector's 1280×720, just after a SIGKILL: nine clients, two
 * instances holding them, the third down, chats flowing through Redis.
 */
async function systemView(browser: Browser) {
  const step = findStep('3');
  const env = await rehearsal.start(step, solutionDir(step), { port: 0 });
  const view = await startSystemView(env, {
    port: 0,
    title: `Step ${step.number}: ${step.title} (rehearsal)`,
    step: step.number,
    target: 'rehearsal',
    drillable: false,
  });
  const clients = Array.from({ length: 9 }, () => io(env.entries[0], { transports: ['websocket'] }));
  const chats = setInterval(() => clients.find((c) => c.connected)?.emit('chat', { text: 'hello' }), 100);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(view.url);
    await page.locator('#clients', { hasText: '9' }).waitFor({ timeout: 15_000 });
    await env.drills['sigkill-instance']('app-3');
    await page.locator('.instance[data-instance="app-3"][data-state="down"]').waitFor({ timeout: 15_000 });
    // Every client back, on the two left; then a few frames, for the rates.
    await page.waitForFunction(
      () =>
        document.getElementById('clients')?.textContent === '9' &&
        document.querySelectorAll('.instance[data-state="up"]').length === 2,
      undefined,
      { timeout: 15_000 },
    );
    await page.waitForFunction(() => Number(document.getElementById('status')?.dataset.tick) > 8);
    await save(page, 'system-view.png');
  } finally {
    clearInterval(chats);
    for (const c of clients) c.close();
    await view.stop();
    await env.stop();
  }
}

async function save(page: Page, name: string) {
  const out = join(ROOT, 'docs/screenshots', name);
  await page.screenshot({ path: out });
  console.log(`Saved ${out}`);
}
