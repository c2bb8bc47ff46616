// The system view in a real browser, on the step-3 rehearsal that `--start` runs: clients counted by the
// instance that holds them, a SIGKILL drill (run by `npm run drill` on that very --start) seen as it
// happens, and a Redis restart seen down and back.

import type { Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { PORT_LAYOUT, PORT_RANGE } from '../scripts/lib/ports.ts';
import { launchChromium } from './helpers/browser.ts';
import { layoutBase, runCli, startCli, tempHome } from './helpers/cli.ts';
import { itWith, lacking } from './helpers/needs.ts';

const missing = await lacking('chromium');
const HOLD_OUT = 9;

/** What the page shows of each instance: its state and the clients it holds. */
const picture = (page: Page): Promise<Record<string, string>> =>
  page.$$eval('.instance', (boxes) =>
    Object.fromEntries(
      boxes.map((b) => [
        (b as HTMLElement).dataset.instance,
        `${(b as HTMLElement).dataset.state} ${(b as HTMLElement).dataset.clients}`,
      ]),
    ),
  );

/** Polls the page until `want` holds (bounded), then returns what it showed; the last picture when not. */
async function pictureUntil(page: Page, want: (p: Record<string, string>) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = await picture(page);
  while (!want(last) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    last = await picture(page);
  }
  return last;
}

itWith(
  missing,
  'shows 3 instances and their clients, a SIGKILL drill moving them, and Redis down and back',
  async () => {
    const home = tempHome();
    expect((await runCli('solve.ts', ['3', '--yes'], { WORKSHOP_HOME: home })).code).toBe(0);
    const port = await layoutBase(PORT_RANGE);
    const run = startCli('step.ts', ['3', '--start', '--target', 'rehearsal'], {
      WORKSHOP_HOME: home,
      PORT: String(port),
    });
    const clients: { socket: Socket; instance?: string }[] = [];
    const browser = await launchChromium();
    try {
      await run.waitForOutput('Ctrl-C stops everything', 90_000);
      const url = /^system view {2}(\S+)/m.exec(run.output())?.[1];
      expect(url).toBe(`http://localhost:${port + PORT_LAYOUT.systemView.offset}/`);

      // Hold-out clients through Traefik; each knows its instance from its last welcome.
      for (let i = 0; i < HOLD_OUT; i++) {
        const client: { socket: Socket; instance?: string } = {
          socket: io(`http://127.0.0.1:${port}`, { transports: ['websocket'] }),
        };
        client.socket.on('welcome', (w: { instance: string }) => {
          client.instance = w.instance;
        });
        clients.push(client);
      }
      const held = () => {
        const counts: Record<string, number> = {};
        for (const c of clients)
          if (c.socket.connected && c.instance) counts[c.instance] = (counts[c.instance] ?? 0) + 1;
        return counts;
      };
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(url as string);
      const shows = (p: Record<string, string>) => {
        const counts = held();
        const up = Object.entries(p).filter(([, v]) => v.startsWith('up '));
        return (
          Object.values(counts).reduce((a, b) => a + b, 0) === HOLD_OUT &&
          up.every(([id, v]) => v === `up ${counts[id] ?? 0}`)
        );
      };
      const before = await pictureUntil(page, (p) => Object.keys(p).length === 3 && shows(p), 15_000);
      expect(Object.keys(before).sort()).toEqual(['app-1', 'app-2', 'app-3']);
      expect(shows(before), JSON.stringify({ page: before, clients: held() })).toBe(true);
      // A laptop's and a projector's screen: all of it in view, nothing sideways, text a room can read.
      for (const viewport of [
        { width: 1280, height: 720 },
        { width: 1920, height: 1080 },
      ]) {
        await page.setViewportSize(viewport);
        const fit = await page.evaluate(() => ({
          wide: document.documentElement.scrollWidth > innerWidth,
          tall: document.documentElement.scrollHeight > innerHeight,
          smallest: Math.min(
            ...[...document.querySelectorAll('.instance strong, #routing div, #events li')].map((e) =>
              Number.parseFloat(getComputedStyle(e).fontSize),
            ),
          ),
        }));
        expect(fit, `${viewport.width}×${viewport.height}`).toMatchObject({ wide: false, tall: false });
        expect(fit.smallest, `${viewport.width}×${viewport.height}`).toBeGreaterThanOrEqual(13);
      }
      // It keeps redrawing: three more frames arrive (at two a second, within a bounded wait).
      const tick = Number(await page.getAttribute('#status', 'data-tick'));
      await page.waitForFunction(
        (t) => Number(document.getElementById('status')?.dataset.tick) >= t + 3,
        tick,
        {
          timeout: 5_000,
        },
      );

      // The blog's host needs no DNS in a browser: Chromium takes any *.localhost to this machine, and
      // step 3's Host(`chat.localhost`) router serves the page (claim T6).
      const chat = await browser.newPage();
      await chat.goto(`http://chat.localhost:${port}/`);
      await chat.locator('#status.connected').waitFor({ timeout: 10_000 });
      // Closed once on WebSocket, whose end its server sees at once: a tab closed mid long-poll stays a
      // client of its instance until the ping timeout, and would count among the clients below.
      await chat.locator('#transports', { hasText: 'websocket' }).waitFor({ timeout: 10_000 });
      await chat.close();

      // Only `npm run drill` (it reads the token from --start's note) drills: a web page cannot.
      const forged = await fetch(new URL('drill/sigkill-instance', url as string), { method: 'POST' });
      expect(forged.status).toBe(403);

      const drill = await runCli(
        'drill.ts',
        ['sigkill-instance', '--step', '3'],
        { WORKSHOP_HOME: home },
        90_000,
      );
      expect(drill.stderr).toMatch(/Drilling the step 3 --start running here/);
      expect(drill.code, drill.stdout + drill.stderr).toBe(0);
      const killed = /SIGKILL to (app-\d)/.exec(drill.stdout)?.[1] as string;
      // The rehearsal's drill bound (15 s) covers the clients' way back; the same total, on the two left.
      const after = await pictureUntil(
        page,
        (p) => p[killed]?.startsWith('down') && Object.keys(p).length === 3 && shows(p),
        15_000,
      );
      expect(after[killed], JSON.stringify(after)).toMatch(/^down/);
      expect(Object.values(after).filter((v) => v.startsWith('up '))).toHaveLength(2);
      expect(shows(after), JSON.stringify({ page: after, clients: held() })).toBe(true);
      expect(await page.textContent('#clients')).toBe(String(HOLD_OUT));
      await page.locator('#events li', { hasText: `${killed} down` }).waitFor({ timeout: 5_000 });

      const redis = await runCli(
        'drill.ts',
        ['restart-redis', '--step', '3'],
        { WORKSHOP_HOME: home },
        90_000,
      );
      expect(redis.code, redis.stdout + redis.stderr).toBe(0);
      // A restart is quicker than a frame: the view's own connection saw it drop, and says both.
      await page.locator('#events li', { hasText: 'redis down' }).waitFor({ timeout: 10_000 });
      await page.locator('#events li', { hasText: 'redis up' }).waitFor({ timeout: 10_000 });
      await page.locator('#redis[data-state=up]').waitFor({ timeout: 10_000 });
    } finally {
      for (const c of clients) c.socket.close();
      await browser.close();
      run.child.kill('SIGTERM');
      await run.exited;
    }
  },
  240_000,
);
