// The one interface every target implements (targets/rehearsal, docker, kind, apiserver). The code that
// picks a target runs once, at the edge (targets/index.ts); everything after it talks to this interface.
// What a target cannot show, it declares here: no caller tests which target it is.
import type {
  Environment,
  Flavour,
  RunnableFlavour,
  StartOptions,
  StepShape,
  Target,
} from '../environment.ts';

export type { StepShape } from '../environment.ts';

/** Something an expectation may need that not every target can give. */
export type Capability = 'local-processes';

export interface TargetModule {
  readonly name: Target;
  /** What a person calls it: `Docker Compose`, `kind`. */
  readonly label: string;
  /** One line: what runs, and where. */
  readonly summary: string;
  /** What it runs for each flavour the registry knows, or null where it does not run that flavour. */
  readonly runs: Readonly<Record<Flavour, RunnableFlavour | null>>;
  /** What it cannot give, and why: an expectation that needs it is reported skipped with this reason. */
  readonly cannot: Readonly<Partial<Record<Capability, string>>>;
  /**
   * The findings (by code) that the target's real tools show for themselves when the step starts (an API
   * server's refusal, Traefik's "forbidden", a kubelet's failed pull): the workshop's own reading of them
   * steps aside, so that the attendee meets the real verdict.
   */
  showsItself(code: string): boolean;
  /** What this machine lacks to run it, in words; undefined when nothing is missing. */
  missing(): Promise<string | undefined>;
  /** Starts the step's environment: `--start` on the brief's ports, the checks on free ones. */
  start(step: StepShape, dir: string, options: StartOptions): Promise<Environment>;
  /**
   * The environment `npm run drill` acts on: where `runningStack` is set, the stack `--start` keeps running
   * (`url` is where its Traefik answers); else one started here, and stopped after.
   */
  forDrill(step: StepShape, dir: string, options: { url: string }): Promise<Environment>;
  /** `npm run drill` acts on the stack `--start` keeps running (Docker, kind), not on one of its own. */
  readonly runningStack: boolean;
  /**
   * How long starting a step may take on top of the expectation that first needs it (building images,
   * creating a cluster): the rehearsal's few seconds are within every expectation's own bound.
   */
  readonly startTimeoutMs: number;
  /** How long a drill may take from the failure until every client is back (a kind rollout takes minutes). */
  readonly drillTimeoutMs: number;
  /** Deletes what outlives `--start` (the kind cluster); absent where nothing does. */
  down?(dir: string): Promise<string>;
}
