#!/usr/bin/env bash
# Builds kube-apiserver and etcd from their Go modules (versions pinned in the wrapper go.mod
# files beside this script) once, into a cache directory keyed by version, and reuses them.
# Also builds tools/client-go-peer, client-go's own elector, our interop peer and baseline.
# Prints `name=path` lines for helper, client-go-peer, etcd and kube-apiserver. With KUBEBUILDER_ASSETS set
# (setup-envtest's layout), or both TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD, only the helper and
# the client-go peer are built; kube-apiserver and etcd come from there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PATH="/usr/local/go/bin:$PATH"

required() { # module, go.mod: the version the wrapper requires
  awk -v module="$1" '($1 == module && $2 ~ /^v/) { print $2 } ($1 == "require" && $2 == module) { print $3 }' "$2" | head -n 1
}
kube_version="$(required k8s.io/kubernetes "$here/kube-apiserver/go.mod")"
etcd_version="$(required go.etcd.io/etcd/server/v3 "$here/etcd/go.mod")"
[ -n "$kube_version" ] && [ -n "$etcd_version" ] || { echo "cannot read the pinned versions from the wrapper go.mod files" >&2; exit 1; }
helper_hash="$(cat "$here/helper/go.mod" "$here/helper/main.go" | sha256sum | cut -c1-12)"
cache="${RX_K8S_LEADER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rx-k8s-leader}/control-plane"

build() { # output path, module dir, package, ldflags
  local output="$1" module="$2" package="$3" ldflags="$4"
  if [ ! -x "$output" ]; then
    local started=$SECONDS
    local name; name="$(basename "$output")"
    echo "building $name from $package (once; cached in $(dirname "$output")) ..." >&2
    mkdir -p "$(dirname "$output")"
    # a first build takes minutes: say every 30 s that it is still going
    ( begun=$(date +%s); while sleep 30; do echo "  ... still building $name: $(( $(date +%s) - begun )) s so far" >&2; done ) &
    local ticker=$!
    if ! (cd "$here/$module" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$output.partial" "$package"); then
      kill "$ticker" 2>/dev/null; exit 1
    fi
    kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null || true
    mv "$output.partial" "$output"
    echo "built $name in $((SECONDS - started)) s" >&2
  fi
  echo "$(basename "$output")=$output"
}

build "$cache/helper-$helper_hash/helper" helper . "-s -w"
peer_hash="$(cat "$here/../client-go-peer/go.mod" "$here/../client-go-peer/main.go" | sha256sum | cut -c1-12)"
build "$cache/client-go-peer-$peer_hash/client-go-peer" ../client-go-peer . "-s -w"
if [ -z "${KUBEBUILDER_ASSETS:-}" ] && { [ -z "${TEST_ASSET_KUBE_APISERVER:-}" ] || [ -z "${TEST_ASSET_ETCD:-}" ]; }; then
  build "$cache/etcd-$etcd_version/etcd" etcd go.etcd.io/etcd/server/v3 "-s -w"
  minor="$(echo "$kube_version" | cut -d. -f2)"
  build "$cache/kube-apiserver-$kube_version/kube-apiserver" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
    "-s -w -X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
fi
