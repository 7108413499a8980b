package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

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
		if !v.Fits && len(v.Failures) == 1 && v.Failures[0].Plugin == "NodeResourcesFit" {
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
		return fmt.Sprintf("Evicting pods of lower priority than this one (%d) would make room on %s. The scheduler does that by itself (preemption) unless PodDisruptionBudgets or the victims' graceful shutdown hold it back; its preemption note above says how it went.", prio, shortList(now))
	case len(withHigher) > 0:
		return fmt.Sprintf("No pod there has a lower priority than this one (%d), so preemption cannot help now. With a higher PriorityClass, the scheduler could evict ordinary pods on %s to make room; use that only for pods that matter more than the ones they would push out.", prio, shortList(withHigher))
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
