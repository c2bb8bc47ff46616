// How IngressRoutes name other objects, resolved the way Traefik's CRD provider resolves them: a route's
// services, the Kubernetes Service and port each names, and Middleware references. The translation to
// the dynamic configuration (ingress-route.ts) and the cross-reference lints both read through these,
// so what is checked is what is translated.
import {
  asArray,
  asRecord,
  asString,
  isRecord,
  type Json,
  type ManifestObject,
  type PathSegment,
} from './manifest.ts';

export const isIngressRoute = (o: ManifestObject) =>
  o.apiVersion === 'traefik.io/v1alpha1' && o.kind === 'IngressRoute';
export const isMiddleware = (o: ManifestObject) =>
  o.apiVersion === 'traefik.io/v1alpha1' && o.kind === 'Middleware';

/** One `services[]` item of one route, with where it is. */
export interface RouteService {
  route: ManifestObject;
  routeIndex: number;
  serviceIndex: number;
  path: PathSegment[];
  spec: Json;
}

export function routeServices(ir: ManifestObject): RouteService[] {
  return asArray(asRecord(ir.data.spec).routes).flatMap((r, routeIndex) =>
    asArray(asRecord(r).services)
      .filter(isRecord)
      .map((spec, serviceIndex) => ({
        route: ir,
        routeIndex,
        serviceIndex,
        path: ['spec', 'routes', routeIndex, 'services', serviceIndex],
        spec,
      })),
  );
}

/** The Kubernetes Service an IngressRoute service item names (kind Service, the default). */
export function findService(item: RouteService, services: ManifestObject[]): ManifestObject | undefined {
  const namespace = asString(item.spec.namespace) ?? item.route.namespace;
  return services.find((s) => s.name === item.spec.name && s.namespace === namespace);
}

/** The Service port an IngressRoute refers to: by number (the Service's `port`) or by name; the only one if omitted. */
export function findServicePort(service: ManifestObject, port: unknown): Json | undefined {
  const ports = asArray(asRecord(service.data.spec).ports).filter(isRecord);
  if (port === undefined) return ports.length === 1 ? ports[0] : undefined;
  return ports.find((p) =>
    typeof port === 'number' ? p.port === port : p.name === port || String(p.port) === port,
  );
}

/** Middleware reference → the Middleware object, following Traefik's naming rules. */
export function findMiddleware(
  ref: Json,
  ir: ManifestObject,
  middlewares: ManifestObject[],
): { found?: ManifestObject; otherProvider?: boolean } {
  const name = asString(ref.name) ?? '';
  if (name.includes('@')) {
    const [base, provider] = name.split('@');
    // `<namespace>-<name>@kubernetescrd` is the cross-provider form; other providers are not in these files.
    if (provider !== 'kubernetescrd') return { otherProvider: true };
    return { found: middlewares.find((m) => `${m.namespace}-${m.name}` === base) };
  }
  const namespace = asString(ref.namespace) ?? ir.namespace;
  return { found: middlewares.find((m) => m.name === name && m.namespace === namespace) };
}
