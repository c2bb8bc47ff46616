// A real Kubernetes control plane on loopback for the `apiserver` target: etcd and kube-apiserver (the
// release inside kind's node image, built by .ci/kube-tools.sh), no kubelet, no controllers. Everything it
// writes (etcd's data, the serving certificate, the service-account signing key, tokens, kubeconfigs) lives
// in one temporary directory, removed when it stops or the command exits.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UserError } from '../../errors.ts';
import { freePort } from '../../ports.ts';
import { type ManagedProcess, mustUndo, startProcess, waitFor } from '../../processes.ts';
import { findExecutable } from '../../tools.ts';
import { cachedTool, missingToolReason } from '../kube-tools.ts';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  readonly server: string;
  /** The CA bundle that verifies the API server's certificate. */
  readonly caFile: string;
  /** A kubeconfig (context `wsk-apiserver`) for the cluster admin. */
  readonly kubeconfig: string;
  /** The temporary directory holding etcd's data, keys, tokens and kubeconfigs (gone after stop). */
  readonly dir: string;
  /** etcd and kube-apiserver. */
  readonly processes: readonly ManagedProcess[];
  /** Milliseconds from starting etcd to kube-apiserver's /readyz answering ok. */
  readonly startMs: number;
  /** Writes a kubeconfig that authenticates with `token` (a ServiceAccount's, say) and returns its path. */
  kubeconfigFor(user: string, token: string): string;
  /**
   * A request to the API as the admin, straight over HTTPS (a kubectl process costs its discovery, most of a
   * second): what the workshop itself writes, the EndpointSlices and the CRDs. Rejects unless 2xx.
   */
  request(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown>;
  /** Server-side apply of one object over HTTPS, as field manager `manager`. */
  apply(object: Record<string, unknown>, manager: string): Promise<unknown>;
  /** Runs the pinned kubectl as the admin, always naming the context. Never rejects: read `code`. */
  kubectl(args: string[], options?: { input?: string; kubeconfig?: string }): Promise<KubectlResult>;
  /** Stops kube-apiserver, then etcd, and removes the temporary directory. */
  stop(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

const CONTEXT = 'wsk-apiserver';
const ADMIN = 'wsk-admin';

export interface ControlPlaneOptions {
  /** Print etcd's and kube-apiserver's output (for `--start`). */
  echo?: boolean;
  timeoutMs?: number;
  /** Where etcd and kube-apiserver listen (`--start`'s layout); free ports when absent. */
  ports?: { etcdClient: number; etcdPeer: number; apiserver: number };
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const apiserver = cachedTool('kube-apiserver');
  if (!apiserver) throw new UserError(missingToolReason('kube-apiserver'), 'Then run the command again.');
  const kubectl = cachedTool('kubectl');
  if (!kubectl) throw new UserError(missingToolReason('kubectl'), 'Then run the command again.');
  const etcd = findExecutable('etcd');
  if (!etcd)
    throw new UserError('etcd is not on PATH.', 'Install it: apt-get install etcd-server (Debian, Ubuntu).');

  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'wsk-apiserver-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    // Killed, not drained: the store is thrown away with the directory, and kube-apiserver's graceful
    // shutdown alone takes a second or more (the API server first, so it never retries a stopped etcd).
    for (const p of [...processes].reverse()) await p.stop({ signal: 'SIGKILL' });
    removeDir();
    undone();
  };
  // Undone like every process: on Ctrl-C, or in the exit hook after a crash, no key or token is left.
  const undone = mustUndo({ now: removeDir, stop });

  try {
    const {
      etcdClient,
      etcdPeer,
      apiserver: securePort,
    } = options.ports ?? {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      apiserver: await freePort(),
    };
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    processes.push(
      startProcess({
        name: 'etcd',
        command: etcd,
        args: [
          `--data-dir=${join(dir, 'etcd')}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
          // One member on tmpfs-like scratch data: fsync buys nothing here and costs seconds on shared disks.
          '--unsafe-no-fsync',
        ],
        echo: options.echo,
      }),
    );

    // Service-account tokens (the TokenRequest API) are signed with this key; the admin uses a static token.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signingKey = join(dir, 'sa.key');
    const verifyKey = join(dir, 'sa.pub');
    writeFileSync(signingKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(verifyKey, publicKey.export({ type: 'spki', format: 'pem' }));
    const adminToken = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},${ADMIN},${ADMIN},system:masters\n`, {
      mode: 0o600,
    });

    const certDir = join(dir, 'certs');
    const server = `https://127.0.0.1:${securePort}`;
    const apiserverProcess = startProcess({
      name: 'kube-apiserver',
      command: apiserver,
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${securePort}`,
        // No certificate given: it makes a CA and a serving certificate for 127.0.0.1/localhost here.
        `--cert-dir=${certDir}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${verifyKey}`,
        `--service-account-signing-key-file=${signingKey}`,
        '--allow-privileged=true',
        // 127.0.0.1 is not a valid Endpoints address: with no reconciler it stops retrying to write one.
        '--endpoint-reconciler-type=none',
        // Fairness between many tenants' requests is moot for one user, and its setup costs start time.
        '--enable-priority-and-fairness=false',
      ],
      echo: options.echo,
    });
    processes.push(apiserverProcess);

    // The certificate file holds the serving certificate followed by the CA that signed it.
    const caFile = join(certDir, 'apiserver.crt');
    const ready = async () => {
      const { status, body } = await call('GET', `${server}/readyz`, readFileSync(caFile), adminToken);
      return status === 200 && body.trim() === 'ok' ? true : undefined;
    };
    await waitFor('kube-apiserver to be ready (/readyz)', ready, {
      timeoutMs: options.timeoutMs ?? 60_000,
      intervalMs: 100,
      process: apiserverProcess,
    });

    const kubeconfigFor = (user: string, token: string) => {
      const path = join(dir, `kubeconfig-${user.replace(/[^\w.-]/g, '_')}`);
      writeFileSync(path, kubeconfigYaml(server, caFile, user, token), { mode: 0o600 });
      return path;
    };
    const adminKubeconfig = kubeconfigFor(ADMIN, adminToken);
    const ca = readFileSync(caFile);
    const request = async (
      method: string,
      path: string,
      body?: unknown,
      contentType = 'application/json',
    ) => {
      const res = await call(method, `${server}${path}`, ca, adminToken, body, contentType);
      if (res.status < 200 || res.status > 299)
        throw new Error(`${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 500)}`);
      return res.body ? JSON.parse(res.body) : undefined;
    };
    return {
      server,
      caFile,
      dir,
      processes,
      kubeconfig: adminKubeconfig,
      startMs: Date.now() - started,
      kubeconfigFor,
      request,
      apply: (object, manager) =>
        request(
          'PATCH',
          `${objectPath(object)}?fieldManager=${encodeURIComponent(manager)}&force=true`,
          object,
          'application/apply-patch+yaml',
        ),
      kubectl: (args, { input, kubeconfig = adminKubeconfig } = {}) =>
        // Its own discovery cache: ~/.kube/cache is keyed by host:port, and a later control plane on the
        // same free port would be described by this one's resources (its CRDs, say).
        runKubectl(
          kubectl,
          ['--kubeconfig', kubeconfig, '--context', CONTEXT, '--cache-dir', join(dir, 'kube-cache'), ...args],
          input,
        ),
      stop,
    };
  } catch (err) {
    const output = processes.map((p) => `--- ${p.name}\n${p.output().slice(-4_000)}`).join('\n');
    await stop();
    if (err instanceof UserError) throw err;
    throw new UserError(
      `The Kubernetes control plane did not start: ${(err as Error).message}\n${output}`,
      'Run .ci/kube-tools.sh to rebuild the binaries; the output above says which process failed.',
    );
  }
}

function kubeconfigYaml(server: string, caFile: string, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT, cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user } }],
    'current-context': CONTEXT,
  });
}

function call(
  method: string,
  url: string,
  ca: Buffer,
  token: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (payload !== undefined) headers['content-type'] = contentType;
    const req = request(url, { method, ca, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The REST path of a namespaced or cluster-scoped object (the kinds the workshop writes itself). */
function objectPath(object: Record<string, unknown>): string {
  const apiVersion = String(object.apiVersion);
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const plural = PLURALS[String(object.kind)];
  if (!plural) throw new Error(`the workshop does not write ${String(object.kind)} objects itself`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const namespace = metadata.namespace ? `/namespaces/${metadata.namespace}` : '';
  return `${base}${namespace}/${plural}/${metadata.name}`;
}
const PLURALS: Record<string, string> = {
  EndpointSlice: 'endpointslices',
  CustomResourceDefinition: 'customresourcedefinitions',
};

function runKubectl(kubectl: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      kubectl,
      args,
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          stdout,
          stderr: stderr || (err && typeof err.code !== 'number' ? err.message : ''),
        }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
