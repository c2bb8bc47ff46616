// The suite's tiers, by what a test file needs from the machine. `npm test` runs them all (CI does);
// `npm run test:unit` runs the first alone: no redis-server, Traefik, Docker, Kubernetes tools or root.
// Every test file is in exactly one tier (test/suite-hygiene.test.ts holds it).
export const TIERS = {
  /** Models, validators, the registry, the docs, the commands' plain paths: seconds, anywhere. */
  unit: [
    'compose-validate',
    'diagnosis',
    'dockerfile',
    'docs',
    'doctor',
    'kubernetes-ingress-route',
    'kubernetes-kind-config',
    'kubernetes-load',
    'kubernetes-validate',
    'lockfiles',
    'markdown',
    'offline',
    'registry',
    'room',
    'step-copies',
    'suite-hygiene',
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
    'connection-recovery',
    'demo-balancers',
    'docs-layout',
    'feedback-cli',
    'interruption',
    'kind-config-real',
    'kind-real-commands',
    'load',
    'real-stack-commands',
    'redis-resilience',
    'steps',
    'traefik-binary',
    'traefik-rehearsal',
  ],
  /** A real kube-apiserver and etcd (the `apiserver` target), as root. */
  kubernetes: [
    'apiserver-target',
    'apiserver-traefik',
    'apply-errors',
    'control-plane',
    'middleware-namespace-real',
  ],
  /** A real Docker engine with Compose (.ci/docker-tier.sh). */
  docker: ['docker-target'],
} as const;

export type Tier = keyof typeof TIERS;
export const tierFiles = (tier: Tier) => TIERS[tier].map((name) => `test/${name}.test.ts`);
