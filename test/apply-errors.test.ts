// kubectl's refusals from a real API server, pointed at the attendee's file and line: the manifests applied
// before Traefik's CRDs exist, a field of the wrong type and a field the schema lacks, a namespace nobody
// creates. Skipped without the binaries, except under CI=true (CI builds them: .ci/kube-tools.sh).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyErrors, fieldPath } from '../scripts/lib/kubernetes/apply-errors.ts';
import { loadManifests } from '../scripts/lib/kubernetes/index.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { type ControlPlane, startControlPlane } from '../scripts/lib/targets/apiserver/control-plane.ts';
import { serverSideApply } from '../scripts/lib/targets/apiserver/traefik-provider.ts';
import { describeWith, lacking } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';

const missing = await lacking('kube-apiserver', 'kubectl', 'etcd');

/** Step 4's manifests with edits: [file, from, to] each (the text must be there). */
function manifestsWith(...edits: [string, string, string][]): string {
  const dir = join(tempDir('apply-errors-'), 'k8s');
  cpSync(join(solutionDir(findStep(4)), 'k8s'), dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text, `${file} must contain ${from}`).toContain(from);
    writeFileSync(join(dir, file), text.replace(from, to));
  }
  return dir;
}

describeWith(missing, "the API server's refusals, at the attendee's line", () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane();
  }, 90_000);
  afterAll(() => plane?.stop());

  async function refusals(dir: string) {
    const applied = await serverSideApply(plane, dir);
    expect(applied.code).not.toBe(0);
    return applyErrors(applied.stderr, loadManifests(dir).objects, dir);
  }

  // Runs first: Traefik's CRDs are never applied in this file.
  it("the IngressRoute before Traefik's CRDs: the fix is to apply them first", async () => {
    const [finding, ...more] = await refusals(manifestsWith());
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ file: 'ingressroute.yaml', line: 1, object: 'IngressRoute/app' });
    expect(finding.message).toBe(
      'no IngressRoute in traefik.io/v1alpha1 on this API server (kubectl: "no matches for kind IngressRoute in version traefik.io/v1alpha1")',
    );
    expect(finding.fix).toMatch(
      /^apply Traefik's CRDs before your manifests: kubectl apply --server-side -f/,
    );
  });

  it('a field of the wrong type and one the schema lacks: each at its own line', async () => {
    const dir = manifestsWith([
      'app.yaml',
      'imagePullPolicy: IfNotPresent',
      'imagePullPolicy: IfNotPresent\n          imagePullPolcy: Always',
    ]);
    const app = readFileSync(join(dir, 'app.yaml'), 'utf8').split('\n');
    writeFileSync(join(dir, 'app.yaml'), app.join('\n').replace('replicas: 3', 'replicas: "3"'));
    const findings = (await refusals(dir)).filter((f) => f.file === 'app.yaml');
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [
        app.findIndex((l) => l.includes('replicas: 3')) + 1,
        'spec.replicas: expected numeric (int or float), got string',
      ],
      [
        app.findIndex((l) => l.includes('imagePullPolcy')) + 1,
        'spec.template.spec.containers[name="app"].imagePullPolcy: field not declared in schema',
      ],
    ]);
  });

  it('a namespace no manifest creates: named at the first object in it', async () => {
    const findings = await refusals(manifestsWith(['redis.yaml', 'namespace: wsk', 'namespace: wsk-cache']));
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: 'redis.yaml',
        line: 5,
        message: 'namespace "wsk-cache" does not exist',
      }),
    );
  });
});

it('paths in the API server’s words resolve to the object’s fields, list items by key too', () => {
  const { objects } = loadManifests(join(solutionDir(findStep(4)), 'k8s'));
  const app = objects.find((o) => o.kind === 'Deployment' && o.name === 'app');
  expect(fieldPath(app, '.spec.template.spec.containers[name="app"].image')).toEqual([
    'spec',
    'template',
    'spec',
    'containers',
    0,
    'image',
  ]);
  expect(fieldPath(app, 'spec.routes[2].kind')).toEqual(['spec', 'routes', 2, 'kind']);
  // An item the object lacks stops the path where it is known.
  expect(fieldPath(app, 'spec.template.spec.containers[name="nope"].image')).toEqual([
    'spec',
    'template',
    'spec',
    'containers',
  ]);
});
