#!/usr/bin/env bash
# readme.sh [NAME]: lays out the demo scene and pastes the plugin's real output
# into README.md between the <!-- demo:ID --> and <!-- /demo:ID --> markers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
name="${1:-explain-nodes}"

kubeconfig="$("$root/test/cluster/up.sh" "$name")"
(cd "$root" && go run ./test/demo --kubeconfig "$kubeconfig")
export KUBECONFIG="$kubeconfig" PATH="$root/bin:$KUBE_BIN:$PATH" NO_COLOR=1

# paste ID COMMAND...: replaces the block ID with the command and its output.
paste() {
  local id=$1; shift
  local out
  out="$(mktemp)"
  { echo '```console'; echo "\$ $*"; "$@"; echo '```'; } >"$out"
  python3 - "$root/README.md" "$id" "$out" <<'PY'
import sys, re
path, id, out = sys.argv[1:]
text = open(path).read()
block = open(out).read()
start, end = f"<!-- demo:{id} -->\n", f"<!-- /demo:{id} -->"
i, j = text.index(start) + len(start), text.index(end)
open(path, "w").write(text[:i] + block + text[j:])
PY
  rm -f "$out"
}
paste overview kubectl explain-nodes
paste why-pending kubectl explain-nodes why-pending trainer-2 -n ml
