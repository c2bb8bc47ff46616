// Traefik's Kubernetes CRD provider against the `apiserver` target's control plane: Traefik's CRDs and the
// attendee's manifests are applied with server-side apply (so validation errors are the API server's own),
// then the real Traefik binary runs outside the cluster with the attendee's Deployment args (only addresses
// moved to loopback, as in the rehearsal), authenticated as the attendee's ServiceAccount. Its informers then meet the attendee's ClusterRole for real: a missing
// rule shows up as the API server's "forbidden", which `forbiddenIn` turns into the rule to add.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { UserError } from '../../errors.ts';
import { asArray, asRecord, asString, type ManifestObject } from '../../kubernetes/manifest.ts';
import type { TraefikInstall } from '../../kubernetes/workloads.ts';
import { freePort } from '../../ports.ts';
import { startProcess, waitFor } from '../../processes.ts';
import { asArgs } from '../../traefik/static-config.ts';
import type { TraefikBinary } from '../../traefik-run/binary.ts';
import {
  notStarted,
  rehearsalArgs,
  routerErrors,
  startupNotesOnce,
  type TraefikView,
} from '../../traefik-run/process.ts';
import type { ControlPlane, KubectlResult } from './control-plane.ts';

const FIELD_MANAGER = 'wsk';

/** Server-side apply of a file or folder (kubectl reads a folder's files in name order). */
export function serverSideApply(plane: ControlPlane, path: string): Promise<KubectlResult> {
  return plane.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', path]);
}

/**
 * Applies the CRD definitions (server-side, straight over HTTPS) and waits until the API server serves
 * every one (Established). Throws with the API server's words when one is refused.
 */
export async function applyCrds(plane: ControlPlane, crdFile: string): Promise<void> {
  const crds = parseAllDocuments(readFileSync(crdFile, 'utf8'))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d?.kind === 'CustomResourceDefinition');
  await Promise.all(crds.map((crd) => plane.apply(crd, FIELD_MANAGER)));
  const names = crds.map((crd) => String(asRecord(crd.metadata).name));
  await waitFor(
    "the API server to serve Traefik's CRDs (Established)",
    async () => {
      const list = asRecord(
        await plane.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
      );
      const established = new Set(
        asArray(list.items)
          .map(asRecord)
          .filter((crd) =>
            asArray(asRecord(crd.status).conditions)
              .map(asRecord)
              .some((c) => c.type === 'Established' && c.status === 'True'),
          )
          .map((crd) => asRecord(crd.metadata).name),
      );
      return names.every((n) => established.has(n)) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
}

/**
 * An EndpointSlice for one pod of a Service: what the endpointslice controller would write for a ready pod,
 * had this cluster a kubelet. `portFor` maps each Service port to where the pod's process listens. The API
 * server refuses loopback addresses here (127.0.0.0/8, ::1), so `address` is another of this machine's.
 */
export function endpointSliceFor(
  service: ManifestObject,
  pod: string,
  address: string,
  portFor: number | ((servicePort: Record<string, unknown>) => number),
  ready = true,
) {
  const ports = asArray(asRecord(service.data.spec).ports).map(asRecord);
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service.name}-${pod}`,
      namespace: service.namespace,
      labels: { 'kubernetes.io/service-name': service.name, 'endpointslice.kubernetes.io/managed-by': 'wsk' },
    },
    addressType: address.includes(':') ? 'IPv6' : 'IPv4',
    ports: ports.map((p) => ({
      name: asString(p.name) ?? '',
      port: typeof portFor === 'number' ? portFor : portFor(p),
      protocol: asString(p.protocol) ?? 'TCP',
    })),
    endpoints: [{ addresses: [address], conditions: { ready, serving: ready, terminating: !ready } }],
  };
}

export interface KubernetesTraefik extends TraefikView {
  /** `system:serviceaccount:NS:NAME`, whom the API server sees. */
  serviceAccount: string;
}

/**
 * Starts the Traefik binary with the Deployment's args (entry points moved to loopback ports: `ports` by
 * name, the others free; the API on `apiPort`, free when absent), authenticated as the pod's
 * ServiceAccount through a token from the TokenRequest API. Resolves once Traefik's API answers.
 */
export async function startTraefikAs(
  plane: ControlPlane,
  binary: TraefikBinary,
  install: TraefikInstall,
  {
    ports = {},
    apiPort: givenApiPort,
    echo = false,
  }: { ports?: Record<string, number>; apiPort?: number; echo?: boolean } = {},
): Promise<KubernetesTraefik> {
  const { workload } = install;
  const namespace = workload.object.namespace ?? 'default';
  const account = asString(workload.podSpec.serviceAccountName) ?? 'default';
  const token = await plane.kubectl(['-n', namespace, 'create', 'token', account, '--duration=1h']);
  if (token.code !== 0)
    throw new UserError(
      `Could not get a token for ServiceAccount ${namespace}/${account}, which Traefik's Deployment runs as: ${token.stderr.trim()}`,
      `create it: a ServiceAccount named ${account} in namespace ${namespace} (k8s/traefik-rbac.yaml)`,
    );
  const serviceAccount = `system:serviceaccount:${namespace}:${account}`;
  const kubeconfig = plane.kubeconfigFor(serviceAccount, token.stdout.trim());

  // The parsed flags, `command:` and `args:` alike, each as one `--name=value` (as the rehearsal passes them).
  const written = asArgs(install.static);
  const all: Record<string, number> = { ...ports };
  for (const name of Object.keys(install.static.entryPoints))
    if (name.toLowerCase() !== 'traefik') all[name] ??= await freePort();
  const apiPort = givenApiPort ?? (await freePort());
  const { args, notes } = rehearsalArgs(written, all, apiPort);
  const process = startProcess({
    name: 'traefik',
    command: binary.path,
    args,
    // Traefik builds its client from KUBECONFIG when it is not inside a pod; the token stays off argv.
    env: { KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined },
    echo: echo && startupNotesOnce(),
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const stop = async () => void (await process.stop({ graceMs: 300 }));
  await waitFor(
    `Traefik's API on ${apiUrl}`,
    async () =>
      (await fetch(`${apiUrl}/api/version`, { signal: AbortSignal.timeout(1_000) })).ok || undefined,
    { process, timeoutMs: 15_000 },
  ).catch(async (err: Error) => {
    await stop();
    throw notStarted(process.output(), err);
  });
  return {
    binary,
    process,
    apiUrl,
    entryPoints: Object.fromEntries(Object.entries(all).map(([n, port]) => [n, `http://127.0.0.1:${port}`])),
    notes,
    serviceAccount,
    problems: () => routerErrors(apiUrl).catch(() => []),
    stop,
  };
}

/** Waits until Traefik's API lists a router whose name contains `name` (the provider has synced). */
export function waitForRouter(run: TraefikView, name: string, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    `Traefik to load a router for ${name}`,
    async () => {
      const res = await fetch(`${run.apiUrl}/api/http/routers`, { signal: AbortSignal.timeout(1_000) });
      const routers = (await res.json()) as { name: string }[];
      return routers.find((r) => r.name.includes(name))?.name;
    },
    { timeoutMs, intervalMs: 200, process: run.process },
  );
}
