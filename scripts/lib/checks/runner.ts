// Runs one step's expectations in order against a folder, stopping at the first failure (later
// expectations build on earlier ones: a server that does not start has no broadcast to check).
import type { Environment } from '../environment.ts';
import { UserError, WORKSHOP_HINT, WorkshopFailure } from '../errors.ts';
import type { Finding } from '../findings.ts';
import { stepFiles } from '../step-files.ts';
import type { Step } from '../steps.ts';
import { type Target, targetModule } from '../targets/index.ts';
import type { TargetModule } from '../targets/target.ts';
import { portTaken } from '../workshop-parts.ts';
import { explainWithEvidence, gatherEvidence } from './diagnosis.ts';
import {
  type CheckContext,
  CheckFailure,
  CheckSkipped,
  type Expectation,
  type ExpectationResult,
  type StepResult,
} from './types.ts';

/** Heartbeats every 300 ms so the heartbeat check takes a fraction of a second, not five. */
const CHECK_HEARTBEAT_MS = 300;

/**
 * `target`: the rehearsal unless said (Docker Compose, the kind cluster), by name or as a module (a test's own).
 * `onProgress`: told when each expectation starts and ends (the terminal's live line).
 */
export async function runStep(
  step: Step,
  dir: string,
  {
    target = 'rehearsal',
    onProgress,
  }: {
    target?: Target | TargetModule;
    onProgress?: (expectation: Expectation, result?: ExpectationResult) => void;
  } = {},
): Promise<StepResult> {
  const module = typeof target === 'string' ? targetModule(target) : target;
  const files = stepFiles(dir);
  const cleanups: (() => Promise<void> | void)[] = [];
  const fixtures = new Map<string, Promise<unknown>>();
  // Environments started so far, kept as values so that a failure can ask their instances what happened.
  const environments: Environment[] = [];
  let warnings: Finding[] = [];
  const ctx: CheckContext = {
    step,
    target: module,
    dir,
    files,
    fixture<T>(key: string, build: () => Promise<T>): Promise<T> {
      if (!fixtures.has(key)) fixtures.set(key, build());
      return fixtures.get(key) as Promise<T>;
    },
    environment(): Promise<Environment> {
      return ctx.fixture('environment', async () => {
        const env = await module.start(step, dir, { port: 0, heartbeatMs: CHECK_HEARTBEAT_MS, files });
        cleanups.push(() => env.stop());
        environments.push(env);
        return env;
      });
    },
    defer: (cleanup) => cleanups.push(cleanup),
    warn: (finding) => warnings.push(finding),
    track: (env) => environments.push(env),
  };

  const started = Date.now();
  const results: ExpectationResult[] = [];
  let failed = false;
  try {
    for (const expectation of step.expectations) {
      const { id, title } = expectation;
      if (failed) {
        results.push({ id, title, status: 'skip', ms: 0 });
        continue;
      }
      const lacking = expectation.needs?.map((need) => module.cannot[need]).find(Boolean);
      if (lacking) {
        results.push({ id, title, status: 'skip', ms: 0, message: `not on ${module.name}: ${lacking}` });
        continue;
      }
      const t0 = Date.now();
      onProgress?.(expectation);
      warnings = [];
      // Where each instance's output stood: errors logged from here on are this expectation's.
      const since = new Map(
        environments.flatMap((e) => e.instances.map((i) => [i.process, i.process.output().length] as const)),
      );
      let result: ExpectationResult;
      try {
        // The expectation that first needs the environment waits for it to start, on top of its own bound.
        const starting = fixtures.has('environment') ? 0 : module.startTimeoutMs;
        await withTimeout(expectation.run(ctx), (expectation.timeoutMs ?? 15_000) + starting, title);
        result = { id, title, status: 'pass', ms: Date.now() - t0 };
        if (warnings.length) result.findings = warnings;
      } catch (err) {
        if (err instanceof CheckSkipped) {
          results.push({ id, title, status: 'skip', ms: Date.now() - t0, message: err.message });
          continue;
        }
        failed = true;
        let explained = explain(err, expectation.hint);
        const instances = environments.flatMap((e) => e.instances);
        const redisUrl = environments.find((e) => e.redis)?.redis?.url;
        // The workshop's own parts first: when one of them failed, the attendee's code is not to blame.
        const broken = await workshopFailures(environments);
        if (broken.length) {
          explained = {
            message: `Not your code: ${broken.join('; ')}.\nWhat the check saw then: ${explained.message}`,
            hint: WORKSHOP_HINT,
          };
        } else if (!(err instanceof CheckFailure && err.diagnosed) && !(err instanceof WorkshopFailure)) {
          const evidence = gatherEvidence(instances, dir, expectation.disturbs ? undefined : since);
          explained = explainWithEvidence(explained, evidence, redisUrl);
        }
        result = {
          id,
          title,
          status: 'fail',
          ms: Date.now() - t0,
          ...withStepNumber(explained, step.number),
          ...(broken.length || err instanceof WorkshopFailure ? { workshop: true as const } : {}),
        };
        if (err instanceof CheckFailure && err.findings) result.findings = err.findings;
      }
      results.push(result);
      onProgress?.(expectation, result);
    }
  } finally {
    // A cleanup that fails must not hide the results; what it started is still stopped on exit (processes.ts).
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
  const failure = results.find((r) => r.status === 'fail');
  return {
    step: step.number,
    slug: step.slug,
    title: step.title,
    ok: !failure,
    ms: Date.now() - started,
    expectations: results,
    failure,
  };
}

/** Hints are written once for every step (`npm run reset N`); the attendee reads their step's number. */
export function withStepNumber<T extends { message: string; hint: string }>(text: T, step: number): T {
  const concrete = (s: string) => s.replace(/\b(npm run \w+) N\b/g, `$1 ${step}`);
  return { ...text, message: concrete(text.message), hint: concrete(text.hint) };
}

function explain(err: unknown, hint: string): { message: string; hint: string } {
  if (err instanceof CheckFailure) return { message: err.message, hint: err.hint ?? hint };
  if (err instanceof UserError) return { message: err.message, hint: err.hint ?? hint };
  return { message: err instanceof Error ? err.message : String(err), hint };
}

/** What of the workshop's own parts has failed, in the environments started so far (each bounded). */
async function workshopFailures(environments: Environment[]): Promise<string[]> {
  const asked = environments.flatMap((e) => [
    ...(e.workshopParts ?? []).map((part) => part.failure()),
    ...e.instances.map((i) => portTaken(i)),
  ]);
  const answers = await Promise.all(
    asked.map((answer) =>
      Promise.race([answer, new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000).unref())]),
    ),
  );
  return [...new Set(answers.filter((a): a is string => a !== undefined))];
}

function withTimeout<T>(promise: Promise<T>, ms: number, title: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`Gave up after ${ms / 1000} s: ${title}.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
