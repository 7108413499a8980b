package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// systemPriority is where the system-critical priority classes start; pods at
// or above it are never preempted for ordinary workloads.
const systemPriority = 2000000000

// preemptionAdvice says whether evicting lower-priority pods could make room
// for the pod, on the nodes where only resources are short.
func preemptionAdvice(pod *corev1.Pod, verdicts []NodeVerdict, e *env, req corev1.ResourceList) string {
	var candidates []string
	for _, v := range verdicts {
		if !v.Fits && len(v.Failures) == 1 && v.Failures[0].Plugin == PluginNodeResourcesFit {
			candidates = append(candidates, v.Node)
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	prio := corev1helpers.PodPriority(pod)
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return "The pod's priority class has preemptionPolicy: Never, so the scheduler will not evict other pods to make room for it."
	}
	var now, withHigher []string
	for _, name := range candidates {
		n := e.infos[name]
		if fitsAfterEvicting(n, req, func(p *cluster.BoundPod) bool { return p.Priority < prio }) {
			now = append(now, name)
		} else if fitsAfterEvicting(n, req, func(p *cluster.BoundPod) bool { return p.Priority < systemPriority }) {
			withHigher = append(withHigher, name)
		}
	}
	sort.Strings(now)
	sort.Strings(withHigher)
	switch {
	case len(now) > 0:
		return fmt.Sprintf("Evicting pods of lower priority than this one (%d) would make room on %s. The scheduler does that by itself (preemption) unless PodDisruptionBudgets or the victims' graceful shutdown hold it back; its preemption note above says how it went.", prio, phrase.List(now, 3, ", "))
	case len(withHigher) > 0:
		return fmt.Sprintf("No pod there has a lower priority than this one (%d), so preemption cannot help now. With a higher PriorityClass, the scheduler could evict ordinary pods on %s to make room; use that only for pods that matter more than the ones they would push out.", prio, phrase.List(withHigher, 3, ", "))
	}
	return "Preemption cannot help: even evicting every ordinary pod would not free enough on any node that is short only of resources."
}

// fitsAfterEvicting reports whether the pod's requests fit on the node once
// the pods chosen by evictable are gone.
func fitsAfterEvicting(n *nodeInfo, req corev1.ResourceList, evictable func(*cluster.BoundPod) bool) bool {
	alloc := n.node.Status.Allocatable
	used := map[corev1.ResourceName]int64{}
	pods := 0
	for _, p := range n.podList {
		if evictable(p) {
			continue
		}
		pods++
		for _, a := range p.Requests {
			used[a.Name] += a.Value
		}
	}
	if int64(pods)+1 > alloc.Pods().Value() {
		return false
	}
	for name, want := range req {
		if want.IsZero() || name == corev1.ResourcePods || !schedulerCounts(name) {
			continue
		}
		if amount(name, want) > amount(name, alloc[name])-used[name] {
			return false
		}
	}
	return true
}

// tolerationsYAML writes, as YAML to paste under spec: (or the pod
// template's), the tolerations of the remedies offered that are checked to
// let the pod run: never for taints of conditions, of nodes starting or
// going away, of the control plane, or of nodes reserved for other work.
func tolerationsYAML(pod *corev1.Pod, remedies []Remedy) string {
	seen := map[string]bool{}
	var lines []string
	for _, r := range remedies {
		if len(r.Enough) == 0 {
			continue
		}
		for _, c := range r.Changes {
			if c.Kind != ChangeTolerate || seen[c.Taint] {
				continue
			}
			key, value, effect := splitTaint(c.Taint)
			if roleOf(key, pod) != roleOperator {
				continue
			}
			seen[c.Taint] = true
			entry := fmt.Sprintf("- key: %s\n  operator: %s\n", yamlString(key), tolerationOperator(value))
			if value != "" {
				entry += fmt.Sprintf("  value: %s\n", yamlString(value))
			}
			entry += fmt.Sprintf("  effect: %s\n", effect)
			lines = append(lines, entry)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	sort.Strings(lines)
	return "tolerations:\n" + strings.Join(lines, "")
}

// yamlString quotes a value when YAML would otherwise read it as something
// other than a string.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~", "":
		return fmt.Sprintf("%q", s)
	}
	if strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || strings.TrimLeft(s, "0123456789.-+") == "" {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Victim is a pod the scheduler preempted for this one that is still there.
type Victim struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Priority  int32  `json:"priority"`
	// Deletion says when its deletion was requested and where its grace
	// period stands.
	Deletion string `json:"deletion"`
	// Finalizers hold the pod until whoever added them removes them.
	Finalizers []string `json:"finalizers,omitempty"`
	// Preempted is true when the scheduler's DisruptionTarget condition
	// says it preempted the pod.
	Preempted bool `json:"preempted"`
}

// PreemptionWait is a pod waiting for the pods it preempted to go.
type PreemptionWait struct {
	// Node is the node the scheduler nominated for the pod.
	Node    string   `json:"node"`
	Victims []Victim `json:"victims"`
	// NodeReady is false when the node's kubelet is not reporting, so no
	// pod on it can finish terminating.
	NodeReady bool `json:"nodeReady"`
	// FitsOnceGone says whether the pod passes every filter on the node
	// once the victims are gone.
	FitsOnceGone bool `json:"fitsOnceGone"`
}

// preemptionWait finds the pods of lower priority being deleted on the
// node the scheduler nominated for the pod: after preempting them, the
// scheduler waits until they are gone.
func preemptionWait(pod *corev1.Pod, in input, e *env, now time.Time) *PreemptionWait {
	name := pod.Status.NominatedNodeName
	info, ok := e.infos[name]
	if name == "" || !ok {
		return nil
	}
	prio := corev1helpers.PodPriority(pod)
	w := &PreemptionWait{Node: name, NodeReady: nodeReady(info.node)}
	gone := map[string]bool{}
	for i := range in.NominatedNodePods[name] {
		p := &in.NominatedNodePods[name][i]
		if p.DeletionTimestamp == nil || corev1helpers.PodPriority(p) >= prio || p.Spec.NodeName != name {
			continue
		}
		v := Victim{Namespace: p.Namespace, Name: p.Name, Priority: corev1helpers.PodPriority(p),
			Deletion: DeletionText(p.DeletionTimestamp.Time, p.DeletionGracePeriodSeconds, now), Finalizers: p.Finalizers}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonPreemptionByScheduler {
				v.Preempted = true
			}
		}
		w.Victims = append(w.Victims, v)
		gone[p.Namespace+"/"+p.Name] = true
	}
	if len(w.Victims) == 0 {
		return nil
	}
	sort.Slice(w.Victims, func(i, j int) bool {
		return w.Victims[i].Namespace+"/"+w.Victims[i].Name < w.Victims[j].Namespace+"/"+w.Victims[j].Name
	})
	var rest []cluster.BoundPod
	for _, p := range info.podList {
		if !gone[p.Namespace+"/"+p.Name] {
			rest = append(rest, *p)
		}
	}
	after := newNodeInfos([]corev1.Node{*info.node}, rest)[name]
	_, req := applyToPod(pod, nil)
	w.FitsOnceGone = len(e.check(pod, req, after)) == 0
	return w
}

// waitText words a PreemptionWait as a summary and its remedies.
func (w *PreemptionWait) waitText() (string, []Remedy) {
	names := make([]string, len(w.Victims))
	for i, v := range w.Victims {
		names[i] = v.Namespace + "/" + v.Name
	}
	summary := fmt.Sprintf("The scheduler has nominated node %s for the pod (status.nominatedNodeName) and evicted pods of lower priority there to make room; it waits for them to go before placing the pod, and will not preempt again meanwhile. Still there: %s.", w.Node, strings.Join(names, ", "))
	if w.FitsOnceGone {
		summary += fmt.Sprintf(" Once they are gone, the pod fits on %s.", w.Node)
	} else {
		summary += fmt.Sprintf(" Even once they are gone, %s does not fit the pod: the reasons below still apply.", w.Node)
	}
	var out []Remedy
	for _, v := range w.Victims {
		who := v.Namespace + "/" + v.Name
		why := fmt.Sprintf("Pod %s (priority %d) is terminating: %s", who, v.Priority, v.Deletion)
		switch {
		case !w.NodeReady:
			why += fmt.Sprintf(". Node %s is not Ready, so its kubelet cannot stop the pod's containers and confirm it: bring the node back, or, if it is gone for good, delete it (`kubectl delete node %s`) so its pods are removed", w.Node, w.Node)
		case len(v.Finalizers) > 0:
			why += fmt.Sprintf(". It is held by the finalizer %s, which the controller that added it removes; if that controller is not running, remove it by hand: `kubectl -n %s patch pod %s --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'`", joinAnd(v.Finalizers), v.Namespace, v.Name)
		default:
			why += ". It goes once its containers have stopped"
		}
		out = append(out, Remedy{Text: why + "."})
	}
	return summary, out
}
