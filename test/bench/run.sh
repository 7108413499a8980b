#!/usr/bin/env bash
# run.sh [BENCH ARGS...]: starts a fresh benchmark cluster (kwok with QPS
# limits off), fills and measures it with test/bench, writes the table to
# bench-results.md (BENCH_OUT), and removes the cluster (unless BENCH_KEEP=1).
# BENCH_NODES (set by make bench) above 1,000 slows kwok's heartbeats down.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
name="${BENCH_CLUSTER:-explain-nodes-bench}"

"$root/test/cluster/down.sh" "$name"
if [[ "${BENCH_KEEP:-}" != 1 ]]; then
  trap '"$root/test/cluster/down.sh" "$name"' EXIT
fi
# Past 1,000 nodes kwok cannot renew every node's heartbeat in time on two
# cores, and the node controller would mark nodes NotReady and evict their
# pods while the cluster fills: slow all heartbeats down ten times there.
factor="${BENCH_HEARTBEAT_FACTOR:-1}"
if [[ -z "${BENCH_HEARTBEAT_FACTOR:-}" && "${BENCH_NODES:-1000}" -gt 1000 ]]; then
  factor=10
fi
kubeconfig="$(KWOKCTL_EXTRA_ARGS="--disable-qps-limits --heartbeat-factor $factor" "$root/test/cluster/up.sh" "$name")"
cd "$root"
go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" \
  --plugin bin/kubectl-explain_nodes --out "${BENCH_OUT:-bench-results.md}" "$@"
