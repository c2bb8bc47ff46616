# shellcheck shell=bash
# The versions the repo pins, read from scripts/lib/versions.json (the file the TypeScript reads too):
# `wsk_pin kind` prints v0.32.0. Any Node reads JSON, so the machine's own Node does before Node 24 is in.
WSK_PINS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/lib/versions.json
wsk_pin() {
  node -e 'const v = require(process.argv[1])[process.argv[2]]; if (!v) process.exit(1); console.log(v)' \
    "${WSK_PINS}" "$1" || { echo "no pin '$1' in ${WSK_PINS}" >&2; return 1; }
}
