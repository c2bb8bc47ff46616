// The workshop's kind commands run by the real kind binary (the pinned v0.32.0, built by .ci/kube-tools.sh).
// There is no node here, so kind talks to a fake docker that answers as a cluster's node container would;
// what is real is kind's reading of our argv and what it then asks of docker: which cluster's nodes
// (--name), the node's containerd snapshotter, the archive piped into `ctr images import`, the node
// containers removed on delete. Skipped without the binary, except under CI.
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ROOT } from '../scripts/lib/paths.ts';
import { clusterCommands, kindCluster } from '../scripts/lib/targets/kind/cluster.ts';
import { loadImagesIntoKind } from '../scripts/lib/targets/kind/image-archive.ts';
import { deleteKindCluster } from '../scripts/lib/targets/kind/index.ts';
import { cachedTool } from '../scripts/lib/targets/kube-tools.ts';
import { type FakeTools, fakeTools } from './helpers/fake-tools.ts';
import { describeWith, lacking } from './helpers/needs.ts';
import { tempDir } from './helpers/temp.ts';

const missing = await lacking('kind');
const kind = cachedTool('kind') ?? 'kind';
const STEP4 = join(ROOT, 'solutions/04-kind-traefik');
const KEYS = ['PATH', 'KUBECONFIG', 'FAKE_KIND_CLUSTERS'] as const;

describeWith(missing, 'the real kind binary, with a fake docker as its node', () => {
  let fakes: FakeTools;
  const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  beforeEach(() => {
    fakes = fakeTools(['docker', 'kubectl']);
    symlinkSync(kind, join(fakes.bin, 'kind'));
    process.env.PATH = fakes.path;
    // kind edits the kubeconfig on delete: never the one of whoever runs the tests.
    process.env.KUBECONFIG = join(tempDir('wsk-kubeconfig-'), 'config');
    process.env.FAKE_KIND_CLUSTERS = 'wsk';
  });
  afterEach(() => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  /** What kind asked of docker, after our own `docker save` (the archive's path written ARCHIVE). */
  const kindAsked = (archive: string) =>
    fakes
      .calls()
      .filter((c) => c.startsWith('docker ') && !/^docker (save|info --format \{\{\.ServerVersion)/.test(c))
      .map((c) => c.replaceAll(archive, 'ARCHIVE'));

  it('loads the saved archive into the named cluster’s node through containerd’s import', async () => {
    const cluster = kindCluster(STEP4);
    const sh = clusterCommands(cluster, { hint: 'kind get clusters' });
    await loadImagesIntoKind(sh, ['wsk-app:1.0.0'], { containerd: false });
    const save = fakes.calls().find((c) => c.startsWith('docker save')) ?? '';
    const archive = save.split(' ')[3];
    expect(save).toBe(`docker save -o ${archive} wsk-app:1.0.0`);
    expect(kindAsked(archive)).toEqual([
      'docker -v',
      // Only the nodes of the cluster named with --name.
      'docker ps -a --filter label=io.x-k8s.kind.cluster=wsk --format {{.Names}}',
      'docker inspect --format {{ index .Config.Labels "io.x-k8s.kind.role"}} wsk-control-plane',
      'docker exec --privileged wsk-control-plane containerd config dump',
      'docker exec --privileged -i wsk-control-plane ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -',
    ]);
    // The bytes `docker save` wrote are what reached the node's containerd; the archive itself is gone.
    expect(readFileSync(join(fakes.bin, 'ctr-import.tar'), 'utf8')).toBe(
      `saved: ${save.slice('docker '.length)}\n`,
    );
    expect(existsSync(archive)).toBe(false);
  });

  it('a cluster that does not run: kind’s own words, as one message with a hint', async () => {
    const sh = clusterCommands(
      { name: 'room', context: 'kind-room' },
      { hint: 'npm run step 4 -- --start --target kind' },
    );
    const failed = await loadImagesIntoKind(sh, ['wsk-app:1.0.0'], { containerd: false }).catch(
      (e: unknown) => e,
    );
    expect(failed).toMatchObject({
      name: 'UserError',
      message: expect.stringMatching(
        /^`kind load image-archive \S+ --name room` failed \(exit code 1\): .*no nodes found for cluster "room"/,
      ),
      hint: 'npm run step 4 -- --start --target kind',
    });
  });

  it('kind get clusters answers what start reads, and --down removes the named cluster’s node', async () => {
    const sh = clusterCommands(kindCluster(STEP4), { hint: 'kind get clusters' });
    // One name a line on stdout: `wsk` runs, so start creates nothing.
    expect((await sh.run(['kind', 'get', 'clusters'])).stdout).toBe('wsk\n');
    expect(fakes.calls()).toContain(
      'docker ps -a --filter label=io.x-k8s.kind.cluster --format {{.Label "io.x-k8s.kind.cluster"}}',
    );
    process.env.FAKE_KIND_CLUSTERS = '';
    const none = await sh.run(['kind', 'get', 'clusters']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No kind clusters found.');

    process.env.FAKE_KIND_CLUSTERS = 'wsk';
    expect(await deleteKindCluster(STEP4)).toBe("Deleted the kind cluster 'wsk'.");
    expect(fakes.calls().slice(-3)).toEqual([
      'docker -v',
      'docker ps -a --filter label=io.x-k8s.kind.cluster=wsk --format {{.Names}}',
      'docker rm -f -v wsk-control-plane',
    ]);
  });
});
