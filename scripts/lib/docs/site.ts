// The docs site: every step's README, its learn-more page, the guides and the figures, rendered with
// markdown-it into static pages. The registry gives the curriculum; a relative link to another source
// page (`../../docs/learn-more/03-compose-traefik.md`, `troubleshooting.md`) becomes a link to that page's
// HTML, so the same Markdown reads right on GitHub, in the terminal and on the site; a broken relative
// link fails the build.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import MarkdownIt from 'markdown-it';
import { UserError } from '../errors.ts';
import { folderName, ROOT, STEPS, type Step, starterDir } from '../steps.ts';
import { highlight } from './highlight.ts';
import { findBrokenLinks } from './links.ts';
import { referenceLinks } from './references.ts';
import { page } from './template.ts';

const md: MarkdownIt = new MarkdownIt({
  html: false,
  highlight: (code, lang) =>
    `<pre class="code"><code class="language-${lang || 'text'}">${highlight(code, lang)}</code></pre>`,
})
  .use(referenceLinks)
  .use(sourceLinks);

/** Rewrites `[text](../../docs/learn-more/05-path-prefix.md#tip)` to the built page, from this page. */
function sourceLinks(markdown: MarkdownIt): void {
  markdown.core.ruler.push('source_links', (state) => {
    const links: PageLinks | undefined = state.env?.links;
    const root: string = state.env?.root ?? '';
    if (!links) return;
    for (const block of state.tokens) {
      for (const token of block.children ?? []) {
        if (token.type !== 'link_open') continue;
        const href = token.attrGet('href') ?? '';
        if (/^(?:[a-z]+:|#|\/)/i.test(href)) continue;
        const [path, hash] = href.split('#');
        const page = links.pages.get(resolve(dirname(links.source), decodeURI(path)));
        if (page) token.attrSet('href', `${root}${page}${hash === undefined ? '' : `#${hash}`}`);
      }
    }
  });
}

/** Where a page's Markdown lives, and the site page each source file becomes (paths from the site's root). */
export interface PageLinks {
  source: string;
  pages: Map<string, string>;
}

/**
 * `> **Tip:** …` and `> **Warning:** …` blockquotes become callouts; issue references and guide
 * mentions become links (`root`: from the page to the site's root); with `links`, a relative link to a
 * source file that becomes a page points at that page.
 */
export function render(markdown: string, root = '', links?: PageLinks): string {
  return md
    .render(markdown, { root, guides: GUIDES.map((g) => g.file), links })
    .replace(
      /<blockquote>\s*<p><strong>(Tip|Note|Warning):<\/strong>/g,
      (_, kind: string) => `<blockquote class="callout ${kind.toLowerCase()}"><p><strong>${kind}:</strong>`,
    );
}

export const GUIDES = [
  { file: 'instructor-guide.md', title: 'Instructor guide' },
  { file: 'troubleshooting.md', title: 'Troubleshooting' },
  { file: 'load-figures.md', title: 'Load figures' },
  { file: 'router-figures.md', title: 'Traefik in the rehearsal: figures' },
  { file: 'claims.md', title: 'Claims and the tests that prove them' },
  { file: 'soak-figures.md', title: 'Soak figures: every check, many times, under load' },
  { file: 'delivery-figures.md', title: 'Delivery figures: at most once, at least once, exactly once' },
];

/** Each step's background and deep dives, beside the guides: `docs/learn-more/NN-slug.md`. */
export const learnMoreSource = (step: Step, docs = join(ROOT, 'docs')) =>
  join(docs, 'learn-more', `${folderName(step)}.md`);
export const learnMorePage = (step: Step) => `learn-more/${folderName(step)}.html`;

export const stepPage = (step: Step) => `steps/${folderName(step)}.html`;
export const guidePage = (guide: { file: string }) => guide.file.replace(/\.md$/, '.html');

/** Left in every build, so that a rebuild replaces only a folder that is one (`--out .` must not wipe a checkout). */
export const BUILD_MARKER = '.wsk-docs-build';

export function buildSite({ out = join(ROOT, 'dist/docs'), docs = join(ROOT, 'docs'), steps = STEPS } = {}): {
  out: string;
  pages: string[];
} {
  out = resolve(out);
  if (existsSync(out) && readdirSync(out).length && !existsSync(join(out, BUILD_MARKER)))
    throw new UserError(
      `${out} is not empty and is not a previous docs build: the build would delete what is in it.`,
      'give --out a new or empty folder (the default is dist/docs/)',
    );
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'steps'), { recursive: true });
  mkdirSync(join(out, 'learn-more'), { recursive: true });
  writeFileSync(join(out, BUILD_MARKER), 'Built by `npm run docs`; the next build replaces this folder.\n');
  const built: string[] = [];
  const write = (path: string, html: string) => {
    writeFileSync(join(out, path), html);
    built.push(path);
  };
  for (const folder of ['diagrams', 'screenshots']) {
    if (!existsSync(join(docs, folder))) continue;
    mkdirSync(join(out, folder), { recursive: true });
    for (const name of readdirSync(join(docs, folder)))
      copyFileSync(join(docs, folder, name), join(out, folder, name));
  }
  const guides = GUIDES.filter((g) => existsSync(join(docs, g.file)));
  const learnMore = steps.filter((s) => existsSync(learnMoreSource(s, docs)));
  // Every source file that becomes a page. The READMEs name the docs by their place in the repository
  // (../../docs/…), which is this checkout's docs/ even when the site is built from another copy of it.
  const pages = new Map<string, string>();
  const docsPage = (rel: string, page: string) => {
    pages.set(resolve(docs, rel), page);
    pages.set(resolve(ROOT, 'docs', rel), page);
  };
  for (const step of steps) {
    pages.set(resolve(starterDir(step), 'README.md'), stepPage(step));
    pages.set(resolve(docs, '..', 'steps', folderName(step), 'README.md'), stepPage(step));
  }
  for (const guide of guides) docsPage(guide.file, guidePage(guide));
  for (const step of learnMore) docsPage(relative(docs, learnMoreSource(step, docs)), learnMorePage(step));

  const rows = steps
    .map(
      (s) =>
        `<tr><td>${s.number}</td><td><a href="${stepPage(s)}">${escapeHtml(s.title)}</a>${learnMore.includes(s) ? `<br><small><a href="${learnMorePage(s)}">learn more</a></small>` : ''}</td><td>${s.minutes} min</td><td>${escapeHtml(s.summary)}</td></tr>`,
    )
    .join('\n');
  const total = steps.reduce((n, s) => n + s.minutes, 0);
  const intro = existsSync(join(docs, 'index.md'))
    ? render(readFileSync(join(docs, 'index.md'), 'utf8'))
    : '<h1>Scaling WebSockets</h1>';
  write(
    'index.html',
    page({
      title: 'Scaling WebSockets: the workshop',
      root: '',
      body: `${intro}
<h2>Curriculum</h2>
<table><thead><tr><th>step</th><th>title</th><th>time</th><th>what you do</th></tr></thead><tbody>
${rows}
</tbody></table>
<p>About ${Math.round(total / 6) / 10} hours of hands-on work, breaks not included.</p>
<h2>Guides</h2><ul>${guides.map((g) => `<li><a href="${guidePage(g)}">${g.title}</a></li>`).join('')}</ul>`,
    }),
  );

  for (const step of steps) {
    const source = join(starterDir(step), 'README.md');
    const readme = readFileSync(source, 'utf8');
    const diagram = `diagrams/step-${String(step.number).padStart(2, '0')}.svg`;
    const screenshot = step.screenshot && existsSync(join(docs, 'screenshots/chat.png'));
    // Step 3 teaches Traefik's model: the real dashboard, listing the routers of step 3's solution.
    const dashboard =
      step.slug === 'compose-traefik' && existsSync(join(docs, 'screenshots/traefik-dashboard.png'));
    const checks = step.expectations
      .map((e) => `<li>${escapeHtml(e.title)}<br><small>hint: ${escapeHtml(e.hint)}</small></li>`)
      .join('\n');
    write(
      stepPage(step),
      page({
        title: `Step ${step.number}: ${step.title}`,
        root: '../',
        body: `${existsSync(join(docs, diagram)) ? `<figure><img src="../${diagram}" alt="Architecture of step ${step.number}"></figure>` : ''}
${render(readme, '../', { source, pages })}
${screenshot ? '<figure><img src="../screenshots/chat.png" alt="The chat page in a browser"><figcaption>The chat page, connected to an instance.</figcaption></figure>' : ''}
${dashboard ? '<figure><img src="../screenshots/traefik-dashboard.png" alt="Traefik’s dashboard listing the routers app and chat"><figcaption>Traefik 3.7.15’s dashboard with step 3’s routers: <code>app</code> (priority 15) and <code>chat</code> (priority 22), both to the service <code>app</code>.</figcaption></figure>' : ''}
<h2>What <code>npm run check ${step.number}</code> checks</h2>
<ol>${checks}</ol>
<nav class="pager">${step.number > 1 ? `<a href="${stepPage(steps[step.number - 2]).replace('steps/', '')}">← step ${step.number - 1}</a>` : ''} ${
          step.number < steps.length
            ? `<a href="${stepPage(steps[step.number]).replace('steps/', '')}">step ${step.number + 1} →</a>`
            : ''
        }</nav>`,
      }),
    );
  }

  for (const step of learnMore) {
    const source = learnMoreSource(step, docs);
    write(
      learnMorePage(step),
      page({
        title: `Step ${step.number}, learn more: ${step.title}`,
        root: '../',
        body: `${render(readFileSync(source, 'utf8'), '../', { source, pages })}
<nav class="pager"><a href="../${stepPage(step)}">← back to step ${step.number}</a></nav>`,
      }),
    );
  }

  for (const guide of guides) {
    const source = join(docs, guide.file);
    write(
      guidePage(guide),
      page({
        title: guide.title,
        root: '',
        body: render(readFileSync(source, 'utf8'), '', { source, pages }),
      }),
    );
  }

  const broken = findBrokenLinks(out);
  if (broken.length) {
    throw new UserError(
      `${broken.length} broken link(s) in the docs:\n${broken.map((b) => `  ${b.page}: ${b.target}`).join('\n')}`,
      'fix the link in the Markdown source, or add the missing file',
    );
  }
  return { out, pages: built };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
