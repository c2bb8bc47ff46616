// Traefik's Kubernetes CRD provider against the `apiserver` target's control plane: Traefik's CRDs and the
// attendee's manifests are applied with server-side apply (so validation errors are the API server's own),
// then the real Traefik binary runs outside the cluster with the attendee's Deployment args, authenticated
// as the attendee's ServiceAccount. Its informers then meet the attendee's ClusterRole for real: a missing
// rule shows up as the API server's "forbidden", which `forbiddenIn` turns into the rule to add.
import { freePort } from '../ports.ts';
import { type ManagedProcess, startProcess, waitFor } from '../processes.ts';
import type { ControlPlane, KubectlResult } from './control-plane.ts';
import { asArray, asRecord, asString, type ManifestObject } from './manifest.ts';
import { findTraefik } from './workloads.ts';

const FIELD_MANAGER = 'wsk';

/** Server-side apply of a file or folder (kubectl reads a folder's files in name order). */
export function serverSideApply(plane: ControlPlane, path: string): Promise<KubectlResult> {
  return plane.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', path]);
}

/** Applies the CRD definitions and waits until the API server serves them (Established). */
export async function applyCrds(plane: ControlPlane, crdFile: string): Promise<KubectlResult> {
  const applied = await serverSideApply(plane, crdFile);
  if (applied.code !== 0) return applied;
  return plane.kubectl(['wait', '--for=condition=Established', '--timeout=30s', '-f', crdFile]);
}

export interface Forbidden {
  user: string;
  verb: string;
  resource: string;
  /** "" for the core group. */
  group: string;
}

// client-go's reflector logs the API server's own status message, e.g.
// endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:wsk:traefik" cannot list
// resource "endpointslices" in API group "discovery.k8s.io" at the cluster scope
const FORBIDDEN =
  /is forbidden: User \\?"([^"\\]+)\\?" cannot (\w+) resource \\?"([^"\\]+)\\?" in API group \\?"([^"\\]*)\\?"/g;

/** Every distinct "forbidden" in a log, as the rule it lacks. */
export function forbiddenIn(output: string): Forbidden[] {
  const seen = new Map<string, Forbidden>();
  for (const [, user, verb, resource, group] of output.matchAll(FORBIDDEN)) {
    seen.set(`${user} ${verb} ${group}/${resource}`, { user, verb, resource, group });
  }
  return [...seen.values()];
}

/**
 * An EndpointSlice for one backend of a Service: what the endpointslice controller would write for a
 * ready pod, had this cluster a kubelet. Every Service port maps to `port` (a local process serves one).
 * The API server refuses loopback addresses here (127.0.0.0/8, ::1), so `address` must be another of
 * this machine's addresses for traffic to flow.
 */
export function endpointSliceFor(service: ManifestObject, backend: string, address: string, port: number) {
  const ports = asArray(asRecord(service.data.spec).ports).map(asRecord);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.name}-${backend}`,
      namespace: service.namespace,
      labels: { 'kubernetes.io/service-name': service.name, 'endpointslice.kubernetes.io/managed-by': 'wsk' },
    },
    addressType: address.includes(':') ? 'IPv6' : 'IPv4',
    ports: ports.map((p) => ({
      name: asString(p.name) ?? '',
      port,
      protocol: asString(p.protocol) ?? 'TCP',
    })),
    endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }],
  };
}

export interface TraefikRun {
  process: ManagedProcess;
  /** Traefik's API (the `traefik` entry point), for /api/http/routers and friends. */
  api: string;
  /** Entry point name -> http://127.0.0.1:PORT. */
  entryPoints: Record<string, string>;
  serviceAccount: string;
  stop(): Promise<void>;
}

/**
 * Starts the Traefik binary with the Deployment's args (entry points moved to free loopback ports),
 * authenticated as the pod's ServiceAccount through a token from the TokenRequest API.
 */
export async function startTraefikAs(
  plane: ControlPlane,
  traefik: string,
  objects: ManifestObject[],
  { echo = false }: { echo?: boolean } = {},
): Promise<TraefikRun> {
  const install = findTraefik(objects);
  if (!install) throw new Error('no Traefik Deployment in the manifests');
  const { workload, containerIndex } = install;
  const namespace = workload.object.namespace ?? 'default';
  const account = asString(workload.podSpec.serviceAccountName) ?? 'default';
  const token = await plane.kubectl(['-n', namespace, 'create', 'token', account, '--duration=1h']);
  if (token.code !== 0)
    throw new Error(`could not get a token for ServiceAccount ${namespace}/${account}: ${token.stderr}`);
  const serviceAccount = `system:serviceaccount:${namespace}:${account}`;
  const kubeconfig = plane.kubeconfigFor(serviceAccount, token.stdout.trim());

  const container = asRecord(workload.containers[containerIndex]);
  const entryPoints: Record<string, string> = {};
  const args: string[] = [];
  for (const arg of asArray(container.args).map(String)) {
    const address = /^--entry[Pp]oints\.([^.=]+)\.address=/.exec(arg);
    if (!address) {
      args.push(arg);
      continue;
    }
    const port = await freePort();
    entryPoints[address[1]] = `http://127.0.0.1:${port}`;
    args.push(`--entryPoints.${address[1]}.address=127.0.0.1:${port}`);
  }
  const process = startProcess({
    name: 'traefik',
    command: traefik,
    // Never phone home: the workshop runs offline and the checks stay on loopback.
    args: [...args, '--global.checkNewVersion=false', '--global.sendAnonymousUsage=false'],
    // Traefik builds its client from KUBECONFIG when it is not inside a pod; the token stays off argv.
    env: { KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined },
    echo,
  });
  const api = entryPoints.traefik ?? '';
  return { process, api, entryPoints, serviceAccount, stop: async () => void (await process.stop()) };
}

/** Waits until Traefik's API lists a router whose name contains `name` (the provider has synced). */
export function waitForRouter(run: TraefikRun, name: string, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    `Traefik to load a router for ${name}`,
    async () => {
      const res = await fetch(`${run.api}/api/http/routers`, { signal: AbortSignal.timeout(1_000) });
      const routers = (await res.json()) as { name: string }[];
      return routers.find((r) => r.name.includes(name))?.name;
    },
    { timeoutMs, intervalMs: 200, process: run.process },
  );
}
