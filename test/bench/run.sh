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
# kwok renews every node's lease and status; on two cores busy with filling
# the cluster it falls behind at the test cluster's rate (20 s leases), the
# node controller marks nodes Unknown and, five minutes on, evicts their pods.
# The benchmark runs heartbeats at kwok's default rate (factor 5: 100 s
# leases) and, past 1,000 nodes, ten times slower than the test cluster.
factor="${BENCH_HEARTBEAT_FACTOR:-5}"
if [[ -z "${BENCH_HEARTBEAT_FACTOR:-}" && "${BENCH_NODES:-1000}" -gt 1000 ]]; then
  factor=10
fi
kubeconfig="$(KWOKCTL_EXTRA_ARGS="--disable-qps-limits --heartbeat-factor $factor" "$root/test/cluster/up.sh" "$name")"
cd "$root"
go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" \
  --plugin bin/kubectl-explain_nodes --out "${BENCH_OUT:-bench-results.md}" "$@"
