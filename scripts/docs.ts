// npm run docs [-- --out DIR]: the step instructions, the instructor guide and troubleshooting as a static site.
import { relative } from 'node:path';
import { parseCommandLine } from './lib/cli.ts';
import { buildSite } from './lib/docs/site.ts';
import { main } from './lib/main.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { out: { type: 'string' } } },
    {
      usage: 'npm run docs [-- --out DIR]',
      summary:
        'Builds the step instructions, the instructor guide, troubleshooting and the figures as a static site.',
      flags: { out: 'the folder (default dist/docs/); a non-empty folder must be a previous build' },
    },
  );
  const { out, pages } = buildSite(values.out ? { out: values.out } : {});
  console.log(`Built ${pages.length} pages in ${relative(process.cwd(), out) || out}/ (open index.html).`);
});
