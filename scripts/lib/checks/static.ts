// Checks that read files the way the real tools would (Dockerfile, Compose, Kubernetes, kind): every
// error becomes part of the failure, each naming the file, the line and the fix; warnings are shown
// whether or not it fails. One hidden finding is often the one that explains the others.
import { relative } from 'node:path';
import { type Finding, formatFinding } from '../findings.ts';
import { type CheckContext, CheckFailure, type Expectation } from './types.ts';

export function fromFindings(
  id: string,
  title: string,
  hint: string,
  find: (ctx: CheckContext) => Finding[] | Promise<Finding[]>,
): Expectation {
  return {
    id,
    title,
    hint,
    async run(ctx) {
      const findings = (await find(ctx)).map((f) => ({
        ...f,
        file: relative(process.cwd(), f.file) || f.file,
      }));
      const errors = findings.filter((f) => f.severity === 'error');
      const warnings = findings.filter((f) => f.severity === 'warning');
      if (!errors.length) {
        for (const w of warnings) ctx.warn(w);
        return;
      }
      throw new CheckFailure(errors.map(formatFinding).join('\n'), errors[0].fix, {
        findings: [...errors, ...warnings],
      });
    },
  };
}
