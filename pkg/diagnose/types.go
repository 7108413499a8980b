// Package diagnose explains why a pod is not running: for a pod waiting for
// the scheduler it evaluates, node by node, the default scheduler's filters
// with the scheduler's own helpers and reason strings, counts the verdicts the
// way the scheduler does, and compares the result with the scheduler's own
// message. It is pure: no I/O, no clock but the one passed in.
package diagnose

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// input is everything a diagnosis reads.
type input struct {
	Pod *corev1.Pod
	// Nodes are all nodes of the cluster.
	Nodes []corev1.Node
	// Bound are the non-terminal pods bound to a node, as the scheduler's
	// cache holds them. Assigned holds whole pods instead, for callers that
	// have them; Bound wins when both are set.
	Bound    []cluster.BoundPod
	Assigned []corev1.Pod
	// Nominated are the pods waiting for a node that the scheduler has
	// nominated one for (status.nominatedNodeName, usually after preempting
	// pods there), with NodeName set to that node.
	Nominated []cluster.BoundPod
	// NominatedNodePods are the pods on the nodes nominated for the pods
	// diagnosed, by node name: whole, to tell the victims of a preemption.
	NominatedNodePods map[string][]corev1.Pod
	// Events are the events about the pod, any order.
	Events []corev1.Event
	// Namespaces maps each namespace to its labels, for the namespace
	// selectors of pod affinity terms; nil when unread.
	Namespaces map[string]map[string]string
	// Volumes are the claims, volumes and storage classes, when the pod uses claims.
	Volumes *cluster.Volumes
	// Siblings are the selectors of the pod's services and controller, for
	// the scheduler's default topology spread; nil when unread.
	Siblings *cluster.Siblings
	// NodesRead is true when the node list was read. AssignedUnread is true
	// when the pods bound to nodes could not be read.
	NodesRead, AssignedUnread bool
	// Leases are the leader-election leases of the namespaces read
	// (schedulers, provisioners); nil when unread.
	Leases []cluster.LeaseInfo
	// Gaps are the reads that failed.
	Gaps []v1alpha1.Gap

	// env, when set, is the cluster as the filters see it, built once for
	// many pods.
	env *env
	// listed is set when the pod is diagnosed for a list, which shows
	// causes and first fixes only: where the pod would likely go, which
	// scores the nodes for each pod, is left out.
	listed bool
}

// State is where a pod stands on its way to running.
type State string

// States of a pod, as far as why-pending is concerned.
const (
	// StateUnschedulable: the scheduler tried and found no node.
	StateUnschedulable State = "Unschedulable"
	// StateWaitingForScheduler: no node yet, and no verdict from the scheduler.
	StateWaitingForScheduler State = "WaitingForScheduler"
	// StateScheduled: bound to a node, but not running yet.
	StateScheduled State = "Scheduled"
	// StateBoundToMissingNode: spec.nodeName names a node that does not exist.
	StateBoundToMissingNode State = "BoundToMissingNode"
	// StateSchedulingGated: the pod waits for its scheduling gates to go.
	StateSchedulingGated State = "SchedulingGated"
	// StateNoScheduler: the pod names a scheduler that does not seem to run.
	StateNoScheduler State = "NoScheduler"
	// StateOtherScheduler: the pod names another scheduler, which runs;
	// placing it is that scheduler's job.
	StateOtherScheduler State = "OtherScheduler"
	// StateTerminating: the pod is being deleted.
	StateTerminating State = "Terminating"
	// StateWaitingForVolume: the scheduler chose a node and waits for a
	// provisioner to create the pod's volume there.
	StateWaitingForVolume State = "WaitingForVolume"
	// StateRunning: nothing is pending.
	StateRunning State = "Running"
	// StateFinished: the pod has succeeded or failed.
	StateFinished State = "Finished"
)

// Diagnosis is the answer to "why is this pod pending?".
type Diagnosis struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	Namespace   string    `json:"namespace"`
	Pod         string    `json:"pod"`
	Phase       string    `json:"phase"`
	NodeName    string    `json:"nodeName,omitempty"`
	State       State     `json:"state"`
	Summary     string    `json:"summary"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Scheduler is what the scheduler last said about the pod.
	Scheduler *SchedulerVerdict `json:"scheduler,omitempty"`
	// SchedulerMessage is the scheduler's own message (Scheduler.Message).
	SchedulerMessage string `json:"schedulerMessage,omitempty"`
	// ComputedMessage is this tool's verdict, counted and worded as the
	// scheduler words it.
	ComputedMessage string `json:"computedMessage,omitempty"`
	// Agrees says whether the two say the same; nil when there is nothing to
	// compare. Disagreement says what may explain a difference.
	Agrees       *bool  `json:"agrees,omitempty"`
	Disagreement string `json:"disagreement,omitempty"`
	// Nodes holds one verdict per node, nodes that fit first, then by name.
	Nodes []NodeVerdict `json:"nodes,omitempty"`
	// Caveats say what the verdicts could not take into account.
	Caveats []string `json:"caveats,omitempty"`
	// MessageReasons explains the scheduler's message reason by reason, when
	// the nodes could not be read to check them one by one.
	MessageReasons []ReasonExplained `json:"messageReasons,omitempty"`
	// Problems are what keeps a pod bound to a node from running.
	Problems []Problem `json:"problems,omitempty"`
	// Fixes are concrete changes that would let the pod be placed, most
	// effective first.
	Fixes []string `json:"fixes,omitempty"`
	// Remedies are the fixes with the changes they stand for and the nodes
	// where those changes were checked to let the pod run.
	Remedies []Remedy `json:"remedies,omitempty"`
	// Tolerations is YAML to paste under the pod's spec: tolerations for
	// every taint an operator set that blocks a node.
	Tolerations string `json:"tolerations,omitempty"`
	// Likely is where the pod would go once the cordons and taints that
	// alone keep it from some nodes were lifted.
	Likely *Likely `json:"likely,omitempty"`
	// Preemption says whether evicting lower-priority pods could make room.
	Preemption string `json:"preemption,omitempty"`
	// Provisioning is set when the pod waits for a provisioner to create
	// its volume on the node the scheduler chose.
	Provisioning *Provisioning `json:"provisioning,omitempty"`
	// Autoscaling is a node autoscaler's latest word on the pod: a cluster
	// autoscaler's or Karpenter's event.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
	// Preempting is set when the pod waits for the pods it preempted.
	Preempting *PreemptionWait `json:"preempting,omitempty"`
	Unread     []v1alpha1.Gap  `json:"unread,omitempty"`
	// From is set when the diagnosis was made from a dump (--from).
	From *v1alpha1.DumpSource `json:"from,omitempty"`
}

// SchedulerVerdict is the scheduler's own message about the pod.
type SchedulerVerdict struct {
	// Source is where the message came from: the PodScheduled condition or
	// the latest FailedScheduling event.
	Source  string    `json:"source"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	At      time.Time `json:"at,omitempty"`
}

// NodeVerdict is what the scheduler's filters make of one node.
type NodeVerdict struct {
	Node string `json:"node"`
	Fits bool   `json:"fits"`
	// Reasons are the scheduler's reason strings this node counts under in
	// its message: those of the first failed filter.
	Reasons []string `json:"reasons,omitempty"`
	// Failures lists every filter the node fails, in the scheduler's order.
	// The scheduler stops at the first, so only Failures[0] is counted in
	// its message.
	Failures []Failure `json:"failures,omitempty"`
}

// Failure is one filter a node fails.
type Failure struct {
	// Plugin is the scheduler plugin, e.g. TaintToleration.
	Plugin string `json:"plugin"`
	// Reasons are the scheduler's own reason strings, e.g. "Insufficient cpu".
	Reasons []string `json:"reasons"`
	// Detail says exactly what did not match, in plain language.
	Detail string `json:"detail"`
	// Taints are the untolerated taints (key=value:Effect), for TaintToleration.
	Taints []string `json:"taints,omitempty"`
	// taints are the same taints, as the node has them.
	taints []corev1.Taint
	// Shortfalls are the resources that do not fit, for NodeResourcesFit.
	Shortfalls []Shortfall `json:"shortfalls,omitempty"`
}

// Shortfall is one resource a node has too little of for the pod.
type Shortfall struct {
	Resource    corev1.ResourceName `json:"resource"`
	Requested   resource.Quantity   `json:"requested"`
	Free        resource.Quantity   `json:"free"`
	Allocatable resource.Quantity   `json:"allocatable"`
}
