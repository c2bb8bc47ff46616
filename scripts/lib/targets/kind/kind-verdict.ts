// kind's own verdict on a kind-config.yaml: the pinned kind binary runs `kind create cluster --config`
// against a stand-in docker that answers only the questions kind asks before it creates anything (engine
// info, existing nodes, the image and network being there). kind decodes the file strictly, defaults and
// validates it, then plans the node containers (where it turns the port mappings into --publish flags); a
// config it accepts reaches `docker run`, where the stand-in stops it. No container, network or kubeconfig
// entry is ever made.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

export interface KindVerdict {
  accepted: boolean;
  /** kind's own words: its error for a rejected config, else what it printed before it would create nodes. */
  message: string;
}

// `docker info --format {{json .}}`: a rootful engine with cgroup v2, so kind neither refuses nor warns.
const ENGINE_INFO = JSON.stringify({
  CgroupVersion: '2',
  CgroupDriver: 'systemd',
  MemoryLimit: true,
  PidsLimit: true,
  CPUShares: true,
  SecurityOptions: [],
});

const STAND_IN_DOCKER = (reached: string) => `#!/bin/sh
case "$1" in
  info) printf '%s\\n' '${ENGINE_INFO}'; exit 0 ;;
  run) ;;
  *) exit 0 ;;
esac
echo "$*" > '${reached}'
echo "stand-in docker: stopping kind before it creates anything" >&2
exit 1
`;

/** Runs kind's config loading and validation on `configFile`; `cluster` is the name passed with --name. */
export async function kindVerdict(
  kind: string,
  configFile: string,
  cluster = 'wsk-validate',
): Promise<KindVerdict> {
  const dir = mkdtempSync(join(tmpdir(), 'wsk-kind-verdict-'));
  try {
    const reached = join(dir, 'reached');
    writeFileSync(join(dir, 'docker'), STAND_IN_DOCKER(reached));
    chmodSync(join(dir, 'docker'), 0o755);
    const { stderr } = await promisify(execFile)(
      kind,
      ['create', 'cluster', '--config', configFile, '--name', cluster, '--retain'],
      {
        timeout: 30_000,
        env: {
          ...process.env,
          PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`,
          KIND_EXPERIMENTAL_PROVIDER: 'docker',
          // kind edits the kubeconfig only after success, but never let it near the attendee's.
          KUBECONFIG: join(dir, 'kubeconfig'),
        },
      },
    ).catch((err: { stderr?: string; message: string }) => ({ stderr: err.stderr ?? err.message }));
    const accepted = existsSync(reached);
    const node = /--name (\S+)/.exec(accepted ? readFileSync(reached, 'utf8') : '')?.[1];
    const message = accepted
      ? `accepted: kind went on to create node ${node ?? '(unnamed)'}`
      : stderr
          .split('\n')
          .filter((l) => l.trim() && !/^(Creating cluster|using docker due to)/.test(l.trim()))
          .join('\n')
          .replace(/^ERROR: failed to create cluster: /, '');
    return { accepted, message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
