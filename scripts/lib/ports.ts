// Free TCP ports on loopback: ask the kernel for port 0, read what it gave, release it.
import { createServer } from 'node:net';
import { UserError } from './errors.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on the port (so a step can use it). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Refuses, before anything starts, a fixed port (PORT and the ones after it) that something else holds. */
export async function ensurePortsFree(ports: number[]): Promise<void> {
  for (const port of ports)
    if (!(await portIsFree(port)))
      throw new UserError(
        `Port ${port} is already in use, so the step cannot listen on it.`,
        `stop what listens there (a step still running in another terminal?), or pick other ports: PORT=${ports[0] + 1000} npm run step N -- --start`,
      );
}
