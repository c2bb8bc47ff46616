// What the cross-reference checks and the translation need to know about pods: which objects run
// them, their labels, containers and ports, how many replicas, and which one is Traefik (with the
// entry points and providers its command line sets up).

import { parseImage } from '../image-ref.ts';
import { parseStaticConfig, type StaticConfig } from '../traefik/static-config.ts';
import {
  asArray,
  asRecord,
  asString,
  isClusterScoped,
  isRecord,
  type Json,
  type ManifestObject,
  type PathSegment,
} from './manifest.ts';

export interface Workload {
  object: ManifestObject;
  /** Path of the pod template in `object.data` (`[]` for a bare Pod). */
  templatePath: PathSegment[];
  labels: Record<string, string>;
  podSpec: Json;
  containers: Json[];
  replicas: number;
}

const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function workloadsOf(objects: ManifestObject[]): Workload[] {
  const workloads: Workload[] = [];
  for (const object of objects) {
    const data = object.data;
    if (object.kind === 'Pod') {
      workloads.push(workload(object, [], data, 1));
    } else if (TEMPLATED.has(object.kind)) {
      const spec = asRecord(data.spec);
      const replicas = object.kind === 'DaemonSet' || object.kind === 'Job' ? 1 : spec.replicas;
      workloads.push(workload(object, ['spec', 'template'], asRecord(spec.template), replicas));
    }
  }
  return workloads;
}

function workload(
  object: ManifestObject,
  templatePath: PathSegment[],
  template: Json,
  replicas: unknown,
): Workload {
  const labels = stringMap(asRecord(template.metadata).labels);
  const podSpec = asRecord(template.spec);
  return {
    object,
    templatePath,
    labels,
    podSpec,
    containers: asArray(podSpec.containers).filter(isRecord),
    // Kubernetes defaults spec.replicas to 1; a wrong type is reported by the schema check.
    replicas: typeof replicas === 'number' ? replicas : 1,
  };
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value))) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A Service selector (equality-based) selects pods carrying all of its labels. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export const sameNamespace = (a: ManifestObject, b: ManifestObject) =>
  isClusterScoped(a.kind) || isClusterScoped(b.kind) || a.namespace === b.namespace;

export function servicesOf(objects: ManifestObject[]): ManifestObject[] {
  return objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
}

/** The workloads a Service's selector picks, in its namespace. */
export function selectedWorkloads(service: ManifestObject, workloads: Workload[]): Workload[] {
  const selector = stringMap(asRecord(service.data.spec).selector);
  return workloads.filter((w) => sameNamespace(w.object, service) && selects(selector, w.labels));
}

/** Literal env of a container (REDIS_URL, PORT, …); `valueFrom` entries are left out. */
export function literalEnv(container: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of asArray(container?.env)) {
    const entry = asRecord(e);
    if (typeof entry.name === 'string' && typeof entry.value === 'string') out[entry.name] = entry.value;
  }
  return out;
}

/** Redis (or Valkey) by its image's name. */
export const isRedisWorkload = (w: Workload) =>
  w.containers.some((c) => /(^|\/)(redis|valkey)$/.test(parseImage(asString(c.image) ?? '').repository));

export interface ContainerPort {
  containerIndex: number;
  portIndex: number;
  name?: string;
  containerPort: number;
  hostPort?: number;
}

export function containerPorts(w: Workload): ContainerPort[] {
  return w.containers.flatMap((c, containerIndex) =>
    asArray(c.ports)
      .filter(isRecord)
      .flatMap((p, portIndex) =>
        typeof p.containerPort === 'number'
          ? [
              {
                containerIndex,
                portIndex,
                name: asString(p.name),
                containerPort: p.containerPort,
                hostPort: typeof p.hostPort === 'number' ? p.hostPort : undefined,
              },
            ]
          : [],
      ),
  );
}

/** Resolves a Service targetPort (number or port name) on a workload's containers. */
export function resolveTargetPort(target: unknown, w: Workload): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target === 'string') {
    if (/^\d+$/.test(target)) return Number(target);
    return containerPorts(w).find((p) => p.name === target)?.containerPort;
  }
  return undefined;
}

// --- Traefik ---------------------------------------------------------------------------------------

export interface EntryPoint {
  name: string;
  port?: number;
}

export interface TraefikInstall {
  workload: Workload;
  containerIndex: number;
  container: Json;
  /** The static configuration its command line sets (the parser shared with compose.yaml). */
  static: StaticConfig;
  /** False when Traefik reads a config file: entry points are then not visible in the manifests. */
  entryPointsKnown: boolean;
  entryPoints: EntryPoint[];
  crdProvider: boolean;
  allowCrossNamespace: boolean;
}

const isTraefikImage = (image: string) => {
  const repository = parseImage(image).repository;
  return repository === 'traefik' || repository.endsWith('/traefik');
};

/** Finds the workload running Traefik: its image, or the flags only Traefik takes. */
export function findTraefik(objects: ManifestObject[]): TraefikInstall | undefined {
  const candidates: { workload: Workload; containerIndex: number; score: number }[] = [];
  for (const w of workloadsOf(objects)) {
    w.containers.forEach((c, containerIndex) => {
      const image = asString(c.image) ?? '';
      const argsText = [...asArray(c.command), ...asArray(c.args)].join(' ').toLowerCase();
      const score = (isTraefikImage(image) ? 2 : 0) + (/--(providers|entrypoints)\./.test(argsText) ? 1 : 0);
      if (score > 0) candidates.push({ workload: w, containerIndex, score });
    });
  }
  const best = candidates.sort((a, b) => b.score - a.score)[0];
  if (!best) return undefined;
  const container = best.workload.containers[best.containerIndex];
  const containerPath = [...best.workload.templatePath, 'spec', 'containers', best.containerIndex];
  // `command` replaces the image's entrypoint (its first item is the program), `args` follow it.
  const items = [
    ...asArray(container.command).map((item, i) => ({ item, path: [...containerPath, 'command', i] })),
    ...asArray(container.args).map((item, i) => ({ item, path: [...containerPath, 'args', i] })),
  ].filter((a, i) => !(i === 0 && container.command !== undefined && a.item === 'traefik'));
  const args = items.map((a) => String(a.item));
  const argPaths = items.map((a) => a.path);
  const parsed = parseStaticConfig(
    args,
    argPaths.map((path) => best.workload.object.lineOf(path)),
  );
  const entryPoints = Object.values(parsed.entryPoints).map((ep) => ({ name: ep.name, port: ep.port }));
  return {
    workload: best.workload,
    containerIndex: best.containerIndex,
    container,
    static: parsed,
    entryPointsKnown: parsed.configFile === undefined,
    entryPoints,
    crdProvider: parsed.providers.kubernetesCRD !== undefined,
    allowCrossNamespace: parsed.providers.kubernetesCRD?.allowCrossNamespace ?? false,
  };
}
