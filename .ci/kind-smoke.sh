#!/usr/bin/env bash
# Proves the node image from .ci/kind-node.sh runs the attendee's kind-config.yaml unchanged: creates a
# cluster from solutions/04-kind-traefik/kind-config.yaml with that image, then checks the node gets Ready,
# CoreDNS answers, a ClusterIP Service works through kube-proxy, `kind load image-archive` and `kind load
# docker-image`, `kubectl exec` and `logs` work, and host port 80 reaches a NodePort 30080 Service; then
# deletes it all and puts the host back (sysctls, /lib/modules, the `kind` network if it made it). Run by
# hand (root, a Docker engine from .ci/docker-tier.sh, host ports 80 and 8080 free); it never touches
# ~/.kube/config. Every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

export WSK_CACHE=${WSK_CACHE:-/var/cache/wsk}
source .ci/pins.sh
source .ci/host.sh
kubernetes_version=$(wsk_pin kubernetes)
tag=$(wsk_pin kindNodeTag)
name=wsk-smoke
kind=$WSK_CACHE/kind-$(wsk_pin kind)/kind
export PATH=$WSK_CACHE/bin:$PATH DOCKER_BUILDKIT=0

log() { printf '[kind-smoke %s] %s\n' "$(date +%T)" "$*" >&2; }
timed() { # label command...
  local start=$SECONDS
  "${@:2}"
  log "$1 in $((SECONDS - start)) s"
}
fail() { log "FAILED: $*"; exit 1; }

[[ -x $kind ]] || fail "no kind at $kind (.ci/docker-tier.sh builds it)"
bash .ci/kind-node.sh
# The kubectl built with the node's Kubernetes (by kind-node.sh, through kube-tools.sh).
kubectl=$WSK_CACHE/kubectl-$kubernetes_version/kubectl
scratch=$(mktemp -d)
# kubectl's discovery cache too stays out of ~/.kube.
k() { "$kubectl" --context "kind-$name" --cache-dir "$scratch/kube-cache" "$@"; }
export KUBECONFIG=$scratch/kubeconfig
# Two names for one image: the web workload's goes in by `kind load image-archive`, the client's by `kind
# load docker-image` (kind skips a name the node already has).
busybox_image=wsk-smoke/busybox:1 client_image=wsk-smoke/busybox:2
network_existed=$(docker network inspect kind >/dev/null 2>&1 && echo yes || echo no)
volumes_before=$(docker volume ls --quiet)
created=
wsk_host_save
cleanup() {
  local status=$?
  # Another Ctrl-C must not cut the clean-up short.
  trap - EXIT
  trap '' INT TERM
  set +e
  if [[ -n $created ]]; then timed "kind delete cluster" "$kind" delete cluster --name "$name"; fi
  if [[ $network_existed == no ]]; then docker network rm kind >/dev/null 2>&1; fi
  docker image rm "$busybox_image" "$client_image" >/dev/null 2>&1
  wsk_host_restore
  rm -rf "$scratch"
  # The machine as before: no node container, no kind network it made, no volume left.
  local leftovers
  leftovers=$(docker ps --all --quiet --filter "label=io.x-k8s.kind.cluster=$name")
  [[ -z $leftovers ]] || { log "containers left: $leftovers"; status=1; }
  if [[ $network_existed == no ]] && docker network inspect kind >/dev/null 2>&1; then
    log "network kind left"
    status=1
  fi
  [[ "$(docker volume ls --quiet)" == "$volumes_before" ]] || { log "volumes left behind"; status=1; }
  if ((status == 0)); then log "passed; host restored"; else log "failed (exit $status)"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A tiny image of our own for the workloads (no registry): Debian's static busybox, FROM scratch.
busybox_image_build() {
  mkdir -p "$scratch/busybox"
  (cd "$scratch/busybox" && apt-get download -q -o APT::Sandbox::User=root busybox-static >/dev/null && dpkg-deb -x busybox-static_*.deb deb)
  cp "$scratch/busybox/deb/bin/busybox" "$scratch/busybox/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' \
    >"$scratch/busybox/Dockerfile"
  docker build --quiet --tag "$busybox_image" "$scratch/busybox" >/dev/null
  docker save --output "$scratch/busybox.tar" "$busybox_image"
  docker tag "$busybox_image" "$client_image"
}
timed "busybox image" busybox_image_build

created=yes
timed "kind create cluster" "$kind" create cluster --name "$name" --image "$tag" \
  --config solutions/04-kind-traefik/kind-config.yaml
timed "node Ready" k wait --for=condition=Ready node --all --timeout=120s
# What the node image absorbs of this VM, as the running node reports it.
node=$name-control-plane
configz=$(k get --raw "/api/v1/nodes/$node/proxy/configz")
[[ $configz == *'"failCgroupV1":false'* ]] || fail "the kubelet's configuration has no failCgroupV1: false: $configz"
containerd_config=$(docker exec "$node" containerd config dump)
[[ $containerd_config == *'restrict_oom_score_adj = true'* ]] || fail "containerd runs without restrict_oom_score_adj"
log "kubelet failCgroupV1: false (host cgroup $(stat -fc %T /sys/fs/cgroup)); containerd restrict_oom_score_adj = true"
log "node images: $(docker exec "$node" crictl images --output json | python3 -c \
  'import json, sys; print(" ".join(sorted(t for i in json.load(sys.stdin)["images"] for t in i["repoTags"])))')"
timed "kind load image-archive" "$kind" load image-archive "$scratch/busybox.tar" --name "$name"
# Debian's engine keeps no containerd image store, so kind#3795 does not apply here.
timed "kind load docker-image" "$kind" load docker-image "$client_image" --name "$name"

k apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: $busybox_image
          imagePullPolicy: Never
          command: [sh, -c, 'echo wsk-smoke-started; mkdir -p /www; echo wsk-smoke-ok >/www/index.html; exec httpd -f -p 8080 -h /www']
          ports: [{containerPort: 8080}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-nodeport, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec:
  containers:
    - name: client
      image: $client_image
      imagePullPolicy: Never
      command: [sleep, '3600']
EOF
timed "CoreDNS rolled out" k -n kube-system rollout status deployment/coredns --timeout=120s
timed "workloads ready" k rollout status deployment/web --timeout=120s
timed "client pod ready" k wait --for=condition=Ready pod/client --timeout=120s

# Polls a command until it succeeds (the Service's endpoints and kube-proxy's rules land asynchronously).
until_ok() { # label tries command...
  local i
  for ((i = 1; i <= $2; i++)); do
    "${@:3}" >"$scratch/out" 2>&1 && { log "$1: $(tr '\n' ' ' <"$scratch/out")"; return 0; }
    sleep 1
  done
  cat "$scratch/out" >&2
  fail "$1"
}
until_ok "CoreDNS resolves the Service (kubectl exec)" 60 \
  k exec client -- nslookup web.default.svc.cluster.local
until_ok "ClusterIP Service through kube-proxy" 60 k exec client -- wget -q -O - http://web
logs=$(k logs deployment/web)
[[ $logs == *wsk-smoke-started* ]] || fail "kubectl logs: $logs"
log "kubectl logs: $logs"
# extraPortMappings: host 127.0.0.1:80 -> node port 30080.
until_ok "host port 80 -> NodePort 30080" 60 curl --fail --silent --max-time 5 http://127.0.0.1:80/
[[ "$(cat "$scratch/out")" == wsk-smoke-ok ]] || fail "unexpected answer on port 80: $(cat "$scratch/out")"
log "host kernel.panic_on_oops now $(sysctl -n kernel.panic_on_oops), vm.overcommit_memory $(sysctl -n vm.overcommit_memory) (restored on exit)"
