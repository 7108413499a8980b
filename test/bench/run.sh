#!/usr/bin/env bash
# run.sh [BENCH ARGS...]: starts a fresh benchmark cluster (kwok with QPS
# limits off), fills and measures it with test/bench, writes the table to
# bench-results.md (BENCH_OUT), and removes the cluster (unless BENCH_KEEP=1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
name="${BENCH_CLUSTER:-explain-nodes-bench}"

"$root/test/cluster/down.sh" "$name"
if [[ "${BENCH_KEEP:-}" != 1 ]]; then
  trap '"$root/test/cluster/down.sh" "$name"' EXIT
fi
kubeconfig="$(KWOKCTL_EXTRA_ARGS=--disable-qps-limits "$root/test/cluster/up.sh" "$name")"
cd "$root"
go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" \
  --plugin bin/kubectl-explain_nodes --out "${BENCH_OUT:-bench-results.md}" "$@"
