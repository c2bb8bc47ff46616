// kind's own verdict on kind-config.yaml, next to ours: the pinned kind binary (built by .ci/kube-tools.sh)
// decodes and validates the solutions' files and each mistake the workshop teaches. Where kind rejects a
// file, our checker must report an error too; where kind accepts it, ours may only add what kind cannot
// know (whether host port 80 reaches Traefik) or a warning. Skipped without the binary, except under CI.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadManifests, validateKindConfig } from '../scripts/lib/kubernetes/index.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { kindVerdict } from '../scripts/lib/targets/kind/kind-verdict.ts';
import { cachedTool } from '../scripts/lib/targets/kube-tools.ts';
import { type Variant, variant } from './fixtures/kubernetes/variant.ts';
import { describeWith, lacking } from './helpers/needs.ts';

const missing = await lacking('kind');
const kind = cachedTool('kind');

/** Findings only the workshop can make: kind never sees the manifests, so it cannot tell where port 80 lands. */
const BEYOND_KIND = new Set(['kind-no-port-mapping', 'kind-port-unreachable']);

interface Mistake {
  name: string;
  edits: [string, string][];
  /** A substring of kind's error, or undefined when kind accepts the file. */
  kindSays?: string;
  /** Our finding's code and severity. */
  ours: [string, 'error' | 'warning'];
}

const MISTAKES: Mistake[] = [
  {
    name: 'no host port 80 mapping',
    edits: [
      [
        '      - containerPort: 30080\n        hostPort: 80\n        listenAddress: 127.0.0.1\n        protocol: TCP\n',
        '',
      ],
    ],
    ours: ['kind-no-port-mapping', 'error'],
  },
  {
    name: 'host port 80 mapped to a node port Traefik does not use',
    edits: [['containerPort: 30080', 'containerPort: 30090']],
    ours: ['kind-port-unreachable', 'error'],
  },
  {
    name: 'a port on every interface',
    edits: [['        listenAddress: 127.0.0.1\n', '']],
    ours: ['kind-listen-address', 'warning'],
  },
  {
    name: 'a misspelt field',
    edits: [['    extraPortMappings:', '    extraPortMapping:']],
    kindSays: 'field extraPortMapping not found in type v1alpha4.Node',
    ours: ['kind-config-invalid', 'error'],
  },
  {
    name: 'the old role name',
    edits: [['role: control-plane', 'role: master']],
    kindSays: '"master" is not a valid node role',
    ours: ['kind-config-invalid', 'error'],
  },
  {
    name: 'a protocol kind does not know',
    edits: [['protocol: TCP', 'protocol: HTTP']],
    kindSays: 'Unknown PortMappingProtocol: "HTTP"',
    ours: ['kind-config-invalid', 'error'],
  },
  {
    name: 'a port given as a string',
    edits: [['hostPort: 80', 'hostPort: "80"']],
    kindSays: 'cannot unmarshal !!str `80` into int32',
    ours: ['kind-config-invalid', 'error'],
  },
  {
    name: "the blog's apiVersion",
    edits: [['kind.x-k8s.io/v1alpha4', 'kind.sigs.k8s.io/v1alpha3']],
    kindSays: 'unknown apiVersion: kind.sigs.k8s.io/v1alpha3',
    ours: ['kind-api-version', 'error'],
  },
  {
    name: 'an old node image',
    edits: [['  - role: control-plane\n', '  - role: control-plane\n    image: kindest/node:v1.29.2\n']],
    ours: ['kind-node-image', 'warning'],
  },
  {
    name: 'a host port mapped twice',
    edits: [['hostPort: 8080', 'hostPort: 80']],
    kindSays: 'port mapping with same listen address, port and protocol already configured: 127.0.0.1:80/TCP',
    ours: ['kind-port-duplicate', 'error'],
  },
];

describeWith(missing, "kind's own verdict on kind-config.yaml", () => {
  const made: Variant[] = [];
  beforeAll(() => {});
  afterAll(() => {
    for (const v of made) rmSync(v.root, { recursive: true, force: true });
  });

  const solutions = readdirSync(join(ROOT, 'solutions'))
    .map((step) => join('solutions', step, 'kind-config.yaml'))
    .filter((file) => readdirSync(join(ROOT, file, '..')).includes('kind-config.yaml'));

  it.each(['kind-config.yaml', ...solutions])('kind accepts %s, and so do we', async (file) => {
    const verdict = await kindVerdict(kind as string, join(ROOT, file));
    expect(verdict, verdict.message).toMatchObject({ accepted: true });
    expect(validateKindConfig(join(ROOT, file)).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it.each(MISTAKES)('$name: kind and our checker agree', async ({ edits, kindSays, ours }) => {
    const v = variant({ 'kind-config.yaml': edits });
    made.push(v);
    const verdict = await kindVerdict(kind as string, v.kindConfig);
    const findings = validateKindConfig(v.kindConfig, loadManifests(v.manifests).objects);
    expect(findings.map((f) => [f.code, f.severity])).toContainEqual(ours);
    if (kindSays) {
      expect(verdict.accepted, 'kind accepted a file we teach as a mistake').toBe(false);
      expect(verdict.message).toContain(kindSays);
    } else {
      expect(verdict, verdict.message).toMatchObject({ accepted: true });
      const errors = findings.filter((f) => f.severity === 'error');
      expect(
        errors.filter((f) => !BEYOND_KIND.has(f.code)),
        'kind accepts this file',
      ).toEqual([]);
    }
  });

  it('kind upper-cases the protocol, so a lower-case one is fine for both', async () => {
    const v = variant({ 'kind-config.yaml': [['protocol: TCP', 'protocol: tcp']] });
    made.push(v);
    const verdict = await kindVerdict(kind as string, v.kindConfig);
    expect(verdict, verdict.message).toMatchObject({ accepted: true });
    expect(validateKindConfig(v.kindConfig, loadManifests(v.manifests).objects)).toEqual([]);
  });
});
