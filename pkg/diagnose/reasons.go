package diagnose

import (
	"regexp"
	"strings"
)

// The default profile's Filter plugins (kube-scheduler's
// pkg/scheduler/framework/plugins/names/names.go).
const (
	PluginNodeName           = "NodeName"
	PluginNodeUnschedulable  = "NodeUnschedulable"
	PluginTaintToleration    = "TaintToleration"
	PluginNodeAffinity       = "NodeAffinity"
	PluginNodePorts          = "NodePorts"
	PluginNodeResourcesFit   = "NodeResourcesFit"
	PluginVolumeRestrictions = "VolumeRestrictions"
	PluginNodeVolumeLimits   = "NodeVolumeLimits"
	PluginVolumeBinding      = "VolumeBinding"
	PluginVolumeZone         = "VolumeZone"
	PluginPodTopologySpread  = "PodTopologySpread"
	PluginInterPodAffinity   = "InterPodAffinity"
	PluginSchedulingGates    = "SchedulingGates"
	PluginDynamicResources   = "DynamicResources"
)

// The scheduler's reason strings, each beside its plugin's name above
// (k8s.io/kubernetes pkg/scheduler/framework/plugins/*).
const (
	ReasonNodeName                = "node(s) didn't match the requested node name"
	ReasonUnschedulable           = "node(s) were unschedulable"
	ReasonUntoleratedTaint        = "node(s) had untolerated taint(s)"
	ReasonNodeAffinity            = "node(s) didn't match Pod's node affinity/selector"
	ReasonEnforcedNodeAffinity    = "node(s) didn't match scheduler-enforced node affinity"
	ReasonPreFilterNodeAffinity   = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
	ReasonNodeAffinityConflict    = "pod affinity terms conflict"
	ReasonNodePorts               = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods             = "Too many pods"
	ReasonPodAffinity             = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity         = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity    = "node(s) didn't satisfy existing pods anti-affinity rules"
	ReasonTopologySpread          = "node(s) didn't match pod topology spread constraints"
	ReasonTopologySpreadMissLabel = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonUnboundImmediate        = "pod has unbound immediate PersistentVolumeClaims"
	ReasonVolumeNodeAffinity      = "node(s) didn't match PersistentVolume's node affinity"
	ReasonPVNotExist              = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	ReasonBindConflict            = "node(s) didn't find available persistent volumes to bind"
	ReasonNotEnoughStorage        = "node(s) did not have enough free storage"
	ReasonVolumeZone              = "node(s) had no available volume zone"
	ReasonDiskConflict            = "node(s) had no available disk"
	ReasonRWOPInUse               = "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod"
	ReasonMaxVolumes              = "node(s) exceed max volume count"
	ReasonNoNodes                 = "no nodes available to schedule pods"
	ReasonGated                   = "Scheduling is blocked due to non-empty scheduling gates"
	ReasonCannotAllocateClaims    = "cannot allocate all claims"
	ReasonClaimInUse              = "resourceclaim in use"
	ReasonClaimNotOnNode          = "resourceclaim not available on the node"

	// reasonInsufficientPrefix starts NodeResourcesFit's reason for each
	// resource: "Insufficient cpu".
	reasonInsufficientPrefix = "Insufficient "
)

// reasonInfo is one reason of the scheduler: its plugin, the wordings older
// schedulers used for it, and what it means and what to do, in plain words.
type reasonInfo struct {
	plugin, reason string
	legacy         []string
	// checked says this tool evaluates the check behind the reason.
	checked      bool
	meaning, fix string
}

// reasonTable holds every reason this tool knows, one row each.
var reasonTable = []reasonInfo{
	{PluginNodeName, ReasonNodeName, nil, true, "The pod names one node in spec.nodeName; every other node is ruled out.", "Name an existing, fitting node, or drop spec.nodeName and let the scheduler choose."},
	{PluginNodeUnschedulable, ReasonUnschedulable, nil, true, "These nodes are cordoned (spec.unschedulable): no new pods go there.", "`kubectl uncordon NODE` once the node is fit for work."},
	{PluginTaintToleration, ReasonUntoleratedTaint, nil, true, "These nodes carry a NoSchedule or NoExecute taint that the pod does not tolerate. Since Kubernetes 1.35 the message no longer names the taint.", "Run `kubectl explain-nodes why-pending POD` against the cluster to see the exact taints; then add a toleration to the pod, or remove the taint if it no longer serves a purpose."},
	{PluginNodeAffinity, ReasonNodeAffinity, []string{"node(s) didn't match node selector"}, true, "These nodes do not have the labels the pod's nodeSelector or required node affinity asks for.", "Compare the pod's nodeSelector and affinity with `kubectl get nodes --show-labels`; fix the selector or label a node."},
	{PluginNodeAffinity, ReasonEnforcedNodeAffinity, nil, false, "The scheduler profile adds a node affinity of its own, and these nodes do not match it.", "Check the scheduler configuration's addedAffinity for this profile."},
	{PluginNodeAffinity, ReasonPreFilterNodeAffinity, nil, true, "The pod is pinned to other nodes by name (matchFields metadata.name, as DaemonSets pin their pods), so the scheduler did not check these at all.", "Look at the node the pod is pinned to: `kubectl explain-nodes why-pending POD` explains it."},
	{PluginNodeAffinity, ReasonNodeAffinityConflict, nil, true, "The pod's required node affinity terms name nodes by metadata.name, and together they name none.", "Fix the pod's node affinity."},
	{PluginNodePorts, ReasonNodePorts, nil, true, "The pod asks for a hostPort that another pod already holds on these nodes.", "Drop hostPort and use a Service, or make sure only one such pod runs per node (a DaemonSet)."},
	{PluginNodeResourcesFit, ReasonTooManyPods, nil, true, "These nodes already run as many pods as they allow (their pods allocatable, often 110).", "Add nodes or spread pods; raise the kubelet's maxPods only if the machines can take it."},
	{PluginInterPodAffinity, ReasonPodAffinity, nil, true, "The pod's required pod affinity wants to run next to pods that are not in these nodes' topology domains.", "Check that the pods it wants to join exist and run, or relax the affinity."},
	{PluginInterPodAffinity, ReasonPodAntiAffinity, nil, true, "The pod's required anti-affinity forbids these nodes: pods it must avoid already run in their topology domains.", "Add nodes in other domains, or relax the anti-affinity (preferred instead of required)."},
	{PluginInterPodAffinity, ReasonExistingAntiAffinity, nil, true, "Pods already on these nodes have a required anti-affinity against pods like this one.", "Relax the other pods' anti-affinity, or add nodes."},
	{PluginPodTopologySpread, ReasonTopologySpread, nil, true, "Placing the pod on these nodes would make the spread of matching pods across topology domains exceed maxSkew.", "Add capacity in the emptier domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway."},
	{PluginPodTopologySpread, ReasonTopologySpreadMissLabel, nil, true, "These nodes lack the label the pod's topology spread constraint spreads over.", "Label the nodes with the topology key, or change the constraint."},
	{PluginVolumeBinding, ReasonUnboundImmediate, nil, true, "A PersistentVolumeClaim of the pod is not bound to a volume, and its storage class binds immediately, so no node can be chosen until it is.", "Check the claim (`kubectl describe pvc`): is there a matching PersistentVolume, or a provisioner for its storage class?"},
	{PluginVolumeBinding, ReasonVolumeNodeAffinity, []string{"node(s) had volume node affinity conflict"}, true, "A volume the pod uses can only be attached on some nodes (a local or zonal disk), and these nodes are not among them.", "Run the pod where its volume lives, or move the data."},
	{PluginVolumeBinding, ReasonPVNotExist, nil, true, "A claim of the pod is bound to a PersistentVolume that no longer exists.", "Recreate the claim (its data is gone with the volume) or restore the volume."},
	{PluginVolumeBinding, ReasonBindConflict, nil, true, "No free PersistentVolume that matches the pod's unbound claim can be used on these nodes.", "Create a matching PersistentVolume, or use a storage class with a provisioner."},
	{PluginVolumeBinding, ReasonNotEnoughStorage, nil, false, "The storage driver reports too little free capacity on these nodes for the pod's new volumes.", "Free or add storage capacity, or ask for smaller volumes."},
	{PluginVolumeZone, ReasonVolumeZone, nil, true, "The pod's volume lives in a zone these nodes are not in.", "Run nodes in the volume's zone, or move the data."},
	{PluginVolumeRestrictions, ReasonDiskConflict, nil, false, "A disk the pod uses is already in use on these nodes in a way that cannot be shared.", "Stop the other pod using the disk, or use a separate disk."},
	{PluginVolumeRestrictions, ReasonRWOPInUse, nil, true, "The pod's claim has access mode ReadWriteOncePod and another pod already uses it.", "Stop the other pod, or use ReadWriteOnce if several pods on one node may share it."},
	{PluginNodeVolumeLimits, ReasonMaxVolumes, nil, true, "These nodes already have as many volumes of this kind attached as their driver allows.", "Spread pods with volumes over more nodes, or use larger nodes."},
	{PluginDynamicResources, ReasonCannotAllocateClaims, nil, false, "The devices the pod's ResourceClaims ask for (dynamic resource allocation: GPUs and other devices) are not free, or not present, on these nodes.", "Check the claims (`kubectl describe resourceclaim`), the device classes they ask for and the devices the drivers publish (`kubectl get resourceslices`); free devices or add nodes that have them."},
	{PluginDynamicResources, ReasonClaimInUse, nil, false, "A ResourceClaim of the pod is already reserved for other pods and cannot be shared with it.", "Give the pod a claim of its own (a ResourceClaimTemplate), or wait for the other pods to finish."},
	{PluginDynamicResources, ReasonClaimNotOnNode, nil, false, "A ResourceClaim of the pod is allocated to devices on other nodes, so the pod can only run there.", "Run the pod where its claim's devices are, or release the claim."},
	{"", ReasonNoNodes, nil, false, "The cluster has no nodes the scheduler could consider at all.", "Add nodes, or check why they are not registered (`kubectl get nodes`)."},
	{PluginSchedulingGates, ReasonGated, nil, false, "The pod has scheduling gates; the scheduler waits until they are removed.", "Whatever added the gates removes them when ready; look at spec.schedulingGates."},
}

// reasons indexes reasonTable by reason, and legacy maps each older wording
// to today's.
var reasons, legacy = indexReasons()

func indexReasons() (map[string]*reasonInfo, map[string]string) {
	byReason := make(map[string]*reasonInfo, len(reasonTable))
	old := map[string]string{}
	for i := range reasonTable {
		r := &reasonTable[i]
		byReason[r.reason] = r
		for _, l := range r.legacy {
			old[l] = r.reason
		}
	}
	return byReason, old
}

// Older wordings of the taint reason, which named the taint.
var oldTaintRE = regexp.MustCompile(`^node\(s\) had (untolerated taint \{.*\}|taint \{.*\}, that the pod didn't tolerate|taints that the pod didn't tolerate)$`)

// canonicalReason folds an older wording of a reason into today's, so that
// a message from an older scheduler counts the same.
func canonicalReason(reason string) string {
	if oldTaintRE.MatchString(reason) {
		return ReasonUntoleratedTaint
	}
	if r, ok := legacy[reason]; ok {
		return r
	}
	return reason
}

// knownReason reports whether a reason comes from a check this tool
// evaluates: a row of the table, a resource's shortage, or a claim's
// PreFilter message.
func knownReason(r string) bool {
	if info, ok := reasons[r]; ok {
		return info.checked
	}
	return strings.HasPrefix(r, reasonInsufficientPrefix) || strings.HasPrefix(r, "persistentvolumeclaim ")
}
