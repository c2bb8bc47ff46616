// Check results for people: a table of steps, then each failing step's first failing expectation
// with its message and hint, every finding behind it (errors first), the warnings of passing checks,
// and what to do next. `--json` prints the same results as data.
import type { Expectation, ExpectationResult, StepResult } from '../checks/types.ts';
import type { Finding } from '../findings.ts';
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
    if ('notStarted' in r) continue;
    const failure = r.failure;
    if (failure) {
      lines.push('', paint(['red', 'bold'], `Step ${r.step}: ${failure.title}`));
      if (failure.findings?.length) lines.push(...renderFindings(failure.findings, paint));
      else {
        lines.push(...indent(failure.message ?? ''));
        if (failure.hint) lines.push(paint('yellow', `  hint: ${failure.hint}`));
      }
    }
    // Warnings of the checks that passed: true even when the step passes, and cheap to fix now.
    const warned = r.expectations.filter((e): e is ExpectationResult & { findings: Finding[] } =>
      Boolean(e.status === 'pass' && e.findings?.length),
    );
    for (const e of warned) {
      lines.push('', paint(['yellow', 'bold'], `Step ${r.step} passes, with warnings: ${e.title}`));
      lines.push(...renderFindings(e.findings, paint));
    }
  }
  const last = summary(
    rows.filter((r): r is StepResult => !('notStarted' in r)),
    paint,
  );
  if (last.length) lines.push('', ...last);
  return `${lines.join('\n')}\n`;
}

/** One line for the whole run: what to do next, or which step to fix first. */
function summary(checked: StepResult[], paint: (style: Style, text: string) => string): string[] {
  const next = (r: StepResult) => (r.next ? ` Next: npm run step ${r.next.step} (${r.next.title})` : '');
  if (checked.length === 1) {
    const [r] = checked;
    return r.ok ? [paint('green', `Step ${r.step} done.${next(r)}`)] : [];
  }
  const passed = checked.filter((r) => r.ok).length;
  const failing = checked.find((r) => !r.ok);
  const counted = `${passed} of ${checked.length} started steps pass.`;
  if (failing)
    return [paint('yellow', `${counted} Fix step ${failing.step} first: npm run step ${failing.step}`)];
  const last = checked.at(-1);
  return last ? [paint('green', `${counted}${next(last)}`)] : [];
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`);

/** Each finding on its line, errors before warnings, each with its own fix. */
function renderFindings(findings: Finding[], paint: (style: Style, text: string) => string): string[] {
  const ordered = [...findings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  );
  return ordered.flatMap((f) => {
    const where = f.line ? `${f.file}:${f.line}` : f.file;
    const object = f.object ? ` (${f.object})` : '';
    const mark = f.severity === 'error' ? paint('red', '✖ error') : paint('yellow', '! warning');
    return [`  ${mark} ${where}${object}: ${f.message}`, paint('yellow', `      fix: ${f.fix}`)];
  });
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

/** What passed, one line each (the checks that did not run are left out: they say nothing yet). */
export function renderPassed(result: StepResult, { color = true } = {}): string {
  const passed = result.expectations.filter((e) => e.status === 'pass');
  if (!passed.length) return '';
  const tick = paintIf('green', '✔', color);
  return `Step ${result.step}, passed:\n${passed.map((e) => `  ${tick} ${e.title}`).join('\n')}\n`;
}

export const notStarted = (step: Step): Row => ({
  step: step.number,
  slug: step.slug,
  title: step.title,
  notStarted: true,
});

/**
 * On a terminal, one live line naming the expectation being checked (a check can take a minute);
 * nothing elsewhere, so logs and pipes get only the result.
 */
export function terminalProgress(
  stream: NodeJS.WriteStream = process.stderr,
): ((step: Step, expectation: Expectation, result?: ExpectationResult) => void) | undefined {
  if (!stream.isTTY || process.env.CI) return undefined;
  return (step, expectation, result) => {
    const width = (stream.columns || 80) - 1;
    const line = result ? '' : `step ${step.number}: checking ${expectation.title}…`.slice(0, width);
    stream.write(`\r\x1b[2K${line}`);
  };
}
