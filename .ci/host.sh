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
  local key
  WSK_HOST_SAVED=()
  for key in "${WSK_HOST_SYSCTLS[@]}"; do WSK_HOST_SAVED+=("${key}=$(sysctl -n "${key}")"); done
  WSK_HOST_MODULES_EXISTED=$([[ -e /lib/modules ]] && echo yes || echo no)
}

wsk_host_restore() {
  local saved key now
  for saved in "${WSK_HOST_SAVED[@]}"; do
    key=${saved%%=*}
    now=$(sysctl -n "${key}")
    if [[ ${now} != "${saved#*=}" ]]; then
      echo "[host] restoring ${key} (${now} -> ${saved#*=})" >&2
      sysctl -q -w "${saved}" || echo "[host] could not restore ${saved}" >&2
    fi
  done
  # Only the empty directory Docker made; anything with content there is not ours.
  if [[ ${WSK_HOST_MODULES_EXISTED} == no && -d /lib/modules ]]; then
    rmdir /lib/modules || echo "[host] left /lib/modules: not empty, or still mounted" >&2
  fi
}
