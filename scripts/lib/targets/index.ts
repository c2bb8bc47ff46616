// Where a step runs: one value, named the same by `step`, `check` and `drill` (`--target NAME`), declared
// per step in the registry. Without --target, `step --start` takes the real thing where it is installed
// and says why when it falls back to the rehearsal; checks default to the rehearsal.
import { suggestion } from '../did-you-mean.ts';
import { UserError } from '../errors.ts';
import { composeV2Answers, dockerEngineAnswers, findExecutable } from '../tools.ts';

export const TARGETS = ['rehearsal', 'docker', 'kind', 'apiserver'] as const;
export type Target = (typeof TARGETS)[number];

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

/** Without --target: the first real target of the step whose tools answer, else the rehearsal and why. */
export async function chooseTarget(step: { targets: readonly Target[] }): Promise<TargetChoice> {
  const reasons: string[] = [];
  if (step.targets.includes('docker')) {
    const missing = await dockerMissing();
    if (!missing) return { target: 'docker' };
    reasons.push(`Docker Compose: ${missing}`);
  }
  if (step.targets.includes('kind')) {
    const missing = await kindMissing();
    if (!missing) return { target: 'kind' };
    reasons.push(`kind: ${missing}`);
  }
  return { target: 'rehearsal', reason: reasons.length ? reasons.join('; ') : undefined };
}

/** What the docker target lacks on this machine, in words (undefined: nothing). */
export async function dockerMissing(): Promise<string | undefined> {
  if (!findExecutable('docker')) return 'no docker command on PATH';
  if (!(await dockerEngineAnswers())) return 'the Docker engine does not answer (`docker info` fails)';
  if (!(await composeV2Answers())) return 'the Compose v2 plugin is missing (`docker compose version` fails)';
  return undefined;
}

/** What the kind target lacks on this machine, in words (undefined: nothing). */
export async function kindMissing(): Promise<string | undefined> {
  const absent = ['kind', 'kubectl', 'docker'].filter((t) => !findExecutable(t));
  if (absent.length) return `${absent.join(', ')} not on PATH`;
  if (!(await dockerEngineAnswers())) return 'the Docker engine does not answer (`docker info` fails)';
  return undefined;
}
