// The instructor's room with several attendees reporting at once, what it refuses, its JSON, the live
// page's feed, and the real `check --report` sending to it.

import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRoomServer, MAX_ATTENDEES, readBody, TooLarge } from '../scripts/lib/room/server.ts';
import { STEPS } from '../scripts/lib/steps.ts';
import { ROOT, removeTempHomes, runCli, tempHome } from './helpers/cli.ts';

let room: Awaited<ReturnType<typeof createRoomServer>>;
let base: string;

beforeAll(async () => {
  room = await createRoomServer({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${room.port}`;
});
afterAll(async () => {
  await room.close();
  removeTempHomes();
});

const post = (body: unknown, contentType = 'application/json') =>
  fetch(`${base}/api/report`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const result = (step: number, ok: boolean) => ({
  step,
  slug: 'x',
  title: 'x',
  ok,
  ms: 1,
  expectations: [],
  ...(ok
    ? {}
    : {
        failure: {
          id: 'welcome',
          title: 'a welcome',
          message: '<img src=x onerror=alert(1)>',
          hint: 'emit welcome',
          status: 'fail',
          ms: 1,
        },
      }),
});

it('takes many attendees at once and shows them live, as data', async () => {
  const page: Socket = io(base, { transports: ['websocket'] });
  const seen = new Promise<{ attendees: { name: string }[] }>((resolve) =>
    page.on('room', (r: { attendees: { name: string }[] }) => {
      if (r.attendees.length === 20) resolve(r);
    }),
  );
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post({ name: `Attendee ${i}`, results: [result(1, true), result(2, i % 2 === 0)] }),
    ),
  );
  expect(answers.every((a) => a.status === 200)).toBe(true);
  expect((await seen).attendees).toHaveLength(20);
  page.close();

  const json = await (await fetch(`${base}/api/room`)).json();
  expect(json.steps.map((s: { number: number }) => s.number)).toEqual(STEPS.map((s) => s.number));
  const one = json.attendees.find((a: { name: string }) => a.name === 'Attendee 1');
  expect(one.steps['2']).toEqual({
    ok: false,
    failure: {
      id: 'welcome',
      title: 'a welcome',
      message: '<img src=x onerror=alert(1)>',
      hint: 'emit welcome',
    },
  });
  // The page builds its table with textContent: attendee text is never parsed as HTML.
  const html = await (await fetch(base)).text();
  expect(html).toContain('textContent');
  expect(html).not.toContain('innerHTML');
});

it.each([
  ['a bad name', { name: '<script>', results: [] }, 400, /name/],
  ['an empty name', { name: '', results: [] }, 400, /name/],
  ['an unknown step', { name: 'Ada', results: [result(99, true)] }, 400, /unknown step 99/],
  ['results that are not an array', { name: 'Ada', results: 'all good' }, 400, /results/],
  ['a non-boolean ok', { name: 'Ada', results: [{ step: 1, ok: 'yes' }] }, 400, /ok must be/],
])('refuses %s', async (_, body, status, message) => {
  const res = await post(body);
  expect(res.status).toBe(status);
  expect((await res.json()).error).toMatch(message);
});

it('refuses non-JSON, oversize bodies and floods', async () => {
  expect((await post('name=Ada', 'application/x-www-form-urlencoded')).status).toBe(415);
  expect((await post('{not json')).status).toBe(400);
  expect((await post({ name: 'Big', results: [], pad: 'x'.repeat(70_000) })).status).toBe(413);
  expect((await post({ name: 'Quick', results: [] })).status).toBe(200);
  expect((await post({ name: 'Quick', results: [] })).status).toBe(429);
});

it(`holds at most ${MAX_ATTENDEES} attendees`, async () => {
  const full = await createRoomServer({ port: 0, host: '127.0.0.1' });
  const at = `http://127.0.0.1:${full.port}/api/report`;
  const send = (name: string) =>
    fetch(at, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, results: [] }),
    });
  for (let i = 0; i < MAX_ATTENDEES; i += 50)
    await Promise.all(Array.from({ length: 50 }, (_, j) => send(`A${i + j}`)));
  const over = await send('One Too Many');
  expect(over.status).toBe(507);
  await full.close();
});

it('npm run check -- --report sends the real results to the room', async () => {
  const { code, stderr } = await runCli(
    'check.ts',
    ['1', '--dir', `${ROOT}solutions/01-single-server`, '--report', base, '--name', 'Grace'],
    { WORKSHOP_HOME: tempHome() },
  );
  expect(code).toBe(0);
  expect(stderr).toMatch(/Reported to .* as Grace/);
  const json = await (await fetch(`${base}/api/room`)).json();
  expect(json.attendees.find((a: { name: string }) => a.name === 'Grace').steps['1']).toEqual({ ok: true });
}, 60_000);

it('answers 413 only for a body over the limit, and a broken upload as 400 (by cause)', async () => {
  // A stream stands in for the request: readBody only reads its events.
  const request = () => new PassThrough() as unknown as IncomingMessage;
  const big = request();
  const tooLarge = readBody(big).catch((err) => err);
  (big as unknown as NodeJS.WritableStream).end(Buffer.alloc(70_000));
  expect(await tooLarge).toBeInstanceOf(TooLarge);
  const broken = request();
  const failed = readBody(broken).catch((err) => err);
  broken.emit('error', new Error('socket hang up'));
  const err = await failed;
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(TooLarge);
});

it("links to the system views of the steps running on the instructor's machine", async () => {
  const views = [{ step: 3, target: 'rehearsal', url: 'http://localhost:3033/' }];
  const linked = await createRoomServer({ port: 0, host: '127.0.0.1', views: () => views });
  try {
    const at = `http://127.0.0.1:${linked.port}`;
    expect(((await (await fetch(`${at}/api/room`)).json()) as { views: unknown }).views).toEqual(views);
    const page = await (await fetch(at)).text();
    expect(page).toContain('<p id="views">');
    expect(page).toContain("'System view on this machine: '");
  } finally {
    await linked.close();
  }
});
