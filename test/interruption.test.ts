// Whatever a command starts is stopped when it is interrupted, at any moment: during startup, between a
// child's spawn and its registration, while it serves. Each run below gets SIGINT or SIGTERM after a
// random delay, then nothing of it may be left: no process carrying its WORKSHOP_HOME in its environment
// (the servers inherit it) or working in its folder (redis-server overwrites its environment with its
// title, so each run's TMPDIR, where redis-server works, is inside the home), no listener on its ports.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PORT_RANGE, portIsFree } from '../scripts/lib/ports.ts';
import { STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { podAddresses } from '../scripts/lib/targets/apiserver/pod-network.ts';
import { layoutBase, startCli, tempHome } from './helpers/cli.ts';
import { itWith, lacking } from './helpers/needs.ts';

/** Live processes of a run: its WORKSHOP_HOME in their environment, or their folder inside it. */
function processesOf(home: string): string[] {
  const marker = `WORKSHOP_HOME=${home}\0`;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const ours =
          readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker) ||
          readlinkSync(`/proc/${pid}/cwd`).startsWith(home);
        if (!ours) return [];
        return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ')}`];
      } catch {
        return []; // Gone between the listing and the read: not left behind.
      }
    });
}

// `--start` takes its ports from PORT by the layout: the whole range must be free again afterwards.
const SCENARIOS = [
  { args: ['1', '--start'], script: 'step.ts', ports: PORT_RANGE },
  { args: ['2', '--start'], script: 'step.ts', ports: PORT_RANGE },
  { args: ['2'], script: 'check.ts', ports: 0 },
  // The rehearsal: Redis, three replicas and the real Traefik.
  { args: ['3', '--start', '--target', 'rehearsal'], script: 'step.ts', ports: PORT_RANGE },
] as const;
/** Enough to land in every phase (import, spawn, wait, serve) of every scenario; more with INTERRUPT_RUNS. */
const RUNS = Number(process.env.INTERRUPT_RUNS ?? 12);
const random = (ms: number) => Math.floor(Math.random() * ms);

/** Resolves once the command runs a server, Redis or Traefik; bounded. */
async function firstChild(home: string, exited: Promise<unknown>): Promise<void> {
  let done = false;
  exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 30_000;
  while (!processesOf(home).some((p) => /server\.ts|redis-server|traefik|etcd|kube-apiserver/.test(p))) {
    if (done) throw new Error('the command exited before starting anything');
    if (Date.now() > deadline) throw new Error('no child process within 30 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Sends `signal` `delay` ms after the launch (early) or after its first child, then lists what of the run
 * is still there: the command itself 20 s on, or any process of it 3 s after the command exited (a
 * signalled child takes a moment to die).
 */
async function interrupt(
  run: ReturnType<typeof startCli>,
  home: string,
  { early, delay, signal, what }: { early: boolean; delay: number; signal: NodeJS.Signals; what: string },
): Promise<string[]> {
  if (!early) await firstChild(home, run.exited);
  await new Promise((r) => setTimeout(r, delay));
  run.child.kill(signal);
  const exited = await Promise.race([
    run.exited.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 20_000)),
  ]);
  if (!exited) {
    run.child.kill('SIGKILL');
    return [`${what}: still running 20 s after the signal`];
  }
  const deadline = Date.now() + 3_000;
  while (processesOf(home).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return processesOf(home).map((p) => `${what}: left ${p}`);
}

async function interruptOnce(i: number): Promise<string[]> {
  const scenario = SCENARIOS[i % SCENARIOS.length];
  // Each scenario in turn; across its rounds, both signals and both moments.
  const round = Math.floor(i / SCENARIOS.length);
  const signal = (i + round) % 2 ? 'SIGINT' : 'SIGTERM';
  // Every other round: while it starts up (loading, spawning); else once its children run (between spawns,
  // while waiting for them, while serving).
  const early = round % 2 === 0;
  const delay = random(early ? 1_500 : 1_000);
  const home = tempHome();
  mkdirSync(join(home, 'tmp'));
  const port = scenario.ports ? await layoutBase(scenario.ports) : 0;
  const what = `${scenario.script} ${scenario.args.join(' ')} (${signal} ${delay} ms after ${early ? 'launch' : 'its first child'})`;
  const run = startCli(scenario.script, [...scenario.args], {
    WORKSHOP_HOME: home,
    TMPDIR: join(home, 'tmp'),
    ...(port ? { PORT: String(port) } : {}),
  });
  const left = await interrupt(run, home, { early, delay, signal, what });
  for (let p = port; p < port + scenario.ports; p++)
    if (!(await portIsFree(p))) left.push(`${what}: port ${p} still in use`);
  return left;
}

it(`interrupting step --start and check at random moments leaves nothing running (${RUNS} runs)`, async () => {
  const left: string[] = [];
  // Three at a time: each run is a Node process plus the servers it starts, on two shared cores.
  for (let i = 0; i < RUNS; i += 3) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(3, RUNS - i) }, (_, j) => interruptOnce(i + j)),
    );
    left.push(...batch.flat());
  }
  expect(left).toEqual([]);
}, 240_000);

// The apiserver target starts etcd, kube-apiserver, Traefik, Redis and the pods, writes keys and tokens into
// TMPDIR and adds the pods' addresses to the loopback interface: none of it may outlive an interrupt.
const apiserverMissing = await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'etcd', 'root');
itWith(
  apiserverMissing,
  'interrupting check 4 --target apiserver leaves no process, no key or token, no pod address',
  async () => {
    const left: string[] = [];
    for (const [i, early] of [true, false, true, false].entries()) {
      const home = tempHome();
      const tmp = join(home, 'tmp');
      mkdirSync(tmp);
      const signal = i % 2 ? 'SIGINT' : 'SIGTERM';
      const delay = random(early ? 4_000 : 3_000);
      const what = `check 4 --target apiserver (${signal} ${delay} ms after ${early ? 'launch' : 'its first child'})`;
      const run = startCli('check.ts', ['4', '--target', 'apiserver', '--dir', solutionDir(STEPS[3])], {
        WORKSHOP_HOME: home,
        TMPDIR: tmp,
      });
      left.push(...(await interrupt(run, home, { early, delay, signal, what })));
      left.push(
        ...readdirSync(tmp)
          .filter((f) => f.startsWith('wsk-'))
          .map((f) => `${what}: left ${f} in TMPDIR`),
      );
      const lo = spawnSync('ip', ['-o', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' }).stdout;
      for (const address of podAddresses(run.child.pid ?? 0, 3))
        if (lo.includes(` ${address}/32 `)) left.push(`${what}: left ${address} on lo`);
    }
    expect(left).toEqual([]);
  },
  240_000,
);
