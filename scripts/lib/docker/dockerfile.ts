// The step-3 Dockerfile, read the way `docker build` would (dockerfile-ast parses it, dockerfile-utils
// reports what the builder would reject), then held to the workshop's practices: multi-stage, a supported
// Node LTS base (from a dated table), production dependencies only, not root, a health check, exec-form CMD.
import { existsSync, readFileSync } from 'node:fs';
import { DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import type { Finding } from '../findings.ts';

/**
 * Node's LTS lines: when each became LTS and when it ends (nodejs.org's release schedule). A line is
 * accepted from its LTS start to its end of life; odd majors never become LTS. Add the next even line
 * when it enters LTS (every October), and keep ended ones here so that the message can say when they ended.
 */
export const NODE_LTS_LINES: { major: number; lts: string; end: string }[] = [
  { major: 20, lts: '2023-10-24', end: '2026-04-30' },
  { major: 22, lts: '2024-10-29', end: '2027-04-30' },
  { major: 24, lts: '2025-10-28', end: '2028-04-30' },
  { major: 26, lts: '2026-10-28', end: '2029-04-30' },
];

/** How long before its end of life a line gets a warning: about one quarter. */
const END_WARNING_DAYS = 92;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The line the workshop's Dockerfiles use (node:24-alpine). */
const WORKSHOP_NODE_MAJOR = 24;

/** The LTS lines supported on `today`, oldest first. */
export const supportedNodeLines = (today = new Date()) =>
  NODE_LTS_LINES.filter((l) => Date.parse(l.lts) <= today.getTime() && today.getTime() < Date.parse(l.end));

export function checkDockerfile(
  file: string,
  text = existsSync(file) ? readFileSync(file, 'utf8') : undefined,
  { today = new Date() }: { today?: Date } = {},
): Finding[] {
  if (text === undefined) {
    return [
      finding(
        'dockerfile-missing',
        file,
        undefined,
        'There is no Dockerfile.',
        'create it: `npm run reset 3` restores the starter',
      ),
    ];
  }
  const findings: Finding[] = [];
  // What the builder itself would reject (unknown instruction, bad flags, …), with its own words.
  for (const d of validate(text)) {
    if (d.severity === 1)
      findings.push(
        finding(
          'dockerfile-syntax',
          file,
          d.range.start.line + 1,
          typeof d.message === 'string' ? d.message : d.message.value,
          'fix this line as the message says',
        ),
      );
  }
  const dockerfile = DockerfileParser.parse(text);
  const line = (i: Instruction | undefined) => (i ? i.getRange().start.line + 1 : undefined);
  const froms = dockerfile.getFROMs();
  if (!froms.length)
    return [
      ...findings,
      finding(
        'dockerfile-no-from',
        file,
        1,
        'The Dockerfile has no FROM.',
        'start with FROM node:24-alpine AS deps',
      ),
    ];

  const final = froms[froms.length - 1];
  for (const from of froms) {
    const image = from.getImageName() ?? '';
    const tag = from.getImageTag() ?? 'latest';
    // A stage built FROM an earlier stage inherits its base; only registry images are judged.
    if (froms.some((f) => f !== from && f.getBuildStage() === image)) continue;
    if (image !== 'node' && !image.endsWith('/node')) continue;
    const version = nodeVersionFinding(image, tag, today);
    if (version) findings.push({ ...version, file, line: line(from), object: 'Dockerfile' });
  }
  if (froms.length < 2) {
    findings.push(
      finding(
        'dockerfile-single-stage',
        file,
        line(froms[0]),
        'The Dockerfile has one stage: the image keeps everything the install needed.',
        'install with `npm ci --omit=dev` in a first stage (FROM node:24-alpine AS deps) and COPY --from=deps /app/node_modules into the runtime stage',
      ),
    );
  }

  const runs = dockerfile.getInstructions().filter((i) => i.getKeyword() === 'RUN');
  const installs = runs.filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r.getArgumentsContent() ?? ''));
  for (const install of installs) {
    const args = install.getArgumentsContent() ?? '';
    if (!/\bnpm\s+ci\b/.test(args) || !/--omit[= ]dev|--production|--only[= ]prod/.test(args)) {
      findings.push(
        finding(
          'dockerfile-npm-install',
          file,
          line(install),
          `RUN ${args.trim()} installs more than the lockfile's production dependencies.`,
          'use RUN npm ci --omit=dev (after COPY package.json package-lock.json ./)',
        ),
      );
    }
  }

  // Only the final stage runs: its USER and HEALTHCHECK are the ones that count.
  const finalInstructions = dockerfile
    .getInstructions()
    .filter((i) => i.getRange().start.line >= final.getRange().start.line);
  const users = finalInstructions.filter((i) => i.getKeyword() === 'USER');
  const user = users[users.length - 1]?.getArgumentsContent()?.trim();
  if (!user || user === 'root' || user === '0' || user.startsWith('0:')) {
    findings.push(
      finding(
        'dockerfile-root',
        file,
        line(users[users.length - 1] ?? final),
        'The container runs as root.',
        'add `USER node` (the official image has that user) before CMD',
      ),
    );
  }
  const healthchecks = finalInstructions.filter((i) => i.getKeyword() === 'HEALTHCHECK');
  const health = healthchecks[healthchecks.length - 1];
  if (!health || /\bNONE\b/i.test(health.getArgumentsContent() ?? '')) {
    findings.push(
      finding(
        'dockerfile-no-healthcheck',
        file,
        line(health ?? final),
        'The image has no HEALTHCHECK.',
        'HEALTHCHECK CMD ["node", "-e", "fetch(\'http://127.0.0.1:3000/readyz\').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]',
      ),
    );
  } else if (/\bcurl\b/.test(health.getArgumentsContent() ?? '') && !hasCurl(final, finalInstructions)) {
    // The check then always fails inside the container: Traefik's Docker provider skips unhealthy
    // containers, so the stack answers 404 although every file validates.
    findings.push(
      finding(
        'dockerfile-healthcheck-curl',
        file,
        line(health),
        `The HEALTHCHECK runs curl, which ${final.getImageName()}:${final.getImageTag() ?? 'latest'} does not have: the container never turns healthy.`,
        'use node itself: HEALTHCHECK CMD ["node", "-e", "fetch(\'http://127.0.0.1:3000/readyz\').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]',
      ),
    );
  } else if (!(health.getArgumentsContent() ?? '').includes('/readyz')) {
    // Traefik's Docker provider routes only to healthy containers: health must mean "can serve".
    findings.push(
      finding(
        'dockerfile-healthcheck-path',
        file,
        line(health),
        'The HEALTHCHECK does not ask /readyz: Traefik routes to a container only while it is healthy.',
        'point it at http://127.0.0.1:3000/readyz (answers 503 while Redis is away), not /healthz',
      ),
    );
  }
  const cmds = finalInstructions.filter((i) => i.getKeyword() === 'CMD' || i.getKeyword() === 'ENTRYPOINT');
  const cmd = cmds[cmds.length - 1];
  if (!cmd) {
    findings.push(
      finding(
        'dockerfile-no-cmd',
        file,
        line(final),
        'The runtime stage has no CMD.',
        'CMD ["node", "server.ts"]',
      ),
    );
  } else if (!(cmd.getArgumentsContent() ?? '').trim().startsWith('[')) {
    findings.push(
      finding(
        'dockerfile-shell-cmd',
        file,
        line(cmd),
        `${cmd.getKeyword()} is in shell form: sh becomes PID 1 and node never gets SIGTERM.`,
        'use the exec form: CMD ["node", "server.ts"]',
      ),
    );
  }
  return findings;
}

/**
 * Whether a node image's tag is on a supported LTS line on `today`: an error when it is not (an ended
 * line, one not LTS yet, an odd major, `latest`), a warning when its end of life is less than a quarter away.
 */
export function nodeVersionFinding(
  image: string,
  tag: string,
  today = new Date(),
): Omit<Finding, 'file' | 'line' | 'object'> | undefined {
  const supported = supportedNodeLines(today);
  const newest = supported.at(-1);
  const listed = supported.map((l) => l.major).join(', ');
  // The workshop's own image while its line is supported, else the newest LTS line.
  const pick = supported.find((l) => l.major === WORKSHOP_NODE_MAJOR) ?? newest;
  const lines = supported.map((l) => `${l.major} until ${l.end}`).join(', ');
  const use = pick
    ? `use node:${pick.major}-alpine${pick.major === WORKSHOP_NODE_MAJOR ? " (the workshop's image)" : ''}; any supported LTS line works: ${lines}`
    : 'use the newest Node LTS line (nodejs.org lists them)';
  const major = /^\d+/.test(tag) ? Number.parseInt(tag, 10) : undefined;
  const lts = NODE_LTS_LINES.find((l) => l.major === major);
  const at = today.getTime();
  const refuse = (message: string) => ({
    code: 'dockerfile-node-version',
    severity: 'error' as const,
    message,
    fix: use,
  });
  if (major === undefined)
    return refuse(
      `FROM ${image}:${tag} names no Node major version: \`${tag}\` moves to each new release, LTS or not (supported LTS lines: ${listed}).`,
    );
  if (!lts)
    return refuse(
      major % 2 === 1
        ? `FROM ${image}:${tag}: Node ${major} is an odd-numbered release, which never becomes LTS (supported LTS lines: ${listed}).`
        : `FROM ${image}:${tag}: Node ${major} is not a supported LTS line (supported: ${listed}).`,
    );
  if (at >= Date.parse(lts.end))
    return refuse(
      `FROM ${image}:${tag}: Node ${major} reached its end of life on ${lts.end} and gets no more security fixes (supported LTS lines: ${listed}).`,
    );
  if (at < Date.parse(lts.lts))
    return refuse(
      `FROM ${image}:${tag}: Node ${major} becomes LTS only on ${lts.lts}; until then it is a Current release (supported LTS lines: ${listed}).`,
    );
  const days = Math.ceil((Date.parse(lts.end) - at) / DAY_MS);
  if (days <= END_WARNING_DAYS)
    return {
      code: 'dockerfile-node-ending',
      severity: 'warning',
      message: `FROM ${image}:${tag}: Node ${major} reaches its end of life on ${lts.end}, in ${days} day${days === 1 ? '' : 's'}: after that it gets no security fixes.`,
      fix:
        newest && newest.major !== major
          ? `move to node:${newest.major}-alpine (LTS until ${newest.end})`
          : use,
    };
  return undefined;
}

function finding(
  code: string,
  file: string,
  line: number | undefined,
  message: string,
  fix: string,
): Finding {
  return { code, severity: 'error', file, line, object: 'Dockerfile', message, fix };
}

/**
 * Whether curl exists in the final stage: Node's alpine and slim images leave it out; the full Debian
 * image has it, and a RUN in the stage may install it.
 */
function hasCurl(final: From, instructions: Instruction[]): boolean {
  const installs = instructions.some(
    (i) =>
      i.getKeyword() === 'RUN' &&
      /\b(apk add|apt-get install|apt install)\b[^&;|]*\bcurl\b/.test(i.getArgumentsContent() ?? ''),
  );
  if (installs) return true;
  const tag = final.getImageTag() ?? 'latest';
  const image = final.getImageName() ?? '';
  return !(/alpine|slim|distroless/.test(tag) || /distroless|alpine/.test(image));
}
