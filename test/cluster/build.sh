#!/usr/bin/env bash
# Builds the pinned test-cluster components from source through the Go module
# proxy into a cache outside the repository, keyed by version. A component whose
# cache directory is complete is not built again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"
source "$here/cache.sh"

kwok_ld="-X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
build "$KWOK_BIN" "$here/tools/kwok" "$kwok_ld" "" \
  kwok=sigs.k8s.io/kwok/cmd/kwok kwokctl=sigs.k8s.io/kwok/cmd/kwokctl

build "$ETCD_BIN" "$here/tools/etcd" "" "" etcd=go.etcd.io/etcd/server/v3

build "$KUBE_BIN" "$here/tools/kubernetes" "$(kube_ldflags)" "" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl

# krew and its manifest validator, for the install test. sigs.k8s.io/krew has
# no replace directives, so go install builds it as released.
if ! cached "$KREW_BIN"; then
  tmp="$KREW_BIN.tmp.$$" start=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"
  echo "building krew into $KREW_BIN" >&2
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION"
  mv "$tmp/krew" "$tmp/kubectl-krew"
  finish "$KREW_BIN" "$tmp" "$start"
fi
