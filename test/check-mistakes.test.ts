// Realistic mistakes, one table for every step: each is made on a copy of the solution and must fail on
// the expectation named (and no earlier one), with a message and a hint that match the mistake. Hints are
// asserted too: a hint that blames the wrong cause is as bad as no check. The untouched starters are
// held to their own expectation in steps.test.ts; together they cover every expectation.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runStep } from '../scripts/lib/checks/runner.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startRedisServer } from '../scripts/lib/redis.ts';
import { findStep, STEPS, solutionDir } from '../scripts/lib/steps.ts';
import { renderResults } from '../scripts/lib/ui/results.ts';
import { ROOT, removeTempHomes, tempHome } from './helpers/cli.ts';

afterAll(removeTempHomes);

interface Mistake {
  step: number;
  what: string;
  file: string;
  /** The solution's text, and what the mistake puts there instead. */
  from: string | RegExp;
  to: string;
  /** The expectation that must fail. Several only where the machine decides (see the row). */
  expectation: string | string[];
  message: RegExp;
  hint: RegExp;
}

/** The adapter's publish left unguarded: the Redis outage's in-flight publishes end the instance. */
const unguardedPublish = (step: number, instance: string): Mistake => ({
  step,
  what: 'no guard around the adapter’s publish: the outage’s in-flight publishes reject unhandled',
  file: 'server.ts',
  from: /const publish = pub\.publish\.bind\(pub\);\nObject\.assign\(pub, \{[\s\S]*?\n\}\);\n/,
  to: '',
  expectation: 'redis-outage',
  message: new RegExp(
    `^${instance}-\\d crashed when Redis went away: The server crashed: \\w*Error: (read ECONNRESET|Socket closed)`,
  ),
  hint: /wrap pub\.publish so that its rejection is caught and logged/,
});

const MISTAKES: Mistake[] = [
  // Step 1: one server.
  {
    step: 1,
    what: 'a syntax error',
    file: 'server.ts',
    from: 'const MAX_TEXT = 1000;',
    to: 'const MAX_TEXT = ;',
    expectation: 'starts',
    message: /^Syntax error in .*server\.ts:\d+:\d+: Expression expected/,
    hint: /fix the line named/,
  },
  {
    step: 1,
    what: 'an ack without the instance',
    file: 'server.ts',
    from: 'answer({ ok: true, instance: INSTANCE });',
    to: 'answer({ ok: true });',
    expectation: 'chat-ack',
    message: /^The ack of a valid chat was \{"ok":true\}, expected \{ ok: true, instance: 'instance-1' \}/,
    hint: /ack\(\{ ok: true, instance: INSTANCE \}\)/,
  },
  {
    step: 1,
    what: 'an ack called without checking that the client sent one (ack is not a function)',
    file: 'server.ts',
    from: "const answer = typeof ack === 'function' ? ack : () => {};",
    to: 'const answer = ack as (reply: unknown) => void;',
    expectation: 'chat-ack',
    // A throw in an event handler is uncaught: the process dies, as in the container; whether the check sees
    // it dead or still printing its error, the message names the error and the line.
    message:
      /instance-1 (crashed at .*server\.ts:\d+: TypeError: answer is not a function|logged: TypeError: answer is not a function \(at .*server\.ts:\d+\))/,
    hint: /without an ack.*typeof answer === 'function'/,
  },
  {
    step: 1,
    what: 'socket.broadcast instead of io.emit',
    file: 'server.ts',
    from: "io.emit('chat',",
    to: "socket.broadcast.emit('chat',",
    expectation: 'chat-broadcast',
    message: /^the polling client waiting for the chat: no 'chat' event within 3000 ms/,
    hint: /io\.emit\('chat'.*socket\.broadcast skips the sender/,
  },
  {
    step: 1,
    what: 'no validation',
    file: 'server.ts',
    from: 'const error = invalid(payload);',
    to: 'const error = undefined as string | undefined;',
    expectation: 'chat-validation',
    message: /^A chat with a string instead of an object was acked \{"ok":true/,
    hint: /validate before broadcasting/,
  },
  {
    step: 1,
    what: 'HEARTBEAT_MS ignored',
    file: 'server.ts',
    from: 'const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 5000);',
    to: 'const HEARTBEAT_MS = 5000;',
    expectation: 'heartbeat',
    message: /^with HEARTBEAT_MS=300: no 'heartbeat' event within 4000 ms/,
    hint: /setInterval\(.*HEARTBEAT_MS\)/,
  },
  {
    step: 1,
    what: 'a one-shot setTimeout heartbeat: it beats once',
    file: 'server.ts',
    from: 'const heartbeat = setInterval(',
    to: 'const heartbeat = setTimeout(',
    expectation: 'heartbeat',
    message:
      /^with HEARTBEAT_MS=300: (no 'heartbeat' event|the heartbeat fired once) .*server\.ts:\d+ starts the heartbeat with setTimeout, which fires once/,
    hint: /setInterval\(/,
  },
  {
    step: 1,
    what: '/readyz never ready',
    file: 'server.ts',
    from: "return reply(res, 200, 'ready');",
    to: "return reply(res, 503, 'not ready');",
    expectation: 'readyz',
    message: /readyz answered 503 while everything is up/,
    hint: /answer 200 on \/readyz when ready/,
  },
  {
    step: 1,
    what: 'no SIGTERM handler',
    file: 'server.ts',
    from: "process.once('SIGTERM',",
    to: "process.once('SIGUSR2',",
    expectation: 'sigterm',
    message: /^After SIGTERM the server exited with SIGTERM, not 0/,
    hint: /process\.once\('SIGTERM'/,
  },
  {
    step: 1,
    what: 'the heartbeat timer not kept where the SIGTERM handler clears it',
    file: 'server.ts',
    from: 'const heartbeat = setInterval(',
    to: 'const heartbeat: NodeJS.Timeout | undefined = undefined;\nsetInterval(',
    expectation: 'sigterm',
    message:
      /^server\.ts:\d+: the setInterval timer is not kept in `heartbeat`, which the SIGTERM handler clears/,
    hint: /^const heartbeat = setInterval\(/,
  },
  {
    step: 1,
    what: "a 'welcome' that is a string",
    file: 'server.ts',
    from: "socket.emit('welcome', { instance: INSTANCE, id: socket.id });",
    to: "socket.emit('welcome', `welcome to ${INSTANCE}`);",
    expectation: 'welcome',
    message: /^'welcome' over polling is "welcome to [\w-]+", not an object/,
    hint: /socket\.emit\('welcome', \{ instance: INSTANCE, id: socket\.id \}\)/,
  },
  {
    step: 1,
    what: "the chat handler under another event name: no ack and no broadcast, not 'a missing ack'",
    file: 'server.ts',
    from: "socket.on('chat',",
    to: "socket.on('message',",
    expectation: 'chat-ack',
    message: /^Nothing answered a 'chat' within 3 s: no ack, and no broadcast came back either/,
    hint: /socket\.on\('chat', \(payload, ack\) => …\)/,
  },
  // Step 2: three instances and Redis.
  {
    step: 2,
    what: "the same client twice in createAdapter(pub, pub), on redis 5's default RESP 2",
    file: 'server.ts',
    // With RESP 3 one connection may subscribe and publish; with RESP 2 a subscribed one can't publish.
    from: /, RESP: 3 \}\);([\s\S]*)io\.adapter\(createAdapter\(pub, sub\)\);/,
    to: ' });$1io.adapter(createAdapter(pub, pub));',
    expectation: 'cross-instance',
    // The adapter is there, its publish fails: the headline must not say it is missing.
    message:
      /^A chat sent .*: the broadcast did not cross between instances\.[^\n]*when it is installed and its publish reaches Redis\.\ninstance-1 logged: .*ERR Can't execute 'publish'/,
    hint: /subscribed Redis connection can't publish: .*createAdapter\(pub, sub\)/,
  },
  {
    step: 2,
    what: 'the old { host, port } options, which reach 127.0.0.1:6379 instead of the step’s Redis',
    file: 'server.ts',
    from: 'const pub = createClient({ url: REDIS_URL, RESP: 3 });',
    to: "const pub = createClient({ host: '127.0.0.1', port: 6379 } as never);",
    // readyz where nothing listens on 6379; cross-instance where a machine's own Redis answers there.
    expectation: ['readyz', 'cross-instance'],
    message:
      /^The step's Redis \(REDIS_URL=redis:\/\/127\.0\.0\.1:\d+\) has 0 client connection\(s\) for 3 instances/,
    hint: /createClient\(\{ url: process\.env\.REDIS_URL \}\).*ignores the old \{ host, port \}/,
  },
  {
    step: 2,
    what: '/readyz ignoring Redis',
    file: 'server.ts',
    from: 'const redisReady = () => pub.isReady && sub.isReady;',
    to: 'const redisReady = () => true;',
    expectation: 'redis-outage',
    message: /readyz still answered 200 five seconds after Redis stopped/,
    hint: /isReady/,
  },
  {
    step: 2,
    what: 'an error listener that exits ("let something restart me"): nothing does',
    file: 'server.ts',
    from: "  client.on('error', (err: Error) => console.error(`[${INSTANCE}] redis ${name}: ${err.message}`));\n",
    to: "  client.on('error', () => process.exit(1));\n",
    expectation: 'redis-outage',
    message: /^instance-\d exited when Redis went away, without printing an error/,
    hint: /log the error, don't exit/,
  },
  unguardedPublish(2, 'instance'),
  {
    step: 2,
    what: 'only the publisher connected: /readyz stays 503, and the count of Redis clients says why',
    file: 'server.ts',
    from: 'Promise.all([pub.connect(), sub.connect()])',
    to: 'Promise.all([pub.connect()])',
    expectation: 'readyz',
    message:
      /answered 503, and the step's Redis has 3 client connection\(s\) for 3 instances, where each instance's publisher and subscriber make 2/,
    hint: /Promise\.all\(\[pub\.connect\(\), sub\.connect\(\)\]\)/,
  },
  // Step 3: Compose and Traefik labels.
  {
    step: 3,
    what: 'socket.broadcast.emit behind the router: the sender misses its own chat, and the adapter is not to blame',
    file: 'server.ts',
    from: "io.emit('chat',",
    to: "socket.broadcast.emit('chat',",
    expectation: 'sticky-long-polling',
    message: /^A chat sent through app-\d did not reach clients on .*not even those on app-\d itself/,
    hint: /io\.emit\('chat', …\)/,
  },
  {
    step: 3,
    what: 'a shell-form CMD',
    file: 'Dockerfile',
    from: 'CMD ["node", "server.ts"]',
    to: 'CMD node server.ts',
    expectation: 'dockerfile',
    message: /Dockerfile:\d+ \(Dockerfile\): CMD is in shell form/,
    hint: /CMD \["node", "server\.ts"\]/,
  },
  {
    step: 3,
    what: 'a HEALTHCHECK with curl, which node:24-alpine lacks',
    file: 'Dockerfile',
    from: /CMD \["node", "-e", "fetch[^\n]*/,
    to: 'CMD curl -f http://127.0.0.1:3000/healthz || exit 1',
    expectation: 'dockerfile',
    message: /Dockerfile:\d+ .*The HEALTHCHECK runs curl, which node:24-alpine does not have/,
    hint: /fetch\('http:\/\/127\.0\.0\.1:3000\/readyz'\)/,
  },
  {
    step: 3,
    what: 'a misspelt label',
    file: 'compose.yaml',
    from: 'routers.app.entrypoints=web',
    to: 'routers.app.entrypoint=web',
    expectation: 'compose',
    message: /compose\.yaml:\d+ .*traefik\.http\.routers\.app\.entrypoint/,
    hint: /traefik\.http\.routers\.app\.entrypoints/,
  },
  {
    step: 3,
    what: 'a server.port the app does not listen on',
    file: 'compose.yaml',
    from: 'loadbalancer.server.port=3000',
    to: 'loadbalancer.server.port=8080',
    expectation: 'compose',
    message:
      /compose\.yaml:\d+ \(service app\): Traefik would send requests to port 8080, but the app listens on 3000/,
    hint: /loadbalancer\.server\.port=3000/,
  },
  {
    step: 3,
    what: 'a rule that misses the page',
    file: 'compose.yaml',
    from: 'rule=PathPrefix(`/`)',
    to: 'rule=PathPrefix(`/socket.io`)',
    expectation: 'page-through-router',
    message: /^GET \/ through the router answered 404, not 200/,
    hint: /the router rule must match \//,
  },
  {
    step: 3,
    what: 'no sticky cookie',
    file: 'compose.yaml',
    from: /^\s+- traefik\.http\.services\.app\.loadbalancer\.sticky.*$/gm,
    to: '',
    expectation: 'sticky-long-polling',
    message: /Session ID unknown[\s\S]*not sticky/,
    hint: /traefik\.http\.services\.app\.loadbalancer\.sticky\.cookie\.name=wsk_sticky/,
  },
  {
    step: 3,
    what: 'a server without WebSocket',
    file: 'server.ts',
    from: 'maxHttpBufferSize: 16 * 1024 }',
    to: "maxHttpBufferSize: 16 * 1024, transports: ['polling'] }",
    expectation: 'websocket-through-router',
    message:
      /^Could not connect over websocket to http:\/\/127\.0\.0\.1:\d+\/socket\.io\/: websocket error\. A WebSocket straight to app-1 fails too/,
    // The app is at fault, not the router: the hint says so.
    hint: /drop `transports: \['polling'\]`/,
  },
  // Step 4: kind, the manifests, Traefik's CRDs.
  {
    step: 4,
    what: "host port 80 sent to the dashboard's NodePort (and 8080 to the web one)",
    file: 'kind-config.yaml',
    from: /containerPort: 30080([\s\S]*)containerPort: 30808/,
    to: 'containerPort: 30808$1containerPort: 30080',
    expectation: 'kind-config',
    message:
      /host port 80 goes to node port 30808, which leads to Traefik's `traefik` entry point, not to `web` where your IngressRoute is served/,
    hint: /containerPort: 30080/,
  },
  {
    step: 4,
    what: 'no port mapping in kind-config.yaml',
    file: 'kind-config.yaml',
    from: / {4}extraPortMappings:[\s\S]*$/,
    to: '',
    expectation: 'kind-config',
    message: /kind-config\.yaml.*port 80/,
    hint: /extraPortMappings/,
  },
  {
    step: 4,
    what: 'the blog’s endpoints rule instead of endpointslices',
    file: 'k8s/traefik-rbac.yaml',
    from: /apiGroups: \[discovery\.k8s\.io\]([\s\S]*?)resources: \[endpointslices\]/,
    to: 'apiGroups: [""]$1resources: [endpoints]',
    expectation: 'manifests',
    message: /traefik-rbac\.yaml:\d+ \(ClusterRole\/traefik\).*endpointslices/,
    hint: /endpointslices/,
  },
  {
    step: 4,
    what: 'a sticky cookie that expires at once',
    file: 'k8s/ingressroute.yaml',
    from: '              sameSite: lax',
    to: '              sameSite: lax\n              maxAge: -1',
    expectation: 'sticky-long-polling',
    message: /HTTP 400 \{"code":1,"message":"Session ID unknown"\}[\s\S]*the router is not sticky/,
    hint: /add sticky\.cookie \(name: wsk_sticky/,
  },
  {
    step: 4,
    what: 'the blog’s Host route left out',
    file: 'k8s/ingressroute.yaml',
    from: /\n {4}# The blog's rule[\s\S]*$/,
    to: '\n',
    expectation: 'host-route',
    message:
      /^Traefik has no router for Host\(`chat\.localhost`\)\. Its routers' rules: PathPrefix\(`\/`\)\.$/,
    hint: /TODO 4: a second route/,
  },
  {
    step: 4,
    what: 'a priority on the path route that shadows the Host route',
    file: 'k8s/ingressroute.yaml',
    from: '    - match: PathPrefix(`/`)\n      kind: Rule\n',
    to: '    - match: PathPrefix(`/`)\n      kind: Rule\n      priority: 100\n',
    expectation: 'host-route',
    message: /has priority 100, the Host route \d+: every request for chat\.localhost goes to/,
    hint: /drop the explicit priority/,
  },
  // Step 5: a path prefix.
  {
    step: 5,
    what: 'the page still on /socket.io/',
    file: 'public/index.html',
    from: "const SOCKET_PATH = `${location.pathname.replace(/[^/]*$/, '')}socket.io/`;",
    to: "const SOCKET_PATH = '/socket.io/';",
    expectation: 'wsk-prefix',
    message: /must ask \/wsk\/socket\.io\//,
    hint: /\/wsk\/socket\.io\//,
  },
  {
    step: 5,
    what: 'the page hard-coded to /wsk/socket.io/: right under the prefix, wrong without it',
    file: 'public/index.html',
    from: "const SOCKET_PATH = `${location.pathname.replace(/[^/]*$/, '')}socket.io/`;",
    to: "const SOCKET_PATH = '/wsk/socket.io/';",
    expectation: 'wsk-prefix',
    message:
      /^Served without the prefix, at \/, the page connects with path \/wsk\/socket\.io\/: the client must ask \/socket\.io\//,
    hint: /location\.pathname/,
  },
  {
    step: 5,
    what: 'a Traefik v1 label and the singular stripprefix.prefix: both shown, not "(and 1 more)"',
    file: 'compose.yaml',
    from: /(\s+)- traefik\.http\.middlewares\.wsk-strip\.stripprefix\.prefixes=\/wsk/,
    to: '$1- traefik.frontend.rule=PathPrefix:/wsk$1- traefik.http.middlewares.wsk-strip.stripprefix.prefix=/wsk',
    expectation: 'compose',
    // Three lines, one per error: the missing middleware, and the two labels that explain it.
    message:
      /^[^\n]*compose\.yaml:\d+ \(service app\): Router app uses middleware 'wsk-strip', which no label defines\.\n[^\n]*`traefik\.frontend\.rule` is not a Traefik label[^\n]*\n[^\n]*`traefik\.http\.middlewares\.wsk-strip\.stripprefix\.prefix` is not a Traefik label[^\n]*$/,
    hint: /traefik\.http\.middlewares\.wsk-strip\.stripprefix\.prefixes=\/wsk/,
  },
  {
    step: 5,
    what: 'the Kubernetes middleware’s @kubernetescrd suffix in Compose (passes statically, then 404s)',
    file: 'compose.yaml',
    from: 'middlewares=wsk-strip@docker',
    to: 'middlewares=wsk-strip@kubernetescrd',
    expectation: 'compose',
    message: /middleware 'wsk-strip@kubernetescrd' from the kubernetescrd provider.*404/,
    hint: /wsk-strip@docker/,
  },
  {
    step: 5,
    what: 'the Middleware named with its namespace (`wsk-wsk-strip@kubernetescrd`): Traefik refuses it without allowCrossNamespace',
    file: 'k8s/ingressroute.yaml',
    from: '        - name: wsk-strip\n',
    to: '        - name: wsk-wsk-strip@kubernetescrd\n',
    expectation: 'manifests',
    message: /ingressroute\.yaml:13 \(IngressRoute\/app\): .*@kubernetescrd references are disallowed/,
    hint: /^Write `name: wsk-strip`/,
  },
  {
    step: 5,
    what: 'a Middleware that strips /ws, not /wsk: valid everywhere, wrong at run time',
    file: 'k8s/middleware.yaml',
    from: '      - /wsk',
    to: '      - /ws',
    expectation: 'kubernetes-prefix',
    message: /^Could not connect over websocket to http:\/\/127\.0\.0\.1:\d+\/wsk\/socket\.io\//,
    hint: /reference the stripPrefix Middleware by name/,
  },
  {
    step: 5,
    what: 'the Middleware defined but not listed on the routes',
    file: 'k8s/ingressroute.yaml',
    from: / {6}middlewares:\n {8}- name: wsk-strip\n/g,
    to: '',
    expectation: 'manifests',
    message:
      /k8s\/middleware\.yaml:\d+ \(Middleware\/wsk-strip\): The StripPrefix middleware wsk-strip is defined, but no router uses it/,
    hint: /middlewares: \[\{ name: wsk-strip \}\]/,
  },
  {
    step: 5,
    what: 'the strip middleware labelled but not attached to the router',
    file: 'compose.yaml',
    from: '      - traefik.http.routers.app.middlewares=wsk-strip@docker\n',
    to: '',
    expectation: 'compose',
    message: /The StripPrefix middleware wsk-strip is defined, but no router uses it/,
    hint: /traefik\.http\.routers\.app\.middlewares=wsk-strip@docker/,
  },
  {
    step: 3,
    what: 'dashboard.yaml left as the starter has it',
    file: 'dashboard.yaml',
    from: /rule: .*\n(.*\n)*.*stickyCookie: .*/,
    to: 'rule:\n  priority:\nservice:\n  servers:\n  stickyCookie:',
    expectation: 'dashboard',
    message:
      /^dashboard\.yaml: router\.rule, router\.priority, service\.servers, service\.stickyCookie are still blank/,
    hint: /open the dashboard URL it prints/,
  },
  {
    step: 3,
    what: 'a priority guessed, not read off the dashboard',
    file: 'dashboard.yaml',
    from: 'priority: 15',
    to: 'priority: 1',
    expectation: 'dashboard',
    message: /router\.priority is 1, Traefik's is 15 \(you set none: Traefik takes the length of the rule\)/,
    hint: /read them off the dashboard/,
  },
  {
    step: 4,
    what: 'the servers counted as one Service, not its pods',
    file: 'dashboard.yaml',
    from: 'servers: 3',
    to: 'servers: 1',
    expectation: 'dashboard',
    message: /service\.servers is 1, Traefik balances over 3/,
    hint: /read them off the dashboard/,
  },
  // Step 6: load and failure.
  {
    step: 6,
    what: 'io.disconnectSockets(true) on SIGTERM: the clients it kicks never reconnect',
    file: 'server.ts',
    from: '  await Promise.race([io.close(), sleep(1_000)]);',
    to: '  io.disconnectSockets(true);\n  await Promise.race([io.close(), sleep(1_000)]);',
    expectation: 'drill-sigterm-instance',
    message: /of the disconnects were the server's own \(reason 'io server disconnect'\)/,
    hint: /don't call socket\.disconnect\(\) or io\.disconnectSockets\(true\) \(on SIGTERM, io\.close\(\)/,
  },
  unguardedPublish(6, 'app'),
  {
    step: 6,
    what: 'no SIGTERM handler: the drill sees the instance die instead of draining',
    file: 'server.ts',
    from: "process.once('SIGTERM',",
    to: "process.once('SIGUSR2',",
    expectation: 'drill-sigterm-instance',
    message: /ended with SIGTERM, not exit code 0/,
    hint: /process\.once\('SIGTERM'/,
  },
  {
    step: 6,
    what: 'instances that cap their connections, so the last one cannot take the others’ clients',
    file: 'server.ts',
    from: "io.on('connection', (socket) => {",
    to: "io.on('connection', (socket) => {\n  if (io.engine.clientsCount > 10) return void socket.disconnect(true);",
    expectation: 'drill-sigkill-instance',
    // Through Traefik the refusals surface either as clients that never come back or as a refused connection.
    message:
      /^SIGKILL to app-\d\. Of 12 clients, not all were connected again|^Could not connect over websocket/,
    // The capped clients are disconnected by the server (its own reason), or refused outright.
    hint: /reconnect through the router|does not reconnect after the server disconnects it/,
  },
  // Step 7: exactly once.
  {
    step: 7,
    what: 'no de-duplication: a chat sent again with the same id is broadcast again',
    file: 'server.ts',
    from: '    if (id !== undefined && !(await firstTime(id)))',
    to: '    if (false)',
    expectation: 'chat-dedup',
    message:
      /^One chat sent three times with the same id \(through app-\d and app-\d\) was broadcast 3 times\.$/,
    hint: /SET wsk:chat:<id> with \{ condition: 'NX'/,
  },
  {
    step: 7,
    what: 'io.disconnectSockets(true) on SIGTERM: the rolling restart leaves the clients it kicks behind',
    file: 'server.ts',
    from: '  await Promise.race([io.close(), sleep(1_000)]);',
    to: '  io.disconnectSockets(true);\n  await Promise.race([io.close(), sleep(1_000)]);',
    expectation: 'drill-rolling-restart',
    message: /of the disconnects were the server's own \(reason 'io server disconnect'\)/,
    hint: /don't call socket\.disconnect\(\) or io\.disconnectSockets\(true\)/,
  },
];

/** A copy of the step's solution with the mistake made (the text must be there to change). */
function solutionWith(mistake: Mistake): string {
  const dir = join(mkdtempSync(join(tempHome(), 'mistake-')), 'dir');
  cpSync(solutionDir(findStep(mistake.step)), dir, { recursive: true });
  const path = join(dir, mistake.file);
  const original = readFileSync(path, 'utf8');
  const changed = original.replace(mistake.from, mistake.to);
  expect(changed, `the solution's ${mistake.file} must contain ${mistake.from}`).not.toBe(original);
  writeFileSync(path, changed);
  return dir;
}

it('every expectation is covered by a starter or a mistake here', () => {
  const covered = new Set([...STEPS.map((s) => s.starterFailsAt), ...MISTAKES.flatMap((m) => m.expectation)]);
  // An expectation shared by several steps is the same code: one step's proof covers it.
  const missing = STEPS.flatMap((s) => s.expectations.map((e) => e.id)).filter((id) => !covered.has(id));
  expect(missing).toEqual([]);
});

it.each(MISTAKES.map((m) => [`step ${m.step}: ${m.what}`, m] as const))(
  '%s',
  async (_, mistake) => {
    const result = await runStep(findStep(mistake.step), solutionWith(mistake));
    const { failure } = result;
    const expected = [mistake.expectation].flat();
    expect(expected, `${failure?.id}: ${failure?.message}`).toContain(failure?.id);
    expect(failure?.message).toMatch(mistake.message);
    expect(failure?.hint).toMatch(mistake.hint);
  },
  120_000,
);

it('warnings are shown when the step passes, in the table and in the results --json prints', async () => {
  const dir = solutionWith({
    step: 3,
    what: 'an obsolete version: key',
    file: 'compose.yaml',
    from: /^name: wsk$/m,
    to: 'version: "3.8"\nname: wsk',
    expectation: 'compose',
    message: /./,
    hint: /./,
  });
  const result = await runStep(findStep(3), dir);
  expect(result.ok, result.failure?.message).toBe(true);
  const compose = result.expectations.find((e) => e.id === 'compose');
  expect(compose?.findings?.map((f) => [f.severity, f.code])).toEqual([['warning', 'compose-version-key']]);
  const table = renderResults([result], { color: false });
  expect(table).toMatch(
    /Step 3 passes, with warnings: compose\.yaml[^\n]*\n {2}! warning [^\n]*compose\.yaml:3: The top-level `version` key is obsolete/,
  );
  // --json prints the results as they are: the finding is in them.
  expect(
    JSON.parse(JSON.stringify(result)).expectations.find((e: { id: string }) => e.id === 'compose')
      .findings[0].fix,
  ).toBeTruthy();
}, 120_000);

it('a failure lists every finding, errors before warnings, each with its fix', () => {
  const text = renderResults(
    [
      {
        step: 3,
        slug: 'compose-traefik',
        title: 'Docker Compose behind Traefik',
        ok: false,
        ms: 10,
        expectations: [],
        failure: {
          id: 'compose',
          title: 'compose.yaml follows the Compose spec',
          status: 'fail',
          ms: 10,
          message: 'two errors',
          hint: 'first fix',
          findings: [
            { code: 'w', severity: 'warning', file: 'compose.yaml', line: 1, message: 'W1', fix: 'fw' },
            { code: 'a', severity: 'error', file: 'compose.yaml', line: 7, message: 'E1', fix: 'f1' },
            { code: 'b', severity: 'error', file: 'compose.yaml', line: 9, message: 'E2', fix: 'f2' },
          ],
        },
      },
    ],
    { color: false },
  );
  expect(text).toContain(
    [
      '  ✖ error compose.yaml:7: E1',
      '      fix: f1',
      '  ✖ error compose.yaml:9: E2',
      '      fix: f2',
      '  ! warning compose.yaml:1: W1',
      '      fix: fw',
    ].join('\n'),
  );
  expect(text).not.toMatch(/and \d+ more/);
});

it('the top-level kind-config.yaml is the step-4 solution’s', () => {
  expect(readFileSync(join(ROOT, 'kind-config.yaml'), 'utf8')).toBe(
    readFileSync(join(solutionDir(findStep(4)), 'kind-config.yaml'), 'utf8'),
  );
});

it('step 2 with the clients on another Redis than the step’s: sharing works, and the check still fails', async () => {
  // What a Redis on the machine's 6379 does to the old { host, port } options: broadcasts cross
  // instances, so only asking the step's own Redis shows the mistake.
  const other = await startRedisServer(await freePort());
  try {
    const dir = solutionWith({
      step: 2,
      what: 'a hard-coded Redis URL',
      file: 'server.ts',
      from: 'const pub = createClient({ url: REDIS_URL, RESP: 3 });',
      to: `const pub = createClient({ url: '${other.url}' });`,
      expectation: 'cross-instance',
      message: /./,
      hint: /./,
    });
    const { failure } = await runStep(findStep(2), dir);
    expect(failure?.id, failure?.message).toBe('cross-instance');
    expect(failure?.message).toMatch(
      /^The step's Redis \(REDIS_URL=redis:\/\/127\.0\.0\.1:\d+\) has 0 client connection\(s\) for 3 instances/,
    );
    expect(failure?.hint).toMatch(/createClient\(\{ url: process\.env\.REDIS_URL \}\)/);
  } finally {
    await other.stop();
  }
}, 120_000);
