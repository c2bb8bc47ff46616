// Traefik v3 rule syntax: parse a router rule and say precisely what is wrong with it (v2 habits first),
// for the lints. Matching requests is Traefik's job: the rehearsal runs the real binary.
import { isIP } from 'node:net';
import { closest } from 'fastest-levenshtein';

export type RuleResult =
  | { ok: true; matchers: string[] }
  | { ok: false; message: string; fix: string; column?: number };

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
  // One value tests that the key is present, two match its value (as Query does).
  QueryRegexp: [1, 2],
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

function parse(rule: string): string[] {
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
  const or = (): void => {
    and();
    while (peek()?.kind === '||') {
      pos++;
      and();
    }
  };
  const and = (): void => {
    unary();
    while (peek()?.kind === '&&') {
      pos++;
      unary();
    }
  };
  const unary = (): void => {
    if (peek()?.kind === '!') {
      pos++;
      unary();
    } else if (peek()?.kind === '(') {
      pos++;
      or();
      expect(')', "')'");
    } else matcher();
  };
  const matcher = (): void => {
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
    check(name.value, args, name.column);
    matchers.push(name.value);
  };
  or();
  if (pos < tokens.length) {
    const t = tokens[pos];
    throw new RuleError(
      `Unexpected '${t.value}' at column ${t.column}.`,
      'join matchers with && or ||',
      t.column,
    );
  }
  return matchers;
}

const render = (name: string, args: string[]) => `${name}(${args.map((a) => `\`${a}\``).join(', ')})`;

function check(name: string, args: string[], column: number): void {
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
  if (name === 'ClientIP' && !isRange(a))
    throw new RuleError(
      `ClientIP(\`${a}\`) is not an IP address or range.`,
      'e.g. ClientIP(`192.168.0.0/16`)',
      column,
    );
  // QueryRegexp with one value only names a key: there is no pattern to check.
  const pattern = name === 'HostRegexp' || name === 'PathRegexp' ? a : b;
  if (name.endsWith('Regexp') && pattern !== undefined) checkRegexp(pattern, column);
}

function isRange(range: string): boolean {
  const [ip, bits, ...rest] = range.split('/');
  const max = isIP(ip) === 4 ? 32 : isIP(ip) === 6 ? 128 : 0;
  return max > 0 && !rest.length && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max));
}

/**
 * Go RE2 syntax that JavaScript lacks or reads differently, captured so it can be swapped for something
 * JavaScript compiles: \Q…\E literals, empty-width assertions and inline flags (Go lets `^*` repeat them),
 * flag groups, named groups. Other escapes and whole character classes are matched only to be kept as they are.
 */
const GO_ONLY =
  /(\\Q[\s\S]*?(?:\\E|$))|(\\[AzbB]|[$^]|\(\?[imsU-]*\))|(\(\?[imsU-]+:)|(\(\?P?<\w+>)|\\[\s\S]|\[\^?\]?(?:\\[\s\S]|\[:\^?[a-z]+:\]|[^\]\\])*\]?/g;

/**
 * Catches patterns broken in any dialect (an unclosed group or class, a quantifier with nothing to repeat, a
 * reversed range). This does not emulate Go's RE2: JavaScript (without the u flag) compiles the pattern once the
 * Go-only syntax is swapped out, so a pattern passing here may still be refused by Traefik, which is the judge.
 */
function checkRegexp(pattern: string, column: number): void {
  const js = pattern.replace(GO_ONLY, (token, quoted, empty, flagGroup, named) =>
    quoted ? 'x' : empty ? '(?:)' : flagGroup ? '(?:' : named ? '(' : token,
  );
  try {
    new RegExp(js);
  } catch (err) {
    // V8 says "Invalid regular expression: /source/: reason"; the source is the rewrite, so keep only the reason.
    const reason = (err as Error).message.split(': ').at(-1);
    throw new RuleError(`Invalid regexp ${pattern}: ${reason}.`, 'fix the pattern', column);
  }
}

export function parseRule(rule: string): RuleResult {
  try {
    return { ok: true, matchers: parse(rule) };
  } catch (err) {
    if (err instanceof RuleError)
      return { ok: false, message: err.message, fix: err.fix, column: err.column };
    throw err;
  }
}
