// IngressRoutes and Middlewares → the shared DynamicConfig: the model lints (traefik/lint.ts) read it,
// and the rehearsal applies exactly the attendee's routing (rule, StripPrefix/ReplacePath, sticky
// cookie, strategy).
// Names follow Traefik's CRD provider: service `<ns>-<service>-<port>`, middleware `<ns>-<name>`.
// What the translation does not carry to Traefik is listed in `unsupported`, never silently dropped.
import {
  type DynamicConfig,
  emptyDynamicConfig,
  type Middleware,
  type Router,
  type Service,
  type StickyCookie,
} from '../traefik/dynamic-config.ts';
import {
  findMiddleware,
  findService,
  findServicePort,
  isIngressRoute,
  isMiddleware,
  routeServices,
} from './lookups.ts';
import {
  asArray,
  asRecord,
  asString,
  formatPath,
  isRecord,
  type ManifestObject,
  type PathSegment,
  ref,
} from './manifest.ts';
import { literalEnv, resolveTargetPort, selectedWorkloads, servicesOf, workloadsOf } from './workloads.ts';

export interface KubernetesRouting {
  config: DynamicConfig;
  /** Instances to start per Kubernetes Service name (a Service's `target`): the replicas its selector reaches. */
  replicas: Record<string, number>;
  /** Literal env of those pods' first container (REDIS_URL, PORT, …) per Service name; `valueFrom` entries are left out. */
  env: Record<string, Record<string, string>>;
}

/** Fields of an IngressRoute service the translation carries to the rehearsal's Traefik. */
const SUPPORTED_SERVICE_FIELDS = new Set(['name', 'namespace', 'kind', 'port', 'sticky', 'strategy']);
const SUPPORTED_COOKIE_FIELDS = new Set(['name', 'secure', 'httpOnly', 'sameSite', 'maxAge', 'path']);
const SUPPORTED_ROUTE_FIELDS = new Set(['kind', 'match', 'middlewares', 'priority', 'services']);

export function ingressRoutesToDynamicConfig(objects: ManifestObject[]): KubernetesRouting {
  const config = emptyDynamicConfig();
  const replicas: Record<string, number> = {};
  const env: Record<string, Record<string, string>> = {};
  const services = servicesOf(objects);
  const workloads = workloadsOf(objects);
  const middlewares = objects.filter(isMiddleware);
  const source = (o: ManifestObject, path: PathSegment[]) => ({
    file: o.file,
    line: o.lineOf(path),
    object: ref(o),
  });
  const unsupported = (o: ManifestObject, path: PathSegment[]) =>
    config.unsupported.push({ key: formatPath(path), source: source(o, path) });

  for (const mw of middlewares)
    config.middlewares[`${mw.namespace}-${mw.name}`] = middleware(mw, unsupported, source);

  for (const ir of objects.filter(isIngressRoute)) {
    const spec = asRecord(ir.data.spec);
    // TLS runs in the rehearsal on Traefik's default certificate; which secret or resolver does not.
    for (const key of Object.keys(asRecord(spec.tls))) unsupported(ir, ['spec', 'tls', key]);
    const routes = asArray(spec.routes);
    const items = routeServices(ir);
    routes.forEach((r, i) => {
      const route = asRecord(r);
      const routePath: PathSegment[] = ['spec', 'routes', i];
      for (const key of Object.keys(route))
        if (!SUPPORTED_ROUTE_FIELDS.has(key)) unsupported(ir, [...routePath, key]);
      const routeItems = items.filter((item) => item.routeIndex === i);
      // Several services in one route make a weighted round robin in Traefik: the translation takes the first.
      if (routeItems.length > 1) unsupported(ir, [...routePath, 'services']);
      const item = routeItems[0];
      if (!item) return;
      if (item.spec.kind === 'TraefikService') {
        unsupported(ir, [...item.path, 'kind']);
        return;
      }
      for (const key of Object.keys(item.spec))
        if (!SUPPORTED_SERVICE_FIELDS.has(key)) unsupported(ir, [...item.path, key]);

      const name = asString(item.spec.name) ?? '';
      const namespace = asString(item.spec.namespace) ?? ir.namespace;
      const kubeService = findService(item, services);
      const servicePort = kubeService ? findServicePort(kubeService, item.spec.port) : undefined;
      const backends = kubeService ? selectedWorkloads(kubeService, workloads) : [];
      const targetPort = servicePort?.targetPort ?? servicePort?.port;
      const port =
        backends.map((w) => resolveTargetPort(targetPort, w)).find((p) => p !== undefined) ??
        (typeof item.spec.port === 'number' ? item.spec.port : undefined);
      const base = `${namespace}-${name}-${String(servicePort?.port ?? item.spec.port ?? '')}`.replace(
        /-$/,
        '',
      );
      // Traefik's CRD provider gives each route a service of its own (named after its router), even where
      // two lead to one Service: one route's sticky settings never reach the other's.
      const serviceKey = routes.length > 1 ? `${base}-${i}` : base;
      const service: Service = {
        name: serviceKey,
        target: name,
        port,
        source: {
          ...source(ir, item.path),
          fields: Object.fromEntries(
            Object.keys(asRecord(asRecord(item.spec.sticky).cookie)).map((f) => [
              `sticky.cookie.${f}`,
              ir.lineOf([...item.path, 'sticky', 'cookie', f]),
            ]),
          ),
        },
      };
      const cookie = asRecord(item.spec.sticky).cookie;
      if (isRecord(cookie)) {
        const sticky: StickyCookie = {};
        if (typeof cookie.name === 'string') sticky.name = cookie.name;
        if (typeof cookie.secure === 'boolean') sticky.secure = cookie.secure;
        if (typeof cookie.httpOnly === 'boolean') sticky.httpOnly = cookie.httpOnly;
        if (typeof cookie.sameSite === 'string') sticky.sameSite = cookie.sameSite;
        if (typeof cookie.maxAge === 'number') sticky.maxAge = cookie.maxAge;
        if (typeof cookie.path === 'string') sticky.path = cookie.path;
        for (const key of Object.keys(cookie)) {
          if (!SUPPORTED_COOKIE_FIELDS.has(key)) unsupported(ir, [...item.path, 'sticky', 'cookie', key]);
        }
        service.sticky = { cookie: sticky };
      }
      if (typeof item.spec.strategy === 'string') service.strategy = item.spec.strategy;
      config.services[serviceKey] = service;
      if (backends.length > 0) {
        replicas[name] = backends.reduce((n, w) => n + w.replicas, 0);
        env[name] = literalEnv(backends[0].containers[0]);
      }

      const routerName = routes.length > 1 ? `${ir.namespace}-${ir.name}-${i}` : `${ir.namespace}-${ir.name}`;
      const router: Router = {
        name: routerName,
        rule: asString(route.match) ?? '',
        entryPoints: asArray(spec.entryPoints).map(String),
        service: serviceKey,
        middlewares: [],
        source: {
          ...source(ir, routePath),
          fields: {
            rule: ir.lineOf([...routePath, 'match']),
            ...Object.fromEntries(
              asArray(spec.entryPoints).map((_, j) => [
                `entryPoints.${j}`,
                ir.lineOf(['spec', 'entryPoints', j]),
              ]),
            ),
          },
        },
      };
      if (spec.tls !== undefined) router.tls = true;
      if (typeof route.priority === 'number') router.priority = route.priority;
      asArray(route.middlewares).forEach((m, k) => {
        const { found } = findMiddleware(asRecord(m), ir, middlewares);
        if (found) router.middlewares.push(`${found.namespace}-${found.name}`);
        else unsupported(ir, [...routePath, 'middlewares', k]);
      });
      config.routers[routerName] = router;
    });
  }
  return { config, replicas, env };
}

function middleware(
  mw: ManifestObject,
  unsupported: (o: ManifestObject, path: PathSegment[]) => void,
  source: (o: ManifestObject, path: PathSegment[]) => Middleware['source'],
): Middleware {
  const spec = asRecord(mw.data.spec);
  const out: Middleware = { name: `${mw.namespace}-${mw.name}`, source: source(mw, []) };
  for (const [kind, value] of Object.entries(spec)) {
    const options = asRecord(value);
    if (kind === 'stripPrefix') {
      out.stripPrefix = { prefixes: asArray(options.prefixes).map(String) };
      for (const key of Object.keys(options)) if (key !== 'prefixes') unsupported(mw, ['spec', kind, key]);
    } else if (kind === 'replacePath') {
      out.replacePath = { path: String(options.path ?? '') };
    } else {
      unsupported(mw, ['spec', kind]);
    }
  }
  return out;
}
