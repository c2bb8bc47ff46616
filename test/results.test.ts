// What `npm run check` ends with: one line for the whole run, the next step or the step to fix first.
import { expect, it } from 'vitest';
import type { StepResult } from '../scripts/lib/checks/types.ts';
import { renderResults } from '../scripts/lib/ui/results.ts';

const result = (step: number, ok: boolean): StepResult => ({
  step,
  slug: `s${step}`,
  title: `Step ${step}'s title`,
  ok,
  ms: 1_000,
  expectations: [{ id: 'starts', title: 'starts', status: ok ? 'pass' : 'fail', ms: 10 }],
  ...(ok
    ? { next: { step: step + 1, title: `Step ${step + 1}'s title` } }
    : {
        failure: { id: 'starts', title: 'starts', status: 'fail', ms: 10, message: 'no', hint: 'fix it' },
      }),
});
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

it('one step: done, and the next', () => {
  expect(lastLine(renderResults([result(1, true)], { color: false }))).toBe(
    "Step 1 done. Next: npm run step 2 (Step 2's title)",
  );
});

it('several steps: one summary line, not "done, next" per step', () => {
  const all = renderResults([result(1, true), result(2, true)], { color: false });
  expect(all).not.toContain('Step 1 done');
  expect(lastLine(all)).toBe("2 of 2 started steps pass. Next: npm run step 3 (Step 3's title)");
  const some = renderResults([result(1, true), result(2, false), result(3, false)], { color: false });
  expect(lastLine(some)).toBe('1 of 3 started steps pass. Fix step 2 first: npm run step 2');
});

it('nothing started: no summary at all', () => {
  const text = renderResults([{ step: 1, slug: 's1', title: 't', notStarted: true }], { color: false });
  expect(text).not.toMatch(/pass\.|done/);
});
