package explain

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// TaintInfo explains one well-known taint key. What a taint does to pods
// depends on its effect, which the same key can carry in any of its three
// forms; so Meaning says only why the taint is there, and MeaningFor adds
// what is true of the effect present.
type TaintInfo struct {
	Key    string // the key, or the prefix when Prefix is true
	Prefix bool   // Key matches every key starting with it
	Title  string // a short name, e.g. "control-plane node"
	// SetBy says who puts it there, e.g. "kubeadm", "the node controller",
	// "Karpenter"; SetByOn overrides it on nodes of one provider (GKE, EKS,
	// AKS), where the provider itself sets the taint.
	SetBy   string
	SetByOn map[string]string
	Purpose TaintPurpose
	// Meaning says in one or two plain sentences why the taint is there,
	// true whatever its effect: no word on keeping pods off or evicting them.
	Meaning string
	// NoExecute is said only of the NoExecute form: what its evictions mean
	// for this key (default tolerationSeconds, what happens to the pods).
	NoExecute string
	Fix       string // what a user should do about it, one sentence (may mention kubectl commands)
	Known     bool   // false for the generic fallback
}

// TaintPurpose groups taints by why they are there.
type TaintPurpose string

// Purposes of taints.
const (
	// PurposeReserve: keeps the node for some pods (the control plane, GPU
	// workloads, spot-tolerant workloads, one team).
	PurposeReserve TaintPurpose = "reserve"
	// PurposeSetUp: put on a new node until an agent has set it up; the
	// agent removes it.
	PurposeSetUp TaintPurpose = "set-up"
	// PurposeRemoval: the node is being removed or replaced.
	PurposeRemoval TaintPurpose = "removal"
	// PurposeState: mirrors the node's state (a condition, the cordon, a
	// machine shut down or out of service).
	PurposeState TaintPurpose = "state"
	// PurposeUnknown: a key the catalogue does not know.
	PurposeUnknown TaintPurpose = "unknown"
)

// MeaningFor says what a taint with this key means when its effect is
// effect: the catalogue's reason for it, and, for NoExecute, what its
// evictions mean here. EffectMeaning says what the effect itself does.
func (i TaintInfo) MeaningFor(effect corev1.TaintEffect) string {
	if effect == corev1.TaintEffectNoExecute {
		return joinSentences(i.Meaning, i.NoExecute)
	}
	return i.Meaning
}

// SetByFor says who sets the taint on a node of the given provider ("GKE",
// "EKS", "AKS" or "" when not known).
func (i TaintInfo) SetByFor(provider string) string {
	if s, ok := i.SetByOn[provider]; ok {
		return s
	}
	return i.SetBy
}

// ConditionInfo explains one node condition type.
type ConditionInfo struct {
	Type corev1.NodeConditionType
	// Code is the code of the finding an unhealthy condition gives.
	Code    Code
	Title   string
	Healthy corev1.ConditionStatus // the status when all is well: True for Ready, False for the pressure conditions and NetworkUnavailable
	Meaning string                 // what the condition reports, and who sets it (kubelet, CNI / cloud route controller, node problem detector)
	WhenBad string                 // what happens while it is unhealthy: which taint the node controller adds (e.g. node.kubernetes.io/disk-pressure:NoSchedule), what the kubelet does (evicts pods, garbage-collects images, ...)
	Fix     string
	Known   bool
}

// taintCatalogue holds every taint key or key prefix the tool can explain.
// Exact keys win over prefixes, and a longer prefix wins over a shorter one.
var taintCatalogue = []TaintInfo{
	// Control plane.
	{
		Key:     "node-role.kubernetes.io/control-plane",
		Title:   "control-plane node",
		SetBy:   "kubeadm",
		Purpose: PurposeReserve,
		Meaning: "The node runs the control plane (API server, etcd, scheduler, controller manager), and kubeadm taints it to keep ordinary workloads away from it. System DaemonSets and control-plane components tolerate it.",
		Fix:     "Leave it on production clusters; on a single-node or test cluster remove it with kubectl taint nodes NODE node-role.kubernetes.io/control-plane- or add a toleration to the pods that must run there.",
	},
	{
		Key:     "node-role.kubernetes.io/master",
		Title:   "control-plane node (old name)",
		SetBy:   "kubeadm (before v1.25) or an older installer",
		Purpose: PurposeReserve,
		Meaning: "This is the old name of the control-plane taint: the node runs the control plane, and the taint is meant to keep ordinary workloads away from it. kubeadm stopped adding it in v1.25 in favour of node-role.kubernetes.io/control-plane.",
		Fix:     "Treat it like the control-plane taint, and make sure pods that must run on control-plane nodes tolerate both keys while clusters still carry the old one.",
	},
	{
		Key:     "node-role.kubernetes.io/",
		Prefix:  true,
		Title:   "node reserved for a role",
		SetBy:   "the cluster's operators or the distribution (OpenShift infra nodes, for example)",
		Purpose: PurposeReserve,
		Meaning: "The taint reserves the node for the role named after the slash (infra, ingress, gpu and so on); the pods meant for that role tolerate it.",
		Fix:     "Add a matching toleration, and a nodeSelector for the same role label, to the pods meant for these nodes; other pods belong elsewhere.",
	},

	// Node lifecycle taints set by Kubernetes itself.
	{
		Key:       corev1.TaintNodeNotReady,
		Title:     "node not ready",
		SetBy:     "the node controller",
		Purpose:   PurposeState,
		Meaning:   "The node controller sets it while the node's Ready condition is False: the kubelet runs but reports that the node cannot run pods.",
		NoExecute: "Most pods get a 300-second toleration for it from the DefaultTolerationSeconds admission plugin, so they are evicted five minutes after the taint was added.",
		Fix:       "Read the Ready condition's reason and message with kubectl describe node NODE, then check the kubelet and container runtime on the machine; the taint goes away on its own once the node is Ready.",
	},
	{
		Key:       corev1.TaintNodeUnreachable,
		Title:     "node unreachable",
		SetBy:     "the node controller",
		Purpose:   PurposeState,
		Meaning:   "The node's kubelet has stopped reporting for longer than the node controller's grace period (50 seconds by default), so the node's Ready condition is Unknown: nobody knows whether its pods still run.",
		NoExecute: "Most pods tolerate it for 300 seconds, which the DefaultTolerationSeconds admission plugin gives them; with no kubelet to confirm that they stopped, evicted pods stay Terminating until the node returns or is deleted.",
		Fix:       "Check that the machine is running and can reach the API server (power, network, kubelet service, certificates); if it is gone for good, delete it with kubectl delete node NODE so its pods and volumes are released.",
	},
	{
		Key:     corev1.TaintNodeMemoryPressure,
		Title:   "memory pressure",
		SetBy:   "the node controller",
		Purpose: PurposeState,
		Meaning: "The kubelet reports MemoryPressure because free memory fell below its eviction threshold, and the node controller mirrors that as this taint. The kubelet itself evicts pods to reclaim memory, starting with those that use more than they requested.",
		Fix:     "Find the pods using the most memory with kubectl top pods -A --sort-by=memory and give them realistic memory requests and limits; the taint goes when the condition clears.",
	},
	{
		Key:     corev1.TaintNodeDiskPressure,
		Title:   "disk pressure",
		SetBy:   "the node controller",
		Purpose: PurposeState,
		Meaning: "The kubelet reports DiskPressure because the node's root or image filesystem is low on free space or inodes, and the node controller mirrors that as this taint. The kubelet garbage-collects unused images and dead containers and, if that is not enough, evicts pods itself.",
		Fix:     "Free disk space on the node (unused images, large container logs, big emptyDir volumes) or give it a bigger disk; the taint goes when the condition clears.",
	},
	{
		Key:     corev1.TaintNodePIDPressure,
		Title:   "process ID pressure",
		SetBy:   "the node controller",
		Purpose: PurposeState,
		Meaning: "The kubelet reports PIDPressure because few process IDs are left on the node, and the node controller mirrors that as this taint. The kubelet itself may evict pods to free process IDs.",
		Fix:     "Find the pod that starts too many processes or threads and fix it, and cap processes per pod with the kubelet's podPidsLimit setting; the taint goes when the condition clears.",
	},
	{
		Key:     corev1.TaintNodeNetworkUnavailable,
		Title:   "pod network not ready",
		SetBy:   "the node controller",
		Purpose: PurposeState,
		Meaning: "The NetworkUnavailable condition is True: the node's pod network (routes or the CNI plugin) is not set up, and the node controller mirrors that as this taint.",
		Fix:     "Check the CNI plugin's pods on that node (kubectl get pods -A -o wide --field-selector spec.nodeName=NODE) and their logs, and on clouds the route controller; the taint goes once the network is reported ready.",
	},
	{
		Key:     corev1.TaintNodeUnschedulable,
		Title:   "cordoned",
		SetBy:   "the node controller, after kubectl cordon or kubectl drain",
		Purpose: PurposeState,
		Meaning: "Someone cordoned the node (spec.unschedulable is true), usually to drain it for maintenance, and the node controller mirrors that as this taint.",
		Fix:     "When the maintenance is over run kubectl uncordon NODE, and the taint goes with it.",
	},
	{
		Key:       corev1.TaintNodeOutOfService,
		Title:     "out of service",
		SetBy:     "an administrator",
		Purpose:   PurposeState,
		Meaning:   "An administrator marked the node as out of service after a non-graceful shutdown, when the machine is known to be off. Pods already terminating on it are force-deleted and their volumes are detached, so that replacements can start on other nodes.",
		NoExecute: "Running pods that do not tolerate it are evicted first, and then force-deleted in the same way.",
		Fix:       "Add it only when the machine is really powered off, and remove it with kubectl taint nodes NODE node.kubernetes.io/out-of-service- once the node is back and Ready.",
	},

	// Cloud provider.
	{
		Key:     "node.cloudprovider.kubernetes.io/uninitialized",
		Title:   "waiting for the cloud provider",
		SetBy:   "the kubelet (started with --cloud-provider=external)",
		Purpose: PurposeSetUp,
		Meaning: "The node registered with an external cloud provider, and the cloud-controller-manager has not yet filled in its cloud details (addresses, zone, provider ID). It removes the taint once it has.",
		Fix:     "If it stays for more than a few minutes, check that the cloud-controller-manager is running and can reach the cloud API (its pods and logs, often in kube-system).",
	},
	{
		Key:     "node.cloudprovider.kubernetes.io/shutdown",
		Title:   "machine shut down",
		SetBy:   "the cloud-controller-manager",
		Purpose: PurposeState,
		Meaning: "The cloud provider reports the node's machine as shut down (stopped, not deleted). The taint is removed when the machine runs again.",
		Fix:     "Start the machine again, or delete the node with kubectl delete node NODE if it is not coming back.",
	},
	{
		Key:     "node.cloudprovider.kubernetes.io/",
		Prefix:  true,
		Title:   "cloud provider taint",
		SetBy:   "the cloud-controller-manager",
		Purpose: PurposeState,
		Meaning: "The cloud provider integration set this taint to describe the state of the node's machine.",
		Fix:     "Check the cloud-controller-manager's logs and the machine in the cloud console to see why it was set.",
	},

	// Cluster autoscaler.
	{
		Key:     "ToBeDeletedByClusterAutoscaler",
		Title:   "being removed by the cluster autoscaler",
		SetBy:   "the cluster autoscaler",
		Purpose: PurposeRemoval,
		Meaning: "The cluster autoscaler chose this node for removal because it is underused or empty, and is draining it. The machine is deleted once its pods have moved.",
		Fix:     "Nothing, normally; if the taint is left behind after the autoscaler gave up or restarted, remove it with kubectl taint nodes NODE ToBeDeletedByClusterAutoscaler-.",
	},
	{
		Key:     "DeletionCandidateOfClusterAutoscaler",
		Title:   "candidate for removal by the cluster autoscaler",
		SetBy:   "the cluster autoscaler",
		Purpose: PurposeRemoval,
		Meaning: "The cluster autoscaler found this node unneeded and may remove it soon. It takes the taint away again if the node becomes needed.",
		Fix:     "Nothing; kubectl annotate node NODE cluster-autoscaler.kubernetes.io/scale-down-disabled=true keeps a node from being scaled down.",
	},

	// Karpenter.
	{
		Key:     "karpenter.sh/disrupted",
		Title:   "being removed by Karpenter",
		SetBy:   "Karpenter",
		Purpose: PurposeRemoval,
		Meaning: "Karpenter is removing or replacing this node (consolidation, drift, expiry or interruption). Its pods are drained before the machine is terminated.",
		Fix:     "Nothing, normally; to keep Karpenter away from a node annotate it with karpenter.sh/do-not-disrupt=true, or set a disruption budget on its NodePool.",
	},
	{
		Key:     "karpenter.sh/unregistered",
		Title:   "not yet registered by Karpenter",
		SetBy:   "Karpenter (the node registers with it)",
		Purpose: PurposeSetUp,
		Meaning: "Karpenter launched this node, and it joins the cluster with this taint until Karpenter has copied the NodePool's labels and taints onto it, which usually takes moments.",
		Fix:     "If it stays, look at the node's NodeClaim (kubectl get nodeclaims) and the Karpenter controller's logs.",
	},
	{
		Key:     "karpenter.sh/disruption",
		Title:   "being removed by Karpenter (older releases)",
		SetBy:   "Karpenter (v1beta1 releases)",
		Purpose: PurposeRemoval,
		Meaning: "Older Karpenter releases mark a node they are removing or replacing with karpenter.sh/disruption=disrupting. Newer releases use karpenter.sh/disrupted instead.",
		Fix:     "Nothing, normally; if it is left over after a Karpenter upgrade and the node is healthy, remove it with kubectl taint nodes NODE karpenter.sh/disruption-.",
	},
	{
		Key:     "karpenter.sh/",
		Prefix:  true,
		Title:   "Karpenter taint",
		SetBy:   "Karpenter",
		Purpose: PurposeState,
		Meaning: "Karpenter, the node autoscaler, set this taint while managing the node's life (launching, registering or removing it).",
		Fix:     "Look at the node's NodeClaim (kubectl get nodeclaims) and the Karpenter controller's logs; such taints are usually temporary.",
	},

	// Accelerators.
	{
		Key:     "nvidia.com/gpu",
		Title:   "NVIDIA GPU node",
		SetBy:   "the node pool's or node group's settings, or the cluster's operators",
		SetByOn: map[string]string{"GKE": "GKE, on GPU node pools, or the cluster's operators"},
		Purpose: PurposeReserve,
		Meaning: "The node has NVIDIA GPUs, and the taint keeps it for pods that use them, so that other pods do not take its CPU and memory. Pods that request nvidia.com/gpu get a matching toleration automatically where the ExtendedResourceToleration admission plugin is on, as on GKE.",
		Fix:     "Request the GPU in the pod (resources.limits nvidia.com/gpu: 1) or add a toleration for nvidia.com/gpu; pods that need no GPU belong on other nodes.",
	},
	{
		Key:     "amd.com/gpu",
		Title:   "AMD GPU node",
		SetBy:   "the node pool's or node group's settings, or the cluster's operators",
		Purpose: PurposeReserve,
		Meaning: "The node has AMD GPUs, and the taint keeps it for pods that use them, so that other pods do not take its CPU and memory. Pods that request amd.com/gpu get a matching toleration automatically where the ExtendedResourceToleration admission plugin is on.",
		Fix:     "Request the GPU in the pod (resources.limits amd.com/gpu: 1) or add a toleration for amd.com/gpu; pods that need no GPU belong on other nodes.",
	},

	// Spot and preemptible capacity.
	{
		Key:     "cloud.google.com/gke-spot",
		Title:   "GKE Spot VM",
		SetBy:   "GKE (when the node pool is created with this taint)",
		Purpose: PurposeReserve,
		Meaning: "The node is a Spot VM, which Google Cloud can reclaim at any time with about 30 seconds' notice. The taint lets workloads opt in to such capacity with a toleration.",
		Fix:     "Add a toleration for cloud.google.com/gke-spot only to workloads that can be stopped and restarted at any moment without harm.",
	},
	{
		Key:     "cloud.google.com/gke-preemptible",
		Title:   "GKE preemptible VM",
		SetBy:   "GKE (when the node pool is created with this taint)",
		Purpose: PurposeReserve,
		Meaning: "The node is a preemptible VM, which runs for at most 24 hours and which Google Cloud can reclaim at any time with about 30 seconds' notice. The taint lets workloads opt in to such capacity with a toleration.",
		Fix:     "Add a toleration for cloud.google.com/gke-preemptible only to workloads that can be stopped and restarted at any moment without harm.",
	},
	{
		Key:     "kubernetes.azure.com/scalesetpriority",
		Title:   "AKS Spot node",
		SetBy:   "AKS",
		Purpose: PurposeReserve,
		Meaning: "The node belongs to an AKS Spot node pool, whose VMs Azure can evict whenever it needs the capacity back. AKS taints it (scalesetpriority=spot) so that workloads opt in to such capacity with a toleration.",
		Fix:     "Add a toleration for kubernetes.azure.com/scalesetpriority=spot only to workloads that can be stopped and restarted at any moment without harm.",
	},

	// Managed-platform node kinds.
	{
		Key:     "eks.amazonaws.com/compute-type",
		Title:   "EKS Fargate node",
		SetBy:   "EKS",
		Purpose: PurposeReserve,
		Meaning: "The node is an AWS Fargate micro-VM made for exactly one pod, the one EKS created it for. Other pods, DaemonSets included, do not belong there.",
		Fix:     "Nothing; keep DaemonSets off these nodes with a node affinity on eks.amazonaws.com/compute-type NotIn fargate.",
	},
	{
		Key:     "sandbox.gke.io/runtime",
		Title:   "GKE Sandbox (gVisor) node",
		SetBy:   "GKE",
		Purpose: PurposeReserve,
		Meaning: "The node runs GKE Sandbox, which isolates untrusted pods in a gVisor sandbox kernel. Pods with runtimeClassName: gvisor tolerate the taint.",
		Fix:     "Set runtimeClassName: gvisor on pods meant for the sandbox; other pods belong on ordinary node pools.",
	},
	{
		Key:     "kubernetes.io/arch",
		Title:   "Arm node",
		SetBy:   "the node pool's settings or the cluster's operators",
		SetByOn: map[string]string{"GKE": "GKE, on Arm node pools, or the cluster's operators"},
		Purpose: PurposeReserve,
		Meaning: "The node has an Arm (arm64) CPU, and the taint guards against pods whose images may be built for x86 only. On GKE, pods that select kubernetes.io/arch: arm64 get the toleration added automatically.",
		Fix:     "Use a multi-architecture or arm64 image and select kubernetes.io/arch: arm64 on pods meant for this node.",
	},
	{
		Key:     "node.kubernetes.io/os",
		Title:   "Windows node",
		SetBy:   "the node pool's settings or the cluster's operators",
		SetByOn: map[string]string{"GKE": "GKE, on Windows Server node pools, or the cluster's operators"},
		Purpose: PurposeReserve,
		Meaning: "The node runs Windows Server, where Linux containers cannot start, and the taint guards against Linux pods. Pods meant for it tolerate the taint and select Windows.",
		Fix:     "Give Windows workloads a nodeSelector kubernetes.io/os: windows and a toleration for node.kubernetes.io/os=windows; Linux pods belong on Linux nodes.",
	},
	{
		Key:     "cloud.google.com/",
		Prefix:  true,
		Title:   "GKE taint",
		SetBy:   "GKE",
		Purpose: PurposeReserve,
		Meaning: "GKE, or a GKE node pool setting, set this taint to reserve the node for a kind of workload.",
		Fix:     "Check the node pool's settings (gcloud container node-pools describe) and add a matching toleration only to workloads meant for it.",
	},
	{
		Key:     "kubernetes.azure.com/",
		Prefix:  true,
		Title:   "AKS taint",
		SetBy:   "AKS",
		Purpose: PurposeReserve,
		Meaning: "AKS, or an AKS node pool setting, set this taint to reserve the node for a kind of workload.",
		Fix:     "Check the node pool's settings (az aks nodepool show) and add a matching toleration only to workloads meant for it.",
	},
	{
		Key:     "eks.amazonaws.com/",
		Prefix:  true,
		Title:   "EKS taint",
		SetBy:   "EKS",
		Purpose: PurposeReserve,
		Meaning: "EKS, or an EKS node group setting, set this taint to reserve the node for a kind of workload.",
		Fix:     "Check the node group's settings (aws eks describe-nodegroup) and add a matching toleration only to workloads meant for it.",
	},

	// Start-up taints removed by node agents.
	{
		Key:     "node.cilium.io/agent-not-ready",
		Title:   "waiting for Cilium",
		SetBy:   "the node's configuration (node pool or kubelet settings), removed by Cilium",
		Purpose: PurposeSetUp,
		Meaning: "The node starts with this taint until the Cilium network agent runs on it, so that pods do not start without a network. Cilium removes it once the agent is ready.",
		Fix:     "If it stays, check the cilium agent pod on that node (kubectl get pods -A -o wide -l k8s-app=cilium --field-selector spec.nodeName=NODE) and its logs.",
	},
	{
		Key:     "ebs.csi.aws.com/agent-not-ready",
		Title:   "waiting for the EBS CSI driver",
		SetBy:   "the node's configuration (node group or Karpenter startup taint), removed by the EBS CSI driver",
		Purpose: PurposeSetUp,
		Meaning: "The node starts with this taint until the EBS CSI node driver runs there, so that pods that need EBS volumes do not start too early. The driver removes it when it starts.",
		Fix:     "If it stays, check the ebs-csi-node pod on that node (kubectl get pods -n kube-system -o wide --field-selector spec.nodeName=NODE) and its logs.",
	},

	// Conventions.
	{
		Key:     "CriticalAddonsOnly",
		Title:   "reserved for cluster add-ons",
		SetBy:   "the cluster's operators, often through a node pool setting (AKS system node pools, for example)",
		Purpose: PurposeReserve,
		Meaning: "The node is reserved for critical cluster add-ons such as CoreDNS and metrics-server, which tolerate this key.",
		Fix:     "Run your workloads on other node pools, and add a CriticalAddonsOnly toleration only to cluster-critical components.",
	},
	{
		Key:     "dedicated",
		Title:   "dedicated node pool",
		SetBy:   "the cluster's operators (a common convention)",
		Purpose: PurposeReserve,
		Meaning: "By convention the node is reserved for the team or workload named in the taint's value (dedicated=VALUE), whose pods tolerate it. Such nodes usually carry a matching label so those pods can also be steered to them.",
		Fix:     "Add a toleration for dedicated with the same value, and a matching nodeSelector, to the pods meant for this pool; other pods belong elsewhere.",
	},
}

// LookupTaint returns what is known of a taint key: an exact match first, then
// the longest matching prefix, else a generic explanation (Known=false) that
// still says something useful, naming the key's domain when it has one.
func LookupTaint(key string) TaintInfo {
	return lookupTaintIn(taintCatalogue, key)
}

// lookupTaintIn is LookupTaint over any table, so the matching rules can be
// tested apart from the catalogue's contents.
func lookupTaintIn(table []TaintInfo, key string) TaintInfo {
	best := -1
	for i, e := range table {
		if !e.Prefix {
			if e.Key == key {
				return markKnownTaint(e)
			}
			continue
		}
		if strings.HasPrefix(key, e.Key) && (best < 0 || len(e.Key) > len(table[best].Key)) {
			best = i
		}
	}
	if best >= 0 {
		return markKnownTaint(table[best])
	}
	return fallbackTaint(key)
}

func markKnownTaint(e TaintInfo) TaintInfo {
	e.Known = true
	return e
}

// fallbackTaint explains a taint key the catalogue does not know, from its
// domain and the common words in its name.
func fallbackTaint(key string) TaintInfo {
	domain, name, hasDomain := strings.Cut(key, "/")
	if !hasDomain {
		name, domain = key, ""
	}
	info := TaintInfo{
		Key:     key,
		Title:   "custom taint",
		Purpose: PurposeUnknown,
		Fix:     "Ask the cluster's owners which workloads this taint is meant for and add a matching toleration only to those, or remove it with kubectl taint nodes NODE " + key + "- if it is stale.",
	}
	var who string
	switch {
	case domain == "":
		info.SetBy = "an administrator or a tool (keys without a domain are usually set by hand or in a node pool's settings)"
		who = "an administrator or a tool, by hand or in a node pool's settings"
	case domain == "kubernetes.io" || strings.HasSuffix(domain, ".kubernetes.io") ||
		domain == "k8s.io" || strings.HasSuffix(domain, ".k8s.io"):
		info.SetBy = "most likely a Kubernetes component (the " + domain + " domain is reserved for Kubernetes)"
		who = "most likely a Kubernetes component, since the " + domain + " domain is reserved for Kubernetes"
	default:
		info.SetBy = "something under " + domain + " (a controller, an operator or a node pool setting)"
		who = "something under " + domain + ", such as a controller, an operator or a node pool setting"
	}
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "dedicated"):
		info.Title = "dedicated node pool"
		info.Purpose = PurposeReserve
		info.Meaning = "This taint was set by " + who + ". Its name follows the dedicated node pool pattern: the node is reserved for one team or workload, whose pods tolerate it."
	case strings.Contains(lower, "gpu"):
		info.Title = "GPU node"
		info.Purpose = PurposeReserve
		info.Meaning = "This taint was set by " + who + ". Its name suggests the node has GPUs and is kept for pods that use them."
	case strings.Contains(lower, "spot") || strings.Contains(lower, "preemptible"):
		info.Title = "spot node"
		info.Purpose = PurposeReserve
		info.Meaning = "This taint was set by " + who + ". Its name suggests spot or preemptible capacity, which the cloud can reclaim at short notice, and to which workloads opt in with a toleration."
	default:
		info.Meaning = "This taint was set by " + who + "."
	}
	return info
}

// EffectMeaning explains a taint effect in one plain sentence.
func EffectMeaning(effect corev1.TaintEffect) string {
	switch effect {
	case corev1.TaintEffectNoSchedule:
		return "New pods without a matching toleration are not placed on the node; the taint does not evict pods already running there."
	case corev1.TaintEffectPreferNoSchedule:
		return "The scheduler avoids the node for pods without a matching toleration but still uses it when no other node fits; the taint never blocks or evicts a pod."
	case corev1.TaintEffectNoExecute:
		return "New pods without a matching toleration are not placed on the node, and running pods without one are evicted, at once or after the tolerationSeconds their toleration sets."
	}
	return "This is not one of the effects Kubernetes defines (NoSchedule, PreferNoSchedule, NoExecute), so how it affects pods is not known."
}

// conditionCatalogue holds every node condition type the tool can explain.
var conditionCatalogue = []ConditionInfo{
	{
		Type:    corev1.NodeReady,
		Title:   "node ready",
		Healthy: corev1.ConditionTrue,
		Meaning: "The kubelet reports whether the node is healthy and can run pods (container runtime, network plugin and its own checks working). The node controller sets it to Unknown when the kubelet stops reporting.",
		WhenBad: "While it is False the node controller adds node.kubernetes.io/not-ready, and while it is Unknown node.kubernetes.io/unreachable (both NoSchedule and NoExecute): no new pods are placed, and running pods are evicted after their tolerationSeconds, 300 seconds by default.",
		Fix:     "Read the condition's reason and message with kubectl describe node NODE, then check the kubelet and container runtime on the machine (systemctl status kubelet, journalctl -u kubelet).",
	},
	{
		Type:    corev1.NodeMemoryPressure,
		Code:    CodeNodeMemoryPressure,
		Title:   "memory pressure",
		Healthy: corev1.ConditionFalse,
		Meaning: "The kubelet sets it True when the node's available memory falls below its eviction threshold (memory.available, 100Mi by default).",
		WhenBad: "The node controller adds node.kubernetes.io/memory-pressure:NoSchedule, and the kubelet evicts pods, starting with those that use more memory than they requested, until memory is back above the threshold.",
		Fix:     "Find the pods using the most memory (kubectl top pods -A --sort-by=memory), give them realistic memory requests and limits, or move work to bigger nodes.",
	},
	{
		Type:    corev1.NodeDiskPressure,
		Code:    CodeNodeDiskPressure,
		Title:   "disk pressure",
		Healthy: corev1.ConditionFalse,
		Meaning: "The kubelet sets it True when the node's root filesystem or image filesystem runs low on free space or inodes (by default below 10% free on the root filesystem or 15% on the image filesystem).",
		WhenBad: "The node controller adds node.kubernetes.io/disk-pressure:NoSchedule; the kubelet garbage-collects unused images and dead containers and, if that is not enough, evicts pods, largest users of local storage first.",
		Fix:     "Free space on the node (unused images, large container logs, big emptyDir volumes) or give the node a bigger disk.",
	},
	{
		Type:    corev1.NodePIDPressure,
		Code:    CodeNodePIDPressure,
		Title:   "process ID pressure",
		Healthy: corev1.ConditionFalse,
		Meaning: "The kubelet sets it True when few process IDs are left on the node (below its pid.available eviction threshold).",
		WhenBad: "The node controller adds node.kubernetes.io/pid-pressure:NoSchedule, and the kubelet may evict pods to free process IDs.",
		Fix:     "Find the pod that starts too many processes or threads and fix it, and cap processes per pod with the kubelet's podPidsLimit setting.",
	},
	{
		Type:    corev1.NodeNetworkUnavailable,
		Code:    CodeNodeNetworkUnavailable,
		Title:   "pod network unavailable",
		Healthy: corev1.ConditionFalse,
		Meaning: "It reports that the node's pod network is not configured; the CNI plugin or the cloud route controller sets it, and many clusters never set it at all.",
		WhenBad: "The node controller adds node.kubernetes.io/network-unavailable:NoSchedule, so new pods without a toleration are not placed there; running pods are not evicted.",
		Fix:     "Check the CNI plugin's pods on that node and their logs, and on clouds the route controller in the cloud-controller-manager.",
	},
	{
		Type:    "KernelDeadlock",
		Code:    CodeNodeKernelDeadlock,
		Title:   "kernel deadlock",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when the kernel log shows a task blocked for a long time, such as the container runtime stuck in the kernel.",
		WhenBad: "Kubernetes adds no taint and evicts nothing, but containers on the node may hang or fail to start or stop until the node is rebooted.",
		Fix:     "Drain the node (kubectl drain NODE --ignore-daemonsets --delete-emptydir-data) and reboot it; if it happens again, check the kernel and container runtime versions.",
	},
	{
		Type:    "ReadonlyFilesystem",
		Code:    CodeNodeReadonlyFilesystem,
		Title:   "read-only filesystem",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when the kernel has remounted a filesystem read-only, usually after disk I/O errors.",
		WhenBad: "Kubernetes adds no taint, but pods that write to that disk fail, and the kubelet may be unable to start new containers.",
		Fix:     "Drain the node and check the disk for errors (dmesg on the machine); replace the disk or the machine if the errors persist.",
	},
	{
		Type:    "FrequentKubeletRestart",
		Code:    CodeNodeFrequentKubeletRestart,
		Title:   "kubelet restarting often",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when the kubelet has restarted many times in a short while.",
		WhenBad: "Kubernetes adds no taint, but while the kubelet is down the node may flap between Ready and NotReady and pod status stops being updated.",
		Fix:     "Read the kubelet's log on the machine (journalctl -u kubelet) to find why it crashes, often a bad configuration, a full disk or an expired certificate.",
	},
	{
		Type:    "FrequentDockerRestart",
		Code:    CodeNodeFrequentDockerRestart,
		Title:   "Docker restarting often",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when the Docker daemon has restarted many times in a short while.",
		WhenBad: "Kubernetes adds no taint, but containers cannot be started or stopped while Docker is down, so pods on the node may fail or hang.",
		Fix:     "Read Docker's log on the machine (journalctl -u docker) to find why it crashes, and drain the node if it keeps happening.",
	},
	{
		Type:    "FrequentContainerdRestart",
		Code:    CodeNodeFrequentContainerdRestart,
		Title:   "containerd restarting often",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when containerd, the container runtime, has restarted many times in a short while.",
		WhenBad: "Kubernetes adds no taint, but containers cannot be started or stopped while containerd is down, so pods on the node may fail or hang.",
		Fix:     "Read containerd's log on the machine (journalctl -u containerd) to find why it crashes, and drain the node if it keeps happening.",
	},
	{
		Type:    "CorruptDockerOverlay2",
		Code:    CodeNodeCorruptDockerOverlay2,
		Title:   "Docker overlay2 storage corrupt",
		Healthy: corev1.ConditionFalse,
		Meaning: "node-problem-detector sets it True when Docker's log shows its overlay2 image storage is corrupt, for example after an unclean shutdown.",
		WhenBad: "Kubernetes adds no taint, but containers that use the damaged image layers fail to start.",
		Fix:     "Drain the node, then remove and pull again the damaged images (or clear Docker's storage), or replace the node.",
	},
}

// LookupCondition returns what is known of a node condition type, or a
// generic explanation (Known=false) that treats True as the unhealthy state,
// as node-problem-detector and vendor agents do.
func LookupCondition(t corev1.NodeConditionType) ConditionInfo {
	for _, c := range conditionCatalogue {
		if c.Type == t {
			c.Known = true
			return c
		}
	}
	title := string(t)
	if title == "" {
		title = "unnamed condition"
	}
	return ConditionInfo{
		Type:    t,
		Title:   title,
		Healthy: corev1.ConditionFalse,
		Meaning: "This condition is not built into Kubernetes; it is usually reported by node-problem-detector or a vendor agent, and True means the problem it names is present.",
		WhenBad: "Kubernetes itself adds no taint and evicts no pods for it, unless a repair tool in the cluster acts on it.",
		Fix:     "Read the condition's reason and message with kubectl describe node NODE, and check the agent that reports it.",
	}
}
