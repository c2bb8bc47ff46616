// The suite's tiers, by what a test file needs from the machine. `npm test` runs them all (CI does);
// `npm run test:unit` runs the first alone: no redis-server, Traefik, Docker, Kubernetes tools or root.
// Every test file is in exactly one tier (test/suite-hygiene.test.ts holds it).
export type Tier = keyof typeof TIERS;

export const TIERS = {
  /** Models, validators, the registry, the docs, the commands' plain paths: seconds, anywhere. */
  unit: [
    'bench-figures',
    'compose-validate',
    'diagnosis',
    'diff',
    'dockerfile',
    'docs',
    'doctor',
    'kubernetes-ingress-route',
    'kubernetes-kind-config',
    'kubernetes-load',
    'kubernetes-validate',
    'layers',
    'lockfiles',
    'markdown',
    'offline',
    'readme',
    'registry',
    'results',
    'room',
    'step-copies',
    'suite-hygiene',
    'system-view-snapshot',
    'traefik-rules',
    'traefik-static-config',
    'watch',
  ],
  /** Real processes on loopback: the steps' servers, redis-server, the real Traefik, Chromium, kind's binary. */
  local: [
    'browser',
    'browser-close',
    'check-mistakes',
    'cli',
    'commands',
    'demo-balancers',
    'drain',
    'exactly-once',
    'docs-layout',
    'feedback-cli',
    'interruption',
    'kind-config-real',
    'load',
    'real-stack-commands',
    'ports',
    'redis-resilience',
    'soak',
    'steps',
    'system-view',
    'traefik-binary',
    'traefik-flags-real',
    'traefik-rehearsal',
  ],
  /** A real kube-apiserver and etcd (the `apiserver` target), as root. */
  kubernetes: [
    'apiserver-target',
    'apiserver-traefik',
    'apply-errors',
    'control-plane',
    'fencing-real',
    'middleware-namespace-real',
    'workshop-failures',
  ],
  /** A real Docker engine with Compose (.ci/docker-tier.sh): it holds ports 80 and 8080. */
  docker: ['docker-target'],
  /** A real kind cluster on that engine (its node image from .ci/kind-node.sh): ports 80 and 8080 too. */
  kind: ['kind-target'],
} as const;

/**
 * Tiers in the same group run side by side; groups run one after another. Docker's stack and kind's
 * cluster both publish ports 80 and 8080 on this machine, so each has the engine to itself.
 */
export const GROUP: Record<Tier, number> = { unit: 0, local: 0, kubernetes: 0, docker: 1, kind: 2 };

export const tierFiles = (tier: Tier) => TIERS[tier].map((name) => `test/${name}.test.ts`);
