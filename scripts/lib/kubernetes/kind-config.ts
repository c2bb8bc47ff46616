// kind-config.yaml: kind (v0.32) publishes no schema package, so the fields the workshop uses are
// described here from kind's v1alpha4 Cluster type. kind reads the file strictly (an unknown field
// fails `kind create cluster`), hence additionalProperties: false. Then the part that decides
// whether http://localhost reaches anything: a host port 80 mapping that lands on Traefik.

import { Ajv, type ErrorObject } from 'ajv';
import { closest } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import { isIngressRoute } from './lookups.ts';
import {
  asArray,
  asRecord,
  asString,
  formatPath,
  get,
  isRecord,
  type ManifestObject,
  type PathSegment,
  reporter,
} from './manifest.ts';
import { loadManifestFile } from './parse.ts';
import {
  containerPorts,
  findTraefik,
  resolveTargetPort,
  selectedWorkloads,
  servicesOf,
} from './workloads.ts';

const portMapping = {
  type: 'object',
  additionalProperties: false,
  required: ['containerPort'],
  properties: {
    containerPort: { type: 'integer', minimum: 1, maximum: 65535 },
    hostPort: { type: 'integer', minimum: 0, maximum: 65535 },
    listenAddress: { type: 'string' },
    // kind upper-cases the protocol before it checks it, so `tcp` is fine.
    protocol: { type: 'string', pattern: '^([Tt][Cc][Pp]|[Uu][Dd][Pp]|[Ss][Cc][Tt][Pp])$' },
  },
};

const node = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: { enum: ['control-plane', 'worker'] },
    image: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    extraPortMappings: { type: 'array', items: portMapping },
    extraMounts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['hostPath', 'containerPath'],
        properties: {
          hostPath: { type: 'string' },
          containerPath: { type: 'string' },
          readOnly: { type: 'boolean' },
          selinuxRelabel: { type: 'boolean' },
          propagation: { enum: ['None', 'HostToContainer', 'Bidirectional'] },
        },
      },
    },
    kubeadmConfigPatches: { type: 'array', items: { type: 'string' } },
    kubeadmConfigPatchesJSON6902: { type: 'array', items: { type: 'object' } },
  },
};

export const KIND_CLUSTER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'apiVersion'],
  properties: {
    kind: { const: 'Cluster' },
    apiVersion: { const: 'kind.x-k8s.io/v1alpha4' },
    name: { type: 'string' },
    nodes: { type: 'array', minItems: 1, items: node },
    networking: { type: 'object' },
    featureGates: { type: 'object', additionalProperties: { type: 'boolean' } },
    runtimeConfig: { type: 'object', additionalProperties: { type: 'string' } },
    kubeadmConfigPatches: { type: 'array', items: { type: 'string' } },
    kubeadmConfigPatchesJSON6902: { type: 'array', items: { type: 'object' } },
    containerdConfigPatches: { type: 'array', items: { type: 'string' } },
    containerdConfigPatchesJSON6902: { type: 'array', items: { type: 'string' } },
  },
} as const;

let validator: ReturnType<Ajv['compile']> | undefined;
const validateSchema = () => {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(KIND_CLUSTER_SCHEMA);
  return validator;
};

const NODE_PORTS = { min: 30000, max: 32767 };

/** A mapping's protocol as kind reads it: upper-cased, TCP when unset. */
const protocolOf = (mapping: Record<string, unknown>) => String(mapping.protocol ?? 'TCP').toUpperCase();

/** Validates kind-config.yaml against the cluster objects it must reach (Traefik's port). */
export function validateKindConfig(file: string, objects: ManifestObject[] = []): Finding[] {
  const loaded = loadManifestFile(file);
  const configs = [...loaded.kindConfigs, ...loaded.objects];
  if (loaded.findings.length > 0) return loaded.findings;
  if (configs.length === 0) {
    return [
      {
        code: 'kind-config-invalid',
        severity: 'error',
        file,
        message: `${file} is empty`,
        fix: 'Start it with `kind: Cluster` and `apiVersion: kind.x-k8s.io/v1alpha4`, then `nodes:`.',
      },
    ];
  }
  return validateKindConfigObject(configs[0], objects);
}

export function validateKindConfigObject(config: ManifestObject, objects: ManifestObject[]): Finding[] {
  const report = reporter(config);
  const findings: Finding[] = [];
  const validate = validateSchema();
  if (!validate(config.data)) findings.push(...(validate.errors ?? []).map((e) => schemaFinding(config, e)));
  // Another apiVersion or kind is another file format: the port checks below would be noise.
  if (config.data.apiVersion !== 'kind.x-k8s.io/v1alpha4' || config.data.kind !== 'Cluster') return findings;

  const nodes = asArray(config.data.nodes).map(asRecord);
  // Every kind command names the cluster; without a name here the workshop's commands use `wsk`
  // (targets/kind/cluster.ts), so the hint does too.
  const clusterName = asString(config.data.name) ?? 'wsk';
  const mappings = nodes.flatMap((n, i) =>
    asArray(n.extraPortMappings)
      .filter(isRecord)
      .map((m, j) => ({
        node: n,
        nodeIndex: i,
        mapping: m,
        path: ['nodes', i, 'extraPortMappings', j] as PathSegment[],
      })),
  );

  for (const { mapping, path } of mappings) {
    const address = mapping.listenAddress;
    if (address !== '127.0.0.1' && address !== '::1') {
      findings.push(
        report(
          'kind-listen-address',
          address === undefined ? path : [...path, 'listenAddress'],
          address === undefined
            ? `host port ${String(mapping.hostPort)} listens on every interface (kind's default listenAddress is 0.0.0.0): anyone on the same Wi-Fi can reach it`
            : `listenAddress ${String(address)} exposes host port ${String(mapping.hostPort)} beyond this machine`,
          'Add `listenAddress: 127.0.0.1` (recreate the cluster to apply it).',
          'warning',
        ),
      );
    }
  }
  const seen = new Map<string, PathSegment[]>();
  for (const { mapping, path } of mappings) {
    const key = `${String(mapping.listenAddress ?? '0.0.0.0')}:${String(mapping.hostPort)}/${protocolOf(mapping)}`;
    if (mapping.hostPort !== undefined && seen.has(key)) {
      findings.push(
        report(
          'kind-port-duplicate',
          [...path, 'hostPort'],
          `host port ${String(mapping.hostPort)} is mapped twice: kind create cluster fails with "port is already allocated"`,
          'Map each host port once.',
        ),
      );
    }
    seen.set(key, path);
  }
  for (const [i, n] of nodes.entries()) {
    const image = typeof n.image === 'string' ? n.image : undefined;
    if (image && !/^kindest\/node:v1\.36(\.\d+)?(@sha256:[0-9a-f]+)?$/.test(image)) {
      findings.push(
        report(
          'kind-node-image',
          ['nodes', i, 'image'],
          `node image ${image} is not the kindest/node v1.36 that kind v0.32 is made for`,
          "Remove `image:` to use kind v0.32's default node image (Kubernetes 1.36).",
          'warning',
        ),
      );
    }
  }

  const http = mappings.find((m) => m.mapping.hostPort === 80 && protocolOf(m.mapping) === 'TCP');
  const traefik = findTraefik(objects);
  const target = traefik ? traefikTarget(objects, traefik) : undefined;
  if (!http) {
    const containerPort = target?.nodePort ?? target?.hostPort ?? 30080;
    findings.push(
      report(
        'kind-no-port-mapping',
        nodes.length > 0 ? ['nodes', 0] : [],
        'no node maps host port 80: http://localhost reaches nothing, because kind nodes are containers and their ports are not published without extraPortMappings',
        `Add to the control-plane node (then recreate the cluster: kind delete cluster --name ${clusterName} && kind create cluster --name ${clusterName} --config kind-config.yaml):\n  extraPortMappings:\n    - containerPort: ${containerPort}\n      hostPort: 80\n      listenAddress: 127.0.0.1\n      protocol: TCP`,
      ),
    );
    return findings;
  }
  if (!traefik) return findings; // nothing to reach yet: the manifests report the missing Traefik
  const containerPort = http.mapping.containerPort;
  const reachable =
    (target?.nodePorts ?? []).includes(containerPort as number) ||
    (target?.hostPorts ?? []).includes(containerPort as number);
  if (!reachable) {
    const nodePortService = target?.service;
    findings.push(
      report(
        'kind-port-unreachable',
        [...http.path, 'containerPort'],
        target?.elsewhere.has(containerPort as number)
          ? `host port 80 goes to node port ${String(containerPort)}, which leads to Traefik's \`${target.elsewhere.get(containerPort as number)}\` entry point, not to ${target.routed.map((e) => `\`${e}\``).join(' or ')} where your IngressRoute is served: http://localhost would show ${target.elsewhere.get(containerPort as number) === 'traefik' ? "Traefik's own API, and your page would 404" : 'nothing of yours'}`
          : `host port 80 goes to port ${String(containerPort)} of the kind node, but nothing of Traefik listens there: ${
              nodePortService
                ? `Service/${nodePortService} has nodePort ${[...(target?.nodePorts ?? []), ...(target?.elsewhere.keys() ?? [])].join(', ') || '(none fixed)'}`
                : 'no NodePort Service selects Traefik, and no Traefik container port has that hostPort'
            }`,
        typeof containerPort === 'number' &&
          containerPort >= NODE_PORTS.min &&
          containerPort <= NODE_PORTS.max
          ? `Either set \`containerPort: ${target?.nodePort ?? target?.hostPort ?? 30080}\` here, or make them agree: a Service for Traefik with \`type: NodePort\` and \`nodePort: ${containerPort}\` on its web port, or \`hostPort: ${containerPort}\` on Traefik's web container port.`
          : // A nodePort is always within 30000-32767: offering this one as a nodePort would be wrong.
            `Set \`containerPort: ${target?.nodePort ?? 30080}\` here and give Traefik's Service \`type: NodePort\` with that \`nodePort\` (node ports are ${NODE_PORTS.min}-${NODE_PORTS.max}, so ${String(containerPort)} cannot be one), or \`hostPort: ${String(containerPort)}\` on Traefik's web container port.`,
      ),
    );
  } else if (
    nodes.length > 1 &&
    (target?.hostPorts ?? []).includes(containerPort as number) &&
    !traefik.workload.podSpec.nodeSelector
  ) {
    findings.push(
      report(
        'kind-port-node',
        [...http.path, 'containerPort'],
        'the port is mapped on one node, but Traefik (reached through its hostPort) may be scheduled on another',
        `Label that node (labels: { ingress-ready: "true" }) and add \`nodeSelector: { ingress-ready: "true" }\` to Traefik's pod spec, or use a NodePort Service.`,
        'warning',
      ),
    );
  }
  return findings;
}

/**
 * The entry points the IngressRoutes are served on: those they name, else every one Traefik declares but
 * its API's own (`traefik`, the dashboard), which serves no IngressRoute.
 */
function routedEntryPoints(objects: ManifestObject[], traefik: NonNullable<ReturnType<typeof findTraefik>>) {
  const named = objects
    .filter(isIngressRoute)
    .flatMap((ir) => asArray(asRecord(ir.data.spec).entryPoints))
    .filter((e): e is string => typeof e === 'string');
  const declared = traefik.entryPoints.filter((e) => e.name !== 'traefik');
  return named.length ? declared.filter((e) => named.includes(e.name)) : declared;
}

/**
 * The node ports that reach the entry points the IngressRoutes use (NodePorts of Services selecting
 * Traefik, and hostPorts), and every other one that reaches Traefik, by the entry point it reaches.
 */
function traefikTarget(objects: ManifestObject[], traefik: NonNullable<ReturnType<typeof findTraefik>>) {
  const routed = routedEntryPoints(objects, traefik);
  const routedPorts = new Set(routed.map((e) => e.port).filter((p) => p !== undefined));
  const entryOf = (port: number | undefined) => traefik.entryPoints.find((e) => e.port === port)?.name;
  // Where Traefik reads a config file, its entry points are not in the manifests: any port counts.
  const serves = (port: number | undefined) =>
    port !== undefined && (!traefik.entryPointsKnown || routedPorts.size === 0 || routedPorts.has(port));
  const web = routed.find((e) => e.name === 'web' || e.name === 'http') ?? routed[0];
  const nodePorts: number[] = [];
  /** Node ports that reach Traefik, but an entry point no IngressRoute uses (the dashboard's). */
  const elsewhere = new Map<number, string>();
  let service: string | undefined;
  let webNodePort: number | undefined;
  for (const s of servicesOf(objects)) {
    if (!selectedWorkloads(s, [traefik.workload]).length) continue;
    const spec = asRecord(s.data.spec);
    if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') continue;
    service = s.name;
    for (const p of asArray(spec.ports).map(asRecord)) {
      const targetPort = resolveTargetPort(p.targetPort ?? p.port, traefik.workload);
      if (typeof p.nodePort !== 'number') continue;
      if (serves(targetPort)) {
        nodePorts.push(p.nodePort);
        if (targetPort === web?.port) webNodePort = p.nodePort;
      } else {
        const entry = entryOf(targetPort);
        if (entry) elsewhere.set(p.nodePort, entry);
      }
    }
  }
  const hostPortEntries = containerPorts(traefik.workload).filter(
    (p) => p.containerIndex === traefik.containerIndex && p.hostPort !== undefined && serves(p.containerPort),
  );
  const hostPorts = hostPortEntries.map((p) => p.hostPort as number);
  const webHostPort = hostPortEntries.find((p) => p.containerPort === web?.port)?.hostPort;
  return {
    nodePorts,
    hostPorts,
    elsewhere,
    routed: routed.map((e) => e.name),
    service,
    nodePort: webNodePort ?? nodePorts[0],
    hostPort: webHostPort ?? hostPorts[0],
  };
}

function schemaFinding(config: ManifestObject, e: ErrorObject): Finding {
  const report = reporter(config);
  const path: PathSegment[] = e.instancePath
    ? e.instancePath
        .slice(1)
        .split('/')
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
    : [];
  const field = formatPath(path) || 'the config';
  if (e.keyword === 'additionalProperties') {
    const key = String(e.params.additionalProperty);
    const allowed = Object.keys(asRecord(schemaAt(path)).properties ?? {});
    const guess = allowed.length > 0 ? closest(key, allowed) : undefined;
    return report(
      'kind-config-invalid',
      [...path, key],
      `unknown field \`${formatPath([...path, key])}\`: kind create cluster fails on it`,
      guess ? `Did you mean \`${guess}\`? Fields allowed here: ${allowed.join(', ')}.` : 'Remove it.',
    );
  }
  if (e.keyword === 'const' && (path[0] === 'apiVersion' || path[0] === 'kind')) {
    return report(
      path[0] === 'apiVersion' ? 'kind-api-version' : 'kind-config-invalid',
      path,
      `${field} is ${JSON.stringify(get(config.data, path))}; kind v0.32 reads \`kind: Cluster\`, \`apiVersion: kind.x-k8s.io/v1alpha4\``,
      `Write \`${String(path[0])}: ${String(e.params.allowedValue)}\`.`,
    );
  }
  if (e.keyword === 'required') {
    return report(
      'kind-config-invalid',
      path,
      `${field} is missing \`${String(e.params.missingProperty)}\``,
      `Add \`${String(e.params.missingProperty)}:\`${e.params.missingProperty === 'role' ? ' (control-plane or worker)' : ''}.`,
    );
  }
  const allowed =
    e.keyword === 'enum'
      ? (e.params.allowedValues as unknown[]).join(', ')
      : path.at(-1) === 'protocol' && e.keyword === 'pattern'
        ? 'TCP, UDP, SCTP'
        : undefined;
  return report(
    'kind-config-invalid',
    path,
    `${field} ${allowed ? 'must be one of' : (e.message ?? 'is invalid')}${allowed ? `: ${allowed}` : ''} (got ${JSON.stringify(get(config.data, path))})`,
    allowed
      ? `Use one of: ${allowed}.`
      : `Make \`${field}\` ${e.message?.replace(/^must (be )?/, '') ?? 'valid'}.`,
  );
}

/** The sub-schema describing the object at `path` (for the allowed field names). */
function schemaAt(path: PathSegment[]): unknown {
  let schema: Record<string, unknown> = KIND_CLUSTER_SCHEMA as unknown as Record<string, unknown>;
  for (const segment of path) {
    const next = typeof segment === 'number' ? schema.items : asRecord(schema.properties)[String(segment)];
    if (!isRecord(next)) return {};
    schema = next;
  }
  return schema;
}
