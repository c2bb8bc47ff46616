// A browser closed in the middle of a long-poll or of a WebSocket kills nothing: Traefik, the step's demo
// routers and the instances all keep serving the next client (the home-made router used to die on the
// EPIPE/ECONNRESET of a closing Chromium tab).

import { expect } from 'vitest';
import { connectClient } from '../scripts/lib/checks/clients.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { startStep } from '../scripts/lib/targets/index.ts';
import { startDemoBalancers } from '../scripts/lib/targets/rehearsal/demo-balancers.ts';
import { startInstances } from '../scripts/lib/targets/rehearsal/instances.ts';
import type { TraefikView } from '../scripts/lib/traefik-run/process.ts';
import { launchChromium } from './helpers/browser.ts';
import { itWith, lacking } from './helpers/needs.ts';

/** The rehearsal's Traefik is a process of this test's: its binary, its output. */
const localTraefik = (env: { traefik?: unknown }) => env.traefik as TraefikView | undefined;

const missing = await lacking('chromium');

/**
 * Opens the page through `url`, waits until it is connected (and upgraded, for `websocket`), then kills the
 * browser. `attempt`: only until its first socket.io request was answered (the round robin never connects a
 * browser, which starts on long-polling: that is step 2's lesson).
 */
async function closeMidConnection(url: string, transport: 'polling' | 'websocket' | 'attempt') {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const answered = page.waitForResponse((r) => r.url().includes('/socket.io/?'), { timeout: 10_000 });
  await page.goto(url);
  await answered;
  // A tab starts on long-polling: right after it connects, a long-poll is open through the router.
  if (transport !== 'attempt') await page.locator('#status.connected').waitFor({ timeout: 10_000 });
  if (transport === 'websocket')
    await page.locator('#transports', { hasText: 'websocket' }).waitFor({ timeout: 10_000 });
  await browser.close();
}

itWith(
  missing,
  'closing Chromium mid long-poll and mid WebSocket, through the step 3 rehearsal and step 2’s routers',
  async () => {
    const step3 = await startStep(findStep(3), solutionDir(findStep(3)), { port: 0, target: 'rehearsal' });
    const step2 = await startInstances(solutionDir(findStep(2)), { port: 0, count: 3, redis: true });
    const routers = await startDemoBalancers(step2);
    try {
      const cases = [
        ...[step3.entries[0], routers.sticky.url].flatMap((url) =>
          (['polling', 'websocket'] as const).map((transport) => ({ url, transport })),
        ),
        { url: routers.roundRobin.url, transport: 'attempt' as const },
      ];
      for (const { url, transport } of cases) {
        await closeMidConnection(url, transport);
        const next = await connectClient(url, { transport: 'websocket' });
        expect(next.welcome.instance).toBeTruthy();
        next.close();
      }
      for (const p of [
        localTraefik(step3)?.process,
        routers.traefik.process,
        ...step2.instances.map((i) => i.process),
      ])
        expect(p?.running()).toBe(true);
      for (const i of step3.instances) expect(i.process.running()).toBe(true);
    } finally {
      await routers.close();
      await step2.stop();
      await step3.stop();
    }
  },
  90_000,
);
