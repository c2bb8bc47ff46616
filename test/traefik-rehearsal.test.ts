// The rehearsal's router is the real Traefik at the pinned version, running the attendee's own flags and
// routing: what listens on the entry port is that binary, StripPrefix, dot segments, WebSocket upgrades, the
// access and DEBUG logs and a live label edit all come from Traefik itself.
import { cpSync, readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient } from '../scripts/lib/checks/clients.ts';
import { runStep } from '../scripts/lib/checks/runner.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import { waitFor } from '../scripts/lib/processes.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { startStep } from '../scripts/lib/targets/index.ts';
import { TRAEFIK_VERSION } from '../scripts/lib/traefik/version.ts';
import type { TraefikView } from '../scripts/lib/traefik-run/process.ts';
import { removeTempHomes, tempHome } from './helpers/cli.ts';

/** The rehearsal's Traefik is a process of this test's: its binary, its output. */
const localTraefik = (env: { traefik?: unknown }) => env.traefik as TraefikView | undefined;

afterAll(removeTempHomes);

/** A copy of a step's solution, edited by `edit` (compose.yaml text in, text out). */
function solutionCopy(step: number, edit: (compose: string) => string = (t) => t): string {
  const dir = join(tempHome(), 'step');
  cpSync(solutionDir(findStep(step)), dir, { recursive: true });
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  return dir;
}

async function withStep<T>(step: number, dir: string, run: (env: Environment) => Promise<T>): Promise<T> {
  const env = await startStep(findStep(step), dir, { port: 0, target: 'rehearsal' });
  try {
    return await run(env);
  } finally {
    await env.stop();
  }
}

/** The pid that listens on a loopback TCP port, read from /proc (Linux). */
function listenerPid(port: number): number | undefined {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set(
    readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
      .map((f) => f[9]),
  );
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const fds = readdirSync(`/proc/${pid}/fd`);
      if (
        fds.some((fd) =>
          inodes.has(/socket:\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''),
        )
      )
        return Number(pid);
    } catch {
      // A process that ended while we looked, or one we may not inspect: not the listener we want.
    }
  }
  return undefined;
}

/** A request `fetch` would normalise away (dot segments), sent as written. */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.setTimeout(5_000, () => reject(new Error(`no answer to GET ${path} within 5 s`)));
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
    socket.on('error', reject);
  });
}

describe('the rehearsal runs the real Traefik', () => {
  it('what listens on the entry port is the pinned binary, and its API reports the pinned version', async () => {
    await withStep(3, solutionCopy(3), async (env) => {
      const port = Number(new URL(env.entries[0]).port);
      const pid = listenerPid(port);
      expect(pid, `nothing listens on ${port}`).toBeDefined();
      expect(realpathSync(`/proc/${pid}/exe`)).toBe(realpathSync(localTraefik(env)?.binary.path ?? ''));
      const res = await fetch(`${env.traefik?.apiUrl}/api/version`);
      expect(((await res.json()) as { Version: string }).Version).toBe(TRAEFIK_VERSION);
    });
  });

  it('StripPrefix under /wsk, dot segments and WebSocket upgrades, all by Traefik', async () => {
    await withStep(5, solutionCopy(5), async (env) => {
      const base = env.entries[0];
      const health = await fetch(new URL('/wsk/healthz', base));
      expect(health.status).toBe(200);
      // Traefik cleans the path before routing (sanitizePath, on by default): /healthz matches no /wsk router.
      expect(await rawGet(base, '/wsk/../healthz')).toBe(404);
      const client = await connectClient(base, { transport: 'websocket', path: env.socketPath });
      expect(client.welcome.instance).toMatch(/^app-\d$/);
      client.close();
      const routers = await (await fetch(`${env.traefik?.apiUrl}/api/http/middlewares`)).json();
      expect(JSON.stringify(routers)).toContain('stripPrefix');
    });
  });

  it('without path sanitizing, StripPrefix itself answers 400 to a dot segment', async () => {
    const dir = solutionCopy(5, (t) =>
      t.replace(
        '- --accesslog=true',
        '- --accesslog=true\n      - --entrypoints.web.http.sanitizePath=false',
      ),
    );
    await withStep(5, dir, async (env) => {
      expect(await rawGet(env.entries[0], '/wsk/../healthz')).toBe(400);
      expect(await rawGet(env.entries[0], '/wsk/./healthz')).toBe(400);
    });
  });

  it("the attendee's --accesslog and --log.level=DEBUG show up in Traefik's own log", async () => {
    const dir = solutionCopy(3, (t) =>
      t.replace('- --accesslog=true', '- --accesslog=true\n      - --log.level=DEBUG'),
    );
    await withStep(3, dir, async (env) => {
      const res = await fetch(new URL('/healthz', env.entries[0]));
      expect(res.status).toBe(200);
      const log = () => localTraefik(env)?.process.output() ?? '';
      // Traefik's access log line: the request, its status, the router and the server it went to.
      await waitFor('the access-log line', async () =>
        /"GET \/healthz HTTP\/1\.1" 200 .*"app@file" "http:\/\/127\.0\.0\.1:\d+"/.test(log())
          ? true
          : undefined,
      );
      expect(log()).toMatch(/DBG/);
    });
  });

  it('a rehearsal started with a broken rule: Traefik judges it, its error and the workshop finding both said', async () => {
    const dir = solutionCopy(3, (t) => t.replace('PathPrefix(`/`)', 'PathPrefix(`/`, `/socket.io`)'));
    await withStep(3, dir, async (env) => {
      expect(env.notes.join('\n')).toMatch(
        /compose\.yaml:\d+ \(service app\): Router app: .*has 2 values.* Traefik gets it as written/,
      );
      expect((await env.traefik?.problems())?.join('\n')).toMatch(
        /router app: .*unexpected number of parameters/,
      );
      const log = stripVTControlCharacters(localTraefik(env)?.process.output() ?? '');
      expect(log).toMatch(/unexpected number of parameters.*routerName=app@file/);
    });
  });

  it("step 3's log exercise, as the README tells it: the router per Host, then a broken rule's 404 and its error", async () => {
    const dir = solutionCopy(3);
    await withStep(3, dir, async (env) => {
      const log = () => localTraefik(env)?.process.output() ?? '';
      const entry = new URL(env.entries[0]);
      const get = (path: string, host: string) =>
        new Promise<number>((resolve, reject) => {
          // fetch cannot set Host; the README's curl -H 'Host: chat.localhost' does.
          import('node:http').then(({ get: httpGet }) =>
            httpGet({ host: entry.hostname, port: entry.port, path, headers: { host } }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            }).on('error', reject),
          );
        });
      expect(await get('/healthz', 'chat.localhost')).toBe(200);
      expect(await get('/readyz', 'elsewhere.localhost')).toBe(200);
      await waitFor('the access-log lines of both routers', async () =>
        /"GET \/healthz HTTP\/1\.1" 200 .*"chat@file"/.test(log()) &&
        /"GET \/readyz HTTP\/1\.1" 200 .*"app@file"/.test(log())
          ? true
          : undefined,
      );
      const file = join(dir, 'compose.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('PathPrefix(`/`)', 'PathPrefix(`/`, `/socket.io`)'),
      );
      const problems = (await env.reload?.()) ?? [];
      // The workshop's own finding, then Traefik's verdict on the same router.
      expect(problems[0]).toMatch(/has 2 values: Traefik v3 takes one value per matcher/);
      expect(problems.at(-1)).toMatch(/compose\.yaml:\d+: router app: .*unexpected number of parameters/);
      expect(await get('/', 'localhost')).toBe(404);
      await waitFor('the 404 with no router, and the rule error naming the router', async () =>
        /"GET \/ HTTP\/1\.1" 404 \d+ "-" "-" \d+ "-" "-"/.test(log()) &&
        /unexpected number of parameters.*routerName=app@file/.test(stripVTControlCharacters(log()))
          ? true
          : undefined,
      );
    });
  });

  it("a rule the workshop's lints pass but Traefik refuses: the failing check carries Traefik's error and the line", async () => {
    // RE2, Go's regexp engine, has no lookahead; JavaScript's has.
    const dir = solutionCopy(3, (t) => t.replace('PathPrefix(`/`)', 'PathRegexp(`^/(?=.|$)`)'));
    const result = await runStep(findStep(3), dir);
    expect(result.failure?.id).toBe('page-through-router');
    expect(result.failure?.message).toMatch(
      /Traefik refused part of your configuration:\n {2}\S+compose\.yaml:\d+: router app: .*invalid or unsupported Perl syntax/,
    );
  });

  it('a service port the app does not listen on: check 3 says so, and the running rehearsal answers 502 as Docker would', async () => {
    const dir = solutionCopy(3, (t) =>
      t.replace('loadbalancer.server.port=3000', 'loadbalancer.server.port=3001'),
    );
    const result = await runStep(findStep(3), dir);
    expect(result.failure?.id).toBe('compose');
    expect(result.failure?.message).toMatch(/port 3001, but the app listens on 3000/);
    await withStep(3, dir, async (env) => {
      expect(env.notes.join('\n')).toMatch(
        /Service app sends traffic to port 3001, but the app app listens on 3000/,
      );
      const res = await fetch(new URL('/healthz', env.entries[0]));
      expect(res.status).toBe(502);
    });
  });

  it('a label edited while the step runs changes routing live, without restarting Traefik', async () => {
    const dir = solutionCopy(3);
    await withStep(3, dir, async (env) => {
      const pid = localTraefik(env)?.process.pid;
      expect((await fetch(new URL('/healthz', env.entries[0]))).status).toBe(200);
      const file = join(dir, 'compose.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('PathPrefix(`/`)', 'Path(`/readyz`)'));
      expect(await env.reload?.()).toEqual([]);
      expect((await fetch(new URL('/healthz', env.entries[0]))).status).toBe(404);
      expect((await fetch(new URL('/readyz', env.entries[0]))).status).toBe(200);
      expect(localTraefik(env)?.process.pid).toBe(pid);
      expect(localTraefik(env)?.process.running()).toBe(true);
    });
  });
});
