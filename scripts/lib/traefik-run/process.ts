// The real Traefik as a local process: the attendee's own static configuration (their compose.yaml `command:`
// or Deployment `args:`) with only the addresses moved to local ports and the Docker/Kubernetes provider
// swapped for the file provider, which the rehearsal writes from their labels or IngressRoute.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { RouterView } from '../environment.ts';
import { UserError, WorkshopFailure } from '../errors.ts';
import { type ManagedProcess, startProcess, waitFor } from '../processes.ts';
import type { DynamicConfig } from '../traefik/dynamic-config.ts';
import { TRAEFIK_VERSION } from '../traefik/version.ts';
import { type ApiRouter, type ApiService, apiList, bare } from './api.ts';
import { ensureTraefik, type TraefikBinary } from './binary.ts';
import { fileProviderYaml, type Servers } from './file-provider.ts';

/** The binary for a command, with a progress bar on a terminal while a first download runs. */
export async function traefikForCommand(): Promise<TraefikBinary> {
  let bar: import('cli-progress').SingleBar | undefined;
  // Set at the first chunk, before the import resolves: later chunks must not start bars of their own.
  let loading: Promise<void> | undefined;
  try {
    return await ensureTraefik({
      log: (line) => process.stderr.write(`${line}\n`),
      onProgress: (received, total) => {
        if (!process.stderr.isTTY || !total) return;
        loading ??= import('cli-progress').then(({ SingleBar, Presets }) => {
          bar = new SingleBar(
            {
              format: `Downloading Traefik ${TRAEFIK_VERSION} [{bar}] {percentage}% of {mb} MB`,
              stream: process.stderr,
            },
            Presets.shades_classic,
          );
          bar.start(total, received, { mb: Math.round(total / 1e6) });
        });
        bar?.update(received);
      },
    });
  } finally {
    await loading;
    bar?.stop();
  }
}

export interface TraefikOptions {
  /** The attendee's static flags, as written (`--entrypoints.web.address=:80`, `--accesslog=true`, …). */
  args: string[];
  /** Local port for each entry point the rehearsal serves (the others get free ports of their own). */
  ports: Record<string, number>;
  /** Port of Traefik's API and dashboard (the `traefik` entry point). */
  apiPort: number;
  config: DynamicConfig;
  servers: Servers;
  echo?: boolean;
  /** Found beforehand, so that a missing binary stops the command before anything else starts. */
  binary?: TraefikBinary;
}

/** A Traefik this command runs, whichever provider feeds it: what the checks read, and its process. */
export interface TraefikView extends RouterView {
  binary: TraefikBinary;
  process: ManagedProcess;
  /** http://127.0.0.1:PORT of each entry point. */
  entryPoints: Record<string, string>;
  /** Lines for `--start`: what was changed from the attendee's flags, and why. */
  notes: string[];
  stop(): Promise<void>;
}

/** The rehearsal's Traefik, fed through its file provider. */
export interface TraefikRun extends TraefikView {
  /** Rewrites the dynamic configuration and waits until Traefik's API serves it. */
  update(config: DynamicConfig, servers: Servers): Promise<void>;
}

const ENTRY_POINT_ADDRESS = /^--entrypoints\.([^.=]+)\.address(?:=(.*))?$/i;
/** Providers the rehearsal replaces with its file provider; the others are not rehearsed. */
const PROVIDER = /^--providers\./i;

/**
 * The attendee's flags for a local run: addresses moved to loopback ports, the API on, and their providers
 * swapped for the file provider reading `dynamicDir` (the rehearsal) or kept as written (the `apiserver`
 * target, where their Kubernetes CRD provider meets a real API server).
 */
export function rehearsalArgs(
  args: string[],
  ports: Record<string, number>,
  apiPort: number,
  dynamicDir?: string,
): { args: string[]; notes: string[] } {
  const out: string[] = [];
  const notes: string[] = [];
  let insecureApi = false;
  let traefikEntryPoint = false;
  for (const arg of args) {
    const address = ENTRY_POINT_ADDRESS.exec(arg);
    if (address) {
      const name = address[1];
      const port = name.toLowerCase() === 'traefik' ? apiPort : ports[name];
      if (name.toLowerCase() === 'traefik') traefikEntryPoint = true;
      if (port === undefined) continue;
      out.push(`--entrypoints.${name}.address=127.0.0.1:${port}`);
      continue;
    }
    if (dynamicDir && PROVIDER.test(arg)) continue;
    if (/^--api\.insecure(=true)?$/i.test(arg)) insecureApi = true;
    out.push(arg);
  }
  if (!traefikEntryPoint) out.push(`--entrypoints.traefik.address=127.0.0.1:${apiPort}`);
  if (!insecureApi) {
    // The workshop reads what Traefik built from its API; the rehearsal turns it on, on loopback only.
    out.push('--api.insecure=true');
    notes.push(
      'Your Traefik flags do not turn on the API (--api.insecure=true): the rehearsal adds it on loopback to read what Traefik built.',
    );
  }
  if (dynamicDir) out.push(`--providers.file.directory=${dynamicDir}`, '--providers.file.watch=true');
  out.push(
    // A stopped replica leaves (and an edit lands) within a tenth of a second, not after the default 2 s of
    // batching: the file provider or the written EndpointSlices stand in for live endpoints, and clients
    // reconnecting meanwhile would be sent to the dead replica.
    '--providers.providersThrottleDuration=100ms',
    // Nothing leaves this machine: no update check, no anonymous usage report.
    '--global.checknewversion=false',
    '--global.sendanonymoususage=false',
  );
  return { args: out, notes };
}

export async function startTraefik(options: TraefikOptions): Promise<TraefikRun> {
  const binary = options.binary ?? (await traefikForCommand());
  const dir = mkdtempSync(join(tmpdir(), 'wsk-traefik-'));
  const dynamicFile = join(dir, 'dynamic.yaml');
  const write = (config: DynamicConfig, servers: Servers) => {
    // Write then rename: Traefik's watcher never reads half a file.
    const temporary = join(dir, '.dynamic.yaml.tmp');
    writeFileSync(temporary, fileProviderYaml(config, servers));
    renameSync(temporary, dynamicFile);
  };
  let current = options.config;
  write(options.config, options.servers);
  const { args, notes } = rehearsalArgs(options.args, options.ports, options.apiPort, dir);
  const traefik = startProcess({
    name: 'traefik',
    command: binary.path,
    args,
    echo: options.echo && startupNotesOnce(),
  });
  const apiUrl = `http://127.0.0.1:${options.apiPort}`;
  const stop = async () => {
    // Traefik's own graceful shutdown waits up to 10 s for open connections; a rehearsal has nothing to drain.
    await traefik.stop({ graceMs: 300 });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const version = await waitFor(
      `Traefik's API on ${apiUrl}`,
      async () => {
        const res = await fetch(`${apiUrl}/api/version`, { signal: AbortSignal.timeout(1_000) });
        return res.ok ? ((await res.json()) as { Version: string }).Version : undefined;
      },
      { process: traefik, timeoutMs: 15_000 },
    ).catch((err: Error) => {
      throw notStarted(traefik.output(), err);
    });
    if (version !== TRAEFIK_VERSION)
      throw new UserError(`Traefik's API reports ${version}, not ${TRAEFIK_VERSION}.`, startFix);
    await waitForConfig(apiUrl, options.config, options.servers, traefik);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    binary,
    process: traefik,
    apiUrl,
    entryPoints: Object.fromEntries(
      Object.entries(options.ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`]),
    ),
    notes,
    problems: () => routerErrors(apiUrl, current).catch(() => []),
    async update(config, servers) {
      current = config;
      write(config, servers);
      await waitForConfig(apiUrl, config, servers, traefik);
    },
    stop,
  };
}

const startFix =
  'read the [traefik] lines above (npm run step N -- --start shows them); a flag Traefik refuses is named there';

/**
 * Why Traefik did not start, in its own words. Every address it listens on is one the workshop chose (the
 * attendee's are moved to loopback ports), so a port in use there is the workshop's failure, not theirs.
 */
export function notStarted(output: string, err: Error): UserError {
  const said = traefikError(output) ?? err.message;
  return /address already in use/i.test(said)
    ? new WorkshopFailure(
        `Traefik did not start: a port the workshop chose for it was taken by another program: ${said}`,
      )
    : new UserError(`Traefik did not start: ${said}`, startFix);
}

/** Traefik's own words for why it stopped: its last error line. */
export function traefikError(output: string): string | undefined {
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .filter((l) => /\bERR\b|level=error|command traefik error/i.test(l));
  return lines.at(-1)?.trim();
}

interface RawData {
  routers?: Record<string, { rule?: string; status?: string; error?: string[] }>;
  services?: Record<string, { loadBalancer?: { servers?: { url: string }[] } }>;
}

/** What Traefik built, as its API reports it (`/api/rawdata`). */
export async function rawData(apiUrl: string): Promise<RawData> {
  const res = await fetch(`${apiUrl}/api/rawdata`, { signal: AbortSignal.timeout(2_000) });
  return (await res.json()) as RawData;
}

/** Waits until Traefik serves exactly these routers and servers (the file provider reloads asynchronously). */
async function waitForConfig(
  apiUrl: string,
  config: DynamicConfig,
  servers: Servers,
  traefik: ManagedProcess,
) {
  const want = (name: string) => [...(servers[name] ?? [])].sort().join(' ');
  await waitFor(
    'Traefik to load the dynamic configuration',
    async () => {
      const data = await rawData(apiUrl);
      const routersIn = Object.values(config.routers).every(
        (r) => data.routers?.[`${r.name}@file`]?.rule === r.rule,
      );
      const serversIn = Object.keys(config.services).every((s) => {
        const got = data.services?.[`${s}@file`]?.loadBalancer?.servers?.map((x) => x.url) ?? [];
        return got.sort().join(' ') === want(s);
      });
      return routersIn && serversIn ? true : undefined;
    },
    { process: traefik, timeoutMs: 10_000 },
  ).catch((err: Error) => {
    throw new UserError(
      `Traefik did not take the configuration: ${traefikError(traefik.output()) ?? err.message}`,
    );
  });
}

/**
 * Routers Traefik refused, in its own words (a rule it cannot parse, a missing middleware or service), next
 * to the attendee's file and line when the model knows them.
 */
export async function routerErrors(apiUrl: string, config?: DynamicConfig): Promise<string[]> {
  const data = await rawData(apiUrl);
  return Object.entries(data.routers ?? {}).flatMap(([key, r]) => {
    const name = key.replace(/@[\w-]+$/, '');
    const source = config?.routers[name]?.source;
    const where = source ? `${source.file}${source.line ? `:${source.line}` : ''}: ` : '';
    return (r.error ?? []).map((e) => `${where}router ${name}: ${e}`);
  });
}

/** What Traefik built from the attendee's configuration, as its API reports it: for `--start`. */
export async function describeRouting(apiUrl: string): Promise<string[]> {
  // The attendee's routing, whichever provider read it (file in the rehearsal, kubernetescrd on the API server).
  const routers = (await apiList<ApiRouter>(apiUrl, '/api/http/routers')).map(
    (r) =>
      `router ${bare(r.name)}: ${r.rule} on ${r.entryPoints?.join(', ') || 'every entry point'} (priority ${r.priority}) → ${
        r.middlewares?.length ? `middlewares ${r.middlewares.map(bare).join(', ')} → ` : ''
      }service ${r.service}${r.status === 'enabled' ? '' : ` [${r.status}]`}`,
  );
  const services = (await apiList<ApiService>(apiUrl, '/api/http/services')).map((s) => {
    const servers = s.loadBalancer?.servers?.map((x) => x.url) ?? [];
    const cookie = s.loadBalancer?.sticky?.cookie;
    const sticky = cookie
      ? `sticky cookie ${Object.entries(cookie)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : 'not sticky';
    return `service ${bare(s.name)}: ${servers.length} server(s) ${servers.join(' ')}; ${sticky}`;
  });
  return [...routers, ...services];
}

/**
 * Traefik 3.7's start-up warnings that are about other backends than the chat, each a wall of text and
 * the second once per entry point: said once, in a line, with why it does not matter here.
 */
const STARTUP_NOTES = [
  {
    test: /Traefik can reject some encoded characters in the request path/,
    note: "WRN (Traefik's, shortened by the workshop) encoded characters in paths (%2F, %00…): v3 may reject them; the chat's paths have none. Traefik's v3 migration notes explain the options.",
  },
  {
    test: /aliasHeadersStrategy is not configured/,
    note: "WRN (Traefik's, shortened by the workshop) aliasHeadersStrategy unset: headers such as X_Auth_User pass as they are, which matters for CGI/PHP-style backends that read them as X-Auth-User, not for the chat.",
  },
];

/** An echo filter for Traefik's output: each known start-up warning once, shortened; everything else as is. */
export function startupNotesOnce(): (line: string) => string | undefined {
  const said = new Set<RegExp>();
  return (line) => {
    const known = STARTUP_NOTES.find((n) => n.test.test(line));
    if (!known) return line;
    if (said.has(known.test)) return undefined;
    said.add(known.test);
    return known.note;
  };
}
