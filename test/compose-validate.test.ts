// Compose and Traefik labels, read like the real tools would: the workshop's stack is clean, and each
// typical mistake gets its code, its line and a fix that names the right key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCompose } from '../scripts/lib/compose/index.ts';
import type { Finding } from '../scripts/lib/findings.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { TRAEFIK_IMAGE } from '../scripts/lib/traefik/version.ts';

const FILE = join(ROOT, 'solutions/03-compose-traefik/compose.yaml');
const GOOD = readFileSync(FILE, 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function analyze(text: string) {
  return analyzeCompose('compose.yaml', text);
}
const only = (findings: Finding[], code: string) => findings.filter((f) => f.code === code);

it('the workshop stack has no findings, and translates into routers, services and replicas', () => {
  const stack = analyze(GOOD);
  expect(stack.findings).toEqual([]);
  expect(stack.config.routers.app).toMatchObject({
    rule: 'PathPrefix(`/`)',
    entryPoints: ['web'],
    service: 'app',
  });
  expect(stack.config.services.app).toMatchObject({
    target: 'app',
    port: 3000,
    sticky: { cookie: { name: 'wsk_sticky', httpOnly: true, sameSite: 'lax' } },
  });
  expect(stack.replicas).toMatchObject({ app: 3, redis: 1, traefik: 1 });
  expect(stack.environment.app).toEqual({ REDIS_URL: 'redis://redis:6379' });
  expect(stack.traefik?.entryPoints).toEqual({ web: { address: ':80' } });
  // What the rehearsal starts Traefik with (the parser is tested in traefik-static-config.test.ts).
  expect(stack.traefik?.static).toMatchObject({ accessLog: { enabled: true }, api: { insecure: true } });
});

it('sticky labels on a service no router uses are one finding, not also a missing port', () => {
  const text = GOOD.replaceAll('services.app.loadbalancer.sticky', 'services.web.loadbalancer.sticky');
  const codes = analyze(text)
    .findings.filter((f) => f.severity === 'error')
    .map((f) => f.code);
  expect(codes).toEqual(['sticky-on-unrouted-service']);
});

describe('typical mistakes', () => {
  it.each([
    [
      'a typo in a label key',
      (t: string) => t.replace('routers.app.entrypoints=web', 'routers.app.entrypoint=web'),
      'label-unknown-key',
      'routers.app.entrypoint=web',
      'traefik.http.routers.app.entrypoints',
    ],
    [
      'v2 rule syntax',
      (t: string) => t.replace('rule=PathPrefix(`/`)', 'rule=PathPrefix(`/`, `/wsk`)'),
      'rule-invalid',
      'rule=PathPrefix',
      'PathPrefix(`/`) || PathPrefix(`/wsk`)',
    ],
    [
      'a router pointing at a missing service',
      (t: string) => t.replace('routers.app.service=app', 'routers.app.service=ap'),
      'router-missing-service',
      'routers.app.service=ap',
      "did you mean 'app'?",
    ],
    [
      'a router pointing at a missing middleware',
      (t: string) =>
        t.replace(
          'routers.app.service=app',
          'routers.app.service=app\n      - traefik.http.routers.app.middlewares=strip@docker',
        ),
      'router-missing-middleware',
      'routers.app.middlewares=strip@docker',
      'traefik.http.middlewares.strip.stripprefix.prefixes',
    ],
    [
      'no server port',
      (t: string) => t.replace(/^ +- traefik\.http\.services\.app\.loadbalancer\.server\.port=3000\n/m, ''),
      'service-missing-port',
      'sticky.cookie.name',
      'loadbalancer.server.port=3000',
    ],
    [
      'a secure cookie on http',
      (t: string) =>
        t.replace(
          'sticky.cookie.samesite=lax',
          'sticky.cookie.samesite=lax\n      - traefik.http.services.app.loadbalancer.sticky.cookie.secure=true',
        ),
      'cookie-secure-on-http',
      'sticky.cookie.secure=true',
      'sticky.cookie.secure=true',
    ],
    [
      'the dashboard on all interfaces',
      (t: string) => t.replace('"127.0.0.1:8080:8080"', '"8080:8080"'),
      'dashboard-public',
      '--api.insecure',
      '127.0.0.1:8080:8080',
    ],
    [
      'an entry point typo',
      (t: string) => t.replace('entrypoints=web', 'entrypoints=wbe'),
      'router-unknown-entrypoint',
      'entrypoints=wbe',
      'write `web`',
    ],
    [
      'SameSite from the blog',
      (t: string) => t.replace('samesite=lax', 'samesite=io'),
      'label-value',
      'samesite=io',
      'lax',
    ],
    [
      'a section given a value: loadbalancer.sticky=true (v3 has sticky.cookie)',
      (t: string) =>
        t.replace(
          'server.port=3000',
          'server.port=3000\n      - traefik.http.services.app.loadbalancer.sticky=true',
        ),
      'label-unknown-key',
      'loadbalancer.sticky=true',
      'did you mean `traefik.http.services.app.loadbalancer.sticky.cookie`?',
    ],
    [
      'a misspelt middleware option',
      (t: string) =>
        t.replace(
          'routers.app.service=app',
          'routers.app.service=app\n      - traefik.http.middlewares.strip.stripprefix.prefix=/wsk',
        ),
      'label-unknown-key',
      'stripprefix.prefix=',
      'did you mean `traefik.http.middlewares.strip.stripprefix.prefixes`?',
    ],
    [
      'a strategy Traefik v3.7 does not have',
      (t: string) =>
        t.replace(
          'server.port=3000',
          'server.port=3000\n      - traefik.http.services.app.loadbalancer.strategy=roundrobin',
        ),
      'label-value',
      'strategy=roundrobin',
      'wrr',
    ],
    [
      'an old Traefik',
      (t: string) => t.replace(`image: ${TRAEFIK_IMAGE}`, 'image: traefik:v2.2'),
      'traefik-image',
      'image: traefik:v2.2',
      `image: ${TRAEFIK_IMAGE}`,
    ],
    [
      'no exposedbydefault=false',
      (t: string) => t.replace('      - --providers.docker.exposedbydefault=false\n', ''),
      'traefik-exposed-by-default',
      'command:',
      'exposedbydefault=false',
    ],
    [
      'labels without traefik.enable',
      (t: string) => t.replace('      - traefik.enable=true\n', ''),
      'traefik-not-enabled',
      'labels:',
      'traefik.enable=true',
    ],
    [
      // Valid Compose, read only by Swarm: docker compose up leaves the containers unlabelled.
      'the labels under deploy.labels',
      (t: string) => {
        // The app's labels: list (with comments) under `labels:` right after `deploy: replicas: 3`.
        let inside = false;
        return t
          .replace(
            '    deploy:\n      replicas: 3\n    labels:\n',
            '    deploy:\n      replicas: 3\n      labels:\n',
          )
          .split('\n')
          .map((line) => {
            if (line === '      labels:') inside = true;
            else if (inside && /^ {6}[-#]/.test(line)) return `  ${line}`;
            else inside = false;
            return line;
          })
          .join('\n');
      },
      'traefik-labels-under-deploy',
      'labels:',
      'beside `deploy:`',
    ],
    [
      // Led by the cookie, not by "service web names no port" (the same mistake seen from the other side).
      'the sticky labels on a service no router uses',
      (t: string) => t.replaceAll('services.app.loadbalancer.sticky', 'services.web.loadbalancer.sticky'),
      'sticky-on-unrouted-service',
      'services.web.loadbalancer.sticky.cookie.name',
      'put the sticky options on service app: traefik.http.services.app.loadbalancer.sticky.cookie.name=wsk_sticky',
    ],
    [
      'a misspelt Compose key',
      (t: string) => t.replace('    deploy:\n', '    deploi:\n'),
      'compose-schema',
      'deploi:',
      'spelling',
    ],
    [
      // Removed from the providers' TLS, but only deprecated on ForwardAuth: Traefik 3.7 still reads it and warns.
      'ForwardAuth tls.caOptional, which Traefik v3 deprecated',
      (t: string) =>
        t.replace(
          'routers.app.service=app',
          'routers.app.service=app\n      - traefik.http.middlewares.auth.forwardauth.tls.caoptional=true',
        ),
      'traefik-deprecated-option',
      'forwardauth.tls.caoptional',
      'remove it',
    ],
  ])('%s', (_, edit, code, lineNeedle, fixText) => {
    const text = edit(GOOD);
    expect(text).not.toBe(GOOD);
    const found = only(analyze(text).findings, code);
    expect(found, `expected a ${code} finding`).toHaveLength(1);
    expect(found[0].line).toBe(lineOf(text, lineNeedle));
    expect(`${found[0].message} ${found[0].fix}`).toContain(fixText);
  });

  it('the image pin: the exact release passes, another v3 tag warns, v2 or a floating tag is an error', () => {
    expect(GOOD).toContain(`image: ${TRAEFIK_IMAGE}\n`);
    const severity = (image: string) =>
      only(analyze(GOOD.replace(`image: ${TRAEFIK_IMAGE}`, `image: ${image}`)).findings, 'traefik-image').map(
        (f) => f.severity,
      );
    expect(severity('traefik:v3.7')).toEqual(['warning']);
    expect(severity('traefik:v3.6.2')).toEqual(['warning']);
    expect(severity('traefik:latest')).toEqual(['error']);
    expect(severity('traefik')).toEqual(['error']);
  });

  it('options Traefik v3 deprecated but still reads are warnings: ipWhiteList, stripPrefix.forceSlash, sslRedirect', () => {
    const text = GOOD.replace(
      'routers.app.service=app',
      [
        'routers.app.service=app',
        '      - traefik.http.middlewares.lan.ipwhitelist.sourcerange=10.0.0.0/8',
        '      - traefik.http.middlewares.strip.stripprefix.forceslash=false',
        '      - traefik.http.middlewares.tls.headers.sslredirect=true',
      ].join('\n'),
    );
    const deprecated = only(analyze(text).findings, 'traefik-deprecated-option');
    expect(deprecated.map((f) => [f.severity, f.line])).toEqual([
      ['warning', lineOf(text, 'ipwhitelist')],
      ['warning', lineOf(text, 'forceslash')],
      ['warning', lineOf(text, 'sslredirect')],
    ]);
    expect(deprecated[0].fix).toContain('ipAllowList');
    expect(analyze(text).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a version key is a warning, not an error', () => {
    const [finding] = only(analyze(`version: "3.7"\n${GOOD}`).findings, 'compose-version-key');
    expect(finding).toMatchObject({ severity: 'warning', line: 1 });
  });

  it('no sticky cookie with three replicas warns that long-polling will fail', () => {
    const text = GOOD.replace(/^ +- traefik\.http\.services\.app\.loadbalancer\.sticky.*\n/gm, '');
    const [finding] = only(analyze(text).findings, 'sticky-missing');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toMatch(/Session ID unknown/);
  });

  it('malformed YAML names the line instead of throwing', () => {
    const text = GOOD.replace('    image: redis:8-alpine', '    image: redis:8-alpine\n   bad: [unclosed');
    const [finding] = analyze(text).findings;
    expect(finding.code).toBe('yaml-syntax');
    expect(finding.line).toBeGreaterThan(20);
  });

  it('labels in the map form are read too, with their lines', () => {
    const text = GOOD.replace('      - traefik.enable=true', '      traefik.enable: "true"').replace(
      / {6}- (traefik\.[^=]+)=(.*)/g,
      '      $1: "$2"',
    );
    const stack = analyze(text);
    expect(stack.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(stack.config.services.app.port).toBe(3000);
  });

  it('settings the rehearsal does not pass to Traefik are listed, not ignored', () => {
    // Both routers of the solution (by path, and by Host) on TLS.
    const text = GOOD.replace(
      'routers.app.service=app',
      'routers.app.service=app\n      - traefik.http.routers.app.tls=true',
    ).replace(
      'routers.chat.service=app',
      'routers.chat.service=app\n      - traefik.http.routers.chat.tls=true',
    );
    const resolver = text.replace(
      'routers.app.tls=true',
      'routers.app.tls=true\n      - traefik.http.routers.app.tls.certresolver=le',
    );
    expect(analyze(resolver).config.unsupported.map((u) => u.key)).toContain(
      'traefik.http.routers.app.tls.certresolver',
    );
    expect(analyze(text).config.routers.app.tls).toBe(true);
    // Modelled all the same: a Secure sticky cookie is right behind a TLS router.
    const secure = text.replace(
      'sticky.cookie.samesite=lax',
      'sticky.cookie.samesite=lax\n      - traefik.http.services.app.loadbalancer.sticky.cookie.secure=true',
    );
    expect(only(analyze(secure).findings, 'cookie-secure-on-http')).toEqual([]);
    expect(
      only(
        analyze(secure.replace('routers.app.tls=true', 'routers.app.tls=false')).findings,
        'cookie-secure-on-http',
      ),
    ).toHaveLength(1);
  });
});

it('a misspelt key under traefik.http drops the container in Traefik; one outside what Traefik reads is silent', () => {
  const under = only(
    analyze(GOOD.replace('routers.app.entrypoints=web', 'routers.app.entrypoint=web')).findings,
    'label-unknown-key',
  );
  expect(under[0].message).toContain(
    "Traefik's Docker provider logs `field not found, node: …` (naming the misspelt part) and drops every router, service and middleware of this container",
  );
  const outside = only(
    analyze(GOOD.replace('- traefik.enable=true', '- traefik.enabel=true')).findings,
    'label-unknown-key',
  );
  expect(outside[0].message).toContain('ignores this one silently');
});
