// Checks that read files the way the real tools would (Dockerfile, Compose, Kubernetes, kind): the
// first error becomes the failure, naming the file, the line and the fix.
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
      const findings = await find(ctx);
      const errors = findings.filter((f) => f.severity === 'error');
      if (!errors.length) return;
      const first = errors[0];
      const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
      throw new CheckFailure(
        formatFinding({ ...first, file: relative(process.cwd(), first.file) || first.file }) + more,
        first.fix,
      );
    },
  };
}
