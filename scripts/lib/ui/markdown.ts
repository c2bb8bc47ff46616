// Step instructions rendered for the terminal from the same Markdown the docs site uses:
// markdown-it parses, this walks its tokens and styles them (headings, lists, code, links, tables).

import { stripVTControlCharacters } from 'node:util';
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { paint as paintIf, type Style } from './color.ts';

// No linkify: it would turn every 'socket.io' into a link.
const md = new MarkdownIt({ html: false });

export function renderMarkdown(source: string, { color = true }: { color?: boolean } = {}): string {
  const paint = (style: Style, text: string) => paintIf(style, text, color);
  const tokens = md.parse(source, {});
  const out: string[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let quote = 0;
  let table: string[][] | undefined;
  let row: string[] = [];
  let pendingBullet = '';

  const indent = () => '  '.repeat(Math.max(0, lists.length - 1)) + '│ '.repeat(quote);
  const block = (text: string) => {
    const prefix = indent() + pendingBullet;
    const rest = ' '.repeat(pendingBullet.length) + indent();
    pendingBullet = '';
    out.push(
      text
        .split('\n')
        .map((line, i) => (i === 0 ? prefix : rest) + line)
        .join('\n'),
    );
  };

  const inline = (children: Token[] | null): string => {
    let text = '';
    let href = '';
    const styles: Style[] = [];
    const styled = (s: string) => styles.reduce((acc, style) => paint(style, acc), s);
    for (const t of children ?? []) {
      if (t.type === 'text') text += styled(t.content);
      else if (t.type === 'code_inline') text += paint('cyan', t.content);
      else if (t.type === 'strong_open') styles.push('bold');
      else if (t.type === 'em_open') styles.push('italic');
      else if (t.type === 'strong_close' || t.type === 'em_close') styles.pop();
      else if (t.type === 'link_open') {
        href = t.attrGet('href') ?? '';
        styles.push('underline');
      } else if (t.type === 'link_close') {
        styles.pop();
        // Links to other steps' files mean nothing in a terminal; external ones are worth showing.
        if (href && /^https?:/.test(href) && !text.endsWith(href)) text += paint('dim', ` (${href})`);
      } else if (t.type === 'softbreak') text += ' ';
      else if (t.type === 'hardbreak') text += '\n';
      else if (t.type === 'image') text += `[image: ${t.content}]`;
    }
    return text;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    switch (t.type) {
      case 'heading_open': {
        const text = inline(tokens[i + 1].children);
        const level = Number(t.tag.slice(1));
        out.push('');
        out.push(
          level === 1
            ? paint(['bold', 'underline'], text.toUpperCase())
            : paint('bold', `${'#'.repeat(level)} ${text}`),
        );
        i += 2;
        break;
      }
      case 'paragraph_open':
        if (!lists.length && !table) out.push('');
        break;
      case 'inline':
        if (table) row.push(inline(t.children));
        else block(inline(t.children));
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        lists.push({ ordered: t.type === 'ordered_list_open', next: Number(t.attrGet('start') ?? 1) });
        if (lists.length === 1) out.push('');
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const list = lists[lists.length - 1];
        pendingBullet = list.ordered ? `${list.next++}. ` : '• ';
        break;
      }
      case 'fence':
      case 'code_block': {
        out.push('');
        const lines = t.content.replace(/\n$/, '').split('\n');
        block(lines.map((l) => paint('cyan', `    ${l}`)).join('\n'));
        break;
      }
      case 'blockquote_open':
        quote++;
        break;
      case 'blockquote_close':
        quote--;
        break;
      case 'hr':
        out.push('', paint('dim', '─'.repeat(40)));
        break;
      case 'table_open':
        table = [];
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        table?.push(row);
        break;
      case 'table_close':
        if (table) out.push('', formatTable(table, paint));
        table = undefined;
        break;
      case 'html_block':
        break;
    }
  }
  return `${out.join('\n').replace(/^\n+/, '')}\n`;
}

const visible = (s: string) => stripVTControlCharacters(s).length;

function formatTable(rows: string[][], paint: (style: Style, text: string) => string): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => visible(r[c] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell + ' '.repeat(widths[c] - visible(cell)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  return [paint('bold', line(head)), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join(
    '\n',
  );
}
