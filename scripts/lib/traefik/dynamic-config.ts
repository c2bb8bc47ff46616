// The part of Traefik's dynamic configuration the workshop uses. Docker labels (step 3) and
// IngressRoutes (step 4) are both decoded into it; the lints of traefik/lint.ts run once over it, and the
// rehearsal hands it to the real Traefik through its file provider: Traefik runs exactly what was validated.

/** Where a piece of configuration came from, so messages can name the file, the line and the object. */
export interface Source {
  file: string;
  line?: number;
  /** e.g. `service app` (Compose) or `IngressRoute/app` (Kubernetes). */
  object?: string;
  /**
   * Lines of single settings as written, by their path in this model (`entryPoints.0`,
   * `sticky.cookie.secure`), so that a finding on one setting names its own label or field.
   */
  fields?: Record<string, number>;
}

export interface Router {
  name: string;
  /** The rule as written, v3 syntax, e.g. "PathPrefix(`/wsk`)". */
  rule: string;
  entryPoints: string[];
  /** Service name without provider suffix. */
  service: string;
  /** Middleware names without provider suffix, in order. */
  middlewares: string[];
  priority?: number;
  /** TLS terminated by this router (label `tls=true`, an IngressRoute's `tls:`). */
  tls?: boolean;
  source?: Source;
}

export interface StickyCookie {
  /** Absent: Traefik derives a name from the service. */
  name?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** Traefik accepts none, lax, strict (and empty for unset). */
  sameSite?: string;
  maxAge?: number;
  path?: string;
}

export interface Service {
  name: string;
  /**
   * What the service balances over: a Compose service name (its replicas) or a Kubernetes
   * Service name (the pods its selector matches). The rehearsal resolves it to URLs.
   */
  target: string;
  /** Port on the backends (label `loadbalancer.server.port`, or the Service's targetPort). */
  port?: number;
  sticky?: { cookie: StickyCookie };
  strategy?: string;
  source?: Source;
}

export interface Middleware {
  name: string;
  stripPrefix?: { prefixes: string[] };
  replacePath?: { path: string };
  source?: Source;
}

/** A setting valid for Traefik that the translation does not carry to the rehearsal's Traefik. */
export interface Unsupported {
  key: string;
  source?: Source;
}

export interface DynamicConfig {
  routers: Record<string, Router>;
  services: Record<string, Service>;
  middlewares: Record<string, Middleware>;
  unsupported: Unsupported[];
}

export function emptyDynamicConfig(): DynamicConfig {
  return { routers: {}, services: {}, middlewares: {}, unsupported: [] };
}
