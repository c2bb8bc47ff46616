// Where a step runs: one value, named the same by `step`, `check` and `drill` (`--target NAME`), declared
// per step in the registry. This is the one place that goes from a target's name to its module; from
// here on, commands and checks talk to the module (target.ts) and never test which target it is.
import { suggestion } from '../did-you-mean.ts';
import { type Environment, type StartOptions, type StepShape, TARGETS, type Target } from '../environment.ts';
import { UserError } from '../errors.ts';
import { apiserver } from './apiserver/index.ts';
import { docker } from './docker/index.ts';
import { kind } from './kind/index.ts';
import { rehearsal } from './rehearsal/index.ts';
import type { TargetModule } from './target.ts';

export { TARGETS, type Target } from '../environment.ts';

const MODULES: Record<Target, TargetModule> = { rehearsal, docker, kind, apiserver };

export const targetModule = (name: Target): TargetModule => MODULES[name];

/** The old per-command flags, and what to type now. */
const OLD_FLAGS = { local: 'rehearsal', docker: 'docker', cluster: 'kind' } as const satisfies Record<
  string,
  Target
>;

/** Parses `--target NAME` for a step (undefined when not given), refusing a target the step lacks. */
export function parseTarget(
  value: string | undefined,
  step: { number: number; targets: readonly Target[] },
): Target | undefined {
  if (value === undefined) return undefined;
  if (!(TARGETS as readonly string[]).includes(value)) {
    throw new UserError(
      `There is no target '${value}'.${suggestion(value, TARGETS)}`,
      `targets: ${TARGETS.join(', ')}`,
    );
  }
  const target = value as Target;
  if (!step.targets.includes(target))
    throw new UserError(
      `Step ${step.number} does not run on ${target}.`,
      `step ${step.number} runs on: ${step.targets.join(', ')}`,
    );
  return target;
}

/** `--local`, `--docker`, `--cluster` are gone: one line with the new form. */
export function refuseOldFlags(argv: string[], example: (target: Target) => string): void {
  for (const [flag, target] of Object.entries(OLD_FLAGS)) {
    if (argv.includes(`--${flag}`))
      throw new UserError(`--${flag} is now --target ${target}.`, example(target));
  }
}

export interface TargetChoice {
  target: Target;
  /** Why the rehearsal was taken when the step also runs for real (printed by `--start`). */
  reason?: string;
}

/** The real targets a step may run on without being asked, in the order they are tried. */
const REAL_BY_DEFAULT: Target[] = ['docker', 'kind'];

/** Without --target: the first real target of the step whose tools answer, else the rehearsal and why. */
export async function chooseTarget(step: { targets: readonly Target[] }): Promise<TargetChoice> {
  const reasons: string[] = [];
  for (const name of REAL_BY_DEFAULT.filter((t) => step.targets.includes(t))) {
    const missing = await MODULES[name].missing();
    if (!missing) return { target: name };
    reasons.push(`${MODULES[name].label}: ${missing}`);
  }
  return { target: 'rehearsal', reason: reasons.length ? reasons.join('; ') : undefined };
}

/** Starts a step on a target (the rehearsal unless said): what `--start`, the checks and the tests do. */
export const startStep = (
  step: StepShape & { targets: readonly Target[] },
  dir: string,
  { target = 'rehearsal', ...options }: StartOptions & { target?: Target },
): Promise<Environment> => {
  if (!step.targets.includes(target)) throw new UserError(`Step ${step.number} does not run on ${target}.`);
  return targetModule(target).start(step, dir, options);
};
