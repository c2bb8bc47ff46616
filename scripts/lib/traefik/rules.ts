// Traefik v3 rule syntax: parse a router rule, say precisely what is wrong with it (v2 habits first),
// and match requests against it for the stand-in router.
import { closest } from 'fastest-levenshtein';

export interface RequestFacts {
  host: string;
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: URLSearchParams;
  clientIp: string;
}

export type RuleResult =
  | { ok: true; match: (req: RequestFacts) => boolean; matchers: string[] }
  | { ok: false; message: string; fix: string; column?: number };

type Match = (req: RequestFacts) => boolean;

/** Matchers of v3's default syntax and how many values each takes. */
const ARITY: Record<string, number[]> = {
  Host: [1],
  HostRegexp: [1],
  Path: [1],
  PathPrefix: [1],
  PathRegexp: [1],
  Method: [1],
  Header: [2],
  HeaderRegexp: [2],
  Query: [1, 2],
  QueryRegexp: [2],
  ClientIP: [1],
};

/** v2 names and their v3 replacements. */
const RENAMED: Record<string, string> = {
  Headers: 'Header',
  HeadersRegexp: 'HeaderRegexp',
  HostHeader: 'Host',
  Method: 'Method',
};

class RuleError extends Error {
  readonly fix: string;
  readonly column?: number;
  constructor(message: string, fix: string, column?: number) {
    super(message);
    this.fix = fix;
    this.column = column;
  }
}

type Token = {
  kind: 'ident' | 'string' | '(' | ')' | ',' | '&&' | '||' | '!';
  value: string;
  column: number;
};

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i];
    const column = i + 1;
    if (/\s/.test(c)) i++;
    else if (c === '`' || c === '"') {
      const end = rule.indexOf(c, i + 1);
      if (end < 0)
        throw new RuleError(
          `Unclosed ${c === '`' ? 'backtick' : 'quote'} at column ${column}.`,
          `close the string with ${c}`,
          column,
        );
      tokens.push({ kind: 'string', value: rule.slice(i + 1, end), column });
      i = end + 1;
    } else if (rule.startsWith('&&', i) || rule.startsWith('||', i)) {
      tokens.push({ kind: rule.slice(i, i + 2) as '&&' | '||', value: rule.slice(i, i + 2), column });
      i += 2;
    } else if ('(),!'.includes(c)) {
      tokens.push({ kind: c as '(' | ')' | ',' | '!', value: c, column });
      i++;
    } else if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z][A-Za-z0-9]*/.exec(rule.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', value: m[0], column });
      i += m[0].length;
    } else if (c === "'") {
      throw new RuleError(
        `Single quotes at column ${column}: Traefik takes backticks or double quotes.`,
        'write PathPrefix(`/`)',
        column,
      );
    } else {
      throw new RuleError(
        `Unexpected '${c}' at column ${column}.`,
        'a rule is matchers like PathPrefix(`/`) joined with && and ||',
        column,
      );
    }
  }
  return tokens;
}

function parse(rule: string): { match: Match; matchers: string[] } {
  const tokens = tokenize(rule);
  if (!tokens.length) throw new RuleError('The rule is empty.', 'e.g. PathPrefix(`/`)');
  let pos = 0;
  const matchers: string[] = [];
  const peek = () => tokens[pos];
  const expect = (kind: Token['kind'], what: string) => {
    const t = tokens[pos];
    if (t?.kind !== kind) {
      const at = t ? `'${t.value}' at column ${t.column}` : 'the end of the rule';
      throw new RuleError(
        `Expected ${what}, found ${at}.`,
        kind === ')' ? 'balance the parentheses' : 'check the rule syntax',
        t?.column,
      );
    }
    pos++;
    return t;
  };
  const or = (): Match => {
    let left = and();
    while (peek()?.kind === '||') {
      pos++;
      const [l, r] = [left, and()];
      left = (req) => l(req) || r(req);
    }
    return left;
  };
  const and = (): Match => {
    let left = unary();
    while (peek()?.kind === '&&') {
      pos++;
      const [l, r] = [left, unary()];
      left = (req) => l(req) && r(req);
    }
    return left;
  };
  const unary = (): Match => {
    if (peek()?.kind === '!') {
      pos++;
      const inner = unary();
      return (req) => !inner(req);
    }
    if (peek()?.kind === '(') {
      pos++;
      const inner = or();
      expect(')', "')'");
      return inner;
    }
    return matcher();
  };
  const matcher = (): Match => {
    const name = expect('ident', 'a matcher such as PathPrefix');
    expect('(', `'(' after ${name.value}`);
    const args: string[] = [];
    while (peek()?.kind === 'string') {
      args.push(tokens[pos++].value);
      if (peek()?.kind === ',') pos++;
      else break;
    }
    if (peek()?.kind !== ')') {
      const t = peek();
      throw new RuleError(
        t
          ? `Expected a string in backticks in ${name.value}(…) at column ${t.column}, found '${t.value}'.`
          : `${name.value}( is not closed.`,
        'quote every value with backticks: PathPrefix(`/`)',
        t?.column,
      );
    }
    pos++;
    matchers.push(name.value);
    return build(name.value, args, name.column);
  };
  const match = or();
  if (pos < tokens.length) {
    const t = tokens[pos];
    throw new RuleError(
      `Unexpected '${t.value}' at column ${t.column}.`,
      'join matchers with && or ||',
      t.column,
    );
  }
  return { match, matchers };
}

const render = (name: string, args: string[]) => `${name}(${args.map((a) => `\`${a}\``).join(', ')})`;

function build(name: string, args: string[], column: number): Match {
  if (RENAMED[name] && RENAMED[name] !== name) {
    throw new RuleError(
      `${name} is Traefik v2 syntax; v3 calls it ${RENAMED[name]}.`,
      `use ${render(RENAMED[name], args)}`,
      column,
    );
  }
  if (!ARITY[name]) {
    const near = closest(name, Object.keys(ARITY));
    const tcp = name === 'HostSNI' || name === 'HostSNIRegexp' ? ' (HostSNI is for TCP routers)' : '';
    throw new RuleError(`Unknown matcher ${name}${tcp}.`, `did you mean ${near}?`, column);
  }
  const singleValue = ARITY[name].length === 1 && ARITY[name][0] === 1;
  if (singleValue && args.length > 1) {
    throw new RuleError(
      `${render(name, args)} has ${args.length} values: Traefik v3 takes one value per matcher.`,
      `use ${args.map((a) => render(name, [a])).join(' || ')}`,
      column,
    );
  }
  if (name === 'Query' && args.length === 1 && args[0].includes('=')) {
    const [key, value] = args[0].split('=', 2);
    throw new RuleError(
      `${render(name, args)} is v2 syntax: v3 takes the key and the value apart.`,
      `use ${render('Query', [key, value])}`,
      column,
    );
  }
  if (!ARITY[name].includes(args.length)) {
    throw new RuleError(
      `${name} takes ${ARITY[name].join(' or ')} value(s), got ${args.length}.`,
      name.startsWith('Header') ? `e.g. ${name}(\`X-Key\`, \`value\`)` : `e.g. ${name}(\`/\`)`,
      column,
    );
  }
  const [a, b] = args;
  if ((name === 'PathPrefix' || name === 'Path') && /[{}]|[*^$[\]]/.test(a)) {
    throw new RuleError(
      `${render(name, args)} holds a pattern: since v3, ${name} takes a plain path and regexes go in PathRegexp.`,
      `use PathRegexp(\`^${a.replace(/\{\w+:([^}]+)\}/g, '$1')}\`)`,
      column,
    );
  }
  if ((name === 'Path' || name === 'PathPrefix') && !a.startsWith('/')) {
    throw new RuleError(
      `${render(name, args)}: a path starts with '/'.`,
      `use ${render(name, [`/${a}`])}`,
      column,
    );
  }
  const header = (req: RequestFacts, key: string) => {
    const v = req.headers[key.toLowerCase()];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const hostOf = (req: RequestFacts) => req.host.toLowerCase().replace(/:\d+$/, '');
  switch (name) {
    case 'Host':
      return (req) => hostOf(req) === a.toLowerCase();
    case 'HostRegexp': {
      const re = goRegexp(a, column);
      return (req) => re.test(hostOf(req));
    }
    case 'Path':
      return (req) => req.path === a;
    case 'PathPrefix':
      return (req) => req.path.startsWith(a);
    case 'PathRegexp': {
      const re = goRegexp(a, column);
      return (req) => re.test(req.path);
    }
    case 'Method':
      return (req) => req.method === a.toUpperCase();
    case 'Header':
      return (req) => header(req, a).includes(b);
    case 'HeaderRegexp': {
      const re = goRegexp(b, column);
      return (req) => header(req, a).some((v) => re.test(v));
    }
    case 'Query':
      return (req) => (args.length === 1 ? req.query.has(a) : req.query.getAll(a).includes(b));
    case 'QueryRegexp': {
      const re = goRegexp(b, column);
      return (req) => req.query.getAll(a).some((v) => re.test(v));
    }
    default:
      return clientIp(a, column);
  }
}

/** Go's RE2 syntax, in the subset that means the same in JavaScript; the rest is refused clearly. */
function goRegexp(pattern: string, column: number): RegExp {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  if (/\\[zAQE]|\[\[:/.test(source))
    throw new RuleError(
      `The regexp ${pattern} uses Go syntax the stand-in can't translate.`,
      'use a simpler pattern',
      column,
    );
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new RuleError(`Invalid regexp ${pattern}: ${(err as Error).message}.`, 'fix the pattern', column);
  }
}

function clientIp(range: string, column: number): Match {
  const [ip, bits] = range.split('/');
  const v4 = (s: string) => {
    const parts = s
      .replace(/^::ffff:/, '')
      .split('.')
      .map(Number);
    return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
      ? parts.reduce((n, p) => n * 256 + p, 0)
      : undefined;
  };
  const base = v4(ip);
  if (base === undefined) {
    if (!ip.includes(':'))
      throw new RuleError(
        `ClientIP(\`${range}\`) is not an IP address or range.`,
        'e.g. ClientIP(`192.168.0.0/16`)',
        column,
      );
    return (req) => req.clientIp === ip;
  }
  const prefix = bits === undefined ? 32 : Number(bits);
  const size = 2 ** (32 - prefix);
  return (req) => {
    const addr = v4(req.clientIp);
    return addr !== undefined && Math.floor(addr / size) === Math.floor(base / size);
  };
}

export function parseRule(rule: string): RuleResult {
  try {
    return { ok: true, ...parse(rule) };
  } catch (err) {
    if (err instanceof RuleError)
      return { ok: false, message: err.message, fix: err.fix, column: err.column };
    throw err;
  }
}

/** Traefik's default priority: the rule's length, so the more specific rule wins. */
export const rulePriority = (rule: string): number => rule.length;
