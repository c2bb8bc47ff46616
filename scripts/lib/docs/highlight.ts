// A small highlighter for the languages the READMEs use (bash, yaml, ts/js, json, dockerfile): comments,
// strings, numbers and keywords get a class. Enough to read code on a projector; no dependency.
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const KEYWORDS: Record<string, string[]> = {
  ts: [
    'import',
    'from',
    'const',
    'let',
    'await',
    'async',
    'function',
    'return',
    'new',
    'if',
    'else',
    'export',
    'type',
    'interface',
  ],
  bash: ['npm', 'run', 'docker', 'kubectl', 'kind', 'export', 'cd'],
  dockerfile: [
    'FROM',
    'AS',
    'RUN',
    'COPY',
    'WORKDIR',
    'ENV',
    'USER',
    'EXPOSE',
    'CMD',
    'HEALTHCHECK',
    'ENTRYPOINT',
    'ARG',
  ],
  yaml: [],
  json: ['true', 'false', 'null'],
};
const ALIASES: Record<string, string> = {
  js: 'ts',
  javascript: 'ts',
  typescript: 'ts',
  sh: 'bash',
  shell: 'bash',
  yml: 'yaml',
};

export function highlight(code: string, lang: string): string {
  const language = ALIASES[lang] ?? lang;
  if (!(language in KEYWORDS)) return escapeHtml(code);
  const comment = language === 'ts' ? '//[^\\n]*' : '#[^\\n]*';
  const keywords = KEYWORDS[language].length ? `\\b(?:${KEYWORDS[language].join('|')})\\b` : '(?!)';
  const key = language === 'yaml' ? '^\\s*-?\\s*[\\w.\\-/]+(?=:)' : '(?!)';
  const token = new RegExp(
    `(${comment})|("(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*'|\`[^\`]*\`)|(${key})|(${keywords})|(\\b\\d+(?:\\.\\d+)?\\b)`,
    'gm',
  );
  let out = '';
  let last = 0;
  for (const m of code.matchAll(token)) {
    out += escapeHtml(code.slice(last, m.index));
    const kind = m[1] ? 'comment' : m[2] ? 'string' : m[3] ? 'key' : m[4] ? 'keyword' : 'number';
    out += `<span class="hl-${kind}">${escapeHtml(m[0])}</span>`;
    last = (m.index ?? 0) + m[0].length;
  }
  return out + escapeHtml(code.slice(last));
}
