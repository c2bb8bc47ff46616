// A running step, whichever target runs it: what `--start` prints, what the checks connect to and what the
// drills act on. Every target hands back this one shape; nothing after it asks which target made it.
// A leaf of the import graph: it names types from below it and nothing above.
import type { ManagedProcess } from './processes.ts';
import type { RedisHandle } from './redis.ts';
import type { StepFiles } from './step-files.ts';

export const TARGETS = ['rehearsal', 'docker', 'kind', 'apiserver'] as const;
/** Where a step runs (`--target NAME`): each has its own module under targets/. */
export type Target = (typeof TARGETS)[number];

/**
 * What a step describes, in the registry: one server, instances sharing Redis, a stack described by
 * compose.yaml, by Kubernetes manifests, or by both (steps 5 and 6: each target runs the one it can).
 */
export type Flavour = 'server' | 'instances' | 'compose' | 'kubernetes' | 'compose-and-kubernetes';
/** What a target needs of a step: the registry's entry has more, and is one. */
export interface StepShape {
  number: number;
  flavour: Flavour;
  /** The socket.io path clients use through the step's entry (/wsk/socket.io/ from step 5). */
  socketPath: string;
}

/** What a target actually runs for a flavour. */
export type RunnableFlavour = Exclude<Flavour, 'compose-and-kubernetes'>;

export const DRILLS = {
  'sigterm-instance': 'stop one instance gracefully (SIGTERM): it drains, its clients reconnect elsewhere',
  'sigkill-instance': 'kill one instance (SIGKILL): its clients notice on their next request or ping',
  'restart-redis': 'restart Redis: broadcasts between instances stop, then resume by themselves',
  'rolling-restart': 'restart every instance one by one (Kubernetes: kubectl rollout restart)',
} as const;
export type DrillName = keyof typeof DRILLS;

/** A drill's failure, caused as an operator would; resolves to a sentence saying what was done. */
export type DrillAction = (busiest: string) => Promise<string>;
/**
 * Every drill, for one environment: a table, not an if-chain, so a new drill is a type error in each
 * target until it says what the drill does there (or throws a UserError saying why it cannot).
 */
export type Drills = Record<DrillName, DrillAction>;

export interface Instance {
  id: string;
  url: string;
  /** The current process: replaced when the instance is restarted. */
  process: ManagedProcess;
  /** Starts it again on the same port (after a drill stopped it, or as a rolling restart). */
  restart(): Promise<void>;
}

/**
 * A part of a running step that the workshop runs, not the attendee's code: its Redis, its Traefik, its
 * control plane, the pods' addresses. A failing check asks each first, and says so when one has failed.
 */
export interface WorkshopPart {
  /** Why it does not work now, in a sentence naming it; undefined while it works or was stopped on purpose. */
  failure(): Promise<string | undefined>;
}

export interface Environment {
  /** Where clients connect: the one server (step 1), each instance (step 2), the router (steps 3–6). */
  entries: string[];
  /** The socket.io path clients must use through the entry (step 5 serves under /wsk). */
  socketPath: string;
  /** The replicas that are this command's own processes, reachable one by one (none on Docker or kind). */
  instances: Instance[];
  /** The Redis this command runs (absent where Redis is a container or a pod). */
  redis?: RedisHandle;
  /** The real Traefik in front of the replicas (steps 2–6): where its API answers, and what it refused. */
  traefik?: RouterView;
  /** A real stack (Docker Compose, a kind cluster): its replicas are containers or pods, reached through it. */
  stack?: RealStack;
  /** The drills, as this target causes them. */
  drills: Drills;
  /** The workshop's own parts of it (none where a real stack runs them): a failure there is not the attendee's. */
  workshopParts?: WorkshopPart[];
  /** Lines `--start` prints: label and URL. */
  links: { label: string; url: string }[];
  /** Plain statements printed with the links (e.g. what the rehearsal does not rehearse). */
  notes: string[];
  /**
   * Applies the attendee's edited routing to the running Traefik, without a restart (`--start` calls it on
   * save); resolves to the errors Traefik reports for the new routers. Absent where nothing reloads live.
   */
  reload?(): Promise<string[]>;
  stop(): Promise<void>;
}

/** A running Traefik as the checks and `--start` read it, wherever it runs (here, in a container, in a pod). */
export interface RouterView {
  /** Its API (`/api/rawdata`, the dashboard): http://127.0.0.1:PORT. */
  apiUrl: string;
  /** What it refused of the attendee's configuration, in its own words, with their file and line where known. */
  problems(): Promise<string[]>;
}

export interface StartOptions {
  /** Base port (PORT): a step's fixed layout for `--start`; 0 takes free ports (checks, tests). */
  port: number;
  echo?: boolean;
  heartbeatMs?: number;
  /** INSTANCE_ID for `--start`: the brief's protocol lets it name a single instance (steps with several ignore it). */
  instanceId?: string;
  /** The step's files, parsed once and shared with the checks of the same run (read afresh when absent). */
  files?: StepFiles;
}

/** What the checks need from a stack whose replicas are not local processes. */
export interface RealStack {
  /**
   * How much later than on the rehearsal the router stops sending clients to a replica that ended: the
   * drills' recovery bound grows by it (measured, not guessed: see the Docker target's test).
   */
  routerLagMs: number;
  /** Waits (bounded) until the router routes to exactly the running replicas; a note when it did not. */
  settle(): Promise<string | undefined>;
  /** The replicas, by the name each gives itself (its hostname), running or not. */
  replicas(): Promise<Replica[]>;
  /** GET `path` (/healthz, /readyz) asked from inside a running replica: its status, 0 when nothing answered. */
  status(replica: Replica, path: string): Promise<number>;
  /**
   * The argv that runs `node -e script` inside a running replica with stdin and stdout kept open: the
   * system view reads the replicas and Redis through it, whose addresses this machine may not reach.
   */
  insideNode?(replica: Replica, script: string): string[];
  /**
   * Redis stops answering without closing a connection (SIGSTOP) until stopRedis: what the replicas send
   * meanwhile is in flight when it dies, as under load.
   */
  freezeRedis(): Promise<void>;
  /** Redis killed, not saved (a frozen one too), and kept down until startRedis. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
}

export interface Replica {
  /** The container's or pod's id, for the engine's or the cluster's commands. */
  id: string;
  /** The name the app gives itself (INSTANCE_ID, else its hostname): what `welcome` reports. */
  instance: string;
  running: boolean;
  exitCode: number;
  /** The end of its output, to explain a crash. */
  logs(): Promise<string>;
}
