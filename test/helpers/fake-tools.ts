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
  /** PATH with the fakes first. */
  path: string;
}

const SCRIPT = (name: string, log: string) => `#!/bin/bash
echo "${name} $*" >> "${log}"
case "${name} $*" in
  "docker --version"*) echo "Docker version 28.2.2, build fake" ;;
  "docker info"*) [ "$FAKE_DOCKER_ENGINE" = "0" ] && { echo "Cannot connect to the Docker daemon" >&2; exit 1; }; echo 28.2.2 ;;
  "docker compose version"*) echo "Docker Compose version v2.40.0" ;;
  "docker compose ps -q app"*) printf 'c1\\nc2\\nc3\\n' ;;
  "docker compose config --format json"*) echo '{"name":"wsk"}' ;;
  "docker ps --filter publish="*) printf 'wsk-traefik-1\\t\\twsk\\n' ;;
  # The images on the machine: FAKE_DOCKER_IMAGES, space-separated (none unless set).
  "docker image inspect"*) [[ " $FAKE_DOCKER_IMAGES " == *" \${@: -1} "* ]] || { echo "Error: No such image: \${@: -1}" >&2; exit 1; }; echo '[]' ;;
  "docker pull"*) [ "$FAKE_DOCKER_PULL" = "0" ] && { echo "Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host" >&2; exit 1; } ;;
  "kind get clusters"*) [ -n "$FAKE_KIND_CLUSTERS" ] && echo "$FAKE_KIND_CLUSTERS" ;;
esac
exit 0
`;

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
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
    path: `${bin}${delimiter}${process.env.PATH}`,
  };
}
