// The `rehearsal` target: every step on this machine, no Docker, no cluster. Steps 1 and 2 as the app's own
// processes; from step 3 the same topology as the real stack, behind the real Traefik binary fed the
// attendee's own labels or IngressRoute (traefik-rehearsal.ts).
import type { Environment, StartOptions } from '../../environment.ts';
import { UserError } from '../../errors.ts';
import { type Finding, formatFinding } from '../../findings.ts';
import { PortPlan } from '../../ports.ts';
import { stepFiles } from '../../step-files.ts';
import { parseStaticConfig } from '../../traefik/static-config.ts';
import type { StepShape, TargetModule } from '../target.ts';
import { demoPorts, withDemoBalancers } from './demo-balancers.ts';
import { startInstances } from './instances.ts';
import { startRehearsal } from './traefik-rehearsal.ts';

export const rehearsal: TargetModule = {
  name: 'rehearsal',
  label: 'the rehearsal',
  summary:
    'local processes: the replicas and Redis on this machine, behind the real Traefik binary fed your own labels or IngressRoute',
  // Steps 5 and 6 describe their stack twice; the rehearsal runs compose.yaml (check 5 rehearses the manifests too).
  runs: {
    server: 'server',
    instances: 'instances',
    compose: 'compose',
    kubernetes: 'kubernetes',
    'compose-and-kubernetes': 'compose',
  },
  cannot: {},
  showsItself: () => false,
  missing: async () => undefined,
  async start(step, dir, options) {
    const flavour = rehearsal.runs[step.flavour];
    switch (flavour) {
      case 'server':
        return startInstances(dir, { ...options, count: 1, redis: false });
      case 'instances': {
        // `--start` (a fixed PORT) adds the two demo balancers after the instances: their ports are in
        // the same plan, so a busy one is refused before the instances start.
        const ports = new PortPlan(options.port);
        const demo = options.port ? await demoPorts(ports) : undefined;
        const env = await startInstances(dir, { ...options, count: 3, redis: true, ports });
        return demo ? withDemoBalancers(env, demo, options.echo) : env;
      }
      case 'compose':
        return rehearseCompose(step, dir, options);
      case 'kubernetes':
        return rehearseManifests(step, dir, options);
      case null:
        throw new UserError(`The rehearsal does not run a ${step.flavour} step.`);
    }
  },
  // Started and stopped by the drill command: the replicas and Redis are its own processes.
  runningStack: false,
  startTimeoutMs: 0,
  drillTimeoutMs: 15_000,
  forDrill: (step, dir) => rehearsal.start(step, dir, { port: 0 }),
};

/**
 * Errors that stop a rehearsal, and those Traefik judges itself: a rule it cannot parse is handed to it as
 * written (step 3's log exercise breaks one on purpose), so that its own error line shows.
 */
const TRAEFIK_JUDGES = new Set(['rule-invalid']);
const blocking = (findings: Finding[]) =>
  findings.find((f) => f.severity === 'error' && !TRAEFIK_JUDGES.has(f.code));
const judgedByTraefik = (findings: Finding[]) =>
  findings.filter((f) => f.severity === 'error' && TRAEFIK_JUDGES.has(f.code)).map(formatFinding);

/** compose.yaml's replicas, labels and sticky cookie, rehearsed. */
async function rehearseCompose(step: StepShape, dir: string, options: StartOptions): Promise<Environment> {
  const files = options.files ?? stepFiles(dir);
  const stack = await files.compose();
  const error = blocking(stack.findings);
  if (error) throw new UserError(`compose.yaml can't be rehearsed: ${formatFinding(error)}`, error.fix);
  return startRehearsal(
    {
      dir,
      problems: judgedByTraefik(stack.findings),
      config: stack.config,
      replicas: stack.replicas,
      environment: stack.environment,
      traefik: stack.traefik?.static ?? parseStaticConfig([]),
      socketPath: step.socketPath,
      standsInFor: 'Docker Compose behind Traefik',
      reread: async () => {
        const next = await stepFiles(dir).compose();
        if (!next.doc) throw new UserError(`compose.yaml can't be read: ${formatFinding(next.findings[0])}`);
        const errors = next.findings.filter((f) => f.severity === 'error').map(formatFinding);
        return { config: next.config, problems: errors };
      },
    },
    options,
  );
}

/** The manifests rehearsed: replicas from the Deployment, routing and stickiness from the IngressRoute. */
async function rehearseManifests(step: StepShape, dir: string, options: StartOptions): Promise<Environment> {
  const files = options.files ?? stepFiles(dir);
  const { objects, findings } = await files.manifests();
  const error = blocking(findings);
  if (error) throw new UserError(`The manifests can't be rehearsed: ${formatFinding(error)}`, error.fix);
  const { config, replicas, env } = await files.routing();
  const { findTraefik } = await import('../../kubernetes/workloads.ts');
  return startRehearsal(
    {
      dir,
      problems: judgedByTraefik(findings),
      config,
      replicas,
      environment: env,
      // The workshop's one reading of Traefik's Deployment (the validators use it too).
      traefik: findTraefik(objects)?.static ?? parseStaticConfig([]),
      socketPath: step.socketPath,
      standsInFor: 'a kind cluster with Traefik (CRD provider)',
      reread: async () => {
        const again = stepFiles(dir);
        const errors = (await again.manifests()).findings
          .filter((f) => f.severity === 'error')
          .map(formatFinding);
        return { config: (await again.routing()).config, problems: errors };
      },
    },
    options,
  );
}
