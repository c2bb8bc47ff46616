// What the kind target acts on, read from the step's own manifests rather than assumed: the app's workload
// and namespace (the one behind the IngressRoute's Service), Redis's (the Service the app's REDIS_URL
// names), Traefik's, and the socket.io path the IngressRoute serves. Drills, logs and rollouts name these.
import { UserError } from '../errors.ts';
import { findService, isIngressRoute, routeServices } from './lookups.ts';
import { asArray, asRecord, asString, type ManifestObject } from './manifest.ts';
import {
  findTraefik,
  isRedisWorkload,
  selectedWorkloads,
  servicesOf,
  stringMap,
  type Workload,
  workloadsOf,
} from './workloads.ts';

export interface WorkloadRef {
  /** `deployment/app`: what kubectl's scale, rollout and logs take. */
  resource: string;
  name: string;
  namespace: string;
  /** Its pods' selector in `-l` form (`app=wsk-app`). */
  selector: string;
  replicas: number;
  /** Its first container's name (the app's, for the container runtime on the node). */
  container: string;
  /** The images its containers run, as written. */
  images: string[];
}

export interface StepObjects {
  app: WorkloadRef;
  redis?: WorkloadRef;
  traefik?: WorkloadRef;
  /** Every Deployment, StatefulSet and DaemonSet, in file order: what a rollout waits for. */
  rollouts: WorkloadRef[];
  /** What a client asks through Traefik: the IngressRoute's PathPrefix followed by /socket.io/. */
  socketPath: string;
}

const ROLLED_OUT = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

function workloadRef(w: Workload): WorkloadRef {
  const matchLabels = stringMap(asRecord(asRecord(w.object.data.spec).selector).matchLabels);
  const labels = Object.keys(matchLabels).length ? matchLabels : w.labels;
  return {
    resource: `${w.object.kind.toLowerCase()}/${w.object.name}`,
    name: w.object.name,
    namespace: w.object.namespace,
    selector: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    replicas: w.replicas,
    container: asString(w.containers[0]?.name) ?? '',
    images: w.containers.map((c) => asString(c.image)).filter((i): i is string => Boolean(i)),
  };
}

/** The prefix of a rule's PathPrefix (`/wsk`), '' for none or `/`. */
function pathPrefixOf(rule: string): string {
  const prefix = /PathPrefix\(\s*[`"]([^`"]*)[`"]\s*\)/.exec(rule)?.[1] ?? '';
  return prefix.replace(/\/+$/, '');
}

/** Reads the step's objects; a UserError (file and fix) when no IngressRoute leads to an app workload. */
export function stepObjects(objects: ManifestObject[]): StepObjects {
  const workloads = workloadsOf(objects);
  const services = servicesOf(objects);
  const traefik = findTraefik(objects)?.workload;
  const routes = objects.filter(isIngressRoute);

  let app: Workload | undefined;
  let socketPath = '/socket.io/';
  for (const item of routes.flatMap(routeServices)) {
    const service = findService(item, services);
    const backend =
      service && selectedWorkloads(service, workloads).find((w) => w.object !== traefik?.object);
    if (!backend) continue;
    app = backend;
    const match = asString(asRecord(asArray(asRecord(item.route.data.spec).routes)[item.routeIndex]).match);
    socketPath = `${pathPrefixOf(match ?? '')}/socket.io/`;
    break;
  }
  // A route whose Service selects no pod still has an app behind it, to build and drill: the one workload
  // that is neither Traefik nor Redis (the cluster then shows the empty Service for itself).
  app ??= (() => {
    const candidates = workloads.filter((w) => w.object !== traefik?.object && !isRedisWorkload(w));
    return candidates.length === 1 ? candidates[0] : undefined;
  })();
  if (!app)
    throw new UserError(
      `No IngressRoute in ${routes[0]?.file ?? 'the manifests'} leads to a Service whose selector picks the app's pods: the kind target has no app to act on.`,
      'npm run check N shows which reference is broken (IngressRoute → Service → Deployment labels)',
    );

  return {
    app: workloadRef(app),
    redis: redisOf(app, workloads, services),
    traefik: traefik && workloadRef(traefik),
    rollouts: workloads.filter((w) => ROLLED_OUT.has(w.object.kind)).map(workloadRef),
    socketPath,
  };
}

/** The workload behind the host of the app's REDIS_URL (`redis`, `redis.wsk`, `redis.wsk.svc…`), else the one running a redis image. */
function redisOf(app: Workload, workloads: Workload[], services: ManifestObject[]): WorkloadRef | undefined {
  const env = asArray(app.containers[0]?.env).map(asRecord);
  const url = asString(env.find((e) => e.name === 'REDIS_URL')?.value);
  // Not a URL: the static checks say so; the image tells then.
  const host = url && URL.canParse(url) ? new URL(url).hostname : undefined;
  const [name, namespace = app.object.namespace] = host?.split('.') ?? [];
  const service = services.find((s) => s.name === name && s.namespace === namespace);
  const behind = service ? selectedWorkloads(service, workloads)[0] : undefined;
  const byImage = workloads.find(isRedisWorkload);
  const redis = behind ?? byImage;
  return redis && workloadRef(redis);
}
