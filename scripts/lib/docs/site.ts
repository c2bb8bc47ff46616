// The docs site: every step's README, the guides and the load figures, rendered with markdown-it into
// static pages. The registry gives the curriculum; a broken relative link fails the build.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
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
}).use(referenceLinks);

/**
 * `> **Tip:** …` and `> **Warning:** …` blockquotes become callouts; issue references and guide
 * mentions become links (`root`: from the page to the site's root).
 */
export function render(markdown: string, root = ''): string {
  return md
    .render(markdown, { root, guides: GUIDES.map((g) => g.file) })
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
];

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
  writeFileSync(join(out, BUILD_MARKER), 'Built by `npm run docs`; the next build replaces this folder.\n');
  const pages: string[] = [];
  const write = (path: string, html: string) => {
    writeFileSync(join(out, path), html);
    pages.push(path);
  };
  for (const folder of ['diagrams', 'screenshots']) {
    if (!existsSync(join(docs, folder))) continue;
    mkdirSync(join(out, folder), { recursive: true });
    for (const name of readdirSync(join(docs, folder)))
      copyFileSync(join(docs, folder, name), join(out, folder, name));
  }
  const guides = GUIDES.filter((g) => existsSync(join(docs, g.file)));

  const rows = steps
    .map(
      (s) =>
        `<tr><td>${s.number}</td><td><a href="${stepPage(s)}">${escapeHtml(s.title)}</a></td><td>${s.minutes} min</td><td>${escapeHtml(s.summary)}</td></tr>`,
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
    const readme = readFileSync(join(starterDir(step), 'README.md'), 'utf8');
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
${render(readme, '../')}
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

  for (const guide of guides) {
    write(
      guidePage(guide),
      page({ title: guide.title, root: '', body: render(readFileSync(join(docs, guide.file), 'utf8')) }),
    );
  }

  const broken = findBrokenLinks(out);
  if (broken.length) {
    throw new UserError(
      `${broken.length} broken link(s) in the docs:\n${broken.map((b) => `  ${b.page}: ${b.target}`).join('\n')}`,
      'fix the link in the Markdown source, or add the missing file',
    );
  }
  return { out, pages };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
