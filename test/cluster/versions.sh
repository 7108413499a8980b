# Pinned versions of the test cluster's components. Sourced by the scripts beside it.
KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
KREW_VERSION=v0.4.3

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-explain-nodes"
KUBE_BIN="$CACHE_ROOT/kubernetes-$KUBE_VERSION"
ETCD_BIN="$CACHE_ROOT/etcd-$ETCD_VERSION"
KWOK_BIN="$CACHE_ROOT/kwok-$KWOK_VERSION"
KREW_BIN="$CACHE_ROOT/krew-$KREW_VERSION"
