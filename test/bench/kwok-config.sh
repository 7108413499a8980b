#!/usr/bin/env bash
# kwok-config.sh OUT: writes the benchmark's copy of the test cluster's kwok
# configuration (test/cluster/kwok.yaml) to OUT, tuned for thousands of nodes
# filling on two cores:
# - the node controller waits an hour, not 20 s, for a heartbeat before it
#   marks a node Unknown: kwok cannot renew thousands of leases in time while
#   the cluster fills, and a node once Unknown stays so (the test cluster's
#   stages keep the conditions they find) and its pods are evicted;
# - node status every 10 to 20 minutes, as kwok does by default when nodes
#   have leases, not every one to two minutes: 5,000 nodes would patch their
#   status 50 times a second;
# - kwok starts 32 pods at a time instead of 4; with 4 it starts 15 a second
#   here, and 150,000 pods would take three hours;
# - the scheduler does not log every node's scores (why-here's oracle in the
#   e2e suite): 30,000 pods on 1,000 nodes would write 270 million lines.
# Fails when kwok.yaml no longer has the settings it changes (make unit runs it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"
sed -e 's/^  kubeControllerManagerNodeMonitorGracePeriodMilliseconds: 20000$/  kubeControllerManagerNodeMonitorGracePeriodMilliseconds: 3600000/' \
  -e 's/^    durationMilliseconds: 60000$/    durationMilliseconds: 600000/' \
  -e 's/^    jitterDurationMilliseconds: 65000$/    jitterDurationMilliseconds: 610000/' \
  -e 's/^    value: schedule_one=10$/    value: schedule_one=0/' \
  "$root/test/cluster/kwok.yaml" >"$out"
if [[ "$(grep -c -e 'GracePeriodMilliseconds: 3600000$' -e 'Milliseconds: 6[01]0000$' -e 'value: schedule_one=0$' "$out")" != 4 ]]; then
  echo "kwok-config.sh: test/cluster/kwok.yaml no longer has the settings the benchmark changes; update test/bench/kwok-config.sh" >&2
  exit 1
fi
cat >>"$out" <<'EOF'
---
kind: KwokConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  podPlayStageParallelism: 32
  nodePlayStageParallelism: 8
  nodeLeaseParallelism: 16
EOF
