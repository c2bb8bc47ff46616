// Loading manifests: several documents per file with their lines, YAML read the way kubectl reads
// it, and every problem a finding (never a throw).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../scripts/lib/kubernetes/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'wsk-k8s-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(files: Record<string, string>) {
  const sub = mkdtempSync(join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
  return { sub, ...loadManifests(sub) };
}

describe('loadManifests', () => {
  it('reads every *.yaml / *.yml in name order, several documents per file, with their lines', () => {
    const { sub, objects, findings } = load({
      'b.yml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
      'a.yaml':
        '# comment\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: one\n  namespace: wsk\n---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: two\nspec:\n  ports:\n    - port: 80\n      targetPort: http\n',
      'notes.txt': 'not a manifest',
    });
    expect(findings).toEqual([]);
    expect(objects.map((o) => [o.file, o.kind, o.name, o.namespace, o.line])).toEqual([
      [join(sub, 'a.yaml'), 'ServiceAccount', 'one', 'wsk', 2],
      [join(sub, 'a.yaml'), 'Service', 'two', 'default', 9],
      [join(sub, 'b.yml'), 'ConfigMap', 'b', 'default', 1],
    ]);
    const service = objects[1];
    expect(service.lineOf(['spec', 'ports', 0, 'targetPort'])).toBe(16);
    expect(service.lineOf(['spec', 'ports', 0])).toBe(15);
    // A path that does not exist points at its deepest existing parent.
    expect(service.lineOf(['spec', 'selector', 'app'])).toBe(13);
  });

  it('parses YAML like kubectl does (YAML 1.1: yes/no booleans, merge keys)', () => {
    const { objects } = load({
      'a.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &labels\n    app: a\nextra:\n  <<: *labels\n  on: yes\n',
    });
    expect(objects[0].data.extra).toEqual({ app: 'a', true: true });
  });

  it('turns YAML errors into findings with the line, one per document', () => {
    const { sub, objects, findings } = load({
      'a.yaml':
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  name: y\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n',
      'b.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\n',
    });
    expect(findings.map((f) => [f.code, f.file, f.line])).toEqual([
      ['yaml-syntax', join(sub, 'a.yaml'), 5],
      ['yaml-syntax', join(sub, 'b.yaml'), 4],
    ]);
    expect(findings[0].message).toBe('YAML syntax error: Map keys must be unique');
    expect(findings[1].fix).toBe('Indent with spaces, never tabs.');
    expect(objects.map((o) => o.name)).toEqual(['fine']);
  });

  it('reports documents that are not objects or lack apiVersion/kind', () => {
    const { findings } = load({ 'a.yaml': '- just\n- a list\n---\nkind: Service\nmetadata:\n  name: x\n' });
    expect(findings.map((f) => [f.code, f.line])).toEqual([
      ['manifest-not-object', 1],
      ['manifest-missing-kind', 4],
    ]);
    expect(findings[1].message).toBe('this document has no apiVersion');
  });

  it('reports a missing or empty folder', () => {
    expect(loadManifests(join(dir, 'nope')).findings.map((f) => f.code)).toEqual(['manifests-missing']);
    expect(load({}).findings.map((f) => f.code)).toEqual(['manifests-empty']);
  });

  it('keeps kind cluster configs apart from cluster objects', () => {
    const { objects, kindConfigs } = load({
      'kind.yaml': 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n',
    });
    expect(objects).toEqual([]);
    expect(kindConfigs.map((c) => c.kind)).toEqual(['Cluster']);
  });
});
