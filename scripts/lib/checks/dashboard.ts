// Steps 3 and 4: the attendee reads their own router and service in Traefik's dashboard and writes what
// they saw in dashboard.yaml; the check asks Traefik's API the same and names each difference. Routers
// are found by their rule: their names differ by provider (app@docker, wsk-app-…@kubernetescrd).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { type ApiRouter, type ApiService, apiList, bare } from '../traefik-run/api.ts';
import { CheckFailure, CheckSkipped, type Expectation } from './types.ts';

/** What dashboard.yaml says, each value as written (undefined where left blank). */
interface Seen {
  rule?: string;
  priority?: number;
  servers?: number;
  stickyCookie?: string;
}

const FIELDS = ['router.rule', 'router.priority', 'service.servers', 'service.stickyCookie'] as const;

/** Reads dashboard.yaml: a YAML error with its line, and every field still blank, named. */
export function readDashboardFile(dir: string): Seen {
  const file = join(dir, 'dashboard.yaml');
  if (!existsSync(file))
    throw new CheckFailure('dashboard.yaml is missing.', 'npm run reset N puts the starter’s copy back');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) {
    const [error] = doc.errors;
    throw new CheckFailure(
      `dashboard.yaml:${error.linePos?.[0].line ?? 1}: ${error.message.split('\n')[0]}`,
      'keep the file’s shape: key: value, two spaces of indent under router: and service:',
    );
  }
  const value = (path: string) => doc.getIn(path.split('.')) as unknown;
  const blank = FIELDS.filter((f) => value(f) === null || value(f) === undefined || value(f) === '');
  if (blank.length)
    throw new CheckFailure(
      `dashboard.yaml: ${blank.join(', ')} ${blank.length > 1 ? 'are' : 'is'} still blank.`,
      'start the step (npm run step N -- --start), open the dashboard URL it prints, find your router under HTTP → Routers and click through to its service',
    );
  return {
    rule: String(value('router.rule')),
    priority: Number(value('router.priority')),
    servers: Number(value('service.servers')),
    stickyCookie: String(value('service.stickyCookie')),
  };
}

export const dashboard: Expectation = {
  id: 'dashboard',
  title:
    "dashboard.yaml says what Traefik's dashboard shows: the router's rule and priority, its service's servers and cookie",
  hint: 'read them off the dashboard of the running step (HTTP → Routers, then the router’s service), as Traefik computed them',
  async run(ctx) {
    const seen = readDashboardFile(ctx.dir);
    const env = await ctx.environment();
    if (!env.traefik)
      throw new CheckSkipped(
        `the check does not reach Traefik's API on ${ctx.target.name} (compose.yaml publishes no dashboard on 127.0.0.1:8080)`,
      );
    const api = env.traefik.apiUrl;
    const routers = await apiList<ApiRouter>(api, '/api/http/routers', 3_000);
    const router = routers.find((r) => r.rule === seen.rule);
    if (!router)
      throw new CheckFailure(
        `dashboard.yaml: Traefik has no router with the rule ${seen.rule}. Its routers' rules: ${routers.map((r) => r.rule).join('; ') || 'none'}.`,
        'copy the rule as the dashboard shows it, backquotes and all',
      );
    const differences: string[] = [];
    if (router.priority !== seen.priority)
      differences.push(
        `router.priority is ${seen.priority}, Traefik's is ${router.priority} (you set none: Traefik takes the length of the rule)`,
      );
    const services = await apiList<ApiService>(api, '/api/http/services', 3_000);
    const service = services.find((s) => bare(s.name) === bare(router.service));
    const servers = service?.loadBalancer?.servers?.length ?? 0;
    if (servers !== seen.servers)
      differences.push(`service.servers is ${seen.servers}, Traefik balances over ${servers}`);
    const cookie = service?.loadBalancer?.sticky?.cookie?.name;
    if (cookie !== seen.stickyCookie)
      differences.push(
        `service.stickyCookie is ${seen.stickyCookie}, Traefik's is ${cookie ?? 'none (the service is not sticky)'}`,
      );
    if (differences.length)
      throw new CheckFailure(`dashboard.yaml, for the router ${router.name}: ${differences.join('; ')}.`);
  },
};
