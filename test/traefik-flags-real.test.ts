// What the pinned Traefik binary says of the static flags the learn-more pages and the lints warn about
// (claims S1, S2, S3, and the Swarm section's flags), in its own words. The real binary, as CI has it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, expect } from 'vitest';
import { freePort } from '../scripts/lib/ports.ts';
import { runCommand, startProcess, waitFor } from '../scripts/lib/processes.ts';
import { findTraefikBinary } from '../scripts/lib/traefik-run/binary.ts';
import { IN_CI, itWith } from './helpers/needs.ts';

const binary = await findTraefikBinary().catch(() => undefined);
const missing =
  binary || IN_CI ? [] : ['the pinned Traefik binary (bash .ci/run, or npm run step 3 -- --start once)'];
const work = mkdtempSync(join(tmpdir(), 'wsk-traefik-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Traefik with `flags` and an entry point of its own: it must end by itself, and this is what it said. */
async function refused(...flags: string[]) {
  const web = await freePort();
  const result = await runCommand({
    name: 'traefik',
    command: binary?.path ?? 'traefik',
    args: [...flags, `--entrypoints.web.address=127.0.0.1:${web}`],
  });
  return { code: result.exitCode, output: stripVTControlCharacters(result.output) };
}

/** Traefik with `flags`, once its ping answers (it started): what it says, and how to stop it. */
async function started(...flags: string[]) {
  const [web, api] = [await freePort(), await freePort()];
  const traefik = startProcess({
    name: 'traefik',
    command: binary?.path ?? 'traefik',
    args: [
      ...flags,
      `--entrypoints.web.address=127.0.0.1:${web}`,
      `--entrypoints.traefik.address=127.0.0.1:${api}`,
      '--ping=true',
    ],
  });
  await waitFor(
    'Traefik to answer /ping',
    async () => ((await fetch(`http://127.0.0.1:${api}/ping`)).ok ? true : undefined),
    { timeoutMs: 10_000, process: traefik },
  ).catch(async (err) => {
    await traefik.stop();
    throw err;
  });
  return { output: () => stripVTControlCharacters(traefik.output()), stop: () => traefik.stop() };
}

itWith(
  missing,
  'S1: an unknown provider flag (the seed’s --providers.kubernetescr) stops Traefik at start',
  async () => {
    const { code, output } = await refused('--providers.kubernetescr');
    expect(code).not.toBe(0);
    expect(output).toContain(
      'failed to decode configuration from flags: field not found, node: kubernetescr',
    );
  },
);

itWith(
  missing,
  'S2: v2’s --providers.docker.swarmMode and the providers’ tls.caOptional stop Traefik v3 at start',
  async () => {
    const swarmMode = await refused('--providers.docker.swarmMode=true');
    expect(swarmMode.code).not.toBe(0);
    expect(swarmMode.output).toContain(
      'Docker provider `swarmMode` option has been removed in v3, please use the Swarm Provider instead',
    );
    const caOptional = await refused('--providers.docker.tls.caOptional=true');
    expect(caOptional.code).not.toBe(0);
    expect(caOptional.output).toContain('Docker provider `tls.CAOptional` option has been removed in v3');
  },
);

itWith(
  missing,
  'the Swarm section’s flags start Traefik v3: --providers.swarm with exposedbydefault=false',
  async () => {
    // No Swarm here: the provider retries its endpoint, and Traefik runs meanwhile.
    const run = await started(
      '--providers.swarm=true',
      '--providers.swarm.exposedbydefault=false',
      `--providers.swarm.endpoint=unix://${join(work, 'no-docker.sock')}`,
    );
    try {
      await waitFor('the Swarm provider to try its endpoint', async () =>
        /providerName=swarm/.test(run.output()) ? true : undefined,
      );
      expect(run.output()).not.toMatch(/field not found|Command error/);
    } finally {
      await run.stop();
    }
  },
);

itWith(missing, 'S3: ForwardAuth’s tls.caOptional is only deprecated: Traefik runs, and warns', async () => {
  const file = join(work, 'forward-auth.yaml');
  writeFileSync(
    file,
    [
      'http:',
      '  routers:',
      '    app: { rule: PathPrefix(`/`), entryPoints: [web], middlewares: [auth], service: app }',
      '  services:',
      '    app: { loadBalancer: { servers: [{ url: "http://127.0.0.1:9" }] } }',
      '  middlewares:',
      '    auth: { forwardAuth: { address: "http://127.0.0.1:9/auth", tls: { caOptional: true } } }',
      '',
    ].join('\n'),
  );
  const run = await started(`--providers.file.filename=${file}`, '--log.level=WARN');
  try {
    await waitFor('the deprecation warning', async () =>
      run.output().includes('tls.CAOptional option is deprecated') ? true : undefined,
    );
  } finally {
    await run.stop();
  }
});
