// One address per pod for the `apiserver` target. Traefik's CRD provider keeps one server per endpoint
// address (a second endpoint on the same address is dropped), and the API server refuses loopback addresses
// in EndpointSlices: so each local pod gets its own address from 198.18.0.0/15 (RFC 2544, never routed
// beyond a test network), added to the loopback interface for the run and removed when it ends. The pods'
// processes listen on every interface, so Traefik reaches each at its own address. Adding addresses needs
// CAP_NET_ADMIN on Linux (root, as in CI).
import { spawnSync } from 'node:child_process';
import { UserError } from '../../errors.ts';
import { mustUndo } from '../../processes.ts';
import { findExecutable } from '../../tools.ts';

export interface PodNetwork {
  addresses: string[];
  /** Removes the addresses (also done when the command exits). */
  stop(): void;
  /** Which addresses left the loopback interface while the pods use them (another run removed them?). */
  failure(): Promise<string | undefined>;
}

const NEEDS_ROOT = (detail: string) =>
  new UserError(
    `The apiserver target gives each pod its own address on this machine's loopback interface, and that needs root on Linux (CAP_NET_ADMIN): ${detail}`,
    'run it as root (sudo -E npm run check N -- --target apiserver), or use --target rehearsal',
  );

/** The addresses the process `pid` takes: a block of 16 chosen by its id, so that runs side by side do not meet. */
export function podAddresses(pid: number, count: number): string[] {
  const block = (pid % 8_000) * 16;
  return Array.from({ length: Math.min(count, 15) }, (_, i) => {
    const n = block + i + 1;
    return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
  });
}

export function startPodNetwork(count: number): PodNetwork {
  const ip = findExecutable('ip');
  if (process.platform !== 'linux' || !ip) throw NEEDS_ROOT(`no \`ip\` command (${process.platform})`);
  if (count > 15)
    throw new UserError(
      `${count} pods: the apiserver target runs at most 15.`,
      'lower the replicas of your Deployments',
    );
  const addresses = podAddresses(process.pid, count);
  const added: string[] = [];
  const stop = () => {
    for (const address of added.splice(0)) spawnSync(ip, ['addr', 'del', `${address}/32`, 'dev', 'lo']);
    undone();
  };
  // Undone like every process: on Ctrl-C, or in the exit hook after a crash.
  const undone = mustUndo({ now: stop, stop: async () => stop() });
  for (const address of addresses) {
    const result = spawnSync(ip, ['addr', 'add', `${address}/32`, 'dev', 'lo'], { encoding: 'utf8' });
    // Left by a run that was killed outright: it is ours to use, and to remove at the end.
    if (result.status !== 0 && !/File exists/.test(result.stderr)) {
      stop();
      throw NEEDS_ROOT(
        `\`ip addr add ${address}/32 dev lo\` said ${result.stderr.trim() || `exit ${result.status}`}`,
      );
    }
    added.push(address);
  }
  const failure = async () => {
    if (!added.length) return undefined;
    const shown = spawnSync(ip, ['-o', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' }).stdout;
    const gone = added.filter((a) => !shown.includes(` ${a}/32 `));
    return gone.length
      ? `the pods' addresses ${gone.join(', ')} are no longer on the loopback interface (another run with the same address block ended and removed them?), so Traefik cannot reach those pods`
      : undefined;
  };
  return { addresses, stop, failure };
}
