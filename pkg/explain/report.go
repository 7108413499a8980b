// Package explain turns a cluster Snapshot into a Report: how the control
// plane is run and how it is doing, what each node is, the state it is in and
// what that means for pods, in plain language. It is pure: no I/O, no clock
// but the one passed in, no colour.
package explain

import (
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// Report is the explanation of a whole cluster.
type Report struct {
	// APIVersion is the schema's version, explain-nodes.github.io/v1alpha1.
	APIVersion string `json:"apiVersion"`
	// Kind is ClusterReport.
	Kind string `json:"kind"`
	// Server is the API server's address; ServerVersion its version.
	Server string `json:"server"`
	// ServerVersion is the API server's Kubernetes version, when it could be read.
	ServerVersion string `json:"serverVersion,omitempty"`
	// GeneratedAt is the "now" the report was made for; ages are relative to it.
	GeneratedAt time.Time `json:"generatedAt"`
	// From is set when the report was made from a dump (--from).
	From *v1alpha1.DumpSource `json:"from,omitempty"`
	// Verdict says what is wrong now, in one line and in fields.
	Verdict Verdict `json:"verdict"`
	// Summary counts the nodes and pods.
	Summary Summary `json:"summary"`
	// ControlPlane says how the control plane is run and how each of its components is.
	ControlPlane ControlPlane `json:"controlPlane"`
	// Nodes are the nodes explained (those selected, with -l), by name.
	Nodes []Node `json:"nodes"`
	// Pools group the nodes by their pool label (PoolLabels, or the label
	// asked for); empty when no node has one.
	Pools []Pool `json:"pools"`
	// Findings are what deserves attention, most severe first.
	Findings []Finding `json:"findings"`
	// Unread lists what could not be read, so the report never claims more
	// than it saw.
	Unread []v1alpha1.Gap `json:"unread"`
}

// Summary counts the cluster's nodes and pods.
type Summary struct {
	// Nodes counts the nodes explained.
	Nodes int `json:"nodes"`
	// Ready counts the nodes whose Ready condition is True.
	Ready int `json:"ready"`
	// NotReady counts the nodes whose kubelet reports Ready=False.
	NotReady int `json:"notReady"`
	// Unknown counts the nodes whose Ready condition is Unknown or missing.
	Unknown int `json:"unknown"`
	// Cordoned counts the nodes marked unschedulable.
	Cordoned int `json:"cordoned"`
	// Pods are the non-terminal pods bound to nodes; Unscheduled those
	// waiting for one. Both are -1 when pods could not be read.
	Pods int `json:"pods"`
	// Unscheduled counts the pods waiting for a node, in the whole cluster; -1 when pods could not be read.
	Unscheduled int `json:"unscheduled"`
}

// How a cluster's control plane is run.
const (
	// ModeSelfHosted: its components run as pods on the cluster's own
	// control-plane nodes (kubeadm, kind, minikube).
	ModeSelfHosted = "self-hosted"
	// ModeSingleBinary: one binary per server runs the whole control plane
	// and the kubelet (k3s, k0s).
	ModeSingleBinary = "single-binary"
	// ModeManaged: a cloud provider runs it, out of sight (EKS, GKE, AKS, …).
	ModeManaged = "managed"
	// ModeNotVisible: it runs somewhere the cluster's own objects do not show.
	ModeNotVisible = "not-visible"
)

// Component states.
const (
	StateHealthy   = "Healthy"
	StateUnhealthy = "Unhealthy"
	StateUnknown   = "Unknown"
	// StateManaged: run by the provider; only what the API server reports of it is known.
	StateManaged = "Managed"
)

// ControlPlane says how the control plane is run and how each component is.
type ControlPlane struct {
	// Checked is false when the control plane was not looked at (a node
	// explained in depth): the block then carries no mode and no components.
	Checked bool `json:"checked"`
	// Mode is how the control plane is run: self-hosted, single-binary, managed or not-visible.
	Mode string `json:"mode,omitempty"`
	// Distribution names what the evidence points to: kubeadm, kind,
	// minikube, k3s, k0s, EKS, GKE, AKS, …; empty when unknown.
	Distribution string `json:"distribution,omitempty"`
	// Explanation says in plain words what the mode means.
	Explanation string `json:"explanation"`
	// Evidence lists what the mode was concluded from.
	Evidence []string `json:"evidence"`
	// Components are the API server, etcd, the scheduler and the controller manager (and the cloud controller manager where seen).
	Components []Component `json:"components"`
}

// Component is one control-plane component.
type Component struct {
	// Name is the component's binary name, e.g. kube-scheduler.
	Name string `json:"name"`
	// Title is how people call it, e.g. "scheduler".
	Title string `json:"title"`
	// Job says in one or two sentences what it does.
	Job string `json:"job"`
	// State is Healthy, Unhealthy, Unknown or Managed.
	State string `json:"state"`
	// Observed lists what was seen of it: version, health checks, its pod,
	// its leader lease.
	Observed []string `json:"observed"`
	// Impact says what breaks while it is unhealthy; Check what to look at.
	Impact string `json:"impact,omitempty"`
	// Check says what to look at while it is unhealthy.
	Check string `json:"check,omitempty"`
}

// Readiness is a node's Ready condition, as the scheduler and node controller
// read it.
type Readiness string

// The three states of a node's Ready condition.
const (
	Ready    Readiness = "Ready"
	NotReady Readiness = "NotReady"
	Unknown  Readiness = "Unknown"
)

// Node is the explanation of one node.
type Node struct {
	// Name is the node's name.
	Name string `json:"name"`
	// Labels are the node's labels, for grouping nodes by pool, zone or
	// instance type.
	Labels map[string]string `json:"labels"`
	// Pool is the node's pool: the value of the report's pool label.
	Pool string `json:"pool,omitempty"`
	// Roles come from node-role.kubernetes.io/<role> labels; a node with none
	// is a worker.
	Roles []string `json:"roles"`
	// Readiness is the Ready condition: Ready, NotReady or Unknown.
	Readiness Readiness `json:"readiness"`
	// ReadyReason and ReadyMessage are the Ready condition's own words.
	ReadyReason string `json:"readyReason,omitempty"`
	// ReadyMessage is the Ready condition's message.
	ReadyMessage string `json:"readyMessage,omitempty"`
	// Cordoned is true when spec.unschedulable is set: no new pods are placed.
	Cordoned bool `json:"cordoned"`
	// CreatedAt is when the Node object was created.
	CreatedAt time.Time `json:"createdAt"`
	// LastHeartbeat is when the kubelet last renewed its lease (or, without
	// a lease, last updated its Ready condition).
	LastHeartbeat *time.Time `json:"lastHeartbeat,omitempty"`

	// KubeletVersion is the version the kubelet reports.
	KubeletVersion string `json:"kubeletVersion,omitempty"`
	// ContainerRuntime is the runtime and its version, e.g. containerd://2.1.4.
	ContainerRuntime string `json:"containerRuntime,omitempty"`
	// KubeProxy is the state of the node's kube-proxy pod: Running, a
	// waiting reason, "missing", "unknown" when the pods were not read,
	// "unread" when the DaemonSets in kube-system were not read, or empty
	// when kube-proxy is not deployed.
	KubeProxy string `json:"kubeProxy,omitempty"`
	// OSImage is the operating system the kubelet reports.
	OSImage string `json:"osImage,omitempty"`
	// KernelVersion is the machine's kernel.
	KernelVersion string `json:"kernelVersion,omitempty"`
	// Architecture is the machine's CPU architecture, e.g. amd64.
	Architecture string `json:"architecture,omitempty"`
	// ProviderID is the cloud provider's ID of the machine.
	ProviderID string `json:"providerID,omitempty"`
	// Platform is what the node's labels and provider ID say of the
	// machine: cloud, region, zone, instance type, spot capacity.
	Platform Platform `json:"platform"`
	// InternalIP is the node's first InternalIP address.
	InternalIP string `json:"internalIP,omitempty"`
	// Pods counts the non-terminal pods bound to the node.
	Pods int `json:"pods"`
	// PodsAllocatable is how many pods the kubelet accepts (its maxPods).
	PodsAllocatable int64 `json:"podsAllocatable"`
	// CPU in millicores and memory in bytes: requested by the node's pods,
	// allocatable to pods, and the machine's capacity.
	CPURequestedMilli int64 `json:"cpuRequestedMilli"`
	// CPUAllocatableMilli is the CPU pods may request, in millicores.
	CPUAllocatableMilli int64 `json:"cpuAllocatableMilli"`
	// CPUCapacityMilli is the machine's CPU, in millicores.
	CPUCapacityMilli int64 `json:"cpuCapacityMilli"`
	// MemoryRequested is the memory the node's pods request, in bytes.
	MemoryRequested int64 `json:"memoryRequestedBytes"`
	// MemoryAllocatable is the memory pods may request, in bytes.
	MemoryAllocatable int64 `json:"memoryAllocatableBytes"`
	// MemoryCapacity is the machine's memory, in bytes.
	MemoryCapacity int64 `json:"memoryCapacityBytes"`
	// Resources are the node's other resources (GPUs and other devices,
	// hugepages, ephemeral-storage), by name.
	Resources []NodeResource `json:"resources,omitempty"`
	// CPULimitsMilli adds up the CPU limits of the node's pods.
	CPULimitsMilli int64 `json:"cpuLimitsMilli"`
	// MemoryLimitsBytes adds up the memory limits of the node's pods.
	MemoryLimitsBytes int64 `json:"memoryLimitsBytes"`
	// PodsWithoutMemoryLimit counts the node's pods with a container that
	// has no memory limit.
	PodsWithoutMemoryLimit int `json:"podsWithoutMemoryLimit"`
	// TerminatingPods counts the node's pods being deleted.
	TerminatingPods int `json:"terminatingPods"`
	// Taints are the node's taints, each explained.
	Taints []Taint `json:"taints"`
	// Conditions are the node's conditions, each explained.
	Conditions []Condition `json:"conditions"`
	// Severity is the most severe of the findings that name the node, or
	// none.
	Severity string `json:"severity"`
	// Note is a few words on what is most worth knowing; empty for a
	// healthy node.
	Note string `json:"note,omitempty"`
	// PodList is filled only when a node is explained in depth.
	PodList []NodePod `json:"podList,omitempty"`
	// Events are recent warning events about the node, in depth only.
	Events []Event `json:"events,omitempty"`
	// Evictions say, for a node whose kubelet is silent or not ready, when
	// each of its pods is evicted by the node's NoExecute taints.
	Evictions []Eviction `json:"evictions"`
}

// Eviction is when one pod leaves a failing node: the taint-eviction
// controller evicts a pod once the node has a NoExecute taint the pod does
// not tolerate, or when the tolerationSeconds of its toleration run out.
type Eviction struct {
	// Namespace and Name name the pod.
	Namespace string `json:"namespace"`
	// Name is the pod's name.
	Name string `json:"name"`
	// Taint is the NoExecute taint that evicts it (key:NoExecute).
	Taint string `json:"taint,omitempty"`
	// At is when the pod is evicted, about: the time the taint was added plus
	// the pod's tolerationSeconds. Nil when the pod tolerates the taint
	// without a time limit, or when the taint's time is not known.
	At *time.Time `json:"at,omitempty"`
	// ByDefault is true when the taint is not there yet and At assumes the
	// node controller's default grace period.
	ByDefault bool `json:"byDefault,omitempty"`
	// Never is true when the pod tolerates the taint without a time limit.
	Never bool `json:"never,omitempty"`
	// Terminating is true when the pod is already being deleted.
	Terminating bool `json:"terminating,omitempty"`
	// Controller is the kind of the pod's controller (ReplicaSet,
	// StatefulSet, …); empty for a bare pod, which nothing recreates.
	Controller string `json:"controller,omitempty"`
}

// Taint is a node taint with its explanation.
type Taint struct {
	// Key is the taint's key.
	Key string `json:"key"`
	// Value is the taint's value, if any.
	Value string `json:"value,omitempty"`
	// Effect is NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `json:"effect"`
	// Title, Meaning, SetBy and Fix come from the catalogue of well-known
	// taints; Known is false when the key is not in it.
	Title string `json:"title"`
	// Meaning says what the taint is for and who sets it.
	Meaning string `json:"meaning"`
	// SetBy names what adds the taint, when known.
	SetBy string `json:"setBy,omitempty"`
	// Fix says what to do about it, when something should be done.
	Fix string `json:"fix,omitempty"`
	// EffectMeaning says what the effect does to pods without a matching toleration.
	EffectMeaning string `json:"effectMeaning"`
	// Known is false when the key is not in the catalogue of well-known taints.
	Known bool `json:"known"`
	// Purpose groups the taint by why it is there: reserve, set-up,
	// removal, state or unknown.
	Purpose TaintPurpose `json:"purpose,omitempty"`
	// TimeAdded is when a NoExecute taint was added, if recorded.
	TimeAdded *time.Time `json:"timeAdded,omitempty"`
	// ToleratedBy counts the node's pods that tolerate the taint.
	ToleratedBy int `json:"toleratedBy"`
	// LeftOver, for a taint the node lifecycle controller sets from a
	// condition or the cordon, is what the node says now that contradicts
	// it ("Ready=True", "spec.unschedulable=false"): the taint outlives its
	// cause.
	LeftOver string `json:"leftOver,omitempty"`
	// LeftOverSince is when the taint began to outlive its cause, at the
	// latest: the later of the condition's last change and the taint's
	// timeAdded, when either is recorded.
	LeftOverSince *time.Time `json:"leftOverSince,omitempty"`
}

// Condition is a node condition with its explanation.
type Condition struct {
	// Type is the condition's type: Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable or another agent's.
	Type string `json:"type"`
	// Status is True, False or Unknown.
	Status string `json:"status"`
	// Reason is the condition's reason, as its writer set it.
	Reason string `json:"reason,omitempty"`
	// Message is the condition's message, as its writer set it.
	Message string `json:"message,omitempty"`
	// Since is when the status last changed.
	Since time.Time `json:"since,omitempty"`
	// Healthy is true when the status is the one of a well node.
	Healthy bool `json:"healthy"`
	// Meaning says what the condition reports and who sets it.
	Meaning string `json:"meaning"`
}

// NodePod is one pod on a node explained in depth.
type NodePod struct {
	// Namespace is the pod's namespace.
	Namespace string `json:"namespace"`
	// Name is the pod's name.
	Name string `json:"name"`
	// Kind is static (a static pod of the kubelet), daemon (a DaemonSet's)
	// or workload (any other).
	Kind string `json:"kind"`
	// Phase is the pod's phase.
	Phase string `json:"phase"`
	// Ready is the pod's Ready condition.
	Ready bool `json:"ready"`
	// Waiting is why a container waits (CrashLoopBackOff, …), if one does.
	Waiting string `json:"waiting,omitempty"`
	// Restarts counts its containers' restarts.
	Restarts int32 `json:"restarts"`
	// CPUMilli is the CPU the pod requests, as the scheduler counts it, in millicores.
	CPUMilli int64 `json:"cpuRequestedMilli"`
	// MemoryBytes is the memory the pod requests, as the scheduler counts it, in bytes.
	MemoryBytes int64 `json:"memoryRequestedBytes"`
	// Terminating is set when the pod is being deleted; Phase and Ready are
	// then the last the kubelet reported.
	Terminating *Termination `json:"terminating,omitempty"`
}

// The kinds of pod on a node.
const (
	PodKindStatic   = "static"
	PodKindDaemon   = "daemon"
	PodKindWorkload = "workload"
)

// Termination is the deletion of a pod.
type Termination struct {
	// RequestedAt is when the deletion was requested: the deletionTimestamp
	// minus the grace period.
	RequestedAt time.Time `json:"requestedAt"`
	// Deadline is the pod's deletionTimestamp, the end of its grace period.
	Deadline time.Time `json:"deadline"`
	// GracePeriodSeconds is the grace period the deletion gave.
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds,omitempty"`
	// Finalizers keep the pod object until their controllers remove them.
	Finalizers []string `json:"finalizers,omitempty"`
}

// Event is a warning event about a node.
type Event struct {
	// Reason is the event's reason.
	Reason string `json:"reason"`
	// Message is the event's message.
	Message string `json:"message"`
	// Count is how many times it happened.
	Count int32 `json:"count"`
	// Last is when it last happened.
	Last time.Time `json:"last"`
}

// Usage is how much of one resource a node's pods request.
type Usage struct {
	// Resource is cpu, memory or pods.
	Resource string `json:"resource"`
	// Of is what is added up: requests, limits, or pods (for the pods
	// resource).
	Of string `json:"of"`
	// Unit is what Requested and Allocatable count: milli (millicores),
	// bytes, or count.
	Unit string `json:"unit"`
	// Requested is what the node's pods request, in Unit.
	Requested int64 `json:"requested"`
	// Allocatable is what the node offers to pods, in Unit.
	Allocatable int64 `json:"allocatable"`
	// Percent is Requested as a whole percentage of Allocatable.
	Percent int64 `json:"percent"`
}

// The units of a Usage.
const (
	UnitMilli = "milli"
	UnitBytes = "bytes"
	UnitCount = "count"
)

// Severities of findings, most severe first.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Finding is one thing about the cluster that deserves attention, with what
// it means for pods and what to do.
type Finding struct {
	// Severity is critical, warning or info.
	Severity string `json:"severity"`
	// Code is stable across versions, for scripts: NodeNotReady, NodeUnknown, …
	// (docs/findings.md lists them).
	Code Code `json:"code"`
	// Nodes are the nodes it concerns, if any.
	Nodes []string `json:"nodes"`
	// Condition is the node condition's type, for a finding about one.
	Condition string `json:"condition,omitempty"`
	// Usage is the numbers behind a finding about how full a node is.
	Usage *Usage `json:"usage,omitempty"`
	// Title says what was found, in a line.
	Title string `json:"title"`
	// Meaning says what it means for pods.
	Meaning string `json:"meaning"`
	// Fix says what to do, when something can be done.
	Fix string `json:"fix,omitempty"`
}

// NodeResource is one resource of a node other than CPU, memory and pods:
// an extended resource a device plugin advertises (nvidia.com/gpu),
// hugepages or ephemeral-storage.
type NodeResource struct {
	// Name is the resource's name: nvidia.com/gpu, hugepages-2Mi.
	Name string `json:"name"`
	// Unit is bytes (hugepages, ephemeral-storage) or count.
	Unit string `json:"unit"`
	// Capacity is what the machine has of it.
	Capacity int64 `json:"capacity"`
	// Allocatable is what of it pods may request.
	Allocatable int64 `json:"allocatable"`
	// Requested adds up the node's pods' requests of it; -1 when the pods
	// were not read.
	Requested int64 `json:"requested"`
	// Accelerator says the resource is a GPU or another accelerator.
	Accelerator bool `json:"accelerator,omitempty"`
}
