#!/usr/bin/env bash
# readme.sh [NAME]: lays out the demo scene and pastes the plugin's real output
# into README.md between the <!-- demo:ID --> and <!-- /demo:ID --> markers.
# readme.sh --check [NAME]: does the same on a fresh cluster into a copy of the
# README, removes that cluster, and fails if the README's demo output differs
# from the fresh one (ports, ages, lease holders and wrapping aside).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/test/cluster/versions.sh"
check=
if [[ "${1:-}" == --check ]]; then
  check=1
  shift
fi
name="${1:-explain-nodes}"
readme="$root/README.md"

if [[ -n "$check" ]]; then
  readme="$(mktemp)"
  cp "$root/README.md" "$readme"
  "$root/test/cluster/down.sh" "$name"
  trap '"$root/test/cluster/down.sh" "$name"; rm -f "$readme"' EXIT
fi
kubeconfig="$("$root/test/cluster/up.sh" "$name")"
(cd "$root" && go run ./test/demo --kubeconfig "$kubeconfig")
# The plugin lays text out to COLUMNS when its output is not a terminal; the
# README shows the default width whatever the caller's environment says.
export KUBECONFIG="$kubeconfig" PATH="$root/bin:$KUBE_BIN:$PATH" NO_COLOR=1 COLUMNS=100

# paste ID COMMAND...: replaces the block ID with the command and its output.
paste() {
  local id=$1; shift
  local out
  out="$(mktemp)"
  { echo '```console'; echo "\$ $*"; "$@"; echo '```'; } >"$out"
  python3 - "$readme" "$id" "$out" <<'PY'
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
paste why-here kubectl explain-nodes why-here collector-1 -n monitoring
# After the fact: the same cluster from a dump, as CI saves one.
dumps="$(mktemp -d)"
(cd "$dumps" && kubectl cluster-info dump --all-namespaces --output-directory ci-dump >/dev/null &&
  paste from-dump kubectl explain-nodes --from ci-dump why-pending trainer-2 -n ml)
rm -rf "$dumps"

if [[ -n "$check" ]]; then
  (cd "$root" && go run ./test/demo/readmediff README.md "$readme")
  echo "readme: the README's demo output matches the demo" >&2
fi
