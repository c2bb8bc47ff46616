// What `npm run check` does, callable from the step menu, watch mode and the tests alike.
import { existsSync } from 'node:fs';
import { ensurePlayground } from '../playground.ts';
import { recordResults } from '../progress-file.ts';
import { playgroundDir, STEPS, type Step } from '../steps.ts';
import type { Target } from '../targets/index.ts';
import { notStarted, type Row } from '../ui/results.ts';
import { runStep } from './runner.ts';
import type { Expectation, ExpectationResult, StepResult } from './types.ts';

/** Checks one step's playground (made from the starter on first use) or every started step. */
export async function checkSteps(
  step: Step | undefined,
  options: {
    dir?: string;
    target?: Target;
    onProgress?: (step: Step, expectation: Expectation, result?: ExpectationResult) => void;
  } = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  const targets = step ? [step] : STEPS;
  for (const s of targets) {
    if (!step && !existsSync(playgroundDir(s))) {
      rows.push(notStarted(s));
      continue;
    }
    const dir = options.dir ?? ensurePlayground(s).dir;
    const result = await runStep(s, dir, {
      target: options.target,
      onProgress: options.onProgress && ((e, r) => options.onProgress?.(s, e, r)),
    });
    const next = STEPS[s.number];
    if (result.ok && next) result.next = { step: next.number, title: next.title };
    rows.push(result);
  }
  const results = rows.filter((r): r is StepResult => !('notStarted' in r));
  if (!options.dir) recordResults(results);
  return rows;
}

export const checked = (rows: Row[]) => rows.filter((r): r is StepResult => !('notStarted' in r));
