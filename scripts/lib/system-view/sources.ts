// Where the system view reads a running step: each replica's own /stats (the one line every step's server
// has), Traefik's API, and Redis's own counters. Each reading is bounded: a frozen or dead part reads as
// down within the view's tick, and never holds the next one up.
import { createClient } from 'redis';
import type { Environment, RealStack, Replica } from '../environment.ts';
import { type ApiService, apiList } from '../traefik-run/api.ts';
import { insideReader, insideScript } from './inside.ts';
import { type Stats, statsOf } from './stats.ts';

export type ReplicaState = 'up' | 'draining' | 'down';

export interface ReplicaReading {
  id: string;
  state: ReplicaState;
  /** Where Traefik reaches it (http://127.0.0.1:PORT here; a container's address on Docker). */
  url?: string;
  /** From its /stats, while it answers: the clients it holds and the chats it has taken so far. */
  clients?: number;
  chats?: number;
}

export interface RedisReading {
  up: boolean;
  /** How many times the reader's connection dropped since the last reading: a restart quicker than a tick. */
  drops?: number;
  /** Redis's count of PUBLISH, SPUBLISH and XADD calls since it started: what the adapters send through it. */
  sent?: number;
}

export interface Sources {
  /** Traefik's API, where one runs in front of the replicas. */
  traefikApi?: string;
  replicas(): Promise<ReplicaReading[]>;
  redis?(): Promise<RedisReading>;
  /** Why Redis is not read, where it runs but not where the view reaches it. */
  redisNote?: string;
  /** Lets go of what the readings hold open (a Redis connection). */
  close(): Promise<void>;
}

const TIMEOUT_MS = 400;

/**
 * A replica's /stats: undefined when nothing answers within the tick (gone, frozen), no counts when it
 * answers without them (a server.ts from before /stats).
 */
export async function readStats(url: string): Promise<Stats | undefined> {
  try {
    const res = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    return res.ok ? statsOf(await res.json()) : {};
  } catch {
    return undefined;
  }
}

/** Sums the calls of the commands the adapters send through Redis, from `INFO commandstats`. */
export function sentThroughRedis(info: string): number {
  let sum = 0;
  for (const match of info.matchAll(/^cmdstat_(?:publish|spublish|xadd):calls=(\d+)/gm))
    sum += Number(match[1]);
  return sum;
}

/** Redis read with one client of its own that keeps trying to reconnect: down while it cannot answer. */
export function redisReader(url: string): Pick<Sources, 'redis' | 'close'> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: TIMEOUT_MS, reconnectStrategy: () => 250 },
  });
  // A dropped Redis is a reading (down), not an error to print: the view shows it.
  client.on('error', () => {});
  let drops = 0;
  let wasReady = false;
  client.on('ready', () => {
    wasReady = true;
  });
  client.on('reconnecting', () => {
    if (wasReady) drops++;
    wasReady = false;
  });
  const connecting = client.connect().catch(() => undefined);
  return {
    async redis() {
      await Promise.race([connecting, new Promise((r) => setTimeout(r, TIMEOUT_MS))]);
      const dropped = drops;
      drops = 0;
      if (!client.isReady) return { up: false, drops: dropped };
      const info = await Promise.race([
        client.info('commandstats').catch(() => undefined),
        new Promise<undefined>((r) => setTimeout(r, TIMEOUT_MS)),
      ]);
      return info === undefined
        ? { up: false, drops: dropped }
        : { up: true, drops: dropped, sent: sentThroughRedis(info) };
    },
    async close() {
      await connecting;
      client.destroy();
    },
  };
}

/** The sources of a running step: local processes here, containers or pods on a real stack. */
export function sourcesOf(env: Environment): Sources {
  const redis = env.redis ? redisReader(env.redis.url) : undefined;
  const stack =
    env.stack && !env.instances.length ? stackReplicas(env.stack, env.traefik?.apiUrl) : undefined;
  const local = async () =>
    Promise.all(
      env.instances.map(async (i): Promise<ReplicaReading> => {
        if (!i.process.running()) return { id: i.id, state: 'down', url: i.url };
        const stats = await readStats(i.url);
        // Asked to stop and still running: it is draining its clients.
        const state = i.process.stopRequested() ? 'draining' : stats ? 'up' : 'down';
        return { id: i.id, state, url: i.url, clients: stats?.clients, chats: stats?.chats };
      }),
    );
  return {
    traefikApi: env.traefik?.apiUrl,
    replicas: stack?.replicas ?? local,
    redis: redis?.redis ?? stack?.redis,
    redisNote:
      env.stack && !redis && !stack?.redis ? 'inside the stack: the view does not reach it' : undefined,
    close: async () => {
      await redis?.close();
      await stack?.close();
    },
  };
}

/** How often a real stack's replicas are listed: each listing is a `docker` or `kubectl` command. */
const LIST_EVERY_MS = 2_000;

/**
 * Containers or pods: listed by the engine or the cluster every two seconds, and read at each tick where
 * Traefik reaches them, from inside one replica where the stack says how (a pod's address is reachable
 * only within kind's node, a container's not from Docker Desktop's host), else from here; Redis too.
 */
function stackReplicas(stack: RealStack, traefikApi?: string): Pick<Sources, 'replicas' | 'redis' | 'close'> {
  let listed: Promise<Replica[]> | undefined;
  let listedAt = 0;
  const { insideNode } = stack;
  const inside = insideNode
    ? insideReader(async () => {
        const running = (await listed)?.find((r) => r.running);
        return running && insideNode(running, insideScript());
      })
    : undefined;
  const replicas = async () => {
    if (!listed || Date.now() - listedAt > LIST_EVERY_MS) {
      listedAt = Date.now();
      listed = stack.replicas().catch(() => []);
    }
    const servers = traefikApi
      ? (await apiList<ApiService>(traefikApi, '/api/http/services', TIMEOUT_MS).catch(() => [])).flatMap(
          (s) => s.loadBalancer?.servers?.map((x) => x.url) ?? [],
        )
      : [];
    // Once per address: several routers' services (the Host route's, the path route's) list the same.
    const addresses = [...new Set(servers)];
    const read = inside
      ? (await inside.read(addresses)).map((stats, i) => ({ url: addresses[i], stats }))
      : await Promise.all(addresses.map(async (url) => ({ url, stats: await readStats(url) })));
    const stats = read.filter((s) => s.stats?.instance);
    return (await listed).map((r): ReplicaReading => {
      const own = stats.find((s) => s.stats?.instance === r.instance);
      return {
        id: r.instance,
        state: r.running ? 'up' : 'down',
        url: own?.url,
        clients: own?.stats?.clients,
        chats: own?.stats?.chats,
      };
    });
  };
  // Redis as a replica sees it, through the same process. A count that went down means it restarted
  // between two readings.
  let last: RedisReading | undefined;
  const redis = inside
    ? async (): Promise<RedisReading> => {
        const info = await inside.redisInfo();
        if (info === undefined) return last ?? { up: false };
        const sent = info === null ? undefined : sentThroughRedis(info);
        const drops = sent !== undefined && last?.sent !== undefined && sent < last.sent ? 1 : 0;
        last = info === null ? { up: false } : { up: true, sent };
        return { ...last, drops };
      }
    : undefined;
  return { replicas, redis, close: async () => inside?.close() };
}
