// Package cluster reads what the tool needs from a live cluster into a
// Snapshot. It is the only package that talks to the API server. Reads that
// fail with an API error (forbidden, not found, timed out) do not stop the
// others: each is recorded as a Gap (v1alpha1.Gap) so the output can say what it could not see.
package cluster

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// Snapshot is what could be read of a cluster at one moment.
type Snapshot struct {
	// Server is the API server's address, as the client configuration names it.
	Server string
	// ServerVersion is the API server's /version gitVersion, empty when unread.
	ServerVersion string
	// Nodes are all nodes, sorted by name.
	Nodes []corev1.Node
	// Pods holds the non-terminal pods bound to each node, by node name.
	Pods map[string][]Pod
	// PodsRead is true when the pod list was read (Pods may then be empty).
	PodsRead bool
	// Unscheduled counts the pods waiting for a node.
	Unscheduled int
	// NodeLeases are the kubelets' heartbeats in kube-node-lease, by node name.
	NodeLeases map[string]coordinationv1.Lease
	// LeaderLeases are the leader-election leases in kube-system, by name
	// (kube-scheduler, kube-controller-manager, cloud-controller-manager).
	LeaderLeases map[string]coordinationv1.Lease
	// SystemDaemonSets are the DaemonSets in kube-system (kube-proxy, CNI agents).
	SystemDaemonSets []appsv1.DaemonSet
	// DaemonSets are the DaemonSets of every namespace (the overview only);
	// nil when they could not be read.
	DaemonSets []appsv1.DaemonSet
	// NodeEvents are recent Warning events about nodes.
	NodeEvents []corev1.Event
	// Readyz and Livez are the API server's verbose health checks; nil when unread.
	Readyz, Livez []v1alpha1.HealthCheck
	// Gaps lists what could not be read, and why.
	Gaps []v1alpha1.Gap
}

// Pod is what the analysis keeps of a pod: a decoded Pod is large, and a big
// cluster has 150,000 of them.
type Pod struct {
	Namespace, Name string
	Phase           corev1.PodPhase
	Ready           bool
	Restarts        int32
	// CPUMilli and MemoryBytes are the pod's requests as the scheduler counts
	// them (init containers, sidecars and overhead included).
	CPUMilli, MemoryBytes int64
	// CPULimitMilli and MemoryLimitBytes are the pod's limits as the
	// kubelet enforces them; NoCPULimit and NoMemoryLimit say that a
	// container has none, so the pod may use all the node has.
	CPULimitMilli, MemoryLimitBytes int64
	NoCPULimit, NoMemoryLimit       bool
	// Extended are the pod's requests of every other resource (GPUs,
	// hugepages, ephemeral-storage), as the scheduler counts them; nil for
	// a pod that requests none.
	Extended map[corev1.ResourceName]int64
	// OwnerKind is the controller's kind (DaemonSet, ReplicaSet, Job, Node for
	// static pods), empty for a bare pod.
	OwnerKind string
	// OwnerName is the controller's name.
	OwnerName string
	// Mirror is true for the API's copy of a static pod the kubelet runs from a file.
	Mirror bool
	// Component is the pod's component= label (kubeadm's control-plane pods)
	// or k8s-app= label (kube-proxy, CNI agents).
	Component string
	// Tolerations are the pod's tolerations, to say which pods tolerate a taint.
	Tolerations []corev1.Toleration
	// Waiting is the reason a container is waiting (CrashLoopBackOff, ...), if any.
	Waiting string
	// CrashLoops are the containers, init containers included, waiting in
	// CrashLoopBackOff.
	CrashLoops []ContainerRestarts
	// Restarted are the other containers that were restarted and whose
	// last run's end the kubelet reports.
	Restarted []ContainerRestarts
	// Deletion is set once the pod is being deleted.
	Deletion *Deletion
}

// ContainerRestarts names a container and how often it was restarted.
type ContainerRestarts struct {
	Name     string
	Restarts int32
	// LastReason, LastExitCode and LastFinished say how its last run ended
	// (its lastState), when the kubelet still reports it.
	LastReason   string
	LastExitCode int32
	LastFinished time.Time
}

// Deletion is what the API says of a pod being deleted.
type Deletion struct {
	// Deadline is the pod's deletionTimestamp: the time the deletion was
	// requested plus the grace period, when the kubelet is to kill what is
	// left. It moves earlier when a later request shortens the grace period.
	Deadline time.Time
	// GracePeriodSeconds is the pod's deletionGracePeriodSeconds, nil when unset.
	GracePeriodSeconds *int64
	// Finalizers hold the pod object until the controllers that own them
	// remove them, whatever the kubelet does.
	Finalizers []string
}

// RequestedAt is when the deletion was requested, as far as the object
// tells: the deadline minus the grace period.
func (d *Deletion) RequestedAt() time.Time {
	if d.GracePeriodSeconds == nil {
		return d.Deadline
	}
	return d.Deadline.Add(-time.Duration(*d.GracePeriodSeconds) * time.Second)
}

// GapIn reports whether a read of the resource failed: of any object of it,
// or, with node set, of that node's.
func GapIn(gaps []v1alpha1.Gap, resource, node string) bool {
	for _, g := range gaps {
		if g.Resource == resource && (node == "" || g.Node == node) {
			return true
		}
	}
	return false
}
