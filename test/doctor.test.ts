// doctor on a machine like this one: a docker client without an engine, no kind. It says what is
// missing with the fix, and exits 0 because local mode (steps 1–2 and the rehearsals) can run. Then the
// judgements of kind's version, the engine's cgroups and a busy port, each on answers the test hands it.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cgroupLine, kindLine, parseCgroupVersion, portLine } from '../scripts/lib/doctor/checks.ts';
import { loadManifests, validateKindConfig } from '../scripts/lib/kubernetes/index.ts';
import { ROOT } from '../scripts/lib/paths.ts';
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

// The judgements that read a tool's answer, handed this or any machine's answer: no real kind, engine or port.
describe("kind's version: the pinned release, older ones that cannot load images, newer ones", () => {
  it('older than v0.32 blocks kind, and the fix installs the pinned release', () => {
    const line = kindLine('kind v0.31.0 go1.25.5 linux/amd64');
    expect(line.status).toBe('missing');
    expect(line.detail).toContain(
      'kind older than v0.32 cannot `kind load` images into the kindest/node:v1.36.1 node',
    );
    for (const fix of Object.values(line.fix ?? {})) expect(fix).toContain('v0.32.0');
    expect(line.fix?.macos).toContain('brew install kind gives the newest release');
  });
  it('v0.32 is the pinned release; v0.33 and later get a warning that names the pin', () => {
    expect(kindLine('kind v0.32.0 go1.26.8 linux/amd64').status).toBe('ok');
    const newer = kindLine('kind v0.33.0 go1.26.9 darwin/arm64');
    expect(newer.status).toBe('warning');
    expect(newer.detail).toContain('the workshop pins kind v0.32.0 and its node image kindest/node:v1.36.1');
    expect(kindLine(undefined)).toMatchObject({ status: 'missing', detail: 'not found' });
  });
});

describe("the engine's cgroups, which the kubelet in kind's node inherits", () => {
  it('cgroup v1 blocks kind, with the KubeletConfiguration patch as the fix on every system', () => {
    const line = cgroupLine(parseCgroupVersion('1\n'));
    expect(line?.status).toBe('missing');
    expect(line?.detail).toContain("kubelet in kind's node refuses to start there (since 1.35)");
    for (const fix of Object.values(line?.fix ?? {}))
      expect(fix).toContain('kubeadmConfigPatches: ["kind: KubeletConfiguration\\nfailCgroupV1: false"]');
  });
  it('the patch, as the fix writes it, is a kind KubeletConfiguration that kind-config.yaml accepts', () => {
    const config = `${readFileSync(join(ROOT, 'solutions/04-kind-traefik/kind-config.yaml'), 'utf8')}\nkubeadmConfigPatches: ["kind: KubeletConfiguration\\nfailCgroupV1: false"]\n`;
    const file = join(tempDir('wsk-cgroup-'), 'kind-config.yaml');
    writeFileSync(file, config);
    const k8s = loadManifests(join(ROOT, 'solutions/04-kind-traefik/k8s')).objects;
    expect(validateKindConfig(file, k8s)).toEqual([]);
    const patch = (parse(config) as { kubeadmConfigPatches: string[] }).kubeadmConfigPatches[0];
    expect(parse(patch)).toEqual({ kind: 'KubeletConfiguration', failCgroupV1: false });
  });
  it('cgroup v2 is fine, and an engine that does not say gives no line', () => {
    expect(cgroupLine(parseCgroupVersion('2'))?.status).toBe('ok');
    expect(cgroupLine(parseCgroupVersion('28.2.2'))).toBeUndefined();
    expect(cgroupLine(parseCgroupVersion(undefined))).toBeUndefined();
  });
});

describe('a busy port: PORT moves the rehearsal, not Docker or kind', () => {
  it('a rehearsal port suggests PORT', () => {
    const line = portLine(3000, 'local', false, 3000);
    expect(line.status).toBe('warning');
    expect(line.fix?.linux).toContain('PORT=3100 npm run step N -- --start');
  });
  it('port 80 and 8080 say that PORT does not move them, and never suggest it', () => {
    for (const port of [80, 8080]) {
      const line = portLine(port, 'docker', false, 3000);
      for (const fix of Object.values(line.fix ?? {})) {
        expect(fix).toContain('PORT= does not move it: compose.yaml publishes');
        expect(fix).not.toMatch(/PORT=\d/);
      }
    }
    expect(portLine(80, 'docker', true, 3000)).toMatchObject({ status: 'ok', detail: 'free' });
  });
});
