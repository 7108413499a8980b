#!/usr/bin/env bash
# Builds everything the kind suite's nodes run, from pinned sources through the
# Go module proxy and Debian's packages, into the cache beside the test
# cluster's (test/cluster/build.sh), keyed by version: the node's binaries, a
# Debian root filesystem, the container images kubeadm and kind expect, and
# the node image, loaded into the project's own Docker engine
# (test/kind/engine.sh). Parts already in the cache are not built again.
#
#   test/kind/build.sh            everything (starts the engine if need be)
#   test/kind/build.sh binaries   only the binaries (no engine needed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/versions.sh"

source "$repo/test/cluster/cache.sh"
total_start=$SECONDS

binaries() {
  local cd_ld="-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
  cd_ld+=" -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2"
  build "$CONTAINERD_BIN" "$here/tools/containerd" "$cd_ld" "no_btrfs no_devmapper no_zfs" \
    containerd=github.com/containerd/containerd/v2/cmd/containerd \
    containerd-shim-runc-v2=github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
    ctr=github.com/containerd/containerd/v2/cmd/ctr

  build "$CRICTL_BIN" "$here/tools/critools" "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" "" \
    crictl=sigs.k8s.io/cri-tools/cmd/crictl

  local p=github.com/containernetworking/plugins
  build "$CNI_BIN" "$here/tools/cni" "-X $p/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" "" \
    host-local=$p/plugins/ipam/host-local bridge=$p/plugins/main/bridge \
    loopback=$p/plugins/main/loopback ptp=$p/plugins/main/ptp portmap=$p/plugins/meta/portmap

  build "$KUBE_NODE_BIN" "$repo/test/cluster/tools/kubernetes" "$(kube_ldflags)" "" \
    kubelet=k8s.io/kubernetes/cmd/kubelet kubeadm=k8s.io/kubernetes/cmd/kubeadm \
    kube-proxy=k8s.io/kubernetes/cmd/kube-proxy

  build "$COREDNS_BIN" "$here/tools/coredns" "" "" coredns=github.com/coredns/coredns
  build "$LOCALPATH_BIN" "$here/tools/localpath" "" "" \
    local-path-provisioner=github.com/rancher/local-path-provisioner

  # The control plane's binaries and etcd are the test cluster's own.
  if [[ ! -f "$KUBE_BIN/.complete" || ! -f "$ETCD_BIN/.complete" ]]; then
    "$repo/test/cluster/build.sh"
  fi
}

# rootfs: a Debian root filesystem with what kind's base image installs
# (less NFS and iSCSI), and Debian's runc.
rootfs() {
  cached "$ROOTFS_DIR" && return 0
  command -v debootstrap >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
  }
  local tmp="$ROOTFS_DIR.tmp.$$" start=$SECONDS
  rm -rf "$tmp"
  echo "debootstrap $DEBIAN_SUITE into $ROOTFS_DIR" >&2
  debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,fuse-overlayfs,e2fsprogs,bash,ca-certificates,curl,jq,procps,socat,runc,libcap2-bin \
    "$DEBIAN_SUITE" "$tmp/fs" http://deb.debian.org/debian >"$tmp.log" 2>&1 || {
    tail -20 "$tmp.log" >&2; exit 1
  }
  rm -rf "$tmp/fs/var/cache/apt/archives/"*.deb "$tmp/fs/var/lib/apt/lists/"* \
    "$tmp/fs/usr/share/doc" "$tmp/fs/usr/share/man" "$tmp/fs/usr/share/locale" "$tmp.log"
  finish "$ROOTFS_DIR" "$tmp" "$start"
}

# import NAME DIR CHANGE...  makes image NAME from the files in DIR.
import() {
  local name=$1 dir=$2; shift 2
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$dir" --numeric-owner -c . | docker import "${changes[@]}" - "$name" >/dev/null
}

# from BASE NAME DIR  makes image NAME from BASE with the files in DIR added,
# so that images on the same base share its layer.
from() {
  local base=$1 name=$2 dir=$3; shift 3
  local log; log=$(mktemp)
  { echo "FROM $base"; echo "COPY . /"; for l in "$@"; do echo "$l"; done; } |
    DOCKER_BUILDKIT=0 docker build -q -t "$name" -f - "$dir" >/dev/null 2>"$log" || {
    cat "$log" >&2; rm -f "$log"; exit 1
  }
  rm -f "$log"
}

# images: every container image the nodes run, with the names and tags that
# kubeadm and kind ask for, saved in one archive (shared layers once).
images() {
  cached "$IMAGES_DIR" && return 0
  local tmp="$IMAGES_DIR.tmp.$$" start=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp/bin"
  echo "building the container images into $IMAGES_DIR" >&2
  for p in pause fail memhog cni; do
    go -C "$here" build -trimpath -ldflags "-s -w" -o "$tmp/bin/$p" "./images/$p"
  done

  local path='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' r=registry.k8s.io names=()
  one() { # one NAME BINARY [PATH-IN-IMAGE] [ENTRYPOINT]: a scratch image of one static binary
    local name=$1 bin=$2 at=${3:-/usr/local/bin/$(basename "$2")} d
    d=$(mktemp -d "$tmp/img.XXXX"); install -D -m 0755 "$bin" "$d$at"; mkdir -p "$d/tmp"; chmod 1777 "$d/tmp"
    import "$name" "$d" "$path" ${4:+"ENTRYPOINT $4"}
    names+=("$name")
  }
  one "$r/kube-apiserver:$KUBE_VERSION" "$KUBE_BIN/kube-apiserver"
  one "$r/kube-controller-manager:$KUBE_VERSION" "$KUBE_BIN/kube-controller-manager"
  one "$r/kube-scheduler:$KUBE_VERSION" "$KUBE_BIN/kube-scheduler"
  one "$r/etcd:${ETCD_VERSION#v}-0" "$ETCD_BIN/etcd"
  one "$r/coredns/coredns:$COREDNS_VERSION" "$COREDNS_BIN/coredns" /coredns '["/coredns"]'
  one "$r/pause:$PAUSE_VERSION" "$tmp/bin/pause" /pause '["/pause"]'
  one "explain-nodes.test/sleep:v1" "$tmp/bin/pause" /sleep '["/sleep"]'
  one "explain-nodes.test/fail:v1" "$tmp/bin/fail" /fail '["/fail"]'
  one "explain-nodes.test/memhog:v1" "$tmp/bin/memhog" /memhog '["/memhog"]'
  one "$STORAGE_IMAGE" "$LOCALPATH_BIN/local-path-provisioner"

  # Images that need a shell or iptables share one Debian layer.
  local base="explain-nodes.test/debian-base:$DEBIAN_SUITE-r$NODE_REVISION" d
  import "$base" "$ROOTFS_DIR/fs" "$path"
  d=$(mktemp -d "$tmp/img.XXXX"); install -D -m 0755 "$KUBE_NODE_BIN/kube-proxy" "$d/usr/local/bin/kube-proxy"
  from "$base" "$r/kube-proxy:$KUBE_VERSION" "$d"
  d=$(mktemp -d "$tmp/img.XXXX"); install -D -m 0755 "$tmp/bin/cni" "$d/usr/local/bin/explain-nodes-cni"
  from "$base" "explain-nodes.test/cni:v1" "$d"
  d=$(mktemp -d "$tmp/img.XXXX")
  from "$base" "$STORAGE_HELPER_IMAGE" "$d"
  names+=("$r/kube-proxy:$KUBE_VERSION" "explain-nodes.test/cni:v1" "$STORAGE_HELPER_IMAGE")

  docker save -o "$tmp/images.tar" "${names[@]}"
  rm -rf "$tmp/bin" "$tmp"/img.*
  printf '%s\n' "${names[@]}" >"$tmp/names"
  finish "$IMAGES_DIR" "$tmp" "$start"
}

# node: the node image, laid out as kind's base and node images are (kind's
# own base files from its module), loaded into the project's engine.
node() {
  if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
    echo "$NODE_IMAGE: already in the engine" >&2
    return 0
  fi
  local start=$SECONDS kind_dir stage
  kind_dir=$(go -C "$here" list -m -f '{{.Dir}}' sigs.k8s.io/kind)
  [[ -d "$kind_dir/images/base/files" ]] || go -C "$here" mod download sigs.k8s.io/kind
  local files="$kind_dir/images/base/files"
  stage=$(mktemp -d "$CACHE_ROOT/node.XXXX")
  trap 'rm -rf "$stage"' RETURN
  echo "assembling $NODE_IMAGE" >&2
  cp -a "$ROOTFS_DIR/fs/." "$stage/"

  # kind's base image: its scripts, its /kind, its /etc files.
  install -m 0755 "$files"/usr/local/bin/* "$stage/usr/local/bin/"
  mkdir -p "$stage/kind/bin" "$stage/kind/manifests" "$stage/kind/images" "$stage/etc/kubernetes/manifests"
  install -m 0644 "$files"/kind/README.txt "$stage/kind/"
  install -m 0755 "$files"/kind/bin/* "$stage/kind/bin/"
  cp -r "$files/etc/." "$stage/etc/"
  find "$stage/etc/containerd" "$stage/etc/systemd/system" "$stage/etc/sysctl.d" "$stage/etc/default" \
    "$stage/etc/crictl.yaml" -type f -exec chmod 0644 {} +
  # containerd: cgroupfs (the kubelet's cgroup driver on this host's cgroup
  # v1), no OOM score changes (this machine's engine cannot grant
  # CAP_SYS_RESOURCE), and the pause image kubeadm names.
  sed -i -e 's/SystemdCgroup = true/SystemdCgroup = false/' \
    -e 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' \
    -e "s|sandbox_image = .*|sandbox_image = \"registry.k8s.io/pause:$PAUSE_VERSION\"|" \
    "$stage/etc/containerd/config.toml"
  "$CONTAINERD_BIN/ctr" oci spec |
    jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    jq 'del(.process.rlimits)' >"$stage/etc/containerd/cri-base.json"

  install -m 0755 "$CONTAINERD_BIN"/{containerd,containerd-shim-runc-v2,ctr} "$CRICTL_BIN/crictl" "$stage/usr/local/bin/"
  install -D -m 0755 -t "$stage/opt/cni/bin" "$CNI_BIN"/*
  install -m 0755 "$KUBE_NODE_BIN"/{kubelet,kubeadm} "$KUBE_BIN/kubectl" "$stage/usr/bin/"

  # systemd as kind's base image sets it up.
  local sd="$stage/etc/systemd/system"
  rm -f "$stage/lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service" \
    "$stage/lib/systemd/system/multi-user.target.wants/"* "$sd"/*.wants/* \
    "$stage/lib/systemd/system/local-fs.target.wants/"* \
    "$stage/lib/systemd/system/sockets.target.wants/"*udev* \
    "$stage/lib/systemd/system/sockets.target.wants/"*initctl* \
    "$stage/lib/systemd/system/basic.target.wants/"*
  echo "ReadKMsg=no" >>"$stage/etc/systemd/journald.conf"
  install -m 0644 "$here/node/explain-nodes-images.service" "$sd/"
  mkdir -p "$sd/multi-user.target.wants"
  for u in kubelet containerd undo-mount-hacks explain-nodes-images; do
    ln -sf "/etc/systemd/system/$u.service" "$sd/multi-user.target.wants/$u.service"
  done
  ln -sf /dev/null "$sd/systemd-binfmt.service"

  # kind's node image: the version, the default CNI and storage manifests,
  # and the images, imported at boot by explain-nodes-images.service.
  echo "$KUBE_VERSION" >"$stage/kind/version"
  install -m 0644 "$here/node/default-cni.yaml" "$stage/kind/manifests/default-cni.yaml"
  storage_manifest "$kind_dir" >"$stage/kind/manifests/default-storage.yaml"
  ln "$IMAGES_DIR/images.tar" "$stage/kind/images/images.tar" 2>/dev/null ||
    cp "$IMAGES_DIR/images.tar" "$stage/kind/images/images.tar"

  local base="$NODE_IMAGE-rootfs"
  import "$base" "$stage" 'ENV container=docker' 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]'
  local d; d=$(mktemp -d)
  from "$base" "$NODE_IMAGE" "$d" 'STOPSIGNAL SIGRTMIN+3'
  rm -rf "$d"
  docker rmi "$base" >/dev/null
  echo "$NODE_IMAGE: built in $((SECONDS - start))s" >&2
}

# storage_manifest KIND_DIR prints kind's default storage manifest (from its
# node image builder's source) with the image names it uses.
storage_manifest() {
  awk -v prov="$STORAGE_IMAGE" -v helper="$STORAGE_HELPER_IMAGE" '
    /^const defaultStorageManifest = `/ { on = 1; next }
    on && /^`/ { exit }
    on { gsub(/` \+ storageProvisionerImage \+ `/, prov); gsub(/` \+ storageHelperImage \+ `/, helper); print }
  ' "$1/pkg/build/nodeimage/const_storage.go"
}

binaries
[[ "${1:-}" == binaries ]] && { echo "binaries ready in $((SECONDS - total_start))s" >&2; exit 0; }
rootfs
"$here/engine.sh" start
eval "$("$here/engine.sh" env)"
images
node
echo "kind suite parts ready in $((SECONDS - total_start))s" >&2
