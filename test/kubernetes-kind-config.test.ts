// kind-config.yaml: its structure (kind reads it strictly), and whether host port 80 reaches Traefik.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifests, validateKindConfig, validateManifests } from '../scripts/lib/kubernetes/index.ts';
import { type Variant, variant } from './fixtures/kubernetes/variant.ts';

const made: Variant[] = [];
afterAll(() => {
  for (const v of made) rmSync(v.root, { recursive: true, force: true });
});

function check(edits: Record<string, [string, string][] | null>) {
  const v = variant(edits);
  made.push(v);
  return { v, findings: validateKindConfig(v.kindConfig, loadManifests(v.manifests).objects) };
}

const HTTP_MAPPING =
  '      - containerPort: 30080\n        hostPort: 80\n        listenAddress: 127.0.0.1\n        protocol: TCP\n';

describe('kind-config.yaml', () => {
  it('passes for the workshop fixture', () => {
    expect(check({}).findings).toEqual([]);
  });

  it('reports a config without a host port 80 mapping, with the NodePort to map', () => {
    const { v, findings } = check({ 'kind-config.yaml': [[HTTP_MAPPING, '']] });
    expect(findings.map((f) => f.code)).toEqual(['kind-no-port-mapping']);
    expect(findings[0]).toMatchObject({
      severity: 'error',
      file: v.kindConfig,
      line: v.line('kind-config.yaml', '- role: control-plane'),
    });
    expect(findings[0].fix).toContain('containerPort: 30080');
    expect(findings[0].fix).toContain('hostPort: 80');
    // The cluster by its name: a bare `kind delete cluster` would delete the one called `kind`.
    expect(findings[0].fix).toContain('kind delete cluster --name wsk && kind create cluster --name wsk');
  });

  it('reports a mapping that reaches no Traefik port, and spells out both ways to fix it', () => {
    const { v, findings } = check({ 'kind-config.yaml': [['containerPort: 30080', 'containerPort: 30090']] });
    expect(findings.map((f) => f.code)).toEqual(['kind-port-unreachable']);
    expect(findings[0].line).toBe(v.line('kind-config.yaml', 'containerPort: 30090'));
    expect(findings[0].message).toContain('Service/traefik has nodePort 30080, 30808');
    expect(findings[0].fix).toContain('`containerPort: 30080`');
    expect(findings[0].fix).toContain('nodePort: 30090');
    expect(findings[0].fix).toContain('hostPort: 30090');
  });

  it('never offers a port outside 30000-32767 as a nodePort', () => {
    const { findings } = check({ 'kind-config.yaml': [['containerPort: 30080', 'containerPort: 8000']] });
    expect(findings.map((f) => f.code)).toEqual(['kind-port-unreachable']);
    expect(findings[0].fix).not.toContain('nodePort: 8000');
    expect(findings[0].fix).toContain('`containerPort: 30080`');
    expect(findings[0].fix).toContain('so 8000 cannot be one');
  });

  it("accepts a hostPort on Traefik's web port instead of a NodePort", () => {
    const { findings } = check({
      'kind-config.yaml': [['containerPort: 30080', 'containerPort: 80']],
      'k8s/traefik.yaml': [
        [
          '            - name: web\n              containerPort: 8000\n',
          '            - name: web\n              containerPort: 8000\n              hostPort: 80\n',
        ],
        ['  type: NodePort\n', ''],
        ['      nodePort: 30080\n', ''],
        ['      nodePort: 30808\n', ''],
      ],
    });
    // 8080 is no longer reachable either, but only host port 80 is required.
    expect(findings).toEqual([]);
  });

  it('warns when a port listens on every interface', () => {
    const { v, findings } = check({ 'kind-config.yaml': [['        listenAddress: 127.0.0.1\n', '']] });
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['kind-listen-address', 'warning']]);
    expect(findings[0].line).toBe(v.line('kind-config.yaml', '- containerPort: 30080'));
    expect(findings[0].message).toContain('0.0.0.0');
    const explicit = check({ 'kind-config.yaml': [['listenAddress: 127.0.0.1', 'listenAddress: 0.0.0.0']] });
    expect(explicit.findings[0]).toMatchObject({ code: 'kind-listen-address', severity: 'warning' });
  });

  it('reports structure errors from the schema with the closest field name', () => {
    const { v, findings } = check({
      'kind-config.yaml': [
        ['    extraPortMappings:', '    extraPortMapping:'],
        ['role: control-plane', 'role: master'],
      ],
    });
    const unknown = findings.find((f) => f.message.includes('extraPortMapping`'));
    expect(unknown).toMatchObject({
      code: 'kind-config-invalid',
      line: v.line('kind-config.yaml', 'extraPortMapping:'),
    });
    expect(unknown?.fix).toContain('Did you mean `extraPortMappings`?');
    const role = findings.find((f) => f.line === v.line('kind-config.yaml', 'role: master'));
    expect(role?.fix).toBe('Use one of: control-plane, worker.');
  });

  it('reports a protocol kind does not know and a port given as a string', () => {
    const { findings } = check({
      'kind-config.yaml': [
        ['protocol: TCP', 'protocol: HTTP'],
        ['hostPort: 80', 'hostPort: "80"'],
      ],
    });
    expect(findings.filter((f) => f.code === 'kind-config-invalid')).toHaveLength(2);
  });

  it('reports the wrong apiVersion', () => {
    const { findings } = check({
      'kind-config.yaml': [['kind.x-k8s.io/v1alpha4', 'kind.sigs.k8s.io/v1alpha3']],
    });
    expect(findings.map((f) => f.code)).toEqual(['kind-api-version']);
    expect(findings[0].fix).toBe('Write `apiVersion: kind.x-k8s.io/v1alpha4`.');
  });

  it('warns about a node image other than kindest/node v1.36', () => {
    const { findings } = check({
      'kind-config.yaml': [
        ['  - role: control-plane\n', '  - role: control-plane\n    image: kindest/node:v1.29.2\n'],
      ],
    });
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['kind-node-image', 'warning']]);
  });

  it('reports a host port mapped twice', () => {
    const { findings } = check({ 'kind-config.yaml': [['hostPort: 8080', 'hostPort: 80']] });
    expect(findings.map((f) => f.code)).toEqual(['kind-port-duplicate']);
  });

  it('warns when Traefik is reached by hostPort on a multi-node cluster without a nodeSelector', () => {
    const { findings } = check({
      'kind-config.yaml': [
        ['containerPort: 30080', 'containerPort: 80'],
        [
          '        protocol: TCP\n      - containerPort: 30808',
          '        protocol: TCP\n  - role: worker\n  - role: worker\n    extraPortMappings:\n      - containerPort: 30808',
        ],
      ],
      'k8s/traefik.yaml': [
        [
          '            - name: web\n              containerPort: 8000\n',
          '            - name: web\n              containerPort: 8000\n              hostPort: 80\n',
        ],
      ],
    });
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['kind-port-node', 'warning']]);
  });

  it('reports a missing file as a finding', () => {
    expect(validateKindConfig('/nonexistent/kind-config.yaml').map((f) => f.code)).toEqual([
      'manifest-unreadable',
    ]);
  });

  it('is checked when validating manifests, and flagged when it sits in the manifests folder', () => {
    const v = variant();
    made.push(v);
    expect(validateManifests(v.manifests, { kindConfig: v.kindConfig })).toEqual([]);
    const inside = validateManifests(v.root);
    expect(inside.map((f) => f.code)).toContain('kind-config-in-manifests');
  });
});
