// Every expectation of every step can fail on the attendee's files. The untouched starter proves it for
// the first expectation of each step (steps.test.ts); here each other expectation is made to fail, alone,
// by one realistic mistake in a copy of the solution, and must fail on that expectation and no earlier one.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { findStep, STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { removeTempHomes, tempHome } from './helpers/cli.ts';

afterAll(removeTempHomes);

interface Mistake {
  step: number;
  expectation: string;
  what: string;
  file: string;
  from: string;
  to: string;
}

/** One mistake per expectation not covered by a starter (steps.test.ts) or by step-mistakes.test.ts. */
const MISTAKES: Mistake[] = [
  {
    step: 1,
    expectation: 'starts',
    what: 'a syntax error',
    file: 'server.ts',
    from: 'const MAX_TEXT = 1000;',
    to: 'const MAX_TEXT = ;',
  },
  {
    step: 1,
    expectation: 'chat-ack',
    what: 'an ack without the instance',
    file: 'server.ts',
    from: 'answer({ ok: true, instance: INSTANCE });',
    to: 'answer({ ok: true });',
  },
  {
    step: 1,
    expectation: 'chat-broadcast',
    what: 'socket.broadcast instead of io.emit',
    file: 'server.ts',
    from: "io.emit('chat',",
    to: "socket.broadcast.emit('chat',",
  },
  {
    step: 1,
    expectation: 'chat-validation',
    what: 'no validation',
    file: 'server.ts',
    from: 'const error = invalid(payload);',
    to: 'const error = undefined as string | undefined;',
  },
  {
    step: 1,
    expectation: 'heartbeat',
    what: 'HEARTBEAT_MS ignored',
    file: 'server.ts',
    from: 'const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 5000);',
    to: 'const HEARTBEAT_MS = 5000;',
  },
  {
    step: 1,
    expectation: 'readyz',
    what: '/readyz never ready',
    file: 'server.ts',
    from: "return reply(res, 200, 'ready');",
    to: "return reply(res, 503, 'not ready');",
  },
  {
    step: 1,
    expectation: 'sigterm',
    what: 'no SIGTERM handler',
    file: 'server.ts',
    from: "process.once('SIGTERM',",
    to: "process.once('SIGUSR2',",
  },
  {
    step: 2,
    expectation: 'redis-outage',
    what: '/readyz ignoring Redis',
    file: 'server.ts',
    from: 'const redisReady = () => pub.isReady && sub.isReady;',
    to: 'const redisReady = () => true;',
  },
  {
    step: 3,
    expectation: 'page-through-router',
    what: 'a rule that misses the page',
    file: 'compose.yaml',
    from: 'rule=PathPrefix(`/`)',
    to: 'rule=PathPrefix(`/socket.io`)',
  },
  {
    step: 3,
    expectation: 'websocket-through-router',
    what: 'a server without WebSocket',
    file: 'server.ts',
    from: 'maxHttpBufferSize: 16 * 1024 }',
    to: "maxHttpBufferSize: 16 * 1024, transports: ['polling'] }",
  },
  {
    step: 4,
    expectation: 'sticky-long-polling',
    what: 'a sticky cookie that expires at once',
    file: 'k8s/ingressroute.yaml',
    from: '              sameSite: lax',
    to: '              sameSite: lax\n              maxAge: -1',
  },
  {
    step: 5,
    expectation: 'kubernetes-prefix',
    what: 'an IngressRoute that forgets the Middleware',
    file: 'k8s/ingressroute.yaml',
    from: '      middlewares:\n        - name: wsk-strip\n',
    to: '',
  },
  {
    step: 6,
    expectation: 'drill-sigkill-instance',
    what: 'instances that cap their connections, so the last one cannot take the others’ clients',
    file: 'server.ts',
    from: "io.on('connection', (socket) => {",
    to: "io.on('connection', (socket) => {\n  if (io.engine.clientsCount > 10) return void socket.disconnect(true);",
  },
];

it('every expectation is covered by a starter, a step-mistakes case or a mistake here', () => {
  const starters = STEPS.map((s) => `${s.number}:${s.starterFailsAt}`);
  const mistakes = readFileSync(join(import.meta.dirname, 'step-mistakes.test.ts'), 'utf8');
  const viaStepMistakes = [
    ...mistakes.matchAll(/findStep\((\d)\)[\s\S]*?failure\?\.id\)\.toBe\('([\w-]+)'\)/g),
  ].map((m) => `${m[1]}:${m[2]}`);
  const covered = new Set([
    ...starters,
    ...viaStepMistakes,
    ...MISTAKES.map((m) => `${m.step}:${m.expectation}`),
  ]);
  // An expectation shared by several steps is the same code: one step's proof covers it.
  const coveredIds = new Set([...covered].map((c) => c.split(':')[1]));
  const missing = STEPS.flatMap((s) => s.expectations.map((e) => e.id)).filter((id) => !coveredIds.has(id));
  expect(missing).toEqual([]);
});

it.each(MISTAKES.map((m) => [`step ${m.step} ${m.expectation}: ${m.what}`, m] as const))(
  '%s',
  async (_, mistake) => {
    const step = findStep(mistake.step);
    const dir = join(mkdtempSync(join(tempHome(), 'bite-')), 'dir');
    cpSync(solutionDir(step), dir, { recursive: true });
    const path = join(dir, mistake.file);
    const original = readFileSync(path, 'utf8');
    expect(original, `the solution's ${mistake.file} must contain the text to change`).toContain(
      mistake.from,
    );
    writeFileSync(path, original.replace(mistake.from, mistake.to));
    const result = await runStep(step, dir);
    expect(result.failure?.id, result.failure?.message).toBe(mistake.expectation);
    expect(result.failure?.message).toBeTruthy();
  },
  90_000,
);

it('step 2 redis-outage: an instance that dies when Redis goes away is named as crashed', async () => {
  const step = findStep(2);
  const dir = join(mkdtempSync(join(tempHome(), 'bite-')), 'dir');
  cpSync(solutionDir(step), dir, { recursive: true });
  const path = join(dir, 'server.ts');
  const listener =
    "  client.on('error', (err: Error) => console.error(`[${INSTANCE}] redis ${name}: ${err.message}`));\n";
  const original = readFileSync(path, 'utf8');
  expect(original).toContain(listener);
  // "Exit and let something restart me": nothing restarts a local instance, and Redis comes back alone.
  writeFileSync(path, original.replace(listener, "  client.on('error', () => process.exit(1));\n"));
  const result = await runStep(step, dir);
  expect(result.failure?.id, result.failure?.message).toBe('redis-outage');
  expect(result.failure?.message).toMatch(/^instance-\d crashed when Redis went away/);
}, 90_000);
