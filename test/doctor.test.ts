// doctor on a machine like this one: a docker client without an engine, no kind. It says what is
// missing with the fix, and exits 0 because local mode (steps 1–2 and the rehearsals) can run.
import { symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect, it } from 'vitest';
import { findExecutable } from '../scripts/lib/tools.ts';
import { runCli } from './helpers/cli.ts';
import { fakeTools } from './helpers/fake-tools.ts';
import { tempDir } from './helpers/temp.ts';

/** A bin folder holding only the named tools of this machine (symlinks), for a PATH we control. */
function binWith(names: string[]): string {
  const bin = tempDir('wsk-bin-');
  for (const name of names) {
    const path = name === 'node' ? process.execPath : findExecutable(name);
    if (path) symlinkSync(path, join(bin, name));
  }
  return bin;
}

/** PATH with only node, npm, redis-server and a fake docker client whose engine doesn't answer. */
function machineWithoutDockerEngine(): string {
  return [fakeTools(['docker']).bin, binWith(['node', 'npm', 'redis-server'])].join(delimiter);
}

it('reports Docker and kind missing with their fixes, and exits 0 for local mode', async () => {
  const { code, stdout, stderr } = await runCli('doctor.ts', [], {
    PATH: machineWithoutDockerEngine(),
    FAKE_DOCKER_ENGINE: '0',
  });
  expect(stderr).not.toMatch(/at .+:\d+:\d+/);
  expect(code).toBe(0);
  expect(stdout).toMatch(/✔ Node\.js/);
  // Not on this PATH: the first rehearsal downloads it, so it is a warning, not a blocker.
  expect(stdout).toMatch(/Traefik 3\.7\.\d+ +(not yet in|\S+ \(cache\))/);
  expect(stdout).toMatch(/✖ Docker engine +Docker version .*no engine answers/);
  expect(stdout).toMatch(/✖ kind +not found\n +hint \(linux\): .*kind/);
  expect(stdout).toMatch(/✖ kubectl/);
  expect(stdout).toMatch(/Local mode is ready/);
  expect(stdout).toMatch(/Steps 4\+ on kind still need: .*kind/);
});

it('--json lists every line with its fixes for Linux, macOS and Windows', async () => {
  const { code, stdout } = await runCli('doctor.ts', ['--json'], {
    PATH: machineWithoutDockerEngine(),
    FAKE_DOCKER_ENGINE: '0',
  });
  expect(code).toBe(0);
  const report = JSON.parse(stdout);
  expect(report.localModeReady).toBe(true);
  const docker = report.lines.find((l: { name: string }) => l.name === 'Docker engine');
  expect(docker).toMatchObject({ status: 'missing', needed: 'docker' });
  expect(Object.keys(docker.fix)).toEqual(['linux', 'macos', 'windows']);
});

it('without Redis, local mode is not ready and the exit code says so', async () => {
  const { code, stdout } = await runCli('doctor.ts', [], { PATH: binWith(['node', 'npm']), REDIS_URL: '' });
  expect(code).toBe(1);
  expect(stdout).toMatch(/✖ Redis/);
  expect(stdout).toMatch(/hint \(linux\): sudo apt-get install redis-server/);
});
