// A markdown-it plugin: upstream issue references (`traefik/traefik#3926`, `kind#328`) and mentions of
// the guides (`docs/troubleshooting.md`) become links, so a reader can follow them from the site.
import type { default as MarkdownIt, StateCore as State, Token } from 'markdown-it';

/** Short names used in the text, and the repository each stands for. */
const REPOSITORIES: Record<string, string> = {
  kind: 'kubernetes-sigs/kind',
  traefik: 'traefik/traefik',
  'socket.io': 'socketio/socket.io',
};

const ISSUE = /\b((?:[\w-]+\/)?[\w.-]+)#(\d+)\b/g;
const GUIDE = /^docs\/([\w-]+)\.md$/;

export function issueUrl(reference: string, number: string): string | undefined {
  const repository = reference.includes('/') ? reference : REPOSITORIES[reference];
  return repository ? `https://github.com/${repository}/issues/${number}` : undefined;
}

/** `env.root` is the relative path from the page to the site's root; `env.guides` the guide files. */
export function referenceLinks(md: MarkdownIt): void {
  md.core.ruler.push('reference_links', (state) => {
    const root: string = state.env?.root ?? '';
    const guides: string[] = state.env?.guides ?? [];
    for (const block of state.tokens) {
      if (block.type !== 'inline' || !block.children) continue;
      const out: Token[] = [];
      let inLink = 0;
      for (const token of block.children) {
        if (token.type === 'link_open') inLink++;
        if (token.type === 'link_close') inLink--;
        const guide = token.type === 'code_inline' && GUIDE.exec(token.content);
        if (!inLink && guide && guides.includes(`${guide[1]}.md`)) {
          out.push(linkOpen(state, `${root}${guide[1]}.html`), token, new state.Token('link_close', 'a', -1));
          continue;
        }
        if (inLink || token.type !== 'text') {
          out.push(token);
          continue;
        }
        let last = 0;
        for (const match of token.content.matchAll(ISSUE)) {
          const url = issueUrl(match[1], match[2]);
          if (!url) continue;
          out.push(text(state, token.content.slice(last, match.index)));
          out.push(linkOpen(state, url), text(state, match[0]), new state.Token('link_close', 'a', -1));
          last = (match.index ?? 0) + match[0].length;
        }
        out.push(last ? text(state, token.content.slice(last)) : token);
      }
      block.children = out;
    }
  });
}

function linkOpen(state: State, href: string): Token {
  const token = new state.Token('link_open', 'a', 1);
  token.attrs = [['href', href]];
  return token;
}

function text(state: State, content: string): Token {
  const token = new state.Token('text', '', 0);
  token.content = content;
  return token;
}
