# shellcheck shell=bash
# The real Docker tier for CI, sourced by .ci/run after `npm install` (it needs node_modules for the image
# script) and before `npm test`: Debian's docker.io engine, the Compose CLI plugin and kind built from
# the Go module proxy, and local stand-ins for the registry images (this machine has no container registry).
# Built tools are cached under $WSK_CACHE/<tool>-<version>/ so that CI on the same machine reuses them.
# A dockerd started here is stopped on exit, also on failure; one that was already running is left alone.
#
# Also runnable on its own to prepare a shell: `source .ci/docker-tier.sh` (then `wsk_docker_tier_stop`).

WSK_CACHE=${WSK_CACHE:-/var/cache/wsk}
source "$(dirname "${BASH_SOURCE[0]}")/pins.sh"
# Compose v5.6.0: the newest whose go.mod accepts Go 1.26.8 (v5.7 wants 1.26.10); its moby client talks to
# engines down to API 1.40, and Debian's 20.10 engine speaks 1.41.
WSK_COMPOSE_VERSION=$(wsk_pin compose)
WSK_DOCKERD_LOG=${WSK_DOCKERD_LOG:-/var/log/wsk-dockerd.log}
WSK_GO=${WSK_GO:-/usr/local/go/bin/go}
WSK_DOCKERD_PID=

wsk_tier_log() { printf '[docker-tier %s] %s\n' "$(date +%T)" "$*"; }

wsk_docker_tier_stop() {
  [[ -n ${WSK_DOCKERD_PID} ]] || return 0
  wsk_tier_log "stopping dockerd (pid ${WSK_DOCKERD_PID})"
  kill -TERM "${WSK_DOCKERD_PID}" 2>/dev/null || true
  # dockerd stops its containers first (10 s grace each, in parallel): wait for it, bounded.
  for _ in $(seq 1 60); do kill -0 "${WSK_DOCKERD_PID}" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "${WSK_DOCKERD_PID}" 2>/dev/null || true
  WSK_DOCKERD_PID=
}

wsk_install_engine() {
  if [[ ! -x /usr/sbin/dockerd || ! -x /usr/bin/docker ]]; then
    wsk_tier_log "installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io
  fi
  # The engine's own client, first on PATH: /usr/local/bin may hold a newer, unrelated docker CLI, and the
  # commands, the Compose plugin lookup and the tests must all speak through one client.
  mkdir -p "${WSK_CACHE}/bin"
  ln -sfn /usr/bin/docker "${WSK_CACHE}/bin/docker"
  export PATH="${WSK_CACHE}/bin:${PATH}"
}

# Some VMs (this one) withhold CAP_SYS_RESOURCE (bit 24 of the capability bounding set): runc then fails every
# privileged container, kind's nodes included. There dockerd runs containers through a runc wrapper that
# drops that capability from the spec (.ci/runc-no-sys-resource, copied into the cache so the engine does
# not depend on this checkout). Prints dockerd's extra arguments, none where the capability is present.
WSK_RUNC_WRAPPER_NAME=wsk-runc
wsk_runtime_args() {
  local bounding
  bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
  (( (16#${bounding} >> 24) & 1 )) && return 0
  local wrapper="${WSK_CACHE}/bin/runc-no-sys-resource"
  install -D -m 0755 "$(dirname "${BASH_SOURCE[0]}")/runc-no-sys-resource" "${wrapper}" || return 1
  echo "--add-runtime ${WSK_RUNC_WRAPPER_NAME}=${wrapper} --default-runtime ${WSK_RUNC_WRAPPER_NAME}"
}

wsk_start_engine() {
  local runtime_args
  runtime_args=$(wsk_runtime_args)
  if docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; then
    wsk_tier_log "a Docker engine already answers: using it, leaving it running"
    # One dockerd at a time: a running engine is never replaced, but one without the wrapper this machine
    # needs will fail to start kind's nodes, so say so.
    if [[ -n ${runtime_args} && "$(docker info --format '{{.DefaultRuntime}}')" != "${WSK_RUNC_WRAPPER_NAME}" ]]; then
      wsk_tier_log "warning: this machine lacks CAP_SYS_RESOURCE and that engine's default runtime is not" \
        "${WSK_RUNC_WRAPPER_NAME}: privileged containers (kind's nodes) will fail; stop it and run this again"
    fi
    return 0
  fi
  wsk_tier_log "starting dockerd ${runtime_args} (log: ${WSK_DOCKERD_LOG})"
  # shellcheck disable=SC2086 # runtime_args is a list of arguments
  /usr/sbin/dockerd --host unix:///var/run/docker.sock ${runtime_args} >>"${WSK_DOCKERD_LOG}" 2>&1 &
  WSK_DOCKERD_PID=$!
  trap wsk_docker_tier_stop EXIT
  for _ in $(seq 1 120); do
    docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 && return 0
    kill -0 "${WSK_DOCKERD_PID}" 2>/dev/null || break
    sleep 0.5
  done
  wsk_tier_log "dockerd did not answer within 60 s; the end of ${WSK_DOCKERD_LOG}:"
  tail -n 20 "${WSK_DOCKERD_LOG}" >&2
  return 1
}

# Builds a Go main package from its module's own tree, so that the module's go.mod (its exclude
# directives, which `go install pkg@version` refuses) is the main module, exactly as upstream builds it.
wsk_go_build() { # module version package output [ldflags]
  local dir
  dir=$("${WSK_GO}" mod download -json "$1@$2" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  (cd "${dir}" && CGO_ENABLED=0 nice -n 15 "${WSK_GO}" build -trimpath -ldflags "-w ${5:-}" -o "$4.tmp" "$3")
  mv "$4.tmp" "$4"
}

wsk_install_compose() {
  local out="${WSK_CACHE}/compose-${WSK_COMPOSE_VERSION}/docker-compose"
  if [[ ! -x ${out} ]]; then
    wsk_tier_log "building Docker Compose ${WSK_COMPOSE_VERSION} from the Go module proxy"
    mkdir -p "$(dirname "${out}")"
    wsk_go_build github.com/docker/compose/v5 "${WSK_COMPOSE_VERSION}" ./cmd "${out}" \
      "-X github.com/docker/compose/v5/internal.Version=${WSK_COMPOSE_VERSION}"
  fi
  # A system-wide plugin directory: tests run with their own HOME, where ~/.docker/cli-plugins is not.
  mkdir -p /usr/local/lib/docker/cli-plugins
  ln -sfn "${out}" /usr/local/lib/docker/cli-plugins/docker-compose
  docker compose version
}

# kind is built by .ci/kube-tools.sh, like the other Kubernetes tools: one build, one place.
wsk_install_kind() {
  local out
  out=$(WSK_CACHE=${WSK_CACHE} bash "$(dirname "${BASH_SOURCE[0]}")/kube-tools.sh" kind | sed -n 's/^kind //p')
  ln -sfn "${out}" "${WSK_CACHE}/bin/kind"
  kind version
}

# The pinned Traefik release binary for the Traefik stand-in image (.ci/traefik.sh, shared with .ci/run).
source .ci/traefik.sh

wsk_docker_tier() {
  local started=${SECONDS}
  wsk_install_engine
  wsk_start_engine
  wsk_install_compose
  wsk_install_kind
  wsk_install_traefik
  wsk_tier_log "building the local stand-ins for the registry images"
  node scripts/ci/build-local-images.ts
  wsk_tier_log "Docker tier ready in $((SECONDS - started)) s"
}

# Sourced by .ci/run (or a shell): bring the tier up now. Executed directly: bring it up, then run "$@".
if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  wsk_docker_tier
else
  set -euo pipefail
  cd "$(dirname "$0")/.."
  wsk_docker_tier
  if (($#)); then "$@"; fi
fi
