// Every port `--start` opens comes from PORT by the layout's offsets (a room opens one range), the docs show
// that layout as the code has it, a busy port is refused by name before anything starts, and the checks'
// free ports never repeat within a run.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnMoreSource } from '../scripts/lib/docs/site.ts';
import type { Environment } from '../scripts/lib/environment.ts';
import {
  ensurePortsFree,
  ephemeralOverlap,
  ephemeralRange,
  freePort,
  PORT_LAYOUT,
  PORT_RANGE,
  PortPlan,
  portIsFree,
  portTable,
  rolesFor,
} from '../scripts/lib/ports.ts';
import { findStep, ROOT, STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { targetModule } from '../scripts/lib/targets/index.ts';
import { layoutBase, runCli, tempHome } from './helpers/cli.ts';
import { itWith, lacking } from './helpers/needs.ts';

const noApiServer = await lacking('kube-apiserver', 'kubectl', 'traefik-crds', 'root');

const listen = (port: number, host = '127.0.0.1') =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });

it('the layout keeps every role inside PORT … PORT+39, each on ports of its own', () => {
  const owner = new Map<number, string>();
  for (const [role, { offset, count }] of Object.entries(PORT_LAYOUT))
    for (let i = 0; i < count; i++) {
      const port = offset + i;
      expect(port, role).toBeLessThan(PORT_RANGE);
      // Only step 1's server and step 2's instance-1 share PORT: never in the same step.
      const other = owner.get(port);
      if (other) expect([other, role].sort(), `PORT+${port}`).toEqual(['entry', 'instances']);
      owner.set(port, role);
    }
});

it("the instructor guide and every step's learn-more page show the layout as the code has it", () => {
  expect(readFileSync(join(ROOT, 'docs/instructor-guide.md'), 'utf8')).toContain(portTable());
  for (const step of STEPS)
    expect(readFileSync(learnMoreSource(step), 'utf8'), `step ${step.number}`).toContain(
      portTable(rolesFor(step.flavour, step.targets)),
    );
});

it('free ports never repeat within a run, even once released', async () => {
  const ports = [];
  for (let i = 0; i < 200; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  // Below the ports the kernel gives outgoing connections, which could take one before its user listens.
  const [low] = ephemeralRange();
  for (const port of ports) expect(port).toBeLessThan(low);
});

it('a busy port is refused with what the step wanted it for, on any address the app would take', async () => {
  const port = await layoutBase(1);
  // The apps listen on every interface: a port held on IPv6 loopback only is busy for them too.
  const held = await listen(port, '::1').catch(() => listen(port));
  try {
    await expect(ensurePortsFree([{ port, what: 'Redis' }])).rejects.toThrow(
      new RegExp(`^Port ${port} \\(Redis\\) is already in use`),
    );
  } finally {
    held.close();
  }
});

/** The ports an environment listens on, from what `--start` prints. */
const portsOf = (env: Environment) => env.links.map((l) => Number(new URL(l.url).port)).sort((a, b) => a - b);

describe('--start takes its ports from PORT by the layout', () => {
  it('step 2: the instances, the two balancers, the dashboard and Redis', async () => {
    const base = await layoutBase(PORT_RANGE);
    const env = await targetModule('rehearsal').start(findStep(2), solutionDir(findStep(2)), { port: base });
    try {
      expect(portsOf(env)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => base + n));
      expect(env.redis?.url).toBe(`redis://127.0.0.1:${base + PORT_LAYOUT.redis.offset}`);
    } finally {
      await env.stop();
    }
  }, 60_000);

  it('step 3 on the rehearsal: Traefik, its dashboard, Redis and the replicas', async () => {
    const base = await layoutBase(PORT_RANGE);
    const env = await targetModule('rehearsal').start(findStep(3), solutionDir(findStep(3)), { port: base });
    try {
      expect(portsOf(env)).toEqual([0, 5, 6, 10, 11, 12].map((n) => base + n));
    } finally {
      await env.stop();
    }
  }, 60_000);

  itWith(
    noApiServer,
    'step 4 on the apiserver target: the control plane too',
    async () => {
      const base = await layoutBase(PORT_RANGE);
      const env = await targetModule('apiserver').start(findStep(4), solutionDir(findStep(4)), {
        port: base,
      });
      try {
        expect(portsOf(env)).toEqual([0, 5, 6, 10, 11, 12, 32].map((n) => base + n));
        // etcd is not printed: nothing for a person to open there. It listens on its offsets all the same.
        for (const role of ['etcdClient', 'etcdPeer'] as const)
          expect(await portIsFree(base + PORT_LAYOUT[role].offset), role).toBe(false);
      } finally {
        await env.stop();
      }
    },
    120_000,
  );
});

it('step 2 --start refuses a busy port of its layout before it starts anything', async () => {
  const base = await layoutBase(PORT_RANGE);
  const sticky = base + PORT_LAYOUT.sticky.offset;
  const held = await listen(sticky);
  try {
    const { code, stdout, stderr } = await runCli('step.ts', ['2', '--start'], {
      WORKSHOP_HOME: tempHome(),
      PORT: String(base),
    });
    expect(code, stdout).not.toBe(0);
    expect(stderr).toContain(`Port ${sticky} (step 2's sticky balancer`);
    // Nothing was started, so nothing was stopped: no instance said "listening", none got SIGTERM.
    expect(stdout).not.toMatch(/\[instance-\d\]/);
  } finally {
    held.close();
  }
}, 60_000);

it('a PORT whose range does not fit is refused', () => {
  expect(() => new PortPlan(65_530)).toThrow(/leaves no room/);
});

it('--start warns when PORT reaches into the ephemeral ports, and not below them', () => {
  const [low] = ephemeralRange();
  expect(ephemeralOverlap(3000)).toBeUndefined();
  expect(ephemeralOverlap(low - PORT_RANGE)).toBeUndefined();
  expect(ephemeralOverlap(low - PORT_RANGE + 1)).toMatch(/reach into the ports this machine hands out/);
  expect(ephemeralOverlap(low + 100)).toMatch(new RegExp(`A PORT below ${low - PORT_RANGE}`));
});
