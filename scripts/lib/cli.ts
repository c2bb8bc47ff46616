// Flags for every command: node's parseArgs plus `--help`, a limit on positionals, and a bad flag turned
// into one clear line and the usage (never parseArgs's advice about quoting, never a stack trace).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import { UserError } from './errors.ts';

export interface CommandHelp {
  /** The command line, e.g. `npm run check [N] [-- --json]`. */
  usage: string;
  /** What the command does, in a sentence or two. */
  summary: string;
  /** One line per flag, keyed by flag name without dashes. */
  flags?: Record<string, string>;
  /** Most positionals the command takes (0 unless the config allows them; then 1). */
  maxPositionals?: number;
}

/** Thrown for `--help`: `main` prints its text on stdout and exits 0. */
export class HelpRequested extends Error {}

export function helpText(help: CommandHelp): string {
  const flags = Object.entries({ ...help.flags, help: 'print this help' });
  const width = Math.max(...flags.map(([name]) => name.length)) + 2;
  return [
    `usage: ${help.usage}`,
    '',
    help.summary,
    '',
    ...flags.map(([name, text]) => `  --${name.padEnd(width)}${text}`),
    '',
  ].join('\n');
}

export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  help: CommandHelp,
): ReturnType<typeof parseArgs<T>> {
  const args = [...(config.args ?? process.argv.slice(2))];
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs({
      ...config,
      args,
      options: { ...config.options, help: { type: 'boolean', short: 'h' } },
    }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    const message = plainParseError((err as Error).message, args);
    const near = nearestOption(message, Object.keys(config.options ?? {}));
    throw new UserError(near ? `${message} Did you mean ${near}?` : message, `usage: ${help.usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(helpText(help));
  const max = help.maxPositionals ?? (config.allowPositionals ? 1 : 0);
  const extra = (parsed.positionals ?? [])[max];
  if (extra !== undefined)
    throw new UserError(
      max === 0
        ? `Unexpected argument '${extra}': this command takes flags only.`
        : `Unexpected argument '${extra}': this command takes ${max === 1 ? 'one' : `at most ${max}`} (${help.usage}).`,
      `usage: ${help.usage}`,
    );
  return parsed;
}

/**
 * parseArgs's message, reduced to what happened: its first sentence (the rest is advice about quoting
 * positionals that reads as noise), and `--rate -3` said plainly instead of "ambiguous".
 */
function plainParseError(message: string, args: string[]): string {
  const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(message);
  if (ambiguous) return `${ambiguous[1]} needs a value, got '${args[args.indexOf(ambiguous[1]) + 1]}'.`;
  return `${message.split('\n')[0].split('. ')[0].trim().replace(/\.$/, '')}.`;
}

/** For "Unknown option '--strat'": the command's own option it is closest to (`--start`), if close. */
function nearestOption(message: string, options: string[]): string | undefined {
  const unknown = /^Unknown option '--([\w-]+)'/.exec(message)?.[1];
  if (!unknown || !options.length) return undefined;
  const near = closest(unknown, options);
  return distance(unknown, near) <= Math.max(2, Math.floor(near.length / 3)) ? `--${near}` : undefined;
}

/** A whole-number flag within bounds, or one line saying what to type. */
export function integerFlag(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UserError(`${flag} takes a whole number from ${min} to ${max}, got '${value}'.`);
  return n;
}
