# cache.sh: the build cache's helpers, sourced by test/cluster/build.sh and
# test/kind/build.sh. A part is built into DIR.tmp.PID and renamed to DIR
# once complete (DIR/.complete says how long it took), so a part in the cache
# is whole, and two builds never build the same part at once.

export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# wait_for_others DIR waits while another build is building DIR (its
# DIR.tmp.PID exists and PID is alive).
wait_for_others() {
  local other pid
  for other in "$1".tmp.*; do
    pid=${other##*.tmp.}
    [[ -d "$other" && "$pid" != "$$" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      echo "waiting for the build of $(basename "$1") in progress (pid $pid)" >&2
      while kill -0 "$pid" 2>/dev/null; do sleep 10; done
    fi
  done
}

# cached DIR waits for another build of DIR and succeeds if DIR is complete.
cached() {
  wait_for_others "$1"
  if [[ -f "$1/.complete" ]]; then
    echo "$(basename "$1"): cached ($(cat "$1/.complete"))" >&2
    return 0
  fi
  return 1
}

# finish DIR TMP START marks TMP complete (built since SECONDS was START)
# and puts it in DIR's place.
finish() {
  echo "built in $((SECONDS - $3))s" >"$2/.complete"
  rm -rf "$1"; mv "$2" "$1"
  echo "$(basename "$1"): $(cat "$1/.complete")" >&2
}

# build DIR MODULE_DIR LDFLAGS TAGS NAME=PKG...  builds each package of the
# module into DIR/NAME.
build() {
  local dest=$1 mod=$2 ldflags=$3 tags=$4; shift 4
  cached "$dest" && return 0
  local tmp="$dest.tmp.$$" start=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"
  for spec in "$@"; do
    echo "building ${spec%%=*} into $dest" >&2
    go -C "$mod" build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$tmp/${spec%%=*}" "${spec#*=}"
  done
  finish "$dest" "$tmp" "$start"
}

# kube_ldflags prints the linker flags that stamp KUBE_VERSION into a
# Kubernetes binary, as its release build does.
kube_ldflags() {
  local ld="" p minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  done
  echo "$ld"
}
