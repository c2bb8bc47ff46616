# shellcheck shell=bash
# What a kind cluster changes on the host, saved before any cluster starts and put back after (sourced by
# .ci/run and .ci/kind-smoke.sh):
# - the kubelet in a privileged node writes host-wide sysctls: vm.overcommit_memory 0->1, kernel.panic
#   1->10 and kernel.panic_on_oops 0->1 (the last makes any kernel oops take the whole machine down);
# - kind bind-mounts /lib/modules into its nodes, and Docker creates an empty one where the host has none.
# `wsk_host_save` first; `wsk_host_restore` from an EXIT trap, after the clusters and the engine are gone.
WSK_HOST_SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)
WSK_HOST_SAVED=()
WSK_HOST_MODULES_EXISTED=

wsk_host_save() {
  local key value
  WSK_HOST_SAVED=()
  for key in "${WSK_HOST_SYSCTLS[@]}"; do
    read -r value <"/proc/sys/${key//.//}"
    WSK_HOST_SAVED+=("${key}=${value}")
  done
  if [[ -e /lib/modules ]]; then WSK_HOST_MODULES_EXISTED=yes; else WSK_HOST_MODULES_EXISTED=no; fi
}

# Runs from an EXIT trap, maybe after INT or TERM: another signal must not cut it short (a signal caught
# meanwhile may even run its trap in the next subshell, hence none here), and no step stops the others.
wsk_host_restore() {
  local - saved key value now
  set +e
  trap '' INT TERM HUP
  for saved in "${WSK_HOST_SAVED[@]}"; do
    key=${saved%%=*} value=${saved#*=}
    read -r now <"/proc/sys/${key//.//}"
    if [[ ${now} != "${value}" ]]; then
      echo "[host] restoring ${key} (${now} -> ${value})" >&2
      echo "${value}" >"/proc/sys/${key//.//}" || echo "[host] could not restore ${key}=${value}" >&2
    fi
  done
  # Only the empty directory Docker made; anything with content there is not ours.
  if [[ ${WSK_HOST_MODULES_EXISTED} == no && -d /lib/modules ]]; then
    rmdir /lib/modules || echo "[host] left /lib/modules: not empty, or still mounted" >&2
  fi
}
