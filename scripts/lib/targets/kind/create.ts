// Creating the step's kind cluster from the attendee's kind-config.yaml, as `kind create cluster` would, with
// three things an attendee's machine may need and should hear about: the pinned node image by its tag
// where the engine holds it but not its registry digest (an offline room, a node image built locally); a
// cgroup v1 engine, where the kubelet refuses to start since Kubernetes 1.35 unless told not to (the patch
// goes into a copy of the config, never into their file); and the kubeconfig's current context, which kind
// switches to the new cluster and which is put back, saying so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { KIND_NODE_IMAGE, KIND_NODE_TAG } from '../../kubernetes/versions.ts';
import { type CommandResult, interrupting, mustUndo, runCommand } from '../../processes.ts';
import { type ClusterCommands, commandFailed, type KindCluster } from './cluster.ts';

/** The kubelet setting a cgroup v1 host needs (kind passes it to kubeadm), as a kind config patch. */
export const CGROUP_V1_PATCH = 'kind: KubeletConfiguration\nfailCgroupV1: false\n';

export interface Created {
  /** What the attendee should know about how it was created. */
  notes: string[];
  /**
   * Called once the step is up, or when it failed for a reason of its own: the cluster then stays (the
   * next run reuses it; `--down` deletes it). Until then, an interrupt deletes the cluster it created.
   */
  keep(): void;
}

/** The `--image` to create the cluster with, and a note when it is not the pinned digest. */
export async function nodeImage(sh: ClusterCommands): Promise<{ image: string; note?: string }> {
  const has = async (ref: string) =>
    (await sh.attempt(['docker', 'image', 'inspect', '--format', '{{.Id}}', ref])).exitCode === 0;
  if ((await has(KIND_NODE_IMAGE)) || !(await has(KIND_NODE_TAG))) return { image: KIND_NODE_IMAGE };
  return {
    image: KIND_NODE_TAG,
    note: `kind's node image by its tag ${KIND_NODE_TAG}: this engine holds it without its registry digest (loaded from a file or built locally), so kind takes it as it is.`,
  };
}

/** The engine's cgroup version ('1' or '2'): the kind node's kubelet runs on the engine's host. */
async function engineCgroups(sh: ClusterCommands): Promise<string> {
  return (await sh.run(['docker', 'info', '--format', '{{.CgroupVersion}}'])).stdout.trim();
}

/** The attendee's config with the cgroup v1 patch added to its kubeadmConfigPatches (their file untouched). */
export function withCgroupV1Patch(text: string): string {
  const doc = parseDocument(text);
  const patches = doc.get('kubeadmConfigPatches');
  const list = Array.isArray((patches as { items?: unknown[] } | undefined)?.items)
    ? patches
    : doc.createNode([]);
  (list as { add(v: unknown): void }).add(CGROUP_V1_PATCH);
  doc.set('kubeadmConfigPatches', list);
  return doc.toString();
}

/** The kubeconfig's current context, or undefined when it has none. */
async function currentContext(): Promise<string | undefined> {
  const result = await runCommand({
    name: 'kubectl',
    command: 'kubectl',
    args: ['config', 'current-context'],
  });
  return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
}

/** After kind wrote the cluster's context: the attendee's current context put back, and what to tell them. */
async function restoreContext(cluster: KindCluster, before: string | undefined): Promise<string[]> {
  const after = await currentContext();
  if (before && after !== before) {
    await runCommand({ name: 'kubectl', command: 'kubectl', args: ['config', 'use-context', before] });
    return [
      `kind added the context ${cluster.context} to your kubeconfig; your current context is still ${before} (the workshop names ${cluster.context} in every command).`,
    ];
  }
  return before
    ? []
    : [`kind added the context ${cluster.context} to your kubeconfig and made it the current one.`];
}

/**
 * A cluster that runs but whose context the kubeconfig lacks (another KUBECONFIG, a file edited since):
 * kind writes it again, the current context kept as it was.
 */
export async function ensureContext(sh: ClusterCommands, cluster: KindCluster): Promise<string[]> {
  const contexts = await runCommand({
    name: 'kubectl',
    command: 'kubectl',
    args: ['config', 'get-contexts', '--output', 'name'],
  });
  if (contexts.stdout.split('\n').some((l) => l.trim() === cluster.context)) return [];
  const before = await currentContext();
  await sh.kind(['export', 'kubeconfig']);
  return [
    `Your kubeconfig had no context ${cluster.context} for the running cluster: kind wrote it again.`,
    ...(await restoreContext(cluster, before)),
  ];
}

export async function createCluster(
  sh: ClusterCommands,
  cluster: KindCluster,
  dir: string,
): Promise<Created> {
  const notes: string[] = [];
  const { image, note } = await nodeImage(sh);
  if (note) notes.push(note);
  let config = join(dir, 'kind-config.yaml');
  const scratch = mkdtempSync(join(tmpdir(), 'wsk-kind-'));
  if ((await engineCgroups(sh)) === '1') {
    config = join(scratch, 'kind-config.yaml');
    writeFileSync(config, withCgroupV1Patch(readFileSync(join(dir, 'kind-config.yaml'), 'utf8')));
    notes.push(
      'This Docker engine runs cgroup v1, which the kubelet refuses since Kubernetes 1.35: the cluster was created with `failCgroupV1: false` added to a copy of your kind-config.yaml (kubeadmConfigPatches, kind: KubeletConfiguration). Your file is unchanged.',
    );
  }
  const before = await currentContext();
  // Registered before kind starts: an interrupt at any moment takes down the half-made cluster, once the
  // `kind create` process itself has been stopped (processes.ts stops every process in parallel). The
  // delete runs synchronously and once: nothing new may start while stopping, and the exit hook may
  // reach it first.
  let creating: Promise<CommandResult> | undefined;
  let deleted = false;
  const deleteCluster = () => {
    if (deleted) return;
    deleted = true;
    spawnSync('kind', ['delete', 'cluster', '--name', cluster.name], { stdio: 'ignore', timeout: 60_000 });
  };
  const undo = mustUndo({
    now: deleteCluster,
    stop: async () => {
      await creating?.catch(() => undefined);
      deleteCluster();
    },
  });
  try {
    const argv = ['kind', 'create', 'cluster', '--name', cluster.name, '--config', config, '--image', image];
    creating = sh.attempt(argv);
    const result = await creating;
    if (result.exitCode !== 0) {
      undo();
      // kind removes what it made when it fails on its own.
      throw commandFailed(argv, result, 'read the output above; `npm run doctor` checks Docker and kind');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  notes.push(...(await restoreContext(cluster, before)));
  return {
    notes,
    keep: () => {
      if (!interrupting()) undo();
    },
  };
}
