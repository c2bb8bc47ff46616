// A running step: what `--start` prints and what the behavioural checks connect to.
import type { ManagedProcess } from '../processes.ts';
import type { RedisHandle } from '../redis.ts';
import type { Target } from '../targets.ts';
import type { TraefikRun } from '../traefik/process.ts';

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
  /** The real Traefik the rehearsal runs (steps 2–6), to read what it built and its log. */
  traefik?: TraefikRun;
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
