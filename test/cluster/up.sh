#!/usr/bin/env bash
# up.sh [NAME]: starts the named local test cluster (real control plane on
# 127.0.0.1, kwok nodes) unless it already runs, and prints its kubeconfig path
# on stdout. Everything else goes to stderr. KWOKCTL_EXTRA_ARGS are passed to
# `kwokctl create cluster` (the benchmark uses --disable-qps-limits);
# KWOK_CONFIG replaces kwok.yaml (the benchmark's copy of it is tuned for
# thousands of nodes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"
name="${1:-explain-nodes}"

"$here/build.sh" >&2

export KWOK_WORKDIR="$CACHE_ROOT/kwok"
export KWOK_KUBECTL_BINARY="$KUBE_BIN/kubectl"
kubeconfig="$KWOK_WORKDIR/clusters/$name/kubeconfig.yaml"
kwokctl="$KWOK_BIN/kwokctl"

if [[ -f "$kubeconfig" ]]; then
  if "$KUBE_BIN/kubectl" --kubeconfig "$kubeconfig" --request-timeout 5s get --raw /readyz >/dev/null 2>&1; then
    echo "cluster $name is already running" >&2
    echo "$kubeconfig"
    exit 0
  fi
  echo "cluster $name exists but does not answer; recreating it" >&2
  "$kwokctl" delete cluster --name "$name" >&2 || true
fi

start=$SECONDS
"$kwokctl" create cluster --name "$name" \
  --config "${KWOK_CONFIG:-$here/kwok.yaml}" \
  --kube-audit-policy "$here/audit-policy.yaml" \
  --kubeconfig "$KWOK_WORKDIR/clusters/$name.kubeconfig-merged" \
  --kube-apiserver-binary "$KUBE_BIN/kube-apiserver" \
  --kube-controller-manager-binary "$KUBE_BIN/kube-controller-manager" \
  --kube-scheduler-binary "$KUBE_BIN/kube-scheduler" \
  --etcd-binary "$ETCD_BIN/etcd" \
  --kwok-controller-binary "$KWOK_BIN/kwok" \
  --wait 120s ${KWOKCTL_EXTRA_ARGS:-} >&2
echo "cluster $name started in $((SECONDS - start))s" >&2
echo "$kubeconfig"
