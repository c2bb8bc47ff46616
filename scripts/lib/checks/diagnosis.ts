// When a check fails while an instance crashed or logged an error, that output is the likelier cause
// than whatever the expectation's own hint guesses: show it, and give the hint that matches it, or say
// plainly that the hint is generic. Each hint below was written from the output its mistake produces.
import { relative } from 'node:path';
import { explainCrash } from '../app-process.ts';
import type { Instance } from '../environment.ts';

export interface Clue {
  /** What the output shows: a text to match, and for a hint its own wording. */
  test: RegExp;
  hint: (match: RegExpExecArray, context: { redisUrl?: string }) => string | undefined;
  /** Read only in an instance's own output: in a check's message it would be about something else. */
  outputOnly?: boolean;
}

/** The fix for a process ended by a publish that rejected when Redis went away. */
export const UNGUARDED_PUBLISH =
  "a publish in flight when Redis went away rejected with nobody listening, and Node ends a process on an unhandled rejection: wrap pub.publish so that its rejection is caught and logged (the adapter doesn't wait for it; the step's README shows the wrapper)";

/** Known outputs and their fixes, most specific first. */
export const CLUES: Clue[] = [
  {
    // Node's own words for an unhandled rejection, then the Redis client's for a connection that went away.
    // Other lines may land in between (stdout and stderr are read as they come): a bounded gap.
    test: /fromPromise \*\/\);[\s\S]{0,600}?\b\w*Error: (?:read ECONNRESET|Socket closed unexpectedly)/,
    hint: () => UNGUARDED_PUBLISH,
  },
  {
    test: /Can't execute 'publish'|only \(P\|S\)SUBSCRIBE/,
    hint: () =>
      "a subscribed Redis connection can't publish: give the adapter two clients, createAdapter(pub, sub) with sub = pub.duplicate(), both connected",
  },
  {
    test: /(\w+) is not a function/,
    hint: (m) =>
      /ack|callback|cb|answer/i.test(m[1])
        ? `a client may send 'chat' without an ack, and ${m[1]} is then undefined: call it only when typeof ${m[1]} === 'function'`
        : undefined,
  },
  {
    // An instance dials nothing but Redis; a check's own message may name a refused router port.
    outputOnly: true,
    test: /ECONNREFUSED (?:\[?[\w.:]+\]?):(\d+)/,
    hint: (m, { redisUrl }) => {
      const port = redisUrl ? new URL(redisUrl).port : undefined;
      if (!port || m[1] === port) return undefined;
      return `the Redis clients dial port ${m[1]}, not the step's Redis (REDIS_URL=${redisUrl}): createClient({ url: process.env.REDIS_URL }). redis v4+ ignores the old { host, port } options and falls back to 127.0.0.1:6379`;
    },
  },
  {
    test: /ClientClosedError|The client is closed/,
    hint: () =>
      'a Redis command ran on a client that is not connected (yet, or any more): connect both clients, pub.connect() and sub.connect(), before the adapter uses them, and close them (client.close()) only after io.close()',
  },
  {
    test: /EADDRINUSE[^\n]*:(\d+)/,
    hint: (m) =>
      `port ${m[1]} was taken: the server must listen on process.env.PORT (each instance gets its own)`,
  },
  {
    // Node prints the code first, then the name: one alternative that reaches the name from the code.
    test: /(?:ERR_MODULE_NOT_FOUND\]?:? )?Cannot find (?:module|package) '([^']+)'|ERR_MODULE_NOT_FOUND/,
    hint: (m) =>
      `an import names ${m[1] ? `'${m[1]}', ` : 'a module '}which is not installed or not there: check its spelling (npm install in the repo installs the workshop's packages)`,
  },
  {
    test: /SyntaxError|ReferenceError: (\w+) is not defined/,
    hint: (m) =>
      m[1] ? `${m[1]} is used but never declared or imported` : 'fix the syntax at the line named above',
  },
];

/** A line of output that reports a problem (not a stack frame, not ordinary logging). */
const ERROR_LINE = /\b\w*Error\b|\bERR\b|\bE[A-Z]{4,}\b|[Uu]nhandled|[Uu]ncaught|\berror\b|\bfailed\b/i;

/** `fromOutput`: the text is an instance's output (all clues apply), not a check's message. */
export function matchHint(
  text: string,
  context: { redisUrl?: string } = {},
  fromOutput = true,
): string | undefined {
  for (const clue of CLUES) {
    if (clue.outputOnly && !fromOutput) continue;
    const match = clue.test.exec(text);
    const hint = match && clue.hint(match, context);
    if (hint) return hint;
  }
  return undefined;
}

export interface Evidence {
  /** One line per instance that crashed or logged errors. */
  lines: string[];
  /** Did any instance crash (exit without being asked)? */
  crashed: boolean;
  /** The raw text the clues are matched against. */
  text: string;
}

/**
 * What the instances say: crashes since they started (never an exit a check asked for), and error lines
 * logged since `since` (output length per process when the expectation started).
 */
export function gatherEvidence(
  instances: Instance[],
  dir: string,
  since: Map<unknown, number> | undefined,
): Evidence {
  const lines: string[] = [];
  const texts: string[] = [];
  let crashed = false;
  for (const instance of instances) {
    const proc = instance.process;
    const output = proc.output();
    if (!proc.running() && !proc.stopRequested()) {
      crashed = true;
      // explainCrash speaks of a start; here the instance had been up.
      const crash = explainCrash(output, dir)
        .replace(/^The server exited before it was ready/, 'exited')
        .replace(/^The server /, '');
      lines.push(`${instance.id} ${crash}`);
      texts.push(output);
      continue;
    }
    if (!since) continue;
    const fresh = output.slice(since.get(proc) ?? 0);
    const errors = [...new Set(errorLines(fresh, dir))];
    if (!errors.length) continue;
    // The last lines are the freshest; the count says how much more there is.
    const shown = errors.slice(-3);
    const more =
      errors.length > shown.length ? ` (${errors.length} distinct lines; the last ${shown.length})` : '';
    lines.push(`${instance.id} logged${more}: ${shown.join(' | ')}`);
    texts.push(fresh);
  }
  return { lines, crashed, text: texts.join('\n') };
}

/**
 * The error lines of some output, each with the first stack frame below it that points into the
 * attendee's folder (file:line), when there is one.
 */
function errorLines(output: string, dir: string): string[] {
  const lines = output.split('\n').map((l) => l.trim());
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (!line || line.startsWith('at ') || !ERROR_LINE.test(line)) return;
    const frames = lines.slice(i + 1, i + 12);
    const end = frames.findIndex((l) => !l.startsWith('at '));
    const frame = frames.slice(0, end < 0 ? undefined : end).find((l) => l.includes(dir));
    const where = frame && /((?:file:\/\/)?\/[^\s()]+):(\d+):\d+/.exec(frame);
    const location = where
      ? ` (at ${relative(process.cwd(), where[1].replace(/^file:\/\//, ''))}:${where[2]})`
      : '';
    found.push(`${line}${location}`);
  });
  return found;
}

/** The message and hint of a failure, told in the light of what the instances said. */
export function explainWithEvidence(
  failure: { message: string; hint: string },
  evidence: Evidence,
  redisUrl: string | undefined,
): { message: string; hint: string } {
  if (!evidence.lines.length) {
    // A crash reported by the check itself (e.g. while starting) still deserves the matching hint.
    const specific = matchHint(failure.message, { redisUrl }, false);
    if (specific) return { ...failure, hint: specific };
    // A crash while starting, reported by the check itself: its hint can only be generic.
    if (/^The server (crashed|exited before it was ready)/.test(failure.message))
      return { ...failure, hint: `generic hint: the crash above is the cause; ${failure.hint}` };
    return failure;
  }
  const specific = matchHint(evidence.text, { redisUrl }) ?? matchHint(failure.message, { redisUrl }, false);
  if (evidence.crashed) {
    return {
      message: `${evidence.lines.join('\n')}\nWhat the check saw then: ${failure.message}`,
      hint:
        specific ??
        'generic hint: the crash above is the cause, not the check that noticed it; fix the line it names (`npm run step N -- --start` shows the whole output)',
    };
  }
  return {
    message: `${failure.message}\n${evidence.lines.join('\n')}`,
    hint: specific ?? `generic hint (the errors logged above may be the real cause): ${failure.hint}`,
  };
}
