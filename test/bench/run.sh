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
# The benchmark's copy of the test cluster's configuration, for thousands of
# nodes filling on two cores:
# - the node controller waits an hour, not 20 s, for a heartbeat before it
#   marks a node Unknown: kwok cannot renew thousands of leases in time while
#   the cluster fills, and a node once Unknown stays so (the test cluster's
#   stages keep the conditions they find) and its pods are evicted;
# - node status every 10 to 20 minutes, as kwok does by default when nodes
#   have leases, not every one to two minutes: 5,000 nodes would patch their
#   status 50 times a second;
# - kwok starts 32 pods at a time instead of 4; with 4 it starts 15 a second
#   here, and 150,000 pods would take three hours.
# Heartbeats run at kwok's default rate (factor 5: 100 s leases) and, past
# 1,000 nodes, 20 times slower than the test cluster's (400 s leases); the
# factor scales the grace period too.
factor="${BENCH_HEARTBEAT_FACTOR:-5}"
if [[ -z "${BENCH_HEARTBEAT_FACTOR:-}" && "${BENCH_NODES:-1000}" -gt 1000 ]]; then
  factor=20
fi
config="$CACHE_ROOT/kwok/$name.yaml"
mkdir -p "$(dirname "$config")"
sed -e 's/^  kubeControllerManagerNodeMonitorGracePeriodMilliseconds: 20000$/  kubeControllerManagerNodeMonitorGracePeriodMilliseconds: 3600000/' \
  -e 's/^    durationMilliseconds: 60000$/    durationMilliseconds: 600000/' \
  -e 's/^    jitterDurationMilliseconds: 65000$/    jitterDurationMilliseconds: 610000/' \
  "$root/test/cluster/kwok.yaml" >"$config"
if [[ "$(grep -c -e 'GracePeriodMilliseconds: 3600000$' -e 'Milliseconds: 6[01]0000$' "$config")" != 3 ]]; then
  echo "run.sh: test/cluster/kwok.yaml no longer has the settings run.sh changes; update run.sh" >&2
  exit 1
fi
cat >>"$config" <<'EOF'
---
kind: KwokConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  podPlayStageParallelism: 32
  nodePlayStageParallelism: 8
  nodeLeaseParallelism: 16
EOF
kubeconfig="$(KWOK_CONFIG="$config" KWOKCTL_EXTRA_ARGS="--disable-qps-limits --heartbeat-factor $factor" \
  "$root/test/cluster/up.sh" "$name")"
cd "$root"
go run ./test/bench --kubeconfig "$kubeconfig" --kubectl "$KUBE_BIN/kubectl" \
  --plugin bin/kubectl-explain_nodes --out "${BENCH_OUT:-bench-results.md}" "$@"
