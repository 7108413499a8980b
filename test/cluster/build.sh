#!/usr/bin/env bash
# Builds the pinned test-cluster components from source through the Go module
# proxy into a cache outside the repository, keyed by version. A component whose
# cache directory is complete is not built again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# wait_for_others DIR waits while another build.sh is building DIR (its
# DIR.tmp.PID exists and PID is alive), so two runs never build it twice.
wait_for_others() {
  local other pid
  for other in "$1".tmp.*; do
    pid=${other##*.tmp.}
    [[ -d "$other" && "$pid" != "$$" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      echo "waiting for the build of $(basename "$1") in progress (pid $pid)" >&2
      while kill -0 "$pid" 2>/dev/null; do sleep 10; done
    fi
  done
}

# build DIR MODULE_DIR LDFLAGS NAME=PKG...  builds each package into DIR/NAME;
# DIR appears only once every binary is in it.
build() {
  local dest=$1 mod=$2 ldflags=$3; shift 3
  wait_for_others "$dest"
  if [[ -f "$dest/.complete" ]]; then
    return 0
  fi
  local tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  local start=$SECONDS
  for spec in "$@"; do
    echo "building ${spec%%=*} into $dest" >&2
    go -C "$mod" build -trimpath -ldflags "-s -w $ldflags" -o "$tmp/${spec%%=*}" "${spec#*=}"
  done
  echo "built in $((SECONDS - start))s" >"$tmp/.complete"
  rm -rf "$dest"; mv "$tmp" "$dest"
  echo "$(basename "$dest"): $(cat "$dest/.complete")" >&2
}

kwok_ld="-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
build "$KWOK_BIN" "$here/tools/kwok" "$kwok_ld" \
  kwok=sigs.k8s.io/kwok/cmd/kwok kwokctl=sigs.k8s.io/kwok/cmd/kwokctl

build "$ETCD_BIN" "$here/tools/etcd" "" etcd=go.etcd.io/etcd/server/v3

kube_ld=""
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  kube_ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
build "$KUBE_BIN" "$here/tools/kubernetes" "$kube_ld" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl

# krew and its manifest validator, for the install test. sigs.k8s.io/krew has
# no replace directives, so go install builds it as released.
wait_for_others "$KREW_BIN"
if [[ ! -f "$KREW_BIN/.complete" ]]; then
  tmp="$KREW_BIN.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  start=$SECONDS
  echo "building krew into $KREW_BIN" >&2
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION"
  mv "$tmp/krew" "$tmp/kubectl-krew"
  echo "built in $((SECONDS - start))s" >"$tmp/.complete"
  rm -rf "$KREW_BIN"; mv "$tmp" "$KREW_BIN"
fi
