import { expect, it } from 'vitest';
import { renderMarkdown } from '../scripts/lib/ui/markdown.ts';

const source = `# Step 9: a title

Some **bold**, *emphasis*, \`code\` and a [link](https://example.org/docs).

- one
- two
  1. nested

\`\`\`bash
npm run check 9
\`\`\`

| key | value |
|---|---|
| a | 1 |
| longer key | 22 |
`;

it('renders headings, emphasis, code, links, lists, code blocks and tables for the terminal', () => {
  const plain = renderMarkdown(source, { color: false });
  expect(plain).toMatch(/^STEP 9: A TITLE$/m);
  expect(plain).toContain('Some bold, emphasis, code and a link (https://example.org/docs).');
  expect(plain).toMatch(/^• one$/m);
  expect(plain).toMatch(/^\s+1\. nested$/m);
  expect(plain).toMatch(/^ {4}npm run check 9$/m);
  expect(plain).toMatch(/^key {9}value$/m);
  expect(plain).toMatch(/^longer key {2}22$/m);
});

it('styles with ANSI codes when colour is on', () => {
  const colored = renderMarkdown('**bold** and `code`', { color: true });
  expect(colored).toContain('\u001b[1mbold');
  expect(colored).toContain('\u001b[36mcode');
});
