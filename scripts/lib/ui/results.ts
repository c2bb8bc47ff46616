// Check results for people: a table of steps, then each failing step's first failing expectation
// with its message and hint. `--json` prints the same results as data.
import type { StepResult } from '../checks/types.ts';
import type { Step } from '../steps.ts';
import { paint as paintIf, type Style } from './color.ts';

export type Row = StepResult | { step: number; slug: string; title: string; notStarted: true };

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderResults(rows: Row[], { color = true } = {}): string {
  const paint = (style: Style, text: string) => paintIf(style, text, color);
  const lines: string[] = [];
  const titleWidth = Math.max(...rows.map((r) => r.title.length), 5);
  lines.push(paint('bold', `${'step'.padEnd(5)}${'title'.padEnd(titleWidth + 2)}${'result'.padEnd(14)}time`));
  for (const r of rows) {
    const result =
      'notStarted' in r
        ? paint('dim', 'not started'.padEnd(14))
        : r.ok
          ? paint('green', `✔ pass`.padEnd(14))
          : paint(
              'red',
              `✖ ${r.expectations.filter((e) => e.status === 'pass').length}/${r.expectations.length}`.padEnd(
                14,
              ),
            );
    const time = 'notStarted' in r ? '' : seconds(r.ms);
    lines.push(`${String(r.step).padEnd(5)}${r.title.padEnd(titleWidth + 2)}${result}${time}`);
  }
  for (const r of rows) {
    if ('notStarted' in r || !r.failure) continue;
    lines.push('', paint(['red', 'bold'], `Step ${r.step}: ${r.failure.title}`));
    lines.push(`  ${r.failure.message ?? ''}`);
    if (r.failure.hint) lines.push(paint('yellow', `  hint: ${r.failure.hint}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The expectations of one step, each with its mark: what `step N` shows after a check. */
export function renderExpectations(result: StepResult, { color = true } = {}): string {
  const paint = (style: Style, text: string) => paintIf(style, text, color);
  const mark = { pass: paint('green', '✔'), fail: paint('red', '✖'), skip: paint('dim', '·') };
  // A skip with a reason (the target cannot show it) says why; a skip after a failure has none.
  const why = (e: StepResult['expectations'][number]) =>
    e.status === 'skip' && e.message ? paint('dim', ` (skipped: ${e.message})`) : '';
  return `${result.expectations.map((e) => `  ${mark[e.status]} ${e.title}${why(e)}`).join('\n')}\n`;
}

export const notStarted = (step: Step): Row => ({
  step: step.number,
  slug: step.slug,
  title: step.title,
  notStarted: true,
});
