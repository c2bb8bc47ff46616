// The workshop's own parts of a running step, as the checks ask them before blaming the attendee's code:
// a process that ended without being asked to, a port it chose that something else took.
import type { Instance, WorkshopPart } from './environment.ts';
import { portIsFree } from './ports.ts';
import type { ManagedProcess } from './processes.ts';

/** A process of the workshop's (Traefik, etcd, kube-apiserver) that must run until it is stopped. */
export function processPart(name: string, proc: ManagedProcess): WorkshopPart {
  return {
    async failure() {
      if (proc.running() || proc.stopRequested()) return undefined;
      const { code, signal } = await proc.exited;
      const last = proc
        .output()
        .trim()
        .split('\n')
        .filter((l) => /\berror\b|\bERR\b|fatal|panic/i.test(l))
        .at(-1);
      return `the workshop's ${name} exited (${signal ?? `code ${code}`})${last ? `: ${last.trim().slice(0, 300)}` : ''}`;
    },
  };
}

/**
 * An instance that died of EADDRINUSE on the very port the workshop gave it, which something else still
 * holds: the port was taken between choosing it and the app listening, not the attendee's doing (an app
 * that listens on a port of its own, or twice, names another port, or leaves it free when it dies).
 */
export async function portTaken(instance: Instance): Promise<string | undefined> {
  const proc = instance.process;
  if (proc.running() || proc.stopRequested()) return undefined;
  const port = Number(new URL(instance.url).port);
  const taken = new RegExp(`EADDRINUSE[^\\n]*:${port}\\b`).test(proc.output());
  if (!taken || (await portIsFree(port))) return undefined;
  return `port ${port}, which the workshop chose for ${instance.id}, was taken by another program before ${instance.id} could listen on it`;
}
