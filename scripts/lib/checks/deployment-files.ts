// Checks on the deployment files of steps 3–6 (Compose + labels, Kubernetes manifests + kind config),
// and the /wsk prefix as clients see it, through the router.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { ComposeStack } from '../compose/index.ts';
import type { Environment } from '../environment.ts';
import type { Finding } from '../findings.ts';
import { SOCKET_IO_PATH } from '../socket-path.ts';
import type { StepFiles } from '../step-files.ts';
import { rehearsal } from '../targets/rehearsal/index.ts';
import type { DynamicConfig } from '../traefik/dynamic-config.ts';
import { closeAll, connectClient, type TestClient } from './clients.ts';
import { expectFanOut } from './protocol.ts';
import { fromFindings } from './static.ts';
import { CheckFailure, type Expectation } from './types.ts';

export const WSK_PATH = '/wsk/socket.io/';

/** A stack that validates but routes nothing would pass every static check: say so. */
function noRouter(config: DynamicConfig, file: string, what: string): Finding[] {
  if (Object.keys(config.routers).length) return [];
  return [
    {
      code: 'no-router',
      severity: 'error',
      file,
      message: `No router: Traefik gets none from ${what}, so nothing reaches the app.`,
      fix: `add ${what}`,
    },
  ];
}

// The validators load schemas (Compose, Kubernetes, Traefik CRDs): imported when a step needs them, so
// that checking step 1 doesn't pay for step 4.
export async function composeFindings(files: StepFiles): Promise<Finding[]> {
  const stack = await files.compose();
  return [
    ...stack.findings,
    ...noRouter(stack.config, stack.file, 'the Traefik labels on the app service'),
    ...portMismatch(files.dir, stack),
  ];
}

/**
 * `loadbalancer.server.port` must be the port the app listens on: PORT from the service's environment,
 * else from the Dockerfile's ENV, else server.ts's default 3000. Traefik would send every request to a
 * closed port (502); the rehearsal cannot see it, as it starts the app on ports of its own.
 */
function portMismatch(dir: string, stack: ComposeStack): Finding[] {
  const dockerfile = join(dir, 'Dockerfile');
  const imagePort = existsSync(dockerfile)
    ? /^\s*ENV\b.*\bPORT[= ](\d+)/m.exec(readFileSync(dockerfile, 'utf8'))?.[1]
    : undefined;
  return Object.values(stack.config.services).flatMap((service): Finding[] => {
    const listens = Number(stack.environment[service.target]?.PORT ?? imagePort ?? 3000);
    if (!service.port || service.port === listens || !Number.isInteger(listens)) return [];
    return [
      {
        code: 'service-port-not-listened',
        severity: 'error',
        file: stack.file,
        line: service.source?.line,
        object: `service ${service.target}`,
        message: `Traefik would send requests to port ${service.port}, but the app listens on ${listens}: every request would fail with 502.`,
        fix: `traefik.http.services.${service.name}.loadbalancer.server.port=${listens}`,
      },
    ];
  });
}

export async function kubernetesFindings(files: StepFiles): Promise<Finding[]> {
  const { validateLoaded } = await import('../kubernetes/validate.ts');
  const k8s = join(files.dir, 'k8s');
  return [
    ...validateLoaded(await files.manifests(), k8s, { kindConfig: join(files.dir, 'kind-config.yaml') }),
    ...noRouter((await files.routing()).config, join(k8s, 'ingressroute.yaml'), 'an IngressRoute'),
  ];
}

export const composeFiles = fromFindings(
  'compose',
  'compose.yaml follows the Compose spec, and its labels Traefik’s grammar, v3 rules and references',
  'see the labels table in the step README',
  (ctx) => composeFindings(ctx.files),
);

export const kubernetesFiles = fromFindings(
  'manifests',
  'the manifests pass the Kubernetes and Traefik CRD schemas, RBAC and every cross-reference',
  "kubectl apply --dry-run=server would say the same; step 4's learn-more page (docs/learn-more/04-kind-traefik.md) says what each object is for",
  async (ctx) => (await kubernetesFindings(ctx.files)).filter((f) => !ctx.target.showsItself(f.code)),
);

export const kindConfigFile = fromFindings(
  'kind-config',
  'kind-config.yaml maps host port 80 to Traefik',
  'extraPortMappings: containerPort 30080 → hostPort 80',
  async (ctx) => {
    const { validateKindConfig } = await import('../kubernetes/kind-config.ts');
    return validateKindConfig(join(ctx.dir, 'kind-config.yaml'), (await ctx.files.manifests()).objects);
  },
);

export const dockerfileFile = fromFindings(
  'dockerfile',
  'the Dockerfile builds a small, non-root image with a health check',
  'see the Dockerfile TODOs in the step README (the reasons are on its learn-more page)',
  async (ctx) => (await import('../docker/dockerfile.ts')).checkDockerfile(join(ctx.dir, 'Dockerfile')),
);

/** Step 5: the page under /wsk/ loads, and tells the socket.io client to use /wsk/socket.io/. */
export const prefixPage: Expectation = {
  id: 'wsk-prefix',
  title: 'the page loads at /wsk/ and connects through /wsk/socket.io/',
  hint: 'route PathPrefix(`/wsk`) through a stripprefix middleware, and derive the page’s socket.io path from location.pathname (/wsk/ → /wsk/socket.io/)',
  async run(ctx) {
    const env = await ctx.environment();
    const res = await fetch(new URL('/wsk/', env.entries[0]), { signal: AbortSignal.timeout(3_000) });
    const html = await res.text();
    if (res.status !== 200) {
      throw new CheckFailure(
        `GET /wsk/ through the router answered ${res.status}: ${res.status === 404 ? 'the app got /wsk/ unchanged (nothing strips the prefix) or no router matches it' : html.slice(0, 80)}.`,
      );
    }
    // Where the browser would load the client from, and which path it would connect with, on this page's
    // URL: a literal path or one derived from location.pathname both count, as long as it comes out right.
    // And the same page served without the prefix (the app on its own, `npm run step 5 -- --start` of one
    // replica, the rehearsal of step 3) must still find /socket.io/: the step asks for one page for both.
    const src = /<script[^>]+src="([^"]*socket\.io\.js)"/.exec(html)?.[1];
    const expression = /const SOCKET_PATH\s*=\s*([^;\n]+)/.exec(html)?.[1];
    for (const [at, want] of [
      ['/wsk/', WSK_PATH],
      ['/', SOCKET_IO_PATH],
    ] as const) {
      const pageUrl = new URL(at, env.entries[0]);
      const script = src === undefined ? undefined : new URL(src, pageUrl).pathname;
      const page = at === '/' ? 'Served without the prefix, at /, the page' : 'The page';
      if (script !== `${want}socket.io.js`)
        throw new CheckFailure(
          `${page} loads its socket.io client from ${script ?? '(nowhere)'}: ${at === '/' ? 'there' : 'under the prefix'} it is ${want}socket.io.js.`,
          'a relative src, socket.io/socket.io.js, loads the client from under whatever path the page is served at',
        );
      const path = expression === undefined ? undefined : socketPathOn(expression, pageUrl.pathname);
      if (path !== want)
        throw new CheckFailure(
          `${page} connects with path ${path ?? '(unset)'}: the client must ask ${want}.`,
          "derive it from the page's own path: `${location.pathname.replace(/[^/]*$/, '')}socket.io/` gives /wsk/socket.io/ at /wsk/ and /socket.io/ at /",
        );
    }
  },
};

/** The page's SOCKET_PATH expression, evaluated as the browser would on a page at `pathname`. */
function socketPathOn(expression: string, pathname: string): string | undefined {
  try {
    const value = runInNewContext(expression, { location: { pathname } }, { timeout: 100 });
    return typeof value === 'string' ? value : `(not a string: ${String(value)})`;
  } catch (err) {
    // The check only knows `location`: anything else the expression needs is the attendee's to fix.
    return `(not computable here: ${(err as Error).message})`;
  }
}

/**
 * Step 5: the Kubernetes side too (IngressRoute + Middleware), both transports through /wsk: on kind the
 * cluster itself; elsewhere (where the step's environment is Compose) a rehearsal of the manifests.
 */
export const kubernetesPrefix: Expectation = {
  id: 'kubernetes-prefix',
  title:
    'the IngressRoute and its Middleware serve the chat under /wsk, over both transports (on kind and the API server for real, else rehearsed)',
  hint: 'match PathPrefix(`/wsk`) in the IngressRoute and reference the stripPrefix Middleware by name',
  timeoutMs: 60_000,
  async run(ctx) {
    const env =
      // Where the step already runs the manifests, that is what to ask; elsewhere the step runs Compose.
      ctx.target.runs[ctx.step.flavour] === 'kubernetes'
        ? await ctx.environment()
        : await ctx.fixture<Environment>('kubernetes-environment', async () => {
            const started = await rehearsal.start({ ...ctx.step, flavour: 'kubernetes' }, ctx.dir, {
              port: 0,
              heartbeatMs: 300,
              files: ctx.files,
            });
            ctx.defer(() => started.stop());
            ctx.track(started);
            return started;
          });
    const clients: TestClient[] = [];
    ctx.defer(() => closeAll(clients));
    for (let i = 0; i < 6; i++) {
      clients.push(
        await connectClient(env.entries[0], { transport: i % 2 ? 'polling' : 'websocket', path: WSK_PATH }),
      );
    }
    await expectFanOut(clients, 'kubernetes-prefix');
  },
};
