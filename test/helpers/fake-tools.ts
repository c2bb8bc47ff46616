// Fake docker, kind and kubectl for the thin layer that shells out to them: each records its argv in a
// log and answers like the real tool would on a machine with a running engine. Only this layer is faked.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tempDir } from './temp.ts';

export interface FakeTools {
  bin: string;
  log: string;
  /** The commands issued so far, one string each ("docker compose up --build …"). */
  calls(): string[];
  /** The same commands with the folder each ran in. */
  callsWithCwd(): { call: string; cwd: string }[];
  /** PATH with the fakes first. */
  path: string;
}

// Besides its own commands, the fake docker answers what the real kind binary asks of docker to load an
// archive into a cluster's nodes and to delete it (see test/kind-real-commands.test.ts); what kind pipes to
// `ctr images import` on a node is kept in ctr-import.tar next to the log.
const SCRIPT = (name: string, log: string) => `#!/bin/bash
echo "${name} $*" >> "${log}"
echo "$PWD" >> "${log}.cwd"
# FAKE_FAIL: a command containing it fails, saying FAKE_FAIL_SAYS, as the real tool would.
if [ -n "$FAKE_FAIL" ] && [[ "${name} $*" == *"$FAKE_FAIL"* ]]; then echo "error: $FAKE_FAIL_SAYS" >&2; exit 1; fi
case "${name} $*" in
  "docker --version"*|"docker -v") echo "Docker version 28.2.2, build fake" ;;
  "docker info --format {{json .DriverStatus}}") echo "\${FAKE_DOCKER_DRIVER_STATUS:-[[\\"Backing Filesystem\\",\\"extfs\\"]]}" ;;
  "docker info"*) [ "$FAKE_DOCKER_ENGINE" = "0" ] && { echo "Cannot connect to the Docker daemon" >&2; exit 1; }; echo 28.2.2 ;;
  "docker version --format"*) echo "\${FAKE_DOCKER_SERVER:-1.51 linux/amd64}" ;;
  "docker compose version"*) echo "Docker Compose version v2.40.0" ;;
  "docker compose ps -q app"*) printf 'c1\\nc2\\nc3\\n' ;;
  "docker compose config --format json"*) echo '{"name":"wsk"}' ;;
  "docker ps --filter publish="*) printf 'wsk-traefik-1\\t\\twsk\\n' ;;
  "docker save "*) prev=""; for a in "$@"; do [ "$prev" = "-o" ] && printf 'saved: %s\\n' "$*" > "$a"; prev="$a"; done ;;
  "docker ps -a --filter label=io.x-k8s.kind.cluster="*)
    for c in $FAKE_KIND_CLUSTERS; do [ "$4" = "label=io.x-k8s.kind.cluster=$c" ] && echo "$c-control-plane"; done ;;
  "docker ps -a --filter label=io.x-k8s.kind.cluster "*) [ -n "$FAKE_KIND_CLUSTERS" ] && printf '%s\\n' $FAKE_KIND_CLUSTERS ;;
  "docker inspect --format {{ index .Config.Labels \\"io.x-k8s.kind.role\\"}} "*) echo control-plane ;;
  "docker exec --privileged "*" containerd config dump") printf 'version = 3\\n[plugins]\\n  [plugins."io.containerd.cri.v1.images"]\\n    snapshotter = "overlayfs"\\n' ;;
  "docker exec --privileged -i "*" ctr "*) cat > "$(dirname "${log}")/ctr-import.tar" ;;
  # The images on the machine: FAKE_DOCKER_IMAGES, space-separated (none unless set).
  "docker image inspect"*) [[ " $FAKE_DOCKER_IMAGES " == *" \${@: -1} "* ]] || { echo "Error: No such image: \${@: -1}" >&2; exit 1; }; echo '[]' ;;
  "docker pull"*) [ "$FAKE_DOCKER_PULL" = "0" ] && { echo "Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host" >&2; exit 1; } ;;
  "kind get clusters"*) [ -n "$FAKE_KIND_CLUSTERS" ] && echo "$FAKE_KIND_CLUSTERS" ;;
  # kind names a cluster's node NAME-control-plane; $2 is the context, kind-NAME.
  "kubectl --context "*" get pod "*" jsonpath="*) echo "\${2#kind-}-control-plane containerd://0123abcd" ;;
esac
exit 0
`;

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];

export function fakeTools(names = ['docker', 'kind', 'kubectl']): FakeTools {
  const bin = tempDir('wsk-fakes-');
  const log = join(bin, 'calls.log');
  for (const name of names) {
    writeFileSync(join(bin, name), SCRIPT(name, log));
    chmodSync(join(bin, name), 0o755);
  }
  return {
    bin,
    log,
    calls: () => lines(log),
    callsWithCwd: () => {
      const cwds = lines(`${log}.cwd`);
      return lines(log).map((call, i) => ({ call, cwd: cwds[i] }));
    },
    path: `${bin}${delimiter}${process.env.PATH}`,
  };
}
