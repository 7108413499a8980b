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
# The benchmark's copy of the test cluster's configuration (kwok-config.sh).
# Heartbeats run at kwok's default rate (factor 5: 100 s leases) and, past
# 1,000 nodes, 20 times slower than the test cluster's (400 s leases); the
# factor scales the node controller's grace period too.
factor="${BENCH_HEARTBEAT_FACTOR:-5}"
if [[ -z "${BENCH_HEARTBEAT_FACTOR:-}" && "${BENCH_NODES:-1000}" -gt 1000 ]]; then
  factor=20
fi
config="$CACHE_ROOT/kwok/$name.yaml"
mkdir -p "$(dirname "$config")"
"$root/test/bench/kwok-config.sh" "$config"
kubeconfig="$(KWOK_CONFIG="$config" KWOKCTL_EXTRA_ARGS="--disable-qps-limits --heartbeat-factor $factor" \
  "$root/test/cluster/up.sh" "$name")"
cd "$root"
go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" \
  --plugin bin/kubectl-explain_nodes --out "${BENCH_OUT:-bench-results.md}" "$@"
