# Pinned versions of the kind suite's parts. Sourced by the scripts beside it;
# the Kubernetes and etcd versions are the test cluster's own.
source "$(dirname "${BASH_SOURCE[0]}")/../cluster/versions.sh"

KIND_VERSION=v0.33.0
CONTAINERD_VERSION=v2.4.2
CRICTL_VERSION=v1.37.0
CNI_PLUGINS_VERSION=v1.10.0
DEBIAN_SUITE=bookworm
COREDNS_VERSION=v1.14.6
LOCALPATH_VERSION=v0.0.30
# The pause image kubeadm v1.37 names (its constants.PauseVersion).
PAUSE_VERSION=3.10.2

# The node image's tag says what is in it; bump NODE_REVISION when the recipe
# (build.sh, the files under node/) changes, so a cached image is not reused.
NODE_REVISION=2
# The same for the Debian root filesystem (its package list in build.sh).
ROOTFS_REVISION=1
NODE_IMAGE="explain-nodes/kind-node:$KUBE_VERSION-r$NODE_REVISION"

KUBE_NODE_BIN="$CACHE_ROOT/kubernetes-node-$KUBE_VERSION"
CONTAINERD_BIN="$CACHE_ROOT/containerd-$CONTAINERD_VERSION"
CRICTL_BIN="$CACHE_ROOT/crictl-$CRICTL_VERSION"
CNI_BIN="$CACHE_ROOT/cni-plugins-$CNI_PLUGINS_VERSION"
COREDNS_BIN="$CACHE_ROOT/coredns-$COREDNS_VERSION"
LOCALPATH_BIN="$CACHE_ROOT/local-path-provisioner-$LOCALPATH_VERSION"
ROOTFS_DIR="$CACHE_ROOT/rootfs-$DEBIAN_SUITE-r$ROOTFS_REVISION"
IMAGES_DIR="$CACHE_ROOT/kind-images-$KUBE_VERSION-r$NODE_REVISION"

# kind's default storage (rancher's local-path-provisioner), built here.
STORAGE_IMAGE="explain-nodes.test/local-path-provisioner:$LOCALPATH_VERSION"
STORAGE_HELPER_IMAGE="explain-nodes.test/local-path-helper:$DEBIAN_SUITE-r$NODE_REVISION"

# The project's own Docker engine: its state lives in the cache too, so the
# node image survives between runs.
ENGINE_DIR="$CACHE_ROOT/engine"
ENGINE_SOCK="$ENGINE_DIR/run/docker.sock"
