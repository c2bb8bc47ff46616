// The typical mistakes of steps 3–6, made on a copy of the solution, give the intended failure: the
// expectation, the file and line, and a hint that names the fix.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { findStep, solutionDir } from '../scripts/lib/steps.ts';
import { ROOT, removeTempHomes, tempHome } from './helpers/cli.ts';

afterAll(removeTempHomes);

/** A copy of step N's solution with one file edited. */
function solutionWith(step: number, file: string, edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tempHome(), 'case-')), 'dir');
  cpSync(solutionDir(findStep(step)), dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

it('step 3 without the sticky cookie: long-polling fails with "Session ID unknown" and the label that fixes it', async () => {
  const dir = solutionWith(3, 'compose.yaml', (t) =>
    t.replace(/^\s+- traefik\.http\.services\.app\.loadbalancer\.sticky.*$/gm, ''),
  );
  const result = await runStep(findStep(3), dir);
  expect(result.failure?.id).toBe('sticky-long-polling');
  expect(result.failure?.message).toMatch(/Session ID unknown/);
  expect(result.failure?.message).toMatch(/not sticky/);
  expect(result.failure?.hint).toContain(
    'traefik.http.services.app.loadbalancer.sticky.cookie.name=wsk_sticky',
  );
}, 60_000);

it('step 3 with a misspelt label: the file, the line and the closest valid key', async () => {
  const dir = solutionWith(3, 'compose.yaml', (t) =>
    t.replace('routers.app.entrypoints=web', 'routers.app.entrypoint=web'),
  );
  const line =
    readFileSync(join(dir, 'compose.yaml'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('entrypoint=web')) + 1;
  const result = await runStep(findStep(3), dir);
  expect(result.failure?.id).toBe('compose');
  expect(result.failure?.message).toContain(`compose.yaml:${line}`);
  expect(`${result.failure?.message} ${result.failure?.hint}`).toContain(
    'traefik.http.routers.app.entrypoints',
  );
}, 60_000);

it('step 3 with a shell-form CMD: the Dockerfile check names the line and the exec form', async () => {
  const dir = solutionWith(3, 'Dockerfile', (t) =>
    t.replace('CMD ["node", "server.ts"]', 'CMD node server.ts'),
  );
  const result = await runStep(findStep(3), dir);
  expect(result.failure?.id).toBe('dockerfile');
  expect(result.failure?.message).toMatch(/Dockerfile:\d+ \(Dockerfile\): CMD is in shell form/);
  expect(result.failure?.hint).toContain('CMD ["node", "server.ts"]');
}, 60_000);

it('step 4 with the blog’s endpoints rule: the ClusterRole finding names endpointslices', async () => {
  const dir = solutionWith(4, 'k8s/traefik-rbac.yaml', (t) =>
    t
      .replace('apiGroups: [discovery.k8s.io]', 'apiGroups: [""]')
      .replace('resources: [endpointslices]', 'resources: [endpoints]'),
  );
  const result = await runStep(findStep(4), dir);
  expect(result.failure?.id).toBe('manifests');
  expect(result.failure?.message).toMatch(/traefik-rbac\.yaml:\d+ \(ClusterRole\/traefik\).*endpointslices/);
}, 60_000);

it('step 4 without a port mapping: kind-config.yaml is named with the fix', async () => {
  const dir = solutionWith(4, 'kind-config.yaml', (t) => t.replace(/ {4}extraPortMappings:[\s\S]*$/, ''));
  const result = await runStep(findStep(4), dir);
  expect(result.failure?.id).toBe('kind-config');
  expect(result.failure?.message).toMatch(/kind-config\.yaml/);
  expect(result.failure?.message).toMatch(/port 80/);
}, 60_000);

it('step 5 with the page still on /socket.io/: the page check says which path to use', async () => {
  const dir = solutionWith(5, 'public/index.html', (t) =>
    t.replace(/const SOCKET_PATH = .*;/, "const SOCKET_PATH = '/socket.io/';"),
  );
  const result = await runStep(findStep(5), dir);
  expect(result.failure?.id).toBe('wsk-prefix');
  expect(result.failure?.message).toMatch(/must ask \/wsk\/socket\.io\//);
}, 60_000);

it('step 6 without a SIGTERM handler: the drill sees the instance die instead of draining', async () => {
  const dir = solutionWith(6, 'server.ts', (t) =>
    t.replace("process.once('SIGTERM',", "process.once('SIGUSR2',"),
  );
  const result = await runStep(findStep(6), dir);
  expect(result.failure?.id).toBe('drill-sigterm-instance');
  expect(result.failure?.message).toMatch(/ended with SIGTERM, not exit code 0/);
}, 90_000);

it('the top-level kind-config.yaml is the step-4 solution’s', () => {
  expect(readFileSync(join(ROOT, 'kind-config.yaml'), 'utf8')).toBe(
    readFileSync(join(solutionDir(findStep(4)), 'kind-config.yaml'), 'utf8'),
  );
});
