#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules (versions pinned in the wrapper go.mod
# files beside this script) once, into a cache directory keyed by version, and prints that
# directory. Reuses a finished build. With KUBEBUILDER_ASSETS set, builds nothing and prints it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

export PATH="/usr/local/go/bin:$PATH"
kube_version="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/kube-apiserver/go.mod")"
etcd_version="$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" { print $3 }' "$here/etcd/go.mod")"
helper_hash="$(sha256sum "$here/helper/main.go" | cut -c1-12)"
cache_root="${RX_K8S_LEADER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rx-k8s-leader}"
dir="$cache_root/control-plane/kube-apiserver-$kube_version-etcd-$etcd_version-helper-$helper_hash"

build() { # name, module dir, package, ldflags
  local name="$1" module="$2" package="$3" ldflags="$4"
  [ -x "$dir/$name" ] && return 0
  local started=$SECONDS
  echo "building $name ($package) ..." >&2
  mkdir -p "$dir"
  (cd "$here/$module" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/.$name.partial" "$package")
  mv "$dir/.$name.partial" "$dir/$name"
  echo "built $name in $((SECONDS - started)) s" >&2
}

build control-plane-helper helper . "-s -w"
build etcd etcd go.etcd.io/etcd/server/v3 "-s -w"
build kube-apiserver kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
  "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$kube_version" | cut -d. -f2)"
echo "$dir"
