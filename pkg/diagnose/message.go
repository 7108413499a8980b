package diagnose

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// KindMessage heads the JSON or YAML form of an explained scheduler message.
const KindMessage = "SchedulerMessage"

// MessageExplanation explains a scheduler message without a cluster.
type MessageExplanation struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	// Recognised is false when the message is not a FitError the tool knows.
	Recognised bool `json:"recognised"`
	// Nodes is how many nodes the scheduler looked at.
	Nodes   int               `json:"nodes"`
	Reasons []ReasonExplained `json:"reasons,omitempty"`
	// Preemption is the scheduler's note on preemption, if any, explained.
	Preemption        string `json:"preemption,omitempty"`
	PreemptionMeaning string `json:"preemptionMeaning,omitempty"`
	// Unrecognised is text of the message this tool could not place: a
	// note after the reasons that is not the preemption note.
	Unrecognised []string `json:"unrecognised,omitempty"`
}

// ReasonExplained is one reason of a scheduler message.
type ReasonExplained struct {
	Reason string `json:"reason"`
	// Count is how many nodes failed for it; for a PreFilter reason, all.
	Count   int    `json:"count"`
	Plugin  string `json:"plugin,omitempty"`
	Meaning string `json:"meaning"`
	Fix     string `json:"fix"`
	// Taint is the taint an older message names, if it names one.
	Taint string `json:"taint,omitempty"`
}

// reasonInfo is what is known of a scheduler reason.
type reasonInfo struct {
	plugin, meaning, fix string
}

var reasonCatalogue = map[string]reasonInfo{
	ReasonNodeName:         {"NodeName", "The pod names one node in spec.nodeName; every other node is ruled out.", "Name an existing, fitting node, or drop spec.nodeName and let the scheduler choose."},
	ReasonUnschedulable:    {"NodeUnschedulable", "These nodes are cordoned (spec.unschedulable): no new pods go there.", "`kubectl uncordon NODE` once the node is fit for work."},
	ReasonUntoleratedTaint: {"TaintToleration", "These nodes carry a NoSchedule or NoExecute taint that the pod does not tolerate. Since Kubernetes 1.35 the message no longer names the taint.", "Run `kubectl explain-nodes why-pending POD` against the cluster to see the exact taints; then add a toleration to the pod, or remove the taint if it no longer serves a purpose."},
	ReasonNodeAffinity:     {"NodeAffinity", "These nodes do not have the labels the pod's nodeSelector or required node affinity asks for.", "Compare the pod's nodeSelector and affinity with `kubectl get nodes --show-labels`; fix the selector or label a node."},
	"node(s) didn't match scheduler-enforced node affinity": {"NodeAffinity", "The scheduler profile adds a node affinity of its own, and these nodes do not match it.", "Check the scheduler configuration's addedAffinity for this profile."},
	ReasonNodePorts:               {"NodePorts", "The pod asks for a hostPort that another pod already holds on these nodes.", "Drop hostPort and use a Service, or make sure only one such pod runs per node (a DaemonSet)."},
	ReasonTooManyPods:             {"NodeResourcesFit", "These nodes already run as many pods as they allow (their pods allocatable, often 110).", "Add nodes or spread pods; raise the kubelet's maxPods only if the machines can take it."},
	ReasonPodAffinity:             {"InterPodAffinity", "The pod's required pod affinity wants to run next to pods that are not in these nodes' topology domains.", "Check that the pods it wants to join exist and run, or relax the affinity."},
	ReasonPodAntiAffinity:         {"InterPodAffinity", "The pod's required anti-affinity forbids these nodes: pods it must avoid already run in their topology domains.", "Add nodes in other domains, or relax the anti-affinity (preferred instead of required)."},
	ReasonExistingAntiAffinity:    {"InterPodAffinity", "Pods already on these nodes have a required anti-affinity against pods like this one.", "Relax the other pods' anti-affinity, or add nodes."},
	ReasonTopologySpread:          {"PodTopologySpread", "Placing the pod on these nodes would make the spread of matching pods across topology domains exceed maxSkew.", "Add capacity in the emptier domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway."},
	ReasonTopologySpreadMissLabel: {"PodTopologySpread", "These nodes lack the label the pod's topology spread constraint spreads over.", "Label the nodes with the topology key, or change the constraint."},
	ReasonUnboundImmediate:        {"VolumeBinding", "A PersistentVolumeClaim of the pod is not bound to a volume, and its storage class binds immediately, so no node can be chosen until it is.", "Check the claim (`kubectl describe pvc`): is there a matching PersistentVolume, or a provisioner for its storage class?"},
	ReasonVolumeNodeAffin:         {"VolumeBinding", "A volume the pod uses can only be attached on some nodes (a local or zonal disk), and these nodes are not among them.", "Run the pod where its volume lives, or move the data."},
	ReasonPVNotExist:              {"VolumeBinding", "A claim of the pod is bound to a PersistentVolume that no longer exists.", "Recreate the claim (its data is gone with the volume) or restore the volume."},
	"node(s) didn't find available persistent volumes to bind": {"VolumeBinding", "No free PersistentVolume that matches the pod's unbound claim can be used on these nodes.", "Create a matching PersistentVolume, or use a storage class with a provisioner."},
	"node(s) did not have enough free storage":                 {"VolumeBinding", "The storage driver reports too little free capacity on these nodes for the pod's new volumes.", "Free or add storage capacity, or ask for smaller volumes."},
	"node(s) had no available volume zone":                     {"VolumeZone", "The pod's volume lives in a zone these nodes are not in.", "Run nodes in the volume's zone, or move the data."},
	"node(s) had no available disk":                            {"VolumeRestrictions", "A disk the pod uses is already in use on these nodes in a way that cannot be shared.", "Stop the other pod using the disk, or use a separate disk."},
	ReasonRWOPInUse:                                            {"VolumeRestrictions", "The pod's claim has access mode ReadWriteOncePod and another pod already uses it.", "Stop the other pod, or use ReadWriteOnce if several pods on one node may share it."},
	"node(s) exceed max volume count":                          {"NodeVolumeLimits", "These nodes already have as many volumes of this kind attached as their driver allows.", "Spread pods with volumes over more nodes, or use larger nodes."},
	"no nodes available to schedule pods":                      {"", "The cluster has no nodes the scheduler could consider at all.", "Add nodes, or check why they are not registered (`kubectl get nodes`)."},
	"Scheduling is blocked due to non-empty scheduling gates":  {"SchedulingGates", "The pod has scheduling gates; the scheduler waits until they are removed.", "Whatever added the gates removes them when ready; look at spec.schedulingGates."},
}

var (
	namedTaintRE = regexp.MustCompile(`^node\(s\) had (?:untolerated taint|taint) \{(.*)\}`)
)

// ExplainMessage explains a scheduler message, as found in a pod's condition,
// an event, a log or CI output, with no cluster.
func ExplainMessage(msg string) *MessageExplanation {
	msg = strings.TrimSpace(msg)
	out := &MessageExplanation{APIVersion: explain.APIVersion, Kind: KindMessage, Message: msg}
	if i := strings.Index(msg, " preemption: "); i >= 0 {
		out.Preemption = strings.TrimSpace(msg[i+len(" preemption: "):])
		out.PreemptionMeaning = preemptionMeaning(out.Preemption)
	}
	if info, ok := reasonCatalogue[strings.TrimSuffix(msg, ".")]; ok {
		out.Recognised = true
		out.Reasons = []ReasonExplained{{Reason: strings.TrimSuffix(msg, "."), Plugin: info.plugin, Meaning: info.meaning, Fix: info.fix}}
		return out
	}
	total, _, ok := ParseFitError(msg)
	if !ok {
		return out
	}
	out.Recognised, out.Nodes = true, total
	body := msg[strings.Index(msg, ":")+1:]
	if i := strings.Index(body, " preemption:"); i >= 0 {
		body = body[:i]
	}
	if i := strings.Index(body, ". "); i >= 0 {
		if rest := strings.TrimSpace(body[i+2:]); rest != "" {
			out.Unrecognised = append(out.Unrecognised, rest)
		}
		body = body[:i]
	}
	body = strings.TrimRight(strings.TrimSpace(body), ".")
	for _, part := range splitReasons(body) {
		r := ReasonExplained{Reason: strings.TrimSpace(part), Count: total}
		if cm := countRE.FindStringSubmatch(r.Reason); cm != nil {
			r.Reason = cm[2]
			r.Count = atoi(cm[1])
		}
		if m := namedTaintRE.FindStringSubmatch(r.Reason); m != nil {
			r.Taint = m[1]
		}
		canonical := canonicalReason(r.Reason)
		switch info, ok := reasonCatalogue[canonical]; {
		case ok:
			r.Plugin, r.Meaning, r.Fix = info.plugin, info.meaning, info.fix
		case strings.HasPrefix(canonical, reasonInsufficientPrefx):
			res := strings.TrimPrefix(canonical, reasonInsufficientPrefx)
			r.Plugin = "NodeResourcesFit"
			r.Meaning = "The pods already on these nodes request so much " + res + " that what is left is less than this pod requests (requests count, not actual use)."
			r.Fix = "Lower the pod's " + res + " request, free " + res + " by scaling other workloads down, or add nodes with more; `kubectl explain-nodes why-pending POD` shows how much each node has free."
		case strings.HasPrefix(canonical, "persistentvolumeclaim "):
			r.Plugin = "VolumeBinding"
			r.Meaning = "A PersistentVolumeClaim the pod uses is missing, being deleted, or bound to a volume that is gone."
			r.Fix = "Create or fix the claim named in the message."
		default:
			r.Meaning = "A reason this tool does not know: it comes from another plugin, a scheduler extender or a newer Kubernetes version."
			r.Fix = "Look up the plugin that words it this way in the scheduler's configuration."
		}
		if r.Taint != "" {
			r.Meaning = "These nodes carry the taint {" + r.Taint + "} and the pod does not tolerate it."
			r.Fix = "Add a toleration for that taint to the pod, or remove the taint from the nodes if it no longer serves a purpose."
		}
		out.Reasons = append(out.Reasons, r)
	}
	sort.SliceStable(out.Reasons, func(i, j int) bool { return out.Reasons[i].Count > out.Reasons[j].Count })
	return out
}

func preemptionMeaning(p string) string {
	switch {
	case strings.Contains(p, "Preemption is not helpful"):
		return "Evicting lower-priority pods would not help on those nodes: what blocks the pod there is not a lack of room."
	case strings.Contains(p, "No preemption victims found"):
		return "The scheduler found no lower-priority pods whose eviction would make room for this one."
	case strings.Contains(p, "terminating pod on the nominated node"):
		return "The scheduler already evicted lower-priority pods on the node it nominated for this pod, and waits for them to terminate before it tries to preempt again."
	case strings.Contains(p, "preemptionPolicy=Never"):
		return "The pod's priority class forbids it to evict other pods (preemptionPolicy: Never)."
	}
	return "The scheduler's note on whether evicting lower-priority pods could make room."
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// KindPendingList heads the JSON or YAML form of a PendingList.
const KindPendingList = "PendingPodList"

// PendingList is every Pending pod of a namespace, grouped by cause.
type PendingList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Namespace is empty for all namespaces.
	Namespace   string       `json:"namespace"`
	GeneratedAt time.Time    `json:"generatedAt"`
	Pods        int          `json:"pods"`
	Groups      []CauseGroup `json:"groups"`
	// CreateFailures are controllers that could not create their pods, so
	// that no pod of theirs is pending.
	CreateFailures []CreateFailure `json:"createFailures,omitempty"`
	Unread         []cluster.Gap   `json:"unread,omitempty"`
}

// CauseGroup is the pods that share one main cause and the same kind of fix.
type CauseGroup struct {
	Cause string `json:"cause"`
	// Pods are namespace/name.
	Pods []string `json:"pods"`
	// Fix is the first suggested fix, when it is the same for every pod of
	// the group.
	Fix string `json:"fix,omitempty"`
	// PodFixes are each pod's first fix, when they differ (in the numbers,
	// say: what each pod requests).
	PodFixes []PodFix `json:"podFixes,omitempty"`
}

// PodFix is one pod's first fix.
type PodFix struct {
	Pod string `json:"pod"`
	Fix string `json:"fix"`
}

// numbersRE matches amounts in a text: 6, 2500m, 1.5Gi.
var numbersRE = regexp.MustCompile(`\d+(\.\d+)?[a-zA-Z]*`)

// firstFix is a diagnosis's first fix and the kind of change it makes, which
// groups pods: the same kinds of change to the same taints, labels and
// resources, whatever the amounts.
func (d *Diagnosis) firstFix() (text, kind string) {
	if len(d.Remedies) > 0 {
		r := d.Remedies[0]
		if len(r.Changes) == 0 {
			return r.Text, "advice:" + numbersRE.ReplaceAllString(r.Text, "#")
		}
		var parts []string
		for _, c := range r.Changes {
			parts = append(parts, string(c.Kind)+"|"+c.Taint+"|"+string(c.Resource)+"|"+c.Key+"|"+c.Node)
		}
		sort.Strings(parts)
		return r.Text, strings.Join(parts, ",")
	}
	if len(d.Fixes) > 0 {
		return d.Fixes[0], "fix:" + d.Fixes[0]
	}
	if len(d.Problems) > 0 {
		return d.Problems[0].Fix, "problem:" + d.Problems[0].Reason
	}
	return "", ""
}

// Group groups diagnoses by cause and kind of fix, the largest group first.
func Group(ds []*Diagnosis, namespace string, gaps []cluster.Gap, now time.Time) *PendingList {
	out := &PendingList{APIVersion: explain.APIVersion, Kind: KindPendingList, Namespace: namespace, GeneratedAt: now.UTC(), Pods: len(ds), Groups: []CauseGroup{}, Unread: gaps}
	index := map[string]int{}
	var fixes [][]PodFix
	for _, d := range ds {
		cause := d.Cause()
		text, kind := d.firstFix()
		key := cause + "\x00" + kind
		i, ok := index[key]
		if !ok {
			i = len(out.Groups)
			index[key] = i
			out.Groups = append(out.Groups, CauseGroup{Cause: cause})
			fixes = append(fixes, nil)
		}
		pod := d.Namespace + "/" + d.Pod
		out.Groups[i].Pods = append(out.Groups[i].Pods, pod)
		fixes[i] = append(fixes[i], PodFix{Pod: pod, Fix: text})
	}
	for i := range out.Groups {
		same := true
		for _, f := range fixes[i] {
			same = same && f.Fix == fixes[i][0].Fix
		}
		if same {
			out.Groups[i].Fix = fixes[i][0].Fix
		} else {
			out.Groups[i].PodFixes = fixes[i]
		}
	}
	sort.SliceStable(out.Groups, func(i, j int) bool { return len(out.Groups[i].Pods) > len(out.Groups[j].Pods) })
	return out
}
