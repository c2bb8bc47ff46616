// Traefik's static configuration read from its command line, by the one parser compose.yaml's
// `command:` and the Deployment's `args:` share: typed results, and each bad flag with its line and fix.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { analyzeCompose } from '../scripts/lib/compose/index.ts';
import { validateManifests } from '../scripts/lib/kubernetes/index.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { parseStaticConfig } from '../scripts/lib/traefik/static-config.ts';
import { variant } from './fixtures/kubernetes/variant.ts';

const COMPOSE = readFileSync(join(ROOT, 'solutions/03-compose-traefik/compose.yaml'), 'utf8');
const composeCommand = (parse(COMPOSE) as { services: { traefik: { command: string[] } } }).services.traefik
  .command;
const DEPLOYMENT = readFileSync(join(ROOT, 'solutions/04-kind-traefik/k8s/traefik.yaml'), 'utf8');
const deploymentArgs = (
  parse(DEPLOYMENT.split('\n---\n')[0]) as {
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  }
).spec.template.spec.containers[0].args;

describe("the solutions' command lines", () => {
  it('compose.yaml: web on :80, the Docker provider not exposing by default, the insecure dashboard, access log', () => {
    const config = parseStaticConfig(composeCommand);
    expect(config.problems).toEqual([]);
    expect(config.entryPoints.web).toMatchObject({ address: ':80', port: 80, tls: false, implicit: false });
    // --api.insecure makes Traefik add its own `traefik` entry point on :8080.
    expect(config.entryPoints.traefik).toMatchObject({ port: 8080, implicit: true });
    expect(config.providers.docker).toMatchObject({ exposedByDefault: false });
    expect(config.providers.kubernetesCRD).toBeUndefined();
    expect(config.api).toMatchObject({ enabled: true, dashboard: true, insecure: true });
    expect(config.accessLog.enabled).toBe(true);
    expect(config.log.level).toBe('ERROR');
  });

  it('the Deployment: entry points as written, the CRD provider, ping, log level', () => {
    const config = parseStaticConfig(deploymentArgs);
    expect(config.problems).toEqual([]);
    expect(Object.keys(config.entryPoints).sort()).toEqual(['traefik', 'web']);
    expect(config.entryPoints.web).toMatchObject({ address: ':8000', port: 8000, implicit: false });
    expect(config.providers.kubernetesCRD).toEqual({ allowCrossNamespace: false, namespaces: [] });
    expect(config.ping).toBe(true);
    expect(config.log.level).toBe('INFO');
    expect(config.accessLog.enabled).toBe(false);
  });
});

describe('how Traefik reads flags', () => {
  it('a boolean or a section alone is true, other flags take the next argument, lists add up', () => {
    const config = parseStaticConfig([
      '--providers.kubernetescrd',
      '--providers.kubernetesCRD.allowCrossNamespace',
      '--log.level',
      'debug',
      '--accesslog',
      '--providers.kubernetescrd.namespaces=wsk',
      '--providers.kubernetescrd.namespaces=default,kube-system',
    ]);
    expect(config.problems).toEqual([]);
    expect(config.providers.kubernetesCRD).toEqual({
      allowCrossNamespace: true,
      namespaces: ['wsk', 'default', 'kube-system'],
    });
    expect(config.log.level).toBe('DEBUG');
    expect(config.accessLog.enabled).toBe(true);
    expect(config.flags.find((f) => f.key === 'log.level')).toMatchObject({ index: 2, value: 'debug' });
  });

  it('names are case-insensitive; an entry point keeps its first spelling; TLS on an entry point is seen', () => {
    const config = parseStaticConfig([
      '--entryPoints.WebSecure.address=:443',
      '--entrypoints.websecure.http.tls=true',
      '--ENTRYPOINTS.web.address=127.0.0.1:8000',
    ]);
    expect(config.entryPoints.WebSecure).toMatchObject({ port: 443, tls: true });
    expect(config.entryPoints.web).toMatchObject({ host: '127.0.0.1', port: 8000, tls: false });
    expect(config.entryPoints.traefik).toBeUndefined();
  });

  it('without any entry point Traefik listens on `http` :80; with --configFile nothing is assumed', () => {
    expect(parseStaticConfig(['--providers.docker']).entryPoints).toEqual({
      http: { name: 'http', address: ':80', port: 80, protocol: 'tcp', tls: false, implicit: true },
    });
    expect(parseStaticConfig(['--configFile=/etc/traefik/traefik.yml']).entryPoints).toEqual({});
  });

  it('the program name is skipped; a stray argument ends the flags, as in Traefik', () => {
    const config = parseStaticConfig(['traefik', '--api.insecure=true', 'web', '--accesslog'], [3, 4, 5, 6]);
    expect(config.api.insecure).toBe(true);
    expect(config.accessLog.enabled).toBe(false);
    expect(config.problems).toMatchObject([{ kind: 'syntax', severity: 'error', flag: 'web', line: 5 }]);
  });
});

describe('bad flags, each with its line and fix', () => {
  it('an unknown flag is an error (Traefik does not start) with the closest option', () => {
    const { problems } = parseStaticConfig(['--providers.docker', '--entrypoint.web.address=:80'], [7, 8]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'unknown', severity: 'error', line: 8, index: 1 });
    expect(problems[0].fix).toBe('did you mean `--entrypoints.web.address`?');
  });

  it('options v3 removed are errors; deprecated ones are warnings', () => {
    const { problems } = parseStaticConfig([
      '--providers.docker.swarmMode=true',
      '--pilot.token=abc',
      '--tracing.jaeger=true',
      '--core.defaultRuleSyntax=v2',
      '--metrics.influxdb2=true',
    ]);
    expect(problems.map((p) => [p.flag.split('=')[0], p.kind, p.severity])).toEqual([
      ['--providers.docker.swarmMode', 'removed', 'error'],
      ['--pilot.token', 'removed', 'error'],
      ['--tracing.jaeger', 'removed', 'error'],
      ['--core.defaultRuleSyntax', 'deprecated', 'warning'],
    ]);
    expect(problems[0].fix).toContain('--providers.swarm');
  });

  it('bad values: a boolean, a log level, an address', () => {
    const { problems } = parseStaticConfig([
      '--api.insecure=yes',
      '--log.level=verbose',
      '--entrypoints.web.address=80',
    ]);
    expect(problems.map((p) => [p.kind, p.index])).toEqual([
      ['value', 0],
      ['value', 1],
      ['value', 2],
    ]);
    expect(problems[1].message).toContain('DEBUG');
    expect(problems[2].fix).toContain(':80');
  });
});

describe('both surfaces report the same finding for the same flag', () => {
  it('compose.yaml', () => {
    const text = COMPOSE.replace('--entrypoints.web.address=:80', '--entrypoint.web.address=:80');
    const found = analyzeCompose('compose.yaml', text).findings.filter(
      (f) => f.code === 'traefik-flag-unknown',
    );
    const line = text.split('\n').findIndex((l) => l.includes('--entrypoint.web.address')) + 1;
    expect(found).toMatchObject([
      { severity: 'error', line, fix: 'did you mean `--entrypoints.web.address`?' },
    ]);
  });

  it('the Deployment', () => {
    const v = variant({
      'k8s/traefik.yaml': [['--entryPoints.web.address=:8000', '--entryPoint.web.address=:8000']],
    });
    const found = validateManifests(v.manifests).filter((f) => f.code === 'traefik-flag-unknown');
    const line = v.line('k8s/traefik.yaml', '--entryPoint.web.address');
    rmSync(v.root, { recursive: true, force: true });
    expect(found).toMatchObject([
      {
        severity: 'error',
        object: 'Deployment/traefik',
        line,
        fix: 'did you mean `--entrypoints.web.address`?',
      },
    ]);
  });
});
