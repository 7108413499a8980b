#!/usr/bin/env bash
# run.sh [NAME]: starts a fresh test cluster, runs the e2e suite against it and
# removes the cluster afterwards, whether the suite passed or not.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
name="${1:-explain-nodes-e2e}"

"$root/test/cluster/down.sh" "$name"
trap '"$root/test/cluster/down.sh" "$name"' EXIT
start=$SECONDS
kubeconfig="$("$root/test/cluster/up.sh" "$name")"
echo "e2e: cluster $name up in $((SECONDS - start))s" >&2

cd "$root"
start=$SECONDS
status=0
E2E_KUBECONFIG="$kubeconfig" E2E_KUBECTL="$KUBE_BIN/kubectl" E2E_KREW_BIN="$KREW_BIN" \
  go test -tags e2e -count=1 -timeout 20m ${E2E_RUN:+-run "$E2E_RUN"} -v ./test/e2e/ || status=$?
echo "e2e: suite ran in $((SECONDS - start))s" >&2

# A small run of the benchmark on the same cluster, so that it cannot rot.
if [[ "$status" == 0 && -z "${E2E_RUN:-}" ]]; then
  out="$(mktemp)"
  go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" --plugin bin/kubectl-explain_nodes \
    --nodes 10 --pods-per-node 3 --pending 1 --reps 1 --settle 2s --out "$out" >/dev/null || status=$?
  grep -q 'kubectl explain-nodes why-pending' "$out" && grep -q 'kubectl explain-nodes why-here' "$out" || { echo "e2e: the benchmark smoke run wrote no result" >&2; status=1; }
  rm -f "$out"
  echo "e2e: benchmark smoke run done" >&2
fi
exit "$status"
