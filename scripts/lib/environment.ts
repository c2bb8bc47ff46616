// A running step: what `--start` prints and what the behavioural checks connect to.
import type { DrillTarget } from './drill-run.ts';
import type { ManagedProcess } from './processes.ts';
import type { RedisHandle } from './redis.ts';
import type { Target } from './targets/index.ts';
import type { TraefikView } from './traefik-run/process.ts';

export interface Instance {
  id: string;
  url: string;
  /** The current process: replaced when the instance is restarted. */
  process: ManagedProcess;
  /** Starts it again on the same port (after a drill stopped it, or as a rolling restart). */
  restart(): Promise<void>;
}

export interface Environment {
  /** Where clients connect: the one server (step 1), each instance (step 2), the router (steps 3–6). */
  entries: string[];
  /** The socket.io path clients must use through the entry (step 5 serves under /wsk). */
  socketPath: string;
  instances: Instance[];
  redis?: RedisHandle;
  /** The real Traefik run on this machine (steps 2–6), to read what it built and its log. */
  traefik?: TraefikView;
  /** A real stack (Docker Compose): its replicas are containers, not `instances`, reached through it. */
  stack?: RealStack;
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

export interface StartOptions {
  /** Base port (PORT): a step's fixed layout for `--start`; 0 takes free ports (checks, tests). */
  port: number;
  echo?: boolean;
  heartbeatMs?: number;
  /** INSTANCE_ID for `--start`: the brief's protocol lets it name a single instance (steps with several ignore it). */
  instanceId?: string;
  /** Where to run it; the rehearsal unless said (`--start` chooses with `chooseTarget`). */
  target?: Target;
}

/** What the checks and drills need from a stack whose replicas are not local processes. */
export interface RealStack {
  /** Causes a drill's failure as an operator would (`docker stop`, `docker kill`, …). */
  drills: DrillTarget;
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
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
}

export interface Replica {
  /** The container's id, for the engine's commands. */
  id: string;
  /** The name the app gives itself (INSTANCE_ID, else its hostname): what `welcome` reports. */
  instance: string;
  running: boolean;
  exitCode: number;
  /** The end of its output, to explain a crash. */
  logs(): Promise<string>;
}
