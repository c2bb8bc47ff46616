// What a check is: an ordered list of expectations, each a function that passes or throws a
// CheckFailure with a message. Printing belongs to the UI; these types are what both the terminal
// table and --json render.
import type { Environment, StepShape } from '../environment.ts';
import type { Finding } from '../findings.ts';
import type { StepFiles } from '../step-files.ts';
import type { Capability, TargetModule } from '../targets/target.ts';

export interface Expectation {
  id: string;
  title: string;
  /** What to try when it fails; a CheckFailure may carry a more precise one. */
  hint: string;
  /** Upper bound for this expectation, so one stuck check never hangs the command. */
  timeoutMs?: number;
  /**
   * It breaks things on purpose (stops Redis, kills an instance): what the instances log meanwhile is
   * expected, so a failure of it is not blamed on their output.
   */
  disturbs?: boolean;
  /** It stops an instance or Redis: nothing can be checked after it, so it runs last (the registry asserts it). */
  destructive?: boolean;
  /** What it needs of the target: where the target cannot give it, it is skipped with the target's reason. */
  needs?: Capability[];
  run(ctx: CheckContext): Promise<void>;
}

/** Thrown when this target cannot show what the expectation checks: reported as skipped, never as passed. */
export class CheckSkipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CheckSkipped';
  }
}

export class CheckFailure extends Error {
  readonly hint?: string;
  /** Every finding behind the failure (a file check's errors), each with its own fix. */
  readonly findings?: Finding[];
  /** The message already tells what the instances did (a crash it saw): the runner adds nothing. */
  readonly diagnosed: boolean;
  constructor(
    message: string,
    hint?: string,
    { findings, diagnosed = false }: { findings?: Finding[]; diagnosed?: boolean } = {},
  ) {
    super(message);
    this.name = 'CheckFailure';
    this.hint = hint;
    this.findings = findings;
    this.diagnosed = diagnosed;
  }
}

export interface CheckContext {
  step: StepShape;
  /** Where the step's environment runs: ask it what it can show, never which one it is. */
  target: TargetModule;
  /** The folder whose files are checked: the playground, or a starter/solution in the tests. */
  dir: string;
  /** The folder's deployment files, parsed once for every expectation and the environment. */
  files: StepFiles;
  /** The step's environment (started once, on first use, on free ports), shared by the expectations. */
  environment(): Promise<Environment>;
  /** A value built once per check run and shared by later expectations. */
  fixture<T>(key: string, build: () => Promise<T>): Promise<T>;
  /** Runs when the step's checks end, last registered first. */
  defer(cleanup: () => Promise<void> | void): void;
  /** An environment started by an expectation itself: its instances' output explains failures too. */
  track(env: Environment): void;
  /** A finding that does not fail the expectation but is shown with it (and in --json). */
  warn(finding: Finding): void;
}

export type Status = 'pass' | 'fail' | 'skip';

export interface ExpectationResult {
  id: string;
  title: string;
  status: Status;
  ms: number;
  message?: string;
  hint?: string;
  /** Every finding of a file check, errors first, warnings too (shown even when it passes). */
  findings?: Finding[];
  /** The failure was the workshop's own (its Redis, Traefik, control plane, a port it chose), not the code's. */
  workshop?: true;
}

export interface StepResult {
  step: number;
  slug: string;
  title: string;
  ok: boolean;
  ms: number;
  expectations: ExpectationResult[];
  /** The first failing expectation: what the table shows. */
  failure?: ExpectationResult;
  /** The step after this one, when it passed (what to do next). */
  next?: { step: number; title: string };
}
