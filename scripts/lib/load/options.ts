// The flags of `npm run load`, parsed with node:util and checked, so that every bad value becomes
// one line that says what to type instead. Everything is bounded: a typo can't open a million sockets.
import { randomBytes } from 'node:crypto';
// One Transport type for the load tool and the checks' clients.
import type { Transport } from '../checks/clients.ts';
import { type CommandHelp, parseCommandLine } from '../cli.ts';
import { UserError } from '../errors.ts';
import { SOCKET_IO_PATH } from '../socket-path.ts';

export type { Transport };

export interface LoadOptions {
  /** Entry URLs; clients are spread over them round-robin. */
  urls: string[];
  clients: number;
  /** Chats per second, in total, from random connected clients. */
  rate: number;
  /** Seconds of sending, after the ramp. */
  duration: number;
  /** Seconds over which the clients connect. */
  ramp: number;
  path: string;
  transport: Transport;
  /** The marker every chat of this run carries, so observers (and tests) can pick them out. */
  runId: string;
  /** Seconds to wait after the last send for outstanding acks and deliveries. */
  drain: number;
  /** Milliseconds a client may take to connect, and a chat to be acknowledged. */
  timeoutMs: number;
}

export interface CliOptions extends LoadOptions {
  json: boolean;
  report?: string;
}

export const LIMITS = {
  clients: 20_000,
  rate: 10_000,
  duration: 3_600,
  ramp: 600,
  drain: 60,
} as const;

export const USAGE = `usage: npm run load -- --url http://localhost:3000[,http://localhost:3001,...] --clients 200 --rate 20 --duration 10
         [--path /socket.io/] [--transport websocket|polling] [--ramp 2] [--drain 5] [--json] [--report FILE]`;

export const defaultLoadOptions = (): LoadOptions => ({
  urls: [`http://localhost:${process.env.PORT ?? 3000}`],
  clients: 100,
  rate: 10,
  duration: 10,
  ramp: 2,
  path: SOCKET_IO_PATH,
  transport: 'websocket',
  runId: newRunId(),
  drain: 5,
  timeoutMs: 10_000,
});

export const newRunId = () => randomBytes(4).toString('hex');

export const LOAD_HELP: CommandHelp = {
  usage: USAGE.replace(/^usage: /, ''),
  summary:
    'Drives a running step with many socket.io clients and measures the fan-out: how many deliveries arrived, how fast, on which instance.',
  flags: {
    url: 'one or more origins, comma-separated (default http://localhost:$PORT)',
    clients: `how many clients (1 to ${LIMITS.clients})`,
    rate: 'chats per second, in total',
    duration: 'seconds of sending, after the ramp',
    ramp: 'seconds over which the clients connect',
    drain: 'seconds to wait for the last deliveries',
    path: "socket.io's path (step 5: /wsk/socket.io/)",
    transport: 'websocket or polling',
    'run-id': 'the marker every chat of this run carries',
    json: 'print one JSON object',
    report: 'write an HTML report to FILE',
  },
  maxPositionals: 0,
};

export function parseLoadArgs(argv: string[]): CliOptions {
  const { values } = parseCommandLine({ args: argv, strict: true, options: LOAD_FLAGS }, LOAD_HELP);
  const defaults = defaultLoadOptions();
  const options: CliOptions = {
    urls: values.url === undefined ? defaults.urls : parseUrls(values.url),
    clients: integer('--clients', values.clients, defaults.clients, 1, LIMITS.clients),
    rate: number('--rate', values.rate, defaults.rate, 0.1, LIMITS.rate),
    duration: number('--duration', values.duration, defaults.duration, 0.1, LIMITS.duration),
    ramp: number('--ramp', values.ramp, defaults.ramp, 0, LIMITS.ramp),
    drain: number('--drain', values.drain, defaults.drain, 0, LIMITS.drain),
    path: parsePath(values.path ?? defaults.path),
    transport: parseTransport(values.transport ?? defaults.transport),
    runId: parseRunId(values['run-id'] ?? defaults.runId),
    timeoutMs: defaults.timeoutMs,
    json: values.json ?? false,
    report: values.report,
  };
  if (options.report !== undefined && options.report.trim() === '') {
    throw new UserError('--report needs a file name.', 'e.g. --report load-report.html');
  }
  return options;
}

const LOAD_FLAGS = {
  url: { type: 'string' },
  clients: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  drain: { type: 'string' },
  path: { type: 'string' },
  transport: { type: 'string' },
  'run-id': { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
} as const;

export function parseUrls(value: string): string[] {
  const urls = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new UserError('--url is empty.', 'e.g. --url http://localhost:3000');
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UserError(`--url '${raw}' is not a URL.`, 'e.g. --url http://localhost:3000');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UserError(
        `--url '${raw}' must be http:// or https:// (socket.io upgrades to WebSocket by itself).`,
        'e.g. --url http://localhost:3000',
      );
    }
    // The socket.io path comes from --path: a path in the URL would be taken as a namespace.
    if (url.pathname !== '/' || url.search) {
      throw new UserError(
        `--url '${raw}' has a path; give the origin only.`,
        `use --url ${url.origin} --path ${url.pathname}`,
      );
    }
    return url.origin;
  });
}

function number(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UserError(`${flag} must be a number, got '${value}'.`, USAGE);
  if (n < min || n > max) throw new UserError(`${flag} must be between ${min} and ${max}, got ${value}.`);
  return n;
}

function integer(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const n = number(flag, value, fallback, min, max);
  if (!Number.isInteger(n)) throw new UserError(`${flag} must be a whole number, got '${value}'.`);
  return n;
}

function parsePath(value: string): string {
  if (!value.startsWith('/'))
    throw new UserError(`--path must start with '/', got '${value}'.`, 'e.g. --path /socket.io/');
  return value;
}

function parseTransport(value: string): Transport {
  if (value === 'websocket' || value === 'polling') return value;
  throw new UserError(`Unknown transport '${value}'.`, 'use --transport websocket or --transport polling');
}

function parseRunId(value: string): string {
  if (/^[A-Za-z0-9_-]{1,40}$/.test(value)) return value;
  throw new UserError(`--run-id must be 1-40 letters, digits, '-' or '_', got '${value}'.`);
}
