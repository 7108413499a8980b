#!/usr/bin/env bash
# run.sh [NAME]: starts the demo cluster, lays out the demo scene, and runs the
# plugin through the real kubectl, as a user would.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
name="${1:-explain-nodes}"

kubeconfig="$("$root/test/cluster/up.sh" "$name")"
echo "Laying out the demo scene on cluster $name..." >&2
(cd "$root" && go run ./test/demo --kubeconfig "$kubeconfig")

export KUBECONFIG="$kubeconfig"
export PATH="$root/bin:$KUBE_BIN:$PATH"
run() {
  echo
  echo "\$ $*"
  "$@"
}
run kubectl explain-nodes
run kubectl explain-nodes why-pending trainer-2 -n ml
run kubectl explain-nodes why-here collector-1 -n monitoring
echo
echo "The cluster keeps running. Try it yourself:"
echo "  export KUBECONFIG=$kubeconfig PATH=$root/bin:$KUBE_BIN:\$PATH"
echo "  kubectl explain-nodes why-pending web-3 -n shop"
echo "Remove it with: make cluster-down"
