// The one list of steps. Every command, the docs build and the tests read it; a new step is one
// folder in steps/ and solutions/ plus one entry here.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dashboard } from './checks/dashboard.ts';
import { chatDeduplication, connectionRecovery } from './checks/delivery.ts';
import {
  composeFiles,
  dockerfileFile,
  kindConfigFile,
  kubernetesFiles,
  kubernetesPrefix,
  prefixPage,
  WSK_PATH,
} from './checks/deployment-files.ts';
import { drillExpectation } from './checks/drill-expectations.ts';
import * as protocol from './checks/protocol.ts';
import {
  hostRoute,
  pageThroughRouter,
  stickyLongPolling,
  websocketThroughRouter,
} from './checks/through-router.ts';
import type { Expectation } from './checks/types.ts';
import { suggestion } from './did-you-mean.ts';
import type { Flavour } from './environment.ts';
import { UserError } from './errors.ts';
import { HOME, ROOT } from './paths.ts';
import { SOCKET_IO_PATH } from './socket-path.ts';
import { type Target, targetModule } from './targets/index.ts';

export { HOME, ROOT } from './paths.ts';

export interface Step {
  number: number;
  slug: string;
  title: string;
  /** Rough time for a room, for the agenda. */
  minutes: number;
  /** One sentence for menus and the docs index. */
  summary: string;
  /** The files the attendee edits, relative to the step folder. */
  files: string[];
  /** Where it runs (`--target`): the rehearsal always, the real targets from step 3 on. */
  targets: Target[];
  /** The socket.io path clients use through the step's entry (step 5 serves under /wsk). */
  socketPath: string;
  /** What the step runs: one server, instances sharing Redis, or a stack described by Compose and/or Kubernetes; each target runs it its own way. */
  flavour: Flavour;
  /** Its docs page shows the chat page's screenshot. */
  screenshot?: boolean;
  /** In order; the destructive ones (they stop an instance or Redis) come last: the registry asserts it. */
  expectations: Expectation[];
  /** The expectation the untouched starter must fail on (the tests hold every step to it). */
  starterFailsAt: string;
}

const singleServerProtocol = [
  protocol.starts,
  protocol.welcome,
  protocol.chatAck,
  protocol.chatBroadcast,
  protocol.chatValidation,
  protocol.heartbeat,
  protocol.readyz,
];

export const STEPS: Step[] = [
  {
    number: 1,
    slug: 'single-server',
    title: 'One socket.io server',
    minutes: 30,
    summary: 'Events, acknowledgements and broadcasts on one server, a CLI client and a browser page.',
    files: ['server.ts'],
    targets: ['rehearsal'],
    socketPath: SOCKET_IO_PATH,
    flavour: 'server',
    screenshot: true,
    expectations: [...singleServerProtocol, protocol.sigterm],
    starterFailsAt: 'welcome',
  },
  {
    number: 2,
    slug: 'redis-adapter',
    title: 'Many instances and the Redis adapter',
    minutes: 45,
    summary: 'Three instances share broadcasts through Redis; why long-polling needs sticky sessions.',
    files: ['server.ts'],
    targets: ['rehearsal'],
    socketPath: SOCKET_IO_PATH,
    flavour: 'instances',
    expectations: [...singleServerProtocol, protocol.crossInstance, protocol.redisOutage, protocol.sigterm],
    starterFailsAt: 'cross-instance',
  },
  {
    number: 3,
    slug: 'compose-traefik',
    title: 'Docker Compose behind Traefik',
    minutes: 60,
    summary:
      'A Dockerfile, compose.yaml with three replicas and Redis, Traefik v3.7 routing by labels with a sticky cookie.',
    files: ['Dockerfile', 'compose.yaml', 'dashboard.yaml'],
    targets: ['rehearsal', 'docker'],
    socketPath: SOCKET_IO_PATH,
    flavour: 'compose',
    expectations: [
      dockerfileFile,
      composeFiles,
      protocol.starts,
      pageThroughRouter,
      stickyLongPolling(
        'add a sticky cookie to the service: traefik.http.services.app.loadbalancer.sticky.cookie.name=wsk_sticky (plus httponly=true, samesite=lax)',
      ),
      websocketThroughRouter,
      dashboard,
    ],
    starterFailsAt: 'dockerfile',
  },
  {
    number: 4,
    slug: 'kind-traefik',
    title: 'kind, Traefik’s CRDs, RBAC and an IngressRoute',
    minutes: 75,
    summary:
      'A kind cluster with port mappings, Deployments and Services, Traefik’s RBAC and an IngressRoute with a sticky cookie.',
    files: ['kind-config.yaml', 'k8s/traefik-rbac.yaml', 'k8s/ingressroute.yaml', 'dashboard.yaml'],
    targets: ['rehearsal', 'kind', 'apiserver'],
    socketPath: SOCKET_IO_PATH,
    flavour: 'kubernetes',
    expectations: [
      kindConfigFile,
      kubernetesFiles,
      protocol.starts,
      pageThroughRouter,
      stickyLongPolling(
        'add sticky.cookie (name: wsk_sticky, httpOnly: true, sameSite: lax) to the IngressRoute’s service',
      ),
      websocketThroughRouter,
      hostRoute(
        'TODO 4: a second route in the IngressRoute, match: Host(`chat.localhost`) && PathPrefix(`/`), to the same Service with the same sticky cookie',
      ),
      dashboard,
    ],
    starterFailsAt: 'kind-config',
  },
  {
    number: 5,
    slug: 'path-prefix',
    title: 'Going beyond: a path prefix',
    minutes: 40,
    summary:
      'Serve the app under /wsk with a StripPrefix middleware in Compose and Kubernetes, and the matching socket.io path.',
    files: ['compose.yaml', 'k8s/middleware.yaml', 'k8s/ingressroute.yaml', 'public/index.html'],
    targets: ['rehearsal', 'docker', 'kind', 'apiserver'],
    socketPath: WSK_PATH,
    flavour: 'compose-and-kubernetes',
    expectations: [
      composeFiles,
      kubernetesFiles,
      protocol.starts,
      prefixPage,
      stickyLongPolling(
        'the router must keep the sticky cookie: traefik.http.services.app.loadbalancer.sticky.cookie.name=wsk_sticky',
      ),
      websocketThroughRouter,
      kubernetesPrefix,
    ],
    starterFailsAt: 'wsk-prefix',
  },
  {
    number: 6,
    slug: 'load-and-failure',
    title: 'Load and failure',
    minutes: 50,
    summary:
      'Drive many clients, kill instances and restart Redis; make the server survive and measure what is lost.',
    files: ['server.ts'],
    targets: ['rehearsal', 'docker', 'kind', 'apiserver'],
    socketPath: WSK_PATH,
    flavour: 'compose-and-kubernetes',
    expectations: [
      protocol.starts,
      protocol.redisOutage,
      drillExpectation(
        'sigterm-instance',
        'SIGTERM to one instance: it exits 0 and every client is back and reached by a broadcast within 3 s',
        "process.once('SIGTERM', async …): clear the heartbeat, await Promise.race([io.close(), sleep(1_000)]) (io.close() waits for every connection, a proxy's idle spare one too), close the Redis clients that are ready, then process.exit(0), with a 9 s safety timer",
      ),
      drillExpectation(
        'sigkill-instance',
        'SIGKILL to another instance: every client is back and reached by a broadcast within 3 s',
        'clients of a killed instance reconnect through the router to a live one: keep /readyz honest and the sticky cookie re-set',
      ),
    ],
    starterFailsAt: 'redis-outage',
  },
  {
    number: 7,
    slug: 'exactly-once',
    title: 'Exactly once across restarts (optional)',
    minutes: 45,
    summary:
      'From at most once to exactly once: connection state recovery on a Redis stream, retried chats de-duplicated by id, a drain that finishes its work.',
    files: ['server.ts'],
    targets: ['rehearsal', 'docker', 'kind', 'apiserver'],
    socketPath: WSK_PATH,
    flavour: 'compose-and-kubernetes',
    expectations: [
      protocol.starts,
      connectionRecovery,
      chatDeduplication,
      drillExpectation(
        'rolling-restart',
        'every instance restarted in turn, clients retrying by id: nothing lost, nothing twice',
        'each restart is a SIGTERM: the same drain, recovery and de-duplication carry the clients through all of them',
        { exactlyOnce: true },
      ),
      drillExpectation(
        'sigterm-instance',
        'SIGTERM to one instance, clients retrying by id: nothing lost, nothing twice, every client back within 3 s',
        'TODO 3: on SIGTERM set draining first (/readyz 503, new chats unanswered), await Promise.allSettled(inFlight), then io.close()',
        { exactlyOnce: true },
      ),
    ],
    starterFailsAt: 'connection-recovery',
  },
];

/** The numbers of the steps that run on `target`, in order. */
export const stepsOn = (target: Target) =>
  STEPS.filter((s) => s.targets.includes(target)).map((s) => s.number);

export const folderName = (step: Step) => `${String(step.number).padStart(2, '0')}-${step.slug}`;
export const starterDir = (step: Step) => join(ROOT, 'steps', folderName(step));
export const solutionDir = (step: Step) => join(ROOT, 'solutions', folderName(step));
export const playgroundDir = (step: Step) => join(HOME, 'playground', folderName(step));

/** Resolves `3`, `03` or `03-compose-traefik` to a step, or says which steps exist. */
export function findStep(arg: string | number | undefined): Step {
  const text = String(arg ?? '').trim();
  if (!text)
    throw new UserError(
      'Which step? Give its number.',
      `steps are ${stepRange()}: ${STEPS.map((s) => `${s.number} ${s.slug}`).join(', ')}`,
    );
  const number = /^\d+/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
  const step = STEPS.find((s) => s.number === number || s.slug === text || folderName(s) === text);
  if (!step)
    throw new UserError(
      `There is no step '${text}'.${
        /^\d/.test(text)
          ? ''
          : suggestion(
              text,
              STEPS.flatMap((s) => [s.slug, folderName(s)]),
            )
      }`,
      `steps are ${stepRange()}: ${STEPS.map((s) => `${s.number} ${s.slug}`).join(', ')}`,
    );
  return step;
}

const stepRange = () => `1–${STEPS.length}`;

/** The registry's own rules: checked when it loads, so a bad entry fails every command at once, not only the tests. */
export function registryErrors(steps: Step[] = STEPS): string[] {
  const errors: string[] = [];
  steps.forEach((step, i) => {
    const name = `step ${step.number} (${step.slug})`;
    if (step.number !== i + 1) errors.push(`${name} is numbered ${step.number}, expected ${i + 1}`);
    if (!step.expectations.some((e) => e.id === step.starterFailsAt))
      errors.push(`${name}: starterFailsAt '${step.starterFailsAt}' is not one of its expectations`);
    if (!step.targets.includes('rehearsal')) errors.push(`${name}: every step runs on the rehearsal`);
    for (const target of step.targets)
      if (!targetModule(target).runs[step.flavour])
        errors.push(`${name}: the ${target} target does not run a ${step.flavour} step`);
    const firstDestructive = step.expectations.findIndex((e) => e.destructive);
    const later = firstDestructive < 0 ? [] : step.expectations.slice(firstDestructive);
    const misplaced = later.find((e) => !e.destructive);
    if (misplaced)
      errors.push(
        `${name}: '${misplaced.id}' comes after the destructive '${step.expectations[firstDestructive].id}' (it stops an instance or Redis): destructive expectations go last`,
      );
  });
  return errors;
}

/** The registry and the folders must agree; reported when the registry loads, by doctor and by the tests. */
export function registryProblems(steps: Step[] = STEPS): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    for (const dir of [starterDir(step), solutionDir(step)]) {
      if (!existsSync(join(dir, 'README.md')) && dir === starterDir(step))
        problems.push(`${dir}/README.md is missing`);
      for (const file of step.files)
        if (!existsSync(join(dir, file))) problems.push(`${dir}/${file} is missing`);
    }
  }
  const known = new Set(steps.map(folderName));
  for (const top of ['steps', 'solutions']) {
    const root = join(ROOT, top);
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory() && !known.has(entry.name))
        problems.push(
          `${top}/${entry.name} has no entry in scripts/lib/steps.ts: add one there, or the folder is ignored`,
        );
  }
  return problems;
}

{
  const errors = registryErrors();
  if (errors.length) throw new Error(`The step registry is inconsistent:\n  ${errors.join('\n  ')}`);
  // A folder without an entry (or a file missing) is said once per command, on stderr, and not fatal.
  for (const problem of registryProblems()) process.stderr.write(`warning: ${problem}\n`);
}
