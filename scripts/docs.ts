// npm run docs [-- --out DIR]: the step instructions, the instructor guide and troubleshooting as a static site.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSite } from './lib/docs/site.ts';
import { main, UserError } from './lib/errors.ts';

await main(async () => {
  const { values } = (() => {
    try {
      return parseArgs({ options: { out: { type: 'string' } } });
    } catch (err) {
      throw new UserError((err as Error).message, 'usage: npm run docs [-- --out DIR]');
    }
  })();
  const { out, pages } = buildSite(values.out ? { out: values.out } : {});
  console.log(`Built ${pages.length} pages in ${relative(process.cwd(), out) || out}/ (open index.html).`);
});
