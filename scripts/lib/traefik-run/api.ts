// Traefik's API as the workshop reads it: the routers and services it built, wherever it runs (here, in a
// container, in a pod). Traefik's own (@internal) are left out: they are not the attendee's.

export interface ApiRouter {
  name: string;
  rule: string;
  entryPoints?: string[];
  middlewares?: string[];
  service: string;
  priority?: number;
  status: string;
}

export interface ApiService {
  name: string;
  loadBalancer?: { servers?: { url: string }[]; sticky?: { cookie?: Record<string, unknown> } };
  /** Each server's state by URL (UP or DOWN), as its health check last found it. */
  serverStatus?: Record<string, string>;
}

/** GET `path` (/api/http/routers, /api/http/services) of the API at `apiUrl`, without Traefik's own. */
export async function apiList<T extends { name: string }>(
  apiUrl: string,
  path: string,
  timeoutMs = 2_000,
): Promise<T[]> {
  const res = await fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  return ((await res.json()) as T[]).filter((x) => !x.name.endsWith('@internal'));
}

/** A router's or service's name without its provider (`app@docker` → `app`). */
export const bare = (name: string) => name.replace(/@[\w-]+$/, '');

/** Whether Traefik's API answers at `apiUrl` (a stack may keep it to itself). */
export async function traefikAnswers(apiUrl: string): Promise<boolean> {
  const res = await fetch(`${apiUrl}/api/version`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  return res?.ok === true;
}
