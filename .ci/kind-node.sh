#!/usr/bin/env bash
# Builds kind's node image (tag: versions.json's kindNodeTag, kindest/node:v1.36.1) on a machine without a
# container registry, and leaves it in the local Docker engine. `kind build node-image` cannot do it here:
# it always fetches etcd, CoreDNS, pause, kindnetd and the storage provisioner from registries. So this is
# what it does, from local parts (/work/shared/KIND-NODE.md has the measured recipe):
#   Kubernetes  kubelet, kubeadm, kubectl and the control-plane binaries: .ci/kube-tools.sh kubernetes
#   images      the ones `kubeadm config images list` names, exactly so named, FROM scratch + one static
#               binary (kube-proxy on a small Debian), classic builder: etcd, CoreDNS (only the plugins
#               kubeadm's Corefile uses) and crictl from the Go module proxy, pause from the Kubernetes
#               module's pause.c with gcc -static
#   rootfs      Debian trixie (containerd 1.7, runc, systemd) by mmdebstrap, laid out as kind's own
#               images/base (taken from the pinned kind module), with a static bridge CNI instead of kindnetd
#   node        run the base, copy in kubeadm/kubelet/kubectl/crictl and /kind/version, start containerd,
#               import and pin the images, docker commit
# The node also absorbs this VM's quirks, so that an attendee's kind-config.yaml runs unchanged: containerd
# may not lower oom_score_adj (restrict_oom_score_adj), and the kubelet runs on cgroup v1 (failCgroupV1).
#
# Once per pinned version and recipe (this script and .ci/kind-node/): the finished image is saved to
# $WSK_CACHE/kind-node-<kubernetes version>/<recipe>/node.tar (WSK_CACHE defaults to /var/cache/wsk), and a
# warm run only `docker load`s it when the engine lacks the tag. Needs a running Docker engine (.ci/docker-
# tier.sh), Go, mmdebstrap and gcc; root. Cold: about 20 minutes on two cores, most of it the Go builds.
set -Eeuo pipefail
# Say which command failed: many steps here are quiet.
trap 'echo "[kind-node] failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

export WSK_CACHE=${WSK_CACHE:-/var/cache/wsk}
source .ci/pins.sh
kubernetes_version=$(wsk_pin kubernetes)
kind_version=$(wsk_pin kind)
tag=$(wsk_pin kindNodeTag)

# The engine's own client first (as the Docker tier does), Go for the builds, and the classic builder:
# Debian's engine has no buildx.
export PATH=$WSK_CACHE/bin:/usr/local/go/bin:$PATH DOCKER_BUILDKIT=0
export CGO_ENABLED=0 GOFLAGS=-trimpath

log() { printf '[kind-node %s] %s\n' "$(date +%T)" "$*" >&2; }
timed() { # label command...
  local start=$SECONDS
  "${@:2}"
  log "$1 in $((SECONDS - start)) s"
}
# The Go builds share the machine's two cores with everyone else: low priority.
gobuild() { nice -n 15 go "$@"; }
# Moves a finished file into the cache under its final name: an interrupted build leaves no half entry.
install_into() { # dir name file
  mkdir -p "$1"
  mv "$3" "$1/.$2.tmp"
  mv "$1/.$2.tmp" "$1/$2"
}

docker info --format '{{.ServerVersion}}' >/dev/null ||
  { log "no Docker engine answers: start one first (.ci/docker-tier.sh)"; exit 1; }

# The recipe: everything that decides the image's content besides the versions in the cache path.
recipe=$(cat .ci/kind-node.sh .ci/kind-node/* <(echo "$kind_version $tag") | sha256sum | cut -c1-12)
dir=$WSK_CACHE/kind-node-$kubernetes_version
cached=$dir/$recipe/node.tar

# The image into the cache (written aside, then renamed), and nothing of other recipes for this version.
cache_tmp=$dir/$recipe/.node.tar.$$
save_cache() {
  mkdir -p "$dir/$recipe"
  timed "docker save" docker save --output "$cache_tmp" "$tag"
  mv "$cache_tmp" "$cached"
  find "$dir" -mindepth 1 -maxdepth 1 ! -name "$recipe" -exec rm -rf {} +
}

# Warm: the engine has this very image (the commit carries the recipe as a label), or the cache has its tar.
in_engine=$(docker image inspect --format '{{index .Config.Labels "wsk.kind-node.recipe"}}' "$tag" 2>/dev/null || true)
if [[ $in_engine == "$recipe" ]]; then
  log "$tag (recipe $recipe) is in the engine"
  # An engine that outlived its cache (a cleared $WSK_CACHE) puts the image back into it.
  trap 'rm -f "$cache_tmp"' EXIT
  [[ -s $cached ]] || save_cache
  exit 0
fi
if [[ -s $cached ]]; then
  # An image of another recipe under the tag would be left dangling by the load: drop it first (if no
  # container uses it).
  [[ -z $in_engine ]] || docker image rm "$tag" >/dev/null 2>&1 || true
  timed "docker load $cached" docker load --quiet --input "$cached"
  exit 0
fi

log "building $tag (Kubernetes $kubernetes_version, kind $kind_version, recipe $recipe)"
# The build's own tools, from Debian: mmdebstrap, and gcc with a static libc for pause.
missing=()
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v gcc >/dev/null && [[ "$(gcc -print-file-name=libc.a)" == /* ]] || missing+=(gcc libc6-dev)
if ((${#missing[@]})); then
  log "installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
started=$SECONDS
scratch=$(mktemp -d)
build_container=wsk-kind-node-build-$$
base_image=wsk-local/kind-node-base:$recipe
rootfs_pids=()
cleanup() {
  local pid
  # Another Ctrl-C must not cut the clean-up short; what fails here (nothing to remove) is no news.
  trap '' INT TERM
  trap - ERR
  set +e
  # Each mmdebstrap runs in a session of its own: end it whole (it unmounts what it mounted on SIGTERM).
  for pid in "${rootfs_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  wait 2>/dev/null
  docker rm --force --volumes "$build_container" >/dev/null 2>&1
  docker image rm "$base_image" >/dev/null 2>&1
  rm -f "$cache_tmp"
  # Never follow a mount a killed chroot may have left behind into the host's /dev, /proc or /sys.
  rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

parts=$dir/$recipe
mkdir -p "$parts"
kind_base=$(go mod download -json "sigs.k8s.io/kind@$kind_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/images/base
[[ -d $kind_base/files ]] || { log "no images/base in sigs.k8s.io/kind@$kind_version"; exit 1; }

# --- Debian root filesystems, in the background while the Go builds use the CPU -------------------------
# No documentation or translations: the node is copied into every cluster's /var volume.
rootfs() { # variant packages target
  mmdebstrap --quiet --variant="$1" --include="$2" --format=directory \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    trixie "$3" "${WSK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
}
# What kind's images/base installs and runs (its Dockerfile), with Debian's containerd 1.7, runc and CNI
# plugins instead of kind's own builds; jq for kind's createContainer hook.
node_packages=systemd,containerd,runc,containernetworking-plugins,conntrack,iptables,nftables,ebtables,iproute2
node_packages+=,ethtool,util-linux,mount,kmod,libseccomp2,pigz,fuse-overlayfs,socat,bash,ca-certificates,jq,procps
# kube-proxy's image: what its iptables and nftables modes call.
kube_proxy_packages=iptables,nftables,conntrack,ipset,kmod
export -f log timed rootfs
in_background() { # log-file label rootfs-args...
  setsid bash -c 'timed "$@"' _ "${@:2}" >"$1" 2>&1 &
  rootfs_pids+=($!)
}
[[ -s $parts/node-rootfs.tar ]] ||
  in_background "$scratch/node-rootfs.log" "node rootfs (mmdebstrap, in the background)" \
    rootfs minbase "$node_packages" "$scratch/node-rootfs"
[[ -s $parts/kube-proxy-rootfs.tar ]] ||
  in_background "$scratch/kube-proxy-rootfs.log" "kube-proxy rootfs (mmdebstrap, in the background)" \
    rootfs essential "$kube_proxy_packages" "$scratch/kube-proxy-rootfs"

# --- Kubernetes, and the versions of everything else -----------------------------------------------------
bash .ci/kube-tools.sh kubernetes >/dev/null
k8s_bin() { echo "$WSK_CACHE/$1-$kubernetes_version/$1"; }
# The images kubeadm will ask containerd for, named as it names them; the etcd, CoreDNS and pause versions
# come from this list, not from this script.
listed=$("$(k8s_bin kubeadm)" config images list --kubernetes-version "$kubernetes_version")
mapfile -t kubeadm_images <<<"$listed"
image_named() { # repository (registry.k8s.io/etcd): prints the reference kubeadm listed for it
  local image
  for image in "${kubeadm_images[@]}"; do [[ ${image%:*} == "$1" ]] && { echo "$image"; return; }; done
  log "kubeadm lists no $1 image: ${kubeadm_images[*]}"
  exit 1
}
etcd_image=$(image_named registry.k8s.io/etcd)
coredns_image=$(image_named registry.k8s.io/coredns/coredns)
pause_image=$(image_named registry.k8s.io/pause)
etcd_version=v${etcd_image##*:} && etcd_version=${etcd_version%-*} # 3.6.8-0 -> v3.6.8
coredns_version=${coredns_image##*:}
pause_version=${pause_image##*:}
crictl_version=v1.${kubernetes_version#v1.} && crictl_version=${crictl_version%.*}.0 # cri-tools follows minors
log "kubeadm's images: ${kubeadm_images[*]}"

# --- etcd, CoreDNS, crictl, pause: once per version, in $WSK_CACHE/<tool>-<version>/<tool> ----------------
provide() { # tool version builder
  [[ -s $WSK_CACHE/$1-$2/$1 ]] || timed "$1 $2" "$3" "$2" "$WSK_CACHE/$1-$2"
}
# A throwaway main module's `go` line: the one of the module it builds.
go_line() { # module@version
  sed -n 's/^go \(.*\)$/go \1/p' "$(go mod download -json "$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
}

# etcd's own main module replaces its sibling modules with ../ paths: a throwaway main module requires
# them all at the release instead (as kube-tools.sh does for Kubernetes).
build_etcd() { # version dir
  local mod=$scratch/etcd
  mkdir -p "$mod"
  cat >"$mod/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  cat >"$mod/go.mod" <<EOF
module wsk.local/etcd

$(go_line "go.etcd.io/etcd/server/v3@$1")

require (
$(printf '\tgo.etcd.io/etcd/%s '"$1"'\n' server/v3 api/v3 client/pkg/v3 client/v3 pkg/v3)
)
EOF
  (cd "$mod" && gobuild build -mod=mod -ldflags '-s -w' -o "$mod/etcd" .)
  install_into "$2" etcd "$mod/etcd"
}

# CoreDNS with the plugins kubeadm's Corefile names (errors health ready kubernetes prometheus forward cache
# loop reload loadbalance), plus log and hosts for debugging; plugin order comes from CoreDNS itself.
build_coredns() { # version dir
  local mod=$scratch/coredns
  mkdir -p "$mod"
  cat >"$mod/main.go" <<EOF
package main

import (
	"github.com/coredns/coredns/coremain"
$(printf '\t_ "github.com/coredns/coredns/plugin/%s"\n' cache errors forward health hosts kubernetes loadbalance \
    log loop metrics ready reload)
)

func main() { coremain.Run() }
EOF
  cat >"$mod/go.mod" <<EOF
module wsk.local/coredns

$(go_line "github.com/coredns/coredns@$1")

require github.com/coredns/coredns $1
EOF
  (cd "$mod" && gobuild build -mod=mod -ldflags '-s -w' -o "$mod/coredns" .)
  install_into "$2" coredns "$mod/coredns"
}

build_crictl() { # version dir
  GOBIN=$scratch/crictl gobuild install -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${1#v}" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$1"
  install_into "$2" crictl "$scratch/crictl/crictl"
}

build_pause() { # version dir
  local src
  src=$(go mod download -json "k8s.io/kubernetes@$kubernetes_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  # The flags of the module's build/pause/Makefile.
  gcc -Os -Wall -Werror -static -DVERSION="v$1-0" -o "$scratch/pause" "$src/build/pause/linux/pause.c"
  install_into "$2" pause "$scratch/pause"
}

provide etcd "$etcd_version" build_etcd
provide coredns "$coredns_version" build_coredns
provide crictl "$crictl_version" build_crictl
provide pause "$pause_version" build_pause

# --- The node's root filesystem, laid out as kind's images/base Dockerfile does ------------------------
wait_rootfs() {
  local pid failed=0
  for pid in "${rootfs_pids[@]}"; do wait "$pid" || failed=1; done
  rootfs_pids=()
  local log_file
  for log_file in "$scratch"/*-rootfs.log; do
    [[ -e $log_file ]] || continue
    if ((failed)); then cat "$log_file" >&2; else grep -h '^\[kind-node' "$log_file" >&2 || true; fi
  done
  ((!failed)) || { log "mmdebstrap failed (its output above)"; exit 1; }
}

# Runs a command in the node's root (systemctl warns there is no /proc: it needs none to enable units),
# showing its output only if it fails.
in_root() {
  local out
  out=$(chroot "$scratch/node-rootfs" "$@" 2>&1) || { echo "$out" >&2; return 1; }
}

layout_node() {
  local root=$scratch/node-rootfs files=$kind_base/files
  # kind's static files: scripts and directories 0755, the rest 0644.
  install -m 0755 "$files"/usr/local/bin/* "$root/usr/local/bin/"
  cp -r "$files/kind" "$root/kind" && find "$root/kind" -type f -exec chmod 0644 {} + && chmod 0755 "$root/kind"
  chmod 0755 "$root/kind/bin" "$root"/kind/bin/*
  install -D -m 0644 -t "$root/LICENSES" "$files"/LICENSES/*
  install -m 0644 "$files"/etc/crictl.yaml "$root/etc/"
  install -D -m 0644 -t "$root/etc/containerd" "$files"/etc/containerd/*
  install -D -m 0644 -t "$root/etc/default" "$files"/etc/default/*
  install -D -m 0644 -t "$root/etc/sysctl.d" "$files"/etc/sysctl.d/*
  install -D -m 0644 -t "$root/etc/systemd/system" "$files"/etc/systemd/system/*.service "$files"/etc/systemd/system/*.slice
  install -D -m 0644 -t "$root/etc/systemd/system/kubelet.service.d" "$files"/etc/systemd/system/kubelet.service.d/*
  # Units kind does not want in a node, journald away from the host's kmsg, systemd as init.
  find "$root/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
  rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
    "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
    "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
  install -D -m 0644 /dev/stdin "$root/etc/systemd/journald.conf.d/kind.conf" <<<$'[Journal]\nReadKMsg=no'
  ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
  in_root systemctl enable kubelet.service containerd.service undo-mount-hacks.service
  in_root systemctl mask systemd-binfmt.service
  mkdir -p "$root/etc/kubernetes/manifests"
  # kind's units and scripts expect its own builds in /usr/local; Debian's containerd is in /usr/bin (its
  # runc in /usr/sbin is found on PATH). kind's createContainer hook mounts the fake product files.
  ln -sf /usr/bin/containerd "$root/usr/local/bin/containerd"
  chroot "$root" sh -c 'ctr oci spec |
    jq ".hooks.createContainer[.hooks.createContainer | length] |= . + {\"path\": \"/kind/bin/mount-product-files.sh\"}" |
    jq "del(.process.rlimits)" >/etc/containerd/cri-base.json'
  # The pod network: Debian's CNI plugins where containerd looks for them, one static bridge for this one node.
  rm -rf "$root/opt/cni/bin" && mkdir -p "$root/opt/cni" && ln -s /usr/lib/cni "$root/opt/cni/bin"
  install -D -m 0644 .ci/kind-node/cni-bridge.conflist "$root/etc/cni/net.d/10-wsk-bridge.conflist"
  install -D -m 0644 -t "$root/etc/systemd/system" .ci/kind-node/wsk-refuse-unrouted-services.service
  in_root systemctl enable wsk-refuse-unrouted-services.service
  install -D -m 0644 .ci/kind-node/default-cni.yaml "$root/kind/manifests/default-cni.yaml"
  install -D -m 0644 .ci/kind-node/default-storage.yaml "$root/kind/manifests/default-storage.yaml"
  # This VM's quirks. (1) runc here cannot lower oom_score_adj (the VM withholds CAP_SYS_RESOURCE), which
  # fails every pod sandbox unless containerd leaves it alone. (2) A cgroup v1 host: the kubelet reads a
  # drop-in that allows it (--config-dir, beside the flag kind's image already passes).
  sed -i 's/^\(\s*restrict_oom_score_adj\) = false$/\1 = true/' "$root/etc/containerd/config.toml"
  grep -q '^\s*restrict_oom_score_adj = true$' "$root/etc/containerd/config.toml"
  install -D -m 0644 .ci/kind-node/kubelet-cgroup-v1.conf "$root/etc/kubernetes/kubelet.conf.d/50-wsk-cgroup-v1.conf"
  sed -i 's|^KUBELET_EXTRA_ARGS=.*|& --config-dir=/etc/kubernetes/kubelet.conf.d|' "$root/etc/default/kubelet"
  tar -C "$root" -cf "$scratch/node-rootfs.tar" .
  install_into "$parts" node-rootfs.tar "$scratch/node-rootfs.tar"
}

wait_rootfs
[[ -s $parts/node-rootfs.tar ]] || timed "node rootfs layout" layout_node
if [[ ! -s $parts/kube-proxy-rootfs.tar ]]; then
  tar -C "$scratch/kube-proxy-rootfs" -cf "$scratch/kube-proxy-rootfs.tar" .
  install_into "$parts" kube-proxy-rootfs.tar "$scratch/kube-proxy-rootfs.tar"
fi

# --- The images kubeadm asks for ---------------------------------------------------------------------
image() { # reference binary [rootfs tar]: FROM scratch (or the rootfs), the binary in /usr/local/bin
  local context=$scratch/image-${1//[\/:]/_}
  mkdir -p "$context"
  cp "$2" "$context/"
  {
    echo 'FROM scratch'
    [[ -z ${3:-} ]] || { cp "$3" "$context/rootfs.tar" && echo 'ADD rootfs.tar /'; }
    echo 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    echo "COPY $(basename "$2") /usr/local/bin/"
    echo "ENTRYPOINT [\"/usr/local/bin/$(basename "$2")\"]"
  } >"$context/Dockerfile"
  docker build --quiet --tag "$1" "$context" >/dev/null
}
build_images() {
  local component
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    image "registry.k8s.io/$component:$kubernetes_version" "$(k8s_bin "$component")"
  done
  image "registry.k8s.io/kube-proxy:$kubernetes_version" "$(k8s_bin kube-proxy)" "$parts/kube-proxy-rootfs.tar"
  image "$etcd_image" "$WSK_CACHE/etcd-$etcd_version/etcd"
  image "$pause_image" "$WSK_CACHE/pause-$pause_version/pause"
  # CoreDNS's Deployment gives only arguments: its entry point is /coredns, as in the upstream image.
  local context=$scratch/image-coredns
  mkdir -p "$context" && cp "$WSK_CACHE/coredns-$coredns_version/coredns" "$context/"
  printf 'FROM scratch\nCOPY coredns /coredns\nENTRYPOINT ["/coredns"]\n' >"$context/Dockerfile"
  docker build --quiet --tag "$coredns_image" "$context" >/dev/null
  # One archive for containerd's import; the engine keeps none of them (only the node needs them).
  docker save --output "$scratch/images.tar" "${kubeadm_images[@]}"
  docker image rm "${kubeadm_images[@]}" >/dev/null
}
timed "kubeadm's images" build_images

# --- The node image, assembled the way `kind build node-image` does, minus the pulls --------------------
base_context=$scratch/base
mkdir -p "$base_context"
ln "$parts/node-rootfs.tar" "$base_context/rootfs.tar" 2>/dev/null || cp "$parts/node-rootfs.tar" "$base_context/rootfs.tar"
# What kind's base image declares after squashing its build (docker import cannot set STOPSIGNAL).
cat >"$base_context/Dockerfile" <<'EOF'
FROM scratch
ADD rootfs.tar /
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
EOF
timed "base image" docker build --quiet --tag "$base_image" "$base_context" >/dev/null

assemble() {
  # The build container runs the node's containerd (kind's builder starts it beside a `sleep`, whose
  # container cannot reap it); stopped with SIGTERM before the commit, so that its database is closed.
  docker run --detach --name "$build_container" --entrypoint containerd --security-opt seccomp=unconfined \
    "$base_image" >/dev/null
  local binary
  for binary in kubeadm kubelet kubectl; do docker cp "$(k8s_bin "$binary")" "$build_container:/usr/bin/$binary"; done
  docker cp "$WSK_CACHE/crictl-$crictl_version/crictl" "$build_container:/usr/local/bin/crictl"
  docker exec "$build_container" chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl /usr/local/bin/crictl
  printf '%s' "$kubernetes_version" | docker exec -i "$build_container" cp /dev/stdin /kind/version
  # containerd runs pods from kubeadm's own pause image (kind's config names an older one).
  docker exec "$build_container" sed -i "s|^\(\s*sandbox_image\) = .*|\1 = \"$pause_image\"|" /etc/containerd/config.toml
  local ready=
  for _ in $(seq 1 50); do
    docker exec "$build_container" ctr version >/dev/null 2>&1 && { ready=1; break; }
    sleep 0.2
  done
  [[ -n $ready ]] || { docker logs "$build_container" >&2; log "containerd did not start"; return 1; }
  # Import and pin the images (ctr 1.7 has no `import --label`; pinned images are never garbage-collected).
  docker exec -i "$build_container" ctr --namespace=k8s.io images import --all-platforms --no-unpack - \
    <"$scratch/images.tar" >/dev/null
  local ref listed
  for ref in "${kubeadm_images[@]}"; do
    docker exec "$build_container" ctr --namespace=k8s.io images label "$ref" io.cri-containerd.pinned=pinned >/dev/null
  done
  listed=$(docker exec "$build_container" ctr --namespace=k8s.io images list --quiet)
  for ref in "${kubeadm_images[@]}"; do
    grep -qxF "$ref" <<<"$listed" || { log "$ref missing from the node's containerd: $listed"; return 1; }
  done
  # SIGTERM, not the image's stop signal (systemd's SIGRTMIN+3, which kills containerd outright).
  docker kill --signal TERM "$build_container" >/dev/null
  timeout 60 docker wait "$build_container" >/dev/null
  docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
    --change "LABEL wsk.kind-node.recipe=$recipe" "$build_container" "$tag" >/dev/null
}
timed "node image $tag" assemble

save_cache
rm -f "$parts/node-rootfs.tar" "$parts/kube-proxy-rootfs.tar"
log "$tag built in $((SECONDS - started)) s; cached in $cached"
