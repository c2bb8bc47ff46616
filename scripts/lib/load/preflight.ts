// Before opening hundreds of clients, one probe per URL: is anything listening, and does socket.io
// answer at --path over the chosen transport? Either failure is one message with the fix, not a
// screen of connect errors.
import { connect } from 'node:net';
import { io } from 'socket.io-client';
import { describeTransportError } from '../checks/clients.ts';
import { UserError } from '../errors.ts';
import { SOCKET_IO_PATH } from '../socket-path.ts';
import type { LoadOptions } from './options.ts';

const PROBE_TIMEOUT_MS = 5_000;

export async function preflight(options: Pick<LoadOptions, 'urls' | 'path' | 'transport'>): Promise<void> {
  await Promise.all([...new Set(options.urls)].map((url) => probe(url, options)));
}

/** engine.io's answer to a request of a session this instance never opened. */
const SESSION_LOST = /Session ID unknown|HTTP 400/;

async function probe(url: string, { path, transport }: Pick<LoadOptions, 'path' | 'transport'>) {
  if (!(await listening(new URL(url)))) {
    throw new UserError(
      `Nothing is listening at ${url}.`,
      'start the step first, in another terminal: npm run step N -- --start (then use the URL it prints)',
    );
  }
  const error = await socketIoAnswers(url, path, transport);
  if (error) {
    const status = await handshakeStatus(url, path);
    throw new UserError(
      `${url} is up, but socket.io did not answer at ${path} over ${transport}: ${error}${status ? ` (a polling handshake there answers HTTP ${status})` : ''}.`,
      // The handshake worked (so the path is right) and a later request of the session did not.
      !status && SESSION_LOST.test(error)
        ? "the handshake reached one instance and the next request of the session another, which does not know it: the router in front is not sticky (step 2's round-robin demo is not, on purpose). Use a sticky entry: step 2's sticky balancer on PORT+4, or Traefik's entry from step 3 on"
        : path === SOCKET_IO_PATH
          ? "is this the step's entry URL? Behind a path prefix (step 5) use e.g. --path /wsk/socket.io/"
          : 'check --path: it must be the socket.io path the server (or the router in front of it) serves',
    );
  }
}

function listening(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // new URL keeps IPv6 hosts in brackets; net.connect wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The HTTP status of a plain polling handshake at the path, when it is not 200 (a 404 says: wrong path). */
async function handshakeStatus(url: string, path: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}${path}?EIO=4&transport=polling`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status === 200 ? undefined : res.status;
  } catch {
    return undefined;
  }
}

/** Undefined when a real client connects; otherwise what went wrong, with the HTTP status if any. */
function socketIoAnswers(url: string, path: string, transport: string): Promise<string | undefined> {
  const socket = io(url, {
    path,
    transports: [transport],
    forceNew: true,
    withCredentials: true,
    reconnection: false,
    timeout: PROBE_TIMEOUT_MS,
  });
  return new Promise<string | undefined>((resolve) => {
    socket.once('connect', () => resolve(undefined));
    socket.once('connect_error', (err) => resolve(describeTransportError(err)));
  }).finally(() => socket.close());
}
