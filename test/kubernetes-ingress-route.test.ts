// IngressRoute + Middleware → DynamicConfig for the rehearsal's Traefik: what it runs must be what the
// attendee wrote, and what it cannot run must be listed.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ingressRoutesToDynamicConfig,
  loadManifests,
  validateManifests,
} from '../scripts/lib/kubernetes/index.ts';
import { GOOD, type Variant, variant } from './fixtures/kubernetes/variant.ts';

const made: Variant[] = [];
afterAll(() => {
  for (const v of made) rmSync(v.root, { recursive: true, force: true });
});

function translate(edits: Record<string, [string, string][] | null>) {
  const v = variant(edits);
  made.push(v);
  return { v, ...ingressRoutesToDynamicConfig(loadManifests(v.manifests).objects) };
}

const STRIP_MIDDLEWARE =
  '---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: strip\n  namespace: wsk\nspec:\n  stripPrefix:\n    prefixes:\n      - /wsk\n';

describe('ingressRoutesToDynamicConfig', () => {
  it("translates the workshop fixture: a router and a service per route, on the pods' port, sticky cookie, strategy, replicas, env", () => {
    const { config, replicas, env } = ingressRoutesToDynamicConfig(loadManifests(`${GOOD}k8s`).objects);
    const router = (name: string, rule: string, line: number, service: string) => ({
      name,
      rule,
      entryPoints: ['web'],
      service,
      middlewares: [],
      // Each setting's own line, for the model lints' findings.
      source: {
        file: `${GOOD}k8s/ingressroute.yaml`,
        line,
        object: 'IngressRoute/app',
        fields: { rule: line, 'entryPoints.0': 8 },
      },
    });
    // One router per route, numbered when there are several; the blog's Host route is the second.
    expect(config.routers).toEqual({
      'wsk-app-0': router('wsk-app-0', 'PathPrefix(`/`)', 10, 'wsk-app-80-0'),
      'wsk-app-1': router('wsk-app-1', 'Host(`chat.localhost`) && PathPrefix(`/`)', 23, 'wsk-app-80-1'),
    });
    // Both routes lead to Service app port 80, and each gets a Traefik service of its own, as the CRD
    // provider gives them (test/apiserver-traefik.test.ts shows it on the real one).
    const service = (name: string, line: number) => ({
      name,
      target: 'app',
      // Service port 80 → targetPort `http` → containerPort 3000 of Deployment/app.
      port: 3000,
      sticky: { cookie: { name: 'wsk_sticky', httpOnly: true, secure: false, sameSite: 'lax' } },
      strategy: 'wrr',
      source: {
        file: `${GOOD}k8s/ingressroute.yaml`,
        line,
        object: 'IngressRoute/app',
        fields: {
          'sticky.cookie.name': line + 5,
          'sticky.cookie.httpOnly': line + 6,
          'sticky.cookie.secure': line + 7,
          'sticky.cookie.sameSite': line + 8,
        },
      },
    });
    expect(config.services).toEqual({
      'wsk-app-80-0': service('wsk-app-80-0', 13),
      'wsk-app-80-1': service('wsk-app-80-1', 26),
    });
    expect(config.middlewares).toEqual({});
    expect(config.unsupported).toEqual([]);
    expect(replicas).toEqual({ app: 3 });
    // INSTANCE_ID comes from the pod name (valueFrom): the rehearsal names instances itself.
    expect(env).toEqual({ app: { PORT: '3000', REDIS_URL: 'redis://redis:6379' } });
  });

  it('translates a StripPrefix middleware (step 5) and resolves the reference to it', () => {
    const { v, config } = translate({
      'k8s/ingressroute.yaml': [
        ['match: PathPrefix(`/`)', 'match: PathPrefix(`/wsk`)'],
        ['      kind: Rule\n', '      kind: Rule\n      middlewares:\n        - name: strip\n'],
        ['sameSite: lax\n', `sameSite: lax\n${STRIP_MIDDLEWARE}`],
      ],
    });
    expect(validateManifests(v.manifests)).toEqual([]);
    expect(config.routers['wsk-app']).toMatchObject({
      rule: 'PathPrefix(`/wsk`)',
      middlewares: ['wsk-strip'],
    });
    expect(config.middlewares['wsk-strip']).toMatchObject({
      name: 'wsk-strip',
      stripPrefix: { prefixes: ['/wsk'] },
    });
    expect(config.middlewares['wsk-strip'].source?.object).toBe('Middleware/strip');
    expect(config.unsupported).toEqual([]);
  });

  it('translates ReplacePath, and lists middleware kinds the translation does not carry', () => {
    const middlewares =
      '---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: root\n  namespace: wsk\nspec:\n  replacePath:\n    path: /\n' +
      '---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: hsts\n  namespace: wsk\nspec:\n  headers:\n    stsSeconds: 60\n';
    const { v, config } = translate({
      'k8s/ingressroute.yaml': [
        [
          '      kind: Rule\n',
          '      kind: Rule\n      middlewares:\n        - name: root\n        - name: wsk-hsts@kubernetescrd\n',
        ],
        ['sameSite: lax\n', `sameSite: lax\n${middlewares}`],
      ],
    });
    expect(config.routers['wsk-app'].middlewares).toEqual(['wsk-root', 'wsk-hsts']);
    expect(config.middlewares['wsk-root'].replacePath).toEqual({ path: '/' });
    expect(config.unsupported).toEqual([
      {
        key: 'spec.headers',
        source: {
          file: v.file('k8s/ingressroute.yaml'),
          line: v.line('k8s/ingressroute.yaml', 'headers:'),
          object: 'Middleware/hsts',
        },
      },
    ]);
  });

  it('models TLS; lists its secret, extra service options and cookie options in unsupported', () => {
    const { config } = translate({
      'k8s/ingressroute.yaml': [
        ['          strategy: wrr\n', '          strategy: wrr\n          nativeLB: true\n'],
        [
          'sameSite: lax\n',
          'sameSite: lax\n              domain: example.com\n  tls:\n    secretName: wsk-tls\n',
        ],
      ],
    });
    expect(config.unsupported.map((u) => u.key).sort()).toEqual([
      'spec.routes[0].services[0].nativeLB',
      'spec.routes[0].services[0].sticky.cookie.domain',
      'spec.tls.secretName',
    ]);
    expect(Object.values(config.routers).every((r) => r.tls)).toBe(true);
    expect(config.services['wsk-app-80'].sticky?.cookie).not.toHaveProperty('domain');
  });

  it('uses the first of several services and says weighted services are not covered', () => {
    const { config } = translate({
      'k8s/ingressroute.yaml': [
        ['        - name: app\n', '        - name: redis\n          port: 6379\n        - name: app\n'],
      ],
    });
    expect(Object.keys(config.services)).toEqual(['wsk-redis-6379']);
    expect(config.services['wsk-redis-6379']).toMatchObject({ target: 'redis', port: 6379 });
    expect(config.unsupported.map((u) => u.key)).toEqual(['spec.routes[0].services']);
  });

  it('leaves a TraefikService to unsupported instead of inventing a router', () => {
    const { config } = translate({
      'k8s/ingressroute.yaml': [
        ['        - name: app\n', '        - name: app\n          kind: TraefikService\n'],
      ],
    });
    expect(config.routers).toEqual({});
    expect(config.unsupported.map((u) => u.key)).toEqual(['spec.routes[0].services[0].kind']);
  });

  it('names one router and one service per route when an IngressRoute has several, keeping priority', () => {
    const { config } = translate({
      'k8s/ingressroute.yaml': [
        [
          '  routes:\n',
          '  routes:\n    - match: Path(`/healthz`)\n      priority: 100\n      services:\n        - name: app\n          port: http\n',
        ],
      ],
    });
    expect(Object.keys(config.routers).sort()).toEqual(['wsk-app-0', 'wsk-app-1']);
    expect(config.routers['wsk-app-0']).toMatchObject({
      rule: 'Path(`/healthz`)',
      priority: 100,
      service: 'wsk-app-80-0',
    });
    expect(config.routers['wsk-app-1']).toMatchObject({ rule: 'PathPrefix(`/`)', service: 'wsk-app-80-1' });
    // The port by name (http) or by number, the same Service port: still a service per route.
    expect(Object.keys(config.services).sort()).toEqual(['wsk-app-80-0', 'wsk-app-80-1']);
  });
});
