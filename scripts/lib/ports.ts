// Where a step listens. `--start` takes every port from PORT by a fixed offset, the same in every step, so
// a room opens one range and an instructor can name each port; the checks (PORT 0) take free ones.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { UserError } from './errors.ts';

/** A kind of port a step opens, at PORT + offset (the `count` after it where there are several). */
export interface PortRole {
  offset: number;
  count: number;
  /** What listens there, as `--start` and the docs name it. */
  what: string;
}

/**
 * `--start`'s ports, from PORT: the instructor guide and the steps' READMEs show this table (a test holds
 * them to it). Offsets 34–39 are free for what comes next.
 */
export const PORT_LAYOUT = {
  entry: { offset: 0, count: 1, what: "the entry: step 1's server, Traefik's entry point from step 3" },
  instances: { offset: 0, count: 3, what: "step 2's instances, instance-N on PORT+N-1" },
  roundRobin: { offset: 3, count: 1, what: "step 2's round-robin balancer (Traefik, not sticky)" },
  sticky: { offset: 4, count: 1, what: "step 2's sticky balancer (Traefik, cookie wsk_sticky)" },
  dashboard: { offset: 5, count: 1, what: "Traefik's dashboard and API (steps 2–6)" },
  redis: { offset: 6, count: 1, what: 'Redis (steps 2–6), unless REDIS_URL names another' },
  entryPoints: {
    offset: 7,
    count: 2,
    what: "Traefik's other entry points, in the order your flags declare them",
  },
  closed: {
    offset: 9,
    count: 1,
    what: 'nothing: where Traefik is sent for a service port the app does not listen on (502)',
  },
  replicas: {
    offset: 10,
    count: 20,
    what: 'the replicas of steps 3–6, app-1 on PORT+10, app-2 on PORT+11, …',
  },
  etcdClient: { offset: 30, count: 1, what: "etcd's clients (--target apiserver)" },
  etcdPeer: { offset: 31, count: 1, what: "etcd's peers (--target apiserver)" },
  apiserver: { offset: 32, count: 1, what: 'the Kubernetes API server (--target apiserver)' },
  systemView: {
    offset: 33,
    count: 1,
    what: 'the system view: clients, Traefik, instances and Redis, live (every step)',
  },
} as const satisfies Record<string, PortRole>;
export type Role = keyof typeof PORT_LAYOUT;

/** `PORT`, `PORT+6`, `PORT+10`–`PORT+29`: a role's ports as the docs write them. */
export function portsOf(role: Role): string {
  const { offset, count } = PORT_LAYOUT[role];
  const at = (n: number) => (n ? `\`PORT+${n}\`` : '`PORT`');
  return count > 1 ? `${at(offset)}–${at(offset + count - 1)}` : at(offset);
}

/** The layout as a Markdown table, for the roles given: the docs hold it verbatim (a test checks). */
export function portTable(roles: readonly Role[] = Object.keys(PORT_LAYOUT) as Role[]): string {
  return [
    '| port | what listens there |',
    '| --- | --- |',
    ...roles.map((r) => `| ${portsOf(r)} | ${PORT_LAYOUT[r].what} |`),
  ].join('\n');
}

/**
 * The roles a step's `--start` opens, by what it runs and where: each step's learn-more page shows these rows.
 * A step's flavour and targets as plain strings: environment.ts (their types) reaches this module.
 */
export function rolesFor(flavour: string, targets: readonly string[]): Role[] {
  if (flavour === 'server') return ['entry', 'systemView'];
  if (flavour === 'instances')
    return ['instances', 'roundRobin', 'sticky', 'dashboard', 'redis', 'systemView'];
  return [
    'entry',
    'dashboard',
    'redis',
    'entryPoints',
    'closed',
    'replicas',
    ...(targets.includes('apiserver') ? (['etcdClient', 'etcdPeer', 'apiserver'] as const) : []),
    'systemView',
  ];
}

/** How many ports from PORT `--start` may take: PORT to PORT+RANGE-1. */
export const PORT_RANGE = 40;

/** Ports this process handed out as free: never twice, even after their first user let them go. */
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback, below the ephemeral range: the kernel's own answer for port 0 comes from
 * that range, where any outgoing connection (a test's client, Redis's, Docker's) may take it between this
 * answer and the listen that follows (CI met "taken by another program before app-1 could listen").
 * Random, so that processes choosing at once rarely meet, and checked free on every address the app takes.
 * Never one this process handed out before (two parts of one step would meet).
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = 20_000;
  const to = Math.min(low, 32_768); // below Linux's default range and IANA's alike
  for (let attempt = 0; attempt < 200 && to - from >= 1_000; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (handedOut.has(port)) continue;
    if (!(await portIsFree(port)) || !(await portIsFree(port, '::'))) continue;
    handedOut.add(port);
    return port;
  }
  // A machine whose ephemeral range starts low, or a crowded one: the kernel's answer, as before.
  for (let attempt = 0; attempt < 1_000; attempt++) {
    const port = await kernelPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error('no free port on 127.0.0.1 after 1,200 tries');
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The ports of one start: from `base` by PORT_LAYOUT (`--start`), or free ones when `base` is 0 (checks,
 * tests). It remembers what each is for, so that a busy one is refused by name before anything starts.
 */
export class PortPlan {
  readonly base: number;
  readonly #taken: { port: number; what: string }[] = [];

  constructor(base: number) {
    if (base && (base < 1 || base + PORT_RANGE - 1 > 65_535))
      throw new UserError(
        `PORT=${base} leaves no room for the step's ports (PORT to PORT+${PORT_RANGE - 1}).`,
        'pick a PORT between 1024 and 32000, e.g. PORT=3000',
      );
    this.base = base;
  }

  /** The port of `role` (the `index`-th of a role with several), named `what` in a refusal. */
  async port(role: Role, index = 0, what: string = PORT_LAYOUT[role].what): Promise<number> {
    const layout: PortRole = PORT_LAYOUT[role];
    if (index >= layout.count)
      throw new UserError(
        `The step needs more ports for ${layout.what} than the layout has (${layout.count}).`,
        role === 'replicas' ? `run at most ${layout.count} replicas on this machine` : undefined,
      );
    const port = this.base ? this.base + layout.offset + index : await freePort();
    this.#taken.push({ port, what });
    return port;
  }

  /** Every port handed out so far, with what it is for. */
  get taken(): readonly { port: number; what: string }[] {
    return this.#taken;
  }

  /** `--start` only: refuses, before anything starts, a port of the plan that something else holds. */
  async ensureFree(): Promise<void> {
    if (this.base) await ensurePortsFree(this.#taken);
  }
}

/**
 * True when nothing listens on the port at `host` (so a step can use it). A host this machine has no
 * address for (no IPv6) holds nothing: only a port in use, or one this user may not take, is not free.
 */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code !== 'EADDRINUSE' && err.code !== 'EACCES'),
    );
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Refuses, before anything starts, a fixed port (PORT and the ones the layout derives from it) that
 * something else holds, naming what the step wanted it for. Free on 127.0.0.1 is not enough: the app
 * listens on every interface, so a port held on another address is busy too.
 */
export async function ensurePortsFree(ports: (number | { port: number; what?: string })[]): Promise<void> {
  const wanted = ports.map((p) => (typeof p === 'number' ? { port: p } : p));
  const base = Math.min(...wanted.map((p) => p.port));
  for (const { port, what } of wanted)
    if (!(await portIsFree(port)) || !(await portIsFree(port, '::')))
      throw new UserError(
        `Port ${port}${what ? ` (${what})` : ''} is already in use, so the step cannot listen on it.`,
        `stop what listens there (a step still running in another terminal?), or move the step's whole range: PORT=${base + 1000} npm run step N -- --start (it takes PORT to PORT+${PORT_RANGE - 1})`,
      );
}

/**
 * The ports the kernel hands out for port 0 and to outgoing connections (Linux says which; elsewhere IANA's
 * dynamic range): a `--start` range inside it may find a port taken by a connection at any moment.
 */
export function ephemeralRange(): [number, number] {
  const linux = '/proc/sys/net/ipv4/ip_local_port_range';
  const [low, high] = existsSync(linux)
    ? readFileSync(linux, 'utf8').trim().split(/\s+/).map(Number)
    : [49_152, 65_535];
  return [low, high];
}

/** A warning for `--start` when PORT's range reaches into the ephemeral range; undefined when clear of it. */
export function ephemeralOverlap(base: number): string | undefined {
  const [low, high] = ephemeralRange();
  if (base > high || base + PORT_RANGE - 1 < low) return undefined;
  return `PORT=${base}: the step's ports (${base}–${base + PORT_RANGE - 1}) reach into the ports this machine hands out to outgoing connections and free-port requests (${low}–${high}), so one may be taken at any moment. A PORT below ${low - PORT_RANGE} keeps them apart.`;
}
