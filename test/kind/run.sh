#!/usr/bin/env bash
# run.sh: the kind suite from start to end. Starts the project's own Docker
# engine, builds what is missing from the cache (test/kind/build.sh), creates
# the kind cluster (one control plane, two workers) through kind's Go API,
# runs the suite against it, and then deletes the cluster and stops the
# engine, whether the suite passed or not.
#
#   KIND_RUN=REGEXP   run only the matching tests
#   KIND_KEEP=1       keep the cluster and the engine afterwards
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/versions.sh"
name="${KIND_CLUSTER:-explain-nodes-kind}"
work="$(mktemp -d)"

cleanup() {
  local status=$?
  if [[ -z "${KIND_KEEP:-}" ]]; then
    if [[ -x "$work/cluster" ]] && "$here/engine.sh" status; then
      "$work/cluster" delete "$name" || status=1
    fi
    "$here/engine.sh" stop || status=1
    rm -rf "$work"
  else
    echo "kind: kept cluster $name; DOCKER_HOST=unix://$ENGINE_SOCK KUBECONFIG=$work/kubeconfig" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

start=$SECONDS
"$here/engine.sh" start
eval "$("$here/engine.sh" env)"
"$here/build.sh"
echo "kind: engine and parts ready in $((SECONDS - start))s" >&2

go -C "$here" build -o "$work/cluster" ./cluster
"$work/cluster" delete "$name" >/dev/null 2>&1 || true
start=$SECONDS
"$work/cluster" create "$name" -image "$NODE_IMAGE" -kubeconfig "$work/kubeconfig" -etcd-tag "${ETCD_VERSION#v}-0" \
  -audit-policy "$repo/test/cluster/audit-policy.yaml"
echo "kind: cluster $name up in $((SECONDS - start))s" >&2

start=$SECONDS
status=0
KIND_KUBECONFIG="$work/kubeconfig" KIND_KUBECTL="$KUBE_BIN/kubectl" KIND_CLUSTER="$name" KIND_REPO="$repo" \
  go -C "$here" test -count=1 -timeout 20m ${KIND_RUN:+-run "$KIND_RUN"} -v ./suite/ || status=$?
echo "kind: suite ran in $((SECONDS - start))s" >&2
exit "$status"
