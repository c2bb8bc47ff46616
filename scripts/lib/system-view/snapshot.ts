// One picture of the running system, read from its real sources at each tick, and what changed since the
// last one (an instance gone, Redis down and back) as a short list of events for the projector.
import { type ApiRouter, type ApiService, apiList, bare } from '../traefik-run/api.ts';
import type { RedisReading, ReplicaReading, ReplicaState, Sources } from './sources.ts';

export interface Snapshot {
  at: number;
  title: string;
  /** Absent where no Traefik runs in front (steps 1 and 2's instances). */
  traefik?: {
    up: boolean;
    routers: { name: string; rule: string; status: string }[];
    services: {
      name: string;
      sticky?: string;
      servers: { url: string; status: string; instance?: string }[];
    }[];
  };
  instances: { id: string; state: ReplicaState; clients?: number; chatsPerSecond?: number }[];
  redis?: { up: boolean; sentPerSecond?: number };
  /** Why Redis is not shown, where one runs. */
  redisNote?: string;
  /** Clients held by the instances that answer. */
  clients: number;
  events: { at: number; text: string }[];
}

const EVENTS_KEPT = 12;

export class Observer {
  private last?: { at: number; chats: Map<string, number>; sent?: number };
  private states = new Map<string, ReplicaState>();
  private redisUp?: boolean;
  private readonly events: Snapshot['events'] = [];

  private readonly sources: Sources;
  private readonly title: string;
  private readonly clock: () => number;

  constructor(sources: Sources, title: string, clock = Date.now) {
    this.sources = sources;
    this.title = title;
    this.clock = clock;
  }

  async read(): Promise<Snapshot> {
    const at = this.clock();
    const [replicas, traefik, redis] = await Promise.all([
      this.sources.replicas(),
      this.sources.traefikApi ? readTraefik(this.sources.traefikApi) : undefined,
      this.sources.redis?.(),
    ]);
    const seconds = this.last ? (at - this.last.at) / 1000 : 0;
    const perSecond = (now?: number, before?: number) =>
      // A restarted process or Redis counts from zero again: no rate for that tick.
      now === undefined || before === undefined || now < before || !seconds
        ? undefined
        : (now - before) / seconds;
    const instances = replicas.map((r) => ({
      id: r.id,
      state: r.state,
      clients: r.state === 'down' ? undefined : r.clients,
      chatsPerSecond: perSecond(r.chats, this.last?.chats.get(r.id)),
    }));
    const sentPerSecond = perSecond(redis?.sent, this.last?.sent);
    this.note(at, replicas, redis);
    this.last = {
      at,
      chats: new Map(replicas.flatMap((r) => (r.chats === undefined ? [] : [[r.id, r.chats]]))),
      sent: redis?.sent,
    };
    if (traefik)
      for (const service of traefik.services)
        for (const server of service.servers)
          server.instance = replicas.find((r) => r.url && sameServer(r.url, server.url))?.id;
    return {
      at,
      title: this.title,
      traefik,
      instances,
      redis: redis && { up: redis.up, sentPerSecond },
      redisNote: this.sources.redisNote,
      clients: instances.reduce((n, i) => n + (i.clients ?? 0), 0),
      events: [...this.events],
    };
  }

  /** Each change of state since the last reading, as an event (the first reading sets the scene silently). */
  private note(at: number, replicas: ReplicaReading[], redis?: RedisReading) {
    const add = (text: string) => {
      this.events.unshift({ at, text });
      this.events.length = Math.min(this.events.length, EVENTS_KEPT);
    };
    for (const r of replicas) {
      const before = this.states.get(r.id);
      if (before !== undefined && before !== r.state) add(`${r.id} ${r.state}`);
      this.states.set(r.id, r.state);
    }
    if (!redis) return;
    // Down and back between two readings (a quick restart): both said, as they happened.
    if (this.redisUp && redis.up && redis.drops) {
      add('redis down');
      add('redis up');
    } else if (this.redisUp !== undefined && redis.up !== this.redisUp)
      add(`redis ${redis.up ? 'up' : 'down'}`);
    this.redisUp = redis.up;
  }
}

/**
 * Whether Traefik's server `url` is the replica at `replica`: the same address, or, for a process of this
 * machine (it listens on every interface), the same port at another of its addresses (the API server's pods).
 */
function sameServer(replica: string, url: string): boolean {
  const a = new URL(replica);
  const b = new URL(url);
  const local = (host: string) => host === 'localhost' || host === '127.0.0.1';
  return a.port === b.port && (a.hostname === b.hostname || local(a.hostname));
}

async function readTraefik(api: string): Promise<NonNullable<Snapshot['traefik']>> {
  try {
    const [routers, services] = await Promise.all([
      apiList<ApiRouter>(api, '/api/http/routers', 400),
      apiList<ApiService>(api, '/api/http/services', 400),
    ]);
    return {
      up: true,
      routers: routers.map((r) => ({ name: bare(r.name), rule: r.rule, status: r.status })),
      services: services.map((s) => ({
        name: bare(s.name),
        sticky: s.loadBalancer?.sticky?.cookie
          ? String(s.loadBalancer.sticky.cookie.name ?? 'cookie')
          : undefined,
        servers: (s.loadBalancer?.servers ?? []).map(({ url }) => ({
          url,
          // Without a health check Traefik reports every server UP: that it routes there, not that it answers.
          status: s.serverStatus?.[url] ?? 'UP',
        })),
      })),
    };
  } catch {
    return { up: false, routers: [], services: [] };
  }
}
