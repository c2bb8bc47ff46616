// npm run check [N] [-- --json] [-- --target NAME] [-- --report URL --name NAME]
// Runs the checks of one step (or of every started step), prints the table, exits 0 only if all pass.
import { resolve } from 'node:path';
import { styleText } from 'node:util';
import { checked, checkSteps } from './lib/checks/check-steps.ts';
import { parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { findStep, type Step } from './lib/steps.ts';
import { parseTarget, refuseOldFlags, TARGETS } from './lib/targets/index.ts';
import { useColor } from './lib/ui/color.ts';
import { renderPassed, renderResults, terminalProgress } from './lib/ui/results.ts';

/** A step that also runs for real (Docker, kind, the API server), not only as a rehearsal. */
const hasRealTarget = (step: Step) => step.targets.some((t) => t !== 'rehearsal');

await main(async () => {
  refuseOldFlags(process.argv.slice(2), (t) => `npm run check N -- --target ${t}`);
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        target: { type: 'string' },
        report: { type: 'string' },
        name: { type: 'string' },
        // Check another folder than the playground (instructors, the tests): results are not recorded.
        dir: { type: 'string' },
      },
    },
    {
      usage: 'npm run check [N] [-- --json] [-- --target NAME] [-- --report URL --name NAME]',
      summary:
        'Checks one step (or every started step): a table with the first failing expectation and its hint; exits 0 only if all pass.',
      flags: {
        json: 'print the results as JSON',
        target: `one step on ${TARGETS.join(', ')} (default: rehearsal)`,
        report: "send the results to the instructor's room at URL (with --name)",
        name: 'your name in the room',
        dir: 'check this folder instead of the playground (results are not recorded)',
      },
    },
  );
  const step = positionals[0] === undefined ? undefined : findStep(positionals[0]);
  if (values.target !== undefined && !step)
    throw new UserError('--target checks one step.', 'e.g. npm run check 3 -- --target docker');
  const rows = await checkSteps(step, {
    dir: values.dir && resolve(values.dir),
    target: step && parseTarget(values.target, step),
    onProgress: terminalProgress(),
  });
  const results = checked(rows);
  if (!results.length)
    throw new UserError('No step started yet, so nothing to check.', 'start with `npm run step 1`');

  if (values.json)
    process.stdout.write(`${JSON.stringify({ ok: results.every((r) => r.ok), results }, null, 2)}\n`);
  else {
    const color = useColor();
    process.stdout.write(results.map((r) => renderPassed(r, { color })).join(''));
    process.stdout.write(renderResults(rows, { color }));
    // The one place the two commands choose differently: say so, and how to check the real thing.
    const rehearsed =
      values.target === undefined ? results.map((r) => findStep(r.step)).filter(hasRealTarget) : [];
    if (rehearsed.length)
      process.stdout.write(
        `${styleText('dim', `Checked on the rehearsal, the checks' default (seconds, no Docker or cluster), where --start takes the real thing when it can. To check that: npm run check ${rehearsed[0].number} -- --target ${rehearsed[0].targets.filter((t) => t !== 'rehearsal').join('|')}`)}\n`,
      );
  }

  if (values.report) await report(values.report, values.name, results);
  return results.every((r) => r.ok) ? 0 : 1;
});

async function report(url: string, name: string | undefined, results: unknown[]) {
  if (!name)
    throw new UserError('--report needs --name.', 'npm run check -- --report URL --name "Your Name"');
  const target = new URL('/api/report', url);
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, results }),
    signal: AbortSignal.timeout(5_000),
  }).catch((err: Error) => {
    throw new UserError(
      `Could not reach the instructor's room at ${target}: ${err.message}`,
      'check the URL your instructor gave',
    );
  });
  if (!res.ok)
    throw new UserError(`The instructor's room refused the report: HTTP ${res.status} ${await res.text()}`);
  process.stderr.write(`Reported to ${target.origin} as ${name}.\n`);
}
