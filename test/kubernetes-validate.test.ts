// The step 4 checks on manifests: the correct workshop fixture passes, and each typical mistake is
// reported with its code, on the line where it is, with a fix that says what to write.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../scripts/lib/findings.ts';
import { errorsOf } from '../scripts/lib/findings.ts';
import { validateManifests } from '../scripts/lib/kubernetes/index.ts';
import { TRAEFIK_IMAGE } from '../scripts/lib/traefik/version.ts';
import { GOOD, type Variant, variant } from './fixtures/kubernetes/variant.ts';

const made: Variant[] = [];
afterAll(() => {
  for (const v of made) rmSync(v.root, { recursive: true, force: true });
});

function check(edits: Record<string, [string, string][] | null>) {
  const v = variant(edits);
  made.push(v);
  return { v, findings: validateManifests(v.manifests, { kindConfig: v.kindConfig }) };
}

function only(findings: Finding[], code: string): Finding {
  const matching = findings.filter((f) => f.code === code);
  expect(matching, `findings: ${JSON.stringify(findings, null, 1)}`).toHaveLength(1);
  return matching[0];
}

describe('the correct workshop fixture', () => {
  it('has no errors and no warnings', () => {
    const findings = validateManifests(`${GOOD}k8s`, { kindConfig: `${GOOD}kind-config.yaml` });
    expect(findings).toEqual([]);
  });
});

describe('API versions', () => {
  it('reports the traefik.containo.us group of Traefik v2', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [
        ['apiVersion: traefik.io/v1alpha1', 'apiVersion: traefik.containo.us/v1alpha1'],
      ],
    });
    const f = only(findings, 'traefik-old-api-group');
    expect(f).toMatchObject({
      severity: 'error',
      file: v.file('k8s/ingressroute.yaml'),
      line: 1,
      object: 'IngressRoute/app',
    });
    expect(f.fix).toContain('traefik.io/v1alpha1');
  });

  it('reports rbac.authorization.k8s.io/v1beta1', () => {
    const { v, findings } = check({
      'k8s/traefik-rbac.yaml': [
        [
          'least privilege leaves them out.\napiVersion: rbac.authorization.k8s.io/v1\n',
          'least privilege leaves them out.\napiVersion: rbac.authorization.k8s.io/v1beta1\n',
        ],
      ],
    });
    const f = only(findings, 'rbac-v1beta1');
    expect(f.object).toBe('ClusterRole/traefik');
    expect(f.line).toBe(v.line('k8s/traefik-rbac.yaml', 'rbac.authorization.k8s.io/v1beta1'));
    expect(f.fix).toContain('rbac.authorization.k8s.io/v1');
  });

  it('reports apps/v1beta1 and extensions/v1beta1 as removed', () => {
    const { findings } = check({
      'k8s/app.yaml': [['apiVersion: apps/v1', 'apiVersion: extensions/v1beta1']],
      'k8s/redis.yaml': [['apiVersion: apps/v1', 'apiVersion: apps/v1beta2']],
    });
    const removed = findings.filter((f) => f.code === 'api-removed');
    expect(removed.map((f) => f.object).sort()).toEqual(['Deployment/app', 'Deployment/redis']);
    expect(removed.every((f) => f.line === 1 && f.fix.includes('apps/v1'))).toBe(true);
  });

  it('warns about kinds no installed schema describes, and catches a misspelt group', () => {
    const { findings } = check({ 'k8s/redis.yaml': [['apiVersion: apps/v1', 'apiVersion: app/v1']] });
    expect(only(findings, 'unknown-kind').fix).toBe('Write `apiVersion: apps/v1`.');
    const other = check({
      'k8s/00-namespace.yaml': [
        ['apiVersion: v1\nkind: Namespace', 'apiVersion: example.com/v1\nkind: Widget'],
      ],
    });
    expect(other.findings.map((f) => [f.code, f.severity])).toContainEqual(['schema-unavailable', 'warning']);
  });

  it('says where a kind lives when the apiVersion is wrong', () => {
    const { findings } = check({ 'k8s/app.yaml': [['apiVersion: apps/v1', 'apiVersion: v1']] });
    const f = only(findings, 'unknown-kind');
    expect(f.message).toContain('apps/v1');
    expect(f.fix).toBe('Write `apiVersion: apps/v1`.');
  });
});

describe('schemas', () => {
  it('reports `replicas: "3"` on its line', () => {
    const { v, findings } = check({ 'k8s/app.yaml': [['replicas: 3', 'replicas: "3"']] });
    const f = only(findings, 'schema-type');
    expect(f).toMatchObject({ object: 'Deployment/app', line: v.line('k8s/app.yaml', 'replicas:') });
    expect(f.message).toBe('spec.replicas must be an integer, not the string "3"');
    expect(f.fix).toBe('Remove the quotes: `replicas: 3` (a number, not a string).');
  });

  it('reports a misspelt field once, with the right name', () => {
    const { v, findings } = check({ 'k8s/app.yaml': [['      containers:', '      contianers:']] });
    const f = only(findings, 'schema-unknown-field');
    expect(f.line).toBe(v.line('k8s/app.yaml', 'contianers:'));
    expect(f.message).toContain('spec.template.spec.contianers');
    expect(f.fix).toBe('Rename `contianers` to `containers`.');
    // The missing `containers` is the same mistake: not reported twice.
    expect(findings.filter((x) => x.code === 'schema-required')).toEqual([]);
  });

  it('reports a number where a string is required (env values)', () => {
    const { v, findings } = check({ 'k8s/app.yaml': [['value: "3000"', 'value: 3000']] });
    const f = only(findings, 'schema-type');
    expect(f.line).toBe(v.line('k8s/app.yaml', 'value: 3000'));
    expect(f.fix).toContain('"3000"');
  });

  it('reports a bad quantity and a bad enum value', () => {
    const { findings } = check({
      'k8s/app.yaml': [
        ['cpu: 100m', 'cpu: 100 millicores'],
        ['imagePullPolicy: IfNotPresent', 'imagePullPolicy: ifnotpresent'],
      ],
    });
    expect(findings.map((f) => f.code)).toContain('schema-type');
    expect(findings.find((f) => f.code === 'schema-type')?.message).toContain('not a Kubernetes quantity');
  });

  it('accepts Traefik v3 fields (sticky cookie path and maxAge), and a route without `kind`', () => {
    const { findings } = check({
      'k8s/ingressroute.yaml': [
        ['      kind: Rule\n', ''],
        ['sameSite: lax', 'sameSite: lax\n              path: /\n              maxAge: 3600'],
      ],
    });
    expect(findings).toEqual([]);
  });

  it('reports a wrongly cased IngressRoute field as a typo', () => {
    const { v, findings } = check({ 'k8s/ingressroute.yaml': [['  entryPoints:', '  entrypoints:']] });
    const f = only(findings, 'schema-unknown-field');
    expect(f).toMatchObject({ severity: 'error', line: v.line('k8s/ingressroute.yaml', 'entrypoints:') });
    expect(f.fix).toBe('Rename `entrypoints` to `entryPoints`.');
  });

  it('reports a Service name that is not a DNS label', () => {
    const { findings } = check({
      'k8s/app.yaml': [
        ['kind: Service\nmetadata:\n  name: app', 'kind: Service\nmetadata:\n  name: wsk_app'],
      ],
    });
    expect(findings.map((f) => f.code)).toContain('metadata-name-invalid');
  });
});

describe('YAML', () => {
  it('reports a syntax error with its line instead of throwing', () => {
    const { v, findings } = check({
      'k8s/app.yaml': [['      port: 80\n      targetPort: http', '      port: 80\n     targetPort: http']],
    });
    const f = only(findings, 'yaml-syntax');
    expect(f).toMatchObject({
      file: v.file('k8s/app.yaml'),
      line: v.line('k8s/app.yaml', '     targetPort: http'),
    });
    expect(f.message).toBe('YAML syntax error: Sequence item without - indicator');
    // Not followed by "IngressRoute → missing Service app": links are checked once the YAML parses.
    expect(findings.map((x) => x.code)).toEqual(['yaml-syntax']);
  });
});

describe('RBAC for the CRD provider', () => {
  it('reports a ClusterRole with endpoints (v2) instead of endpointslices', () => {
    const { v, findings } = check({
      'k8s/traefik-rbac.yaml': [
        ['resources: [services, secrets', 'resources: [services, endpoints, secrets'],
        [
          '  - apiGroups: [discovery.k8s.io]\n    resources: [endpointslices]\n    verbs: [list, watch]\n',
          '',
        ],
      ],
    });
    const f = only(findings, 'rbac-missing-endpointslices');
    expect(f.object).toBe('ClusterRole/traefik');
    expect(f.line).toBe(v.line('k8s/traefik-rbac.yaml', 'resources: [services, endpoints'));
    expect(f.message).toContain('`endpoints`, which is what Traefik v2 used');
    expect(f.fix).toContain('discovery.k8s.io');
    expect(f.fix).toContain('endpointslices');
  });

  it('names the missing resource', () => {
    const { findings } = check({
      'k8s/traefik-rbac.yaml': [['services, secrets, nodes, configmaps', 'services, secrets, configmaps']],
    });
    const f = only(findings, 'rbac-missing-rule');
    expect(f.message).toContain('core nodes');
    expect(f.message).toContain('get, list, watch');
  });

  it('reports traefik.io resources granted under the old group', () => {
    const { findings } = check({
      'k8s/traefik-rbac.yaml': [['  - apiGroups: [traefik.io]', '  - apiGroups: [traefik.containo.us]']],
    });
    const f = only(findings, 'rbac-missing-rule');
    expect(f.message).toContain('traefik.io middlewares');
    expect(f.message).toContain('traefik.containo.us');
  });

  it('reports wildcards', () => {
    const { v, findings } = check({
      'k8s/traefik-rbac.yaml': [['verbs: [get, list, watch]', 'verbs: ["*"]']],
    });
    const f = only(findings, 'rbac-wildcard');
    expect(f.line).toBe(v.line('k8s/traefik-rbac.yaml', '"*"'));
  });

  it("reports a binding whose subject is not Traefik's ServiceAccount", () => {
    const { v, findings } = check({
      'k8s/traefik-rbac.yaml': [
        ['    name: traefik\n    namespace: wsk', '    name: traefik-ingress-controller\n    namespace: wsk'],
      ],
    });
    const binding = findings.filter((f) => f.code === 'rbac-binding-mismatch');
    expect(binding.map((f) => f.object).sort()).toEqual(['ClusterRoleBinding/traefik', 'Deployment/traefik']);
    const onSubject = binding.find((f) => f.object === 'ClusterRoleBinding/traefik');
    expect(onSubject?.line).toBe(v.line('k8s/traefik-rbac.yaml', '- kind: ServiceAccount'));
    expect(onSubject?.fix).toContain('name: traefik');
    const onDeployment = binding.find((f) => f.object === 'Deployment/traefik');
    expect(onDeployment?.line).toBe(v.line('k8s/traefik.yaml', 'serviceAccountName'));
  });

  it('reports a roleRef to a ClusterRole that does not exist', () => {
    const { findings } = check({
      'k8s/traefik-rbac.yaml': [
        ['  kind: ClusterRole\n  name: traefik', '  kind: ClusterRole\n  name: traefik-role'],
      ],
    });
    const f = findings.find((x) => x.code === 'rbac-binding-mismatch');
    expect(f?.fix).toBe("Set `roleRef.name: traefik` (the ClusterRole's metadata.name).");
  });
});

describe('cross-references', () => {
  it('reports a Service selector that matches no pods', () => {
    const { v, findings } = check({
      'k8s/app.yaml': [['  selector:\n    app: wsk-app\n  ports:', '  selector:\n    app: wsk\n  ports:']],
    });
    const f = only(findings, 'service-selector-mismatch');
    expect(f).toMatchObject({
      object: 'Service/app',
      line: v.line('k8s/app.yaml', '  selector:', 'kind: Service'),
    });
    expect(f.fix).toContain('app: wsk-app');
  });

  it('reports a targetPort name that no container port has', () => {
    const { v, findings } = check({ 'k8s/app.yaml': [['targetPort: http', 'targetPort: htpp']] });
    const f = only(findings, 'service-target-port');
    expect(f.line).toBe(v.line('k8s/app.yaml', 'targetPort: htpp'));
    expect(f.fix).toBe('Write `targetPort: http`.');
  });

  it('reports a numeric targetPort the container does not declare', () => {
    const { findings } = check({ 'k8s/app.yaml': [['targetPort: http', 'targetPort: 8080']] });
    expect(only(findings, 'service-target-port').message).toContain('http (3000)');
  });

  it('reports a :latest image without a pull policy (kind load + ErrImagePull)', () => {
    const { v, findings } = check({
      'k8s/app.yaml': [
        ['image: wsk-app:1.0.0\n          imagePullPolicy: IfNotPresent\n', 'image: wsk-app:latest\n'],
      ],
    });
    const f = only(findings, 'image-latest-pull');
    expect(f.line).toBe(v.line('k8s/app.yaml', 'image: wsk-app:latest'));
    expect(f.message).toContain('kind load docker-image');
    expect(f.message).toContain('ErrImagePull');
    expect(f.message).toContain('#328');
    expect(f.fix).toContain('imagePullPolicy: IfNotPresent');
  });

  it('accepts :latest with imagePullPolicy: IfNotPresent, and an untagged image is :latest', () => {
    expect(check({ 'k8s/app.yaml': [['image: wsk-app:1.0.0', 'image: wsk-app:latest']] }).findings).toEqual(
      [],
    );
    const untagged = check({
      'k8s/app.yaml': [
        ['image: wsk-app:1.0.0\n          imagePullPolicy: IfNotPresent\n', 'image: wsk-app\n'],
      ],
    });
    expect(only(untagged.findings, 'image-latest-pull').message).toContain('has no tag');
  });

  it('reports an entry point typo with the closest name', () => {
    const { v, findings } = check({ 'k8s/ingressroute.yaml': [['    - web\n', '    - wbe\n']] });
    // The same code, line rule and fix as a router label's entry point (test/compose-validate.test.ts).
    const f = only(findings, 'router-unknown-entrypoint');
    expect(f.line).toBe(v.line('k8s/ingressroute.yaml', '- wbe'));
    expect(f.fix).toBe('write `web` (entry point names are case-sensitive)');
  });

  it('reports a missing middleware', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [
        ['      kind: Rule\n', '      kind: Rule\n      middlewares:\n        - name: strip-wsk\n'],
      ],
    });
    const f = only(findings, 'ingressroute-missing-middleware');
    expect(f.line).toBe(v.line('k8s/ingressroute.yaml', '- name: strip-wsk'));
    expect(f.message).toContain('namespace wsk');
  });

  const ALLOW_CROSS_NAMESPACE: [string, string] = [
    '- --providers.kubernetescrd\n',
    '- --providers.kubernetescrd\n            - --providers.kubernetescrd.allowCrossNamespace=true\n',
  ];
  const stripIn = (namespace: string) =>
    `---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: strip\n  namespace: ${namespace}\nspec:\n  stripPrefix:\n    prefixes: [/wsk]\n`;
  const referencing = (ref: string): [string, string] => [
    '      kind: Rule\n',
    `      kind: Rule\n      middlewares:\n        - ${ref}\n`,
  ];

  it('reports <namespace>-<name>@kubernetescrd without allowCrossNamespace: Traefik refuses the form and drops the route', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [
        referencing('name: wsk-strip@kubernetescrd'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('wsk')}`],
      ],
    });
    const f = only(findings, 'ingressroute-cross-namespace');
    expect(f).toMatchObject({
      severity: 'error',
      file: v.file('k8s/ingressroute.yaml'),
      line: v.line('k8s/ingressroute.yaml', '- name: wsk-strip@kubernetescrd'),
      object: 'IngressRoute/app',
    });
    expect(f.message).toContain(
      'when allowCrossNamespace is disabled, @kubernetescrd references are disallowed',
    );
    expect(f.fix).toBe("Write `name: strip` (the Middleware is in the IngressRoute's namespace, wsk).");
    expect(findings).toHaveLength(1);
  });

  it('resolves <namespace>-<name>@kubernetescrd where allowCrossNamespace is on, and explains the form when the namespace is left out', () => {
    const ok = check({
      'k8s/ingressroute.yaml': [
        referencing('name: wsk-strip@kubernetescrd'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('wsk')}`],
      ],
      'k8s/traefik.yaml': [ALLOW_CROSS_NAMESPACE],
    });
    expect(ok.findings).toEqual([]);
    const wrong = check({
      'k8s/ingressroute.yaml': [
        referencing('name: strip@kubernetescrd'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('wsk')}`],
      ],
      'k8s/traefik.yaml': [ALLOW_CROSS_NAMESPACE],
    });
    expect(only(wrong.findings, 'ingressroute-missing-middleware').fix).toContain('wsk-strip@kubernetescrd');
  });

  it('reports a Middleware referenced in another namespace without allowCrossNamespace, on its line, with both fixes', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [
        referencing('name: strip\n          namespace: default'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('default')}`],
      ],
    });
    const f = only(findings, 'ingressroute-cross-namespace');
    expect(f.line).toBe(v.line('k8s/ingressroute.yaml', '- name: strip'));
    expect(f.message).toBe(
      'Middleware default/strip is in another namespace than the IngressRoute: Traefik refuses it and drops the route ("allowCrossNamespace is disabled, cross-namespace are disallowed")',
    );
    expect(f.fix).toBe(
      "Move the Middleware to namespace wsk, or add `--providers.kubernetescrd.allowCrossNamespace=true` to Traefik's args.",
    );
    // With the flag the same reference is Traefik's to follow.
    const allowed = check({
      'k8s/ingressroute.yaml': [
        referencing('name: strip\n          namespace: default'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('default')}`],
      ],
      'k8s/traefik.yaml': [ALLOW_CROSS_NAMESPACE],
    });
    expect(allowed.findings).toEqual([]);
    // Named as if it were in the route's namespace: moving it is the fix without the flag.
    const unnamespaced = check({
      'k8s/ingressroute.yaml': [
        referencing('name: strip'),
        ['sameSite: lax\n', `sameSite: lax\n${stripIn('default')}`],
      ],
    });
    expect(only(unnamespaced.findings, 'ingressroute-missing-middleware').fix).toBe(
      "Middleware strip is in namespace default: move it to wsk (a reference to another namespace needs `--providers.kubernetescrd.allowCrossNamespace=true` in Traefik's args).",
    );
  });

  it('reports a secure sticky cookie on the plain-http web entry point', () => {
    const { v, findings } = check({ 'k8s/ingressroute.yaml': [['secure: false', 'secure: true']] });
    const f = only(findings, 'cookie-secure-on-http');
    expect(f.line).toBe(v.line('k8s/ingressroute.yaml', 'secure: true'));
    // Browsers do send Secure cookies to http://localhost: a warning about the other http origins.
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('http://localhost only');
  });

  it('reports SameSite=None without Secure', () => {
    const { findings } = check({ 'k8s/ingressroute.yaml': [['sameSite: lax', 'sameSite: none']] });
    expect(only(findings, 'cookie-samesite-none-insecure').fix).toContain('lax');
  });

  it('reports 3 replicas without a sticky cookie ("Session ID unknown")', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [
        [
          '          sticky:\n            cookie:\n              name: wsk_sticky\n              httpOnly: true\n              secure: false\n              sameSite: lax\n',
          '',
        ],
      ],
    });
    // A warning, as for compose.yaml's labels: the sticky-long-polling check shows it through Traefik.
    const f = only(findings, 'sticky-missing');
    expect(f).toMatchObject({ severity: 'warning', line: v.line('k8s/ingressroute.yaml', '- name: app') });
    expect(f.message).toContain('Session ID unknown');
  });

  it('reports a v2 rule in an IngressRoute, as for a router label (the shared model lint)', () => {
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [['match: PathPrefix(`/`)', 'match: PathPrefix(`/`, `/wsk`)']],
    });
    const f = only(findings, 'rule-invalid');
    expect(f).toMatchObject({ severity: 'error', line: v.line('k8s/ingressroute.yaml', 'match:') });
    expect(f.fix).toContain('PathPrefix(`/`) || PathPrefix(`/wsk`)');
  });

  it('reports an IngressRoute to a Service that does not exist, and to a port it does not have', () => {
    const missing = check({ 'k8s/ingressroute.yaml': [['- name: app', '- name: ap']] });
    expect(only(missing.findings, 'ingressroute-missing-service').fix).toBe('Write `name: app`.');
    // A provider suffix, as labels write it: said as such, not only "does not exist".
    const suffixed = check({ 'k8s/ingressroute.yaml': [['- name: app', '- name: app@kubernetescrd']] });
    const f0 = only(suffixed.findings, 'ingressroute-missing-service');
    expect(f0.message).toContain('named by their metadata.name alone; an @provider suffix names Traefik');
    expect(f0.fix).toBe('Write `name: app`.');
    const port = check({ 'k8s/ingressroute.yaml': [['port: 80', 'port: 3000']] });
    const f = only(port.findings, 'ingressroute-service-port');
    expect(f.line).toBe(port.v.line('k8s/ingressroute.yaml', 'port: 3000'));
    expect(f.fix).toContain('port: 80');
  });

  it("reports an unknown strategy and a route kind that is not Rule, from Traefik v3.7's CRD schema", () => {
    const { v, findings } = check({ 'k8s/ingressroute.yaml': [['strategy: wrr', 'strategy: roundrobin']] });
    const strategy = only(findings, 'schema-enum');
    expect(strategy.line).toBe(v.line('k8s/ingressroute.yaml', 'strategy: roundrobin'));
    expect(strategy.message).toContain('`wrr`');
    expect(strategy.fix).toBe('Write `strategy: RoundRobin`.');
    const rules = check({ 'k8s/ingressroute.yaml': [['kind: Rule', 'kind: Rules']] });
    const kind = only(rules.findings, 'schema-enum');
    expect(kind).toMatchObject({
      severity: 'error',
      line: rules.v.line('k8s/ingressroute.yaml', 'kind: Rules'),
    });
    expect(kind.fix).toBe('Write `kind: Rule`.');
  });

  it('warns that sessionAffinity: ClientIP does nothing behind Traefik', () => {
    const { findings } = check({
      'k8s/app.yaml': [
        [
          '  selector:\n    app: wsk-app\n  ports:',
          '  sessionAffinity: ClientIP\n  selector:\n    app: wsk-app\n  ports:',
        ],
      ],
    });
    const f = only(findings, 'service-session-affinity');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('EndpointSlices');
    expect(errorsOf(findings)).toEqual([]);
  });

  it('reports Traefik without the CRD provider, and a Traefik image that is not the pinned release', () => {
    const { v, findings } = check({
      'k8s/traefik.yaml': [
        ['            - --providers.kubernetescrd\n', ''],
        [`image: ${TRAEFIK_IMAGE}`, 'image: traefik:v2.11'],
      ],
    });
    expect(only(findings, 'traefik-provider-missing').line).toBe(v.line('k8s/traefik.yaml', 'args:'));
    const image = only(findings, 'traefik-image');
    expect(image).toMatchObject({ severity: 'error', fix: `image: ${TRAEFIK_IMAGE}` });
    // The same rule and severity as compose.yaml's image (test/compose-validate.test.ts).
    for (const [tag, severity] of [
      ['traefik:v3.6.2', 'warning'],
      ['traefik:v3.7', 'warning'],
      ['traefik:latest', 'error'],
    ]) {
      const other = check({ 'k8s/traefik.yaml': [[`image: ${TRAEFIK_IMAGE}`, `image: ${tag}`]] });
      expect(only(other.findings, 'traefik-image').severity, tag).toBe(severity);
    }
  });

  it('reports a missing readiness probe', () => {
    const { v, findings } = check({
      'k8s/app.yaml': [
        [
          '          readinessProbe:\n            httpGet:\n              path: /readyz\n              port: http\n            periodSeconds: 5\n',
          '',
        ],
      ],
    });
    const f = only(findings, 'probe-missing');
    expect(f.line).toBe(v.line('k8s/app.yaml', '- name: app'));
    expect(f.fix).toContain('/readyz');
  });

  it('reports a Deployment selector that its template does not carry', () => {
    const { findings } = check({
      'k8s/app.yaml': [['    matchLabels:\n      app: wsk-app', '    matchLabels:\n      app: app']],
    });
    expect(findings.map((f) => f.code)).toContain('deployment-selector-mismatch');
  });
});

describe('the rest of the chain', () => {
  it('reports objects in a namespace nobody creates, once', () => {
    const { v, findings } = check({ 'k8s/00-namespace.yaml': null });
    const f = only(findings, 'namespace-missing');
    expect(f).toMatchObject({ file: v.file('k8s/app.yaml'), line: v.line('k8s/app.yaml', 'namespace: wsk') });
    expect(f.fix).toContain('00-namespace.yaml');
  });

  it('reports IngressRoutes without a Traefik to serve them, and Traefik without RBAC', () => {
    const noTraefik = check({ 'k8s/traefik.yaml': null });
    expect(only(noTraefik.findings, 'traefik-deployment-missing').object).toBe('IngressRoute/app');
    const noRbac = check({ 'k8s/traefik-rbac.yaml': null });
    expect(noRbac.findings.map((f) => f.code).sort()).toEqual([
      'rbac-binding-mismatch',
      'rbac-clusterrole-missing',
    ]);
    expect(only(noRbac.findings, 'rbac-binding-mismatch').message).toContain('forbidden');
  });

  it('reports a Service in another namespace (Traefik needs allowCrossNamespace)', () => {
    const { findings } = check({
      'k8s/ingressroute.yaml': [
        ['        - name: app\n', '        - name: app\n          namespace: default\n'],
      ],
    });
    expect(findings.map((f) => f.code).sort()).toEqual([
      'ingressroute-cross-namespace',
      'ingressroute-missing-service',
    ]);
    expect(only(findings, 'ingressroute-missing-service').fix).toContain('namespace wsk');
  });

  it('reports a probe on a port name the container does not have', () => {
    const { v, findings } = check({
      'k8s/app.yaml': [
        [
          '              path: /healthz\n              port: http',
          '              path: /healthz\n              port: htp',
        ],
      ],
    });
    const f = only(findings, 'probe-port');
    expect(f.line).toBe(v.line('k8s/app.yaml', 'port: htp'));
    expect(f.fix).toBe('Use one of: http.');
  });

  it('accepts v3.7 fields (passiveHealthCheck); warns (not errs) on other unknown Traefik fields that are no typo', () => {
    const known = check({
      'k8s/ingressroute.yaml': [
        [
          '          strategy: wrr\n',
          '          strategy: wrr\n          passiveHealthCheck:\n            failureWindow: 10s\n',
        ],
      ],
    });
    expect(known.findings).toEqual([]);
    const { findings } = check({
      'k8s/ingressroute.yaml': [
        ['          strategy: wrr\n', '          strategy: wrr\n          retryBudget: 3\n'],
      ],
    });
    expect(only(findings, 'schema-unknown-field').severity).toBe('warning');
    expect(errorsOf(findings)).toEqual([]);
  });

  it('warns about fields Traefik v3 deprecated: ipWhiteList, stripPrefix.forceSlash', () => {
    const middleware =
      '---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: lan\n  namespace: wsk\nspec:\n  ipWhiteList:\n    sourceRange: [127.0.0.1/32]\n' +
      '---\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: strip\n  namespace: wsk\nspec:\n  stripPrefix:\n    prefixes: [/wsk]\n    forceSlash: false\n';
    const { v, findings } = check({
      'k8s/ingressroute.yaml': [['sameSite: lax\n', `sameSite: lax\n${middleware}`]],
    });
    const deprecated = findings.filter((f) => f.code === 'traefik-deprecated-option');
    expect(deprecated.map((f) => [f.object, f.severity, f.line, f.fix])).toEqual([
      [
        'Middleware/lan',
        'warning',
        v.line('k8s/ingressroute.yaml', 'ipWhiteList:'),
        'rename it to ipAllowList (same options)',
      ],
      [
        'Middleware/strip',
        'warning',
        v.line('k8s/ingressroute.yaml', 'forceSlash:'),
        'remove forceSlash: v3 still applies it and logs "`ForceSlash` option is deprecated"; without it the stripped path still starts with /',
      ],
    ]);
    // Deprecated is no error; defined and listed on no route is (they do nothing).
    expect(errorsOf(findings).map((f) => [f.code, f.object])).toEqual([
      ['middleware-not-attached', 'Middleware/lan'],
      ['middleware-not-attached', 'Middleware/strip'],
    ]);
  });

  it('reports a sameSite value the v3.7 CRD rejects', () => {
    const { v, findings } = check({ 'k8s/ingressroute.yaml': [['sameSite: lax', 'sameSite: relaxed']] });
    const f = only(findings, 'schema-enum');
    expect(f).toMatchObject({
      severity: 'error',
      line: v.line('k8s/ingressroute.yaml', 'sameSite: relaxed'),
    });
    expect(f.fix).toContain('lax, strict');
  });
});
