#!/usr/bin/env bash
# down.sh [NAME]: removes the named local test cluster, if it exists.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.sh"
name="${1:-explain-nodes}"
export KWOK_WORKDIR="$CACHE_ROOT/kwok"
if [[ -x "$KWOK_BIN/kwokctl" && -d "$KWOK_WORKDIR/clusters/$name" ]]; then
  "$KWOK_BIN/kwokctl" delete cluster --name "$name" >&2
fi
rm -f "$KWOK_WORKDIR/clusters/$name.kubeconfig-merged"
