package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// pinnedNodes follows the NodeAffinity PreFilter: when every required node
// affinity term names nodes by metadata.name, only those nodes are checked.
// It returns nil when every node is checked, and an empty, non-nil set when
// the terms conflict.
func pinnedNodes(pod *corev1.Pod) map[string]bool {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return nil
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		return nil
	}
	var union map[string]bool
	for _, t := range terms {
		var names map[string]bool
		for _, r := range t.MatchFields {
			if r.Key != metav1.ObjectNameField || r.Operator != corev1.NodeSelectorOpIn {
				continue
			}
			s := map[string]bool{}
			for _, v := range r.Values {
				if names == nil || names[v] {
					s[v] = true
				}
			}
			names = s
		}
		if names == nil {
			return nil // a term without a name: every node may match
		}
		if union == nil {
			union = map[string]bool{}
		}
		for n := range names {
			union[n] = true
		}
	}
	return union
}

// pinnedList names the nodes a pod is pinned to, sorted.
func pinnedList(pinned map[string]bool) []string {
	out := make([]string, 0, len(pinned))
	for n := range pinned {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// check runs every filter on one node, as the scheduler's cycle would for
// this pod: nodes a PreFilter left out fail at once; pods of equal or higher
// priority nominated to the node count as if they ran there, and the node
// must pass with and without them.
func (e *env) check(pod *corev1.Pod, req corev1.ResourceList, n *nodeInfo) []Failure {
	if pinned := e.pinnedFor(pod); pinned != nil && !pinned[n.node.Name] {
		return []Failure{{Plugin: PluginNodeAffinity, Reasons: []string{ReasonPreFilterNodeAffinity},
			Detail: fmt.Sprintf("the pod is pinned by its node affinity (matchFields metadata.name) to %s, so the scheduler does not check this node", strings.Join(pinnedList(pinned), ", "))}}
	}
	if extra := e.nominatedOn(pod, n.node.Name); len(extra) > 0 {
		if failures := runFilters(pod, req, n.with(extra), e); len(failures) > 0 {
			return failures
		}
	}
	return runFilters(pod, req, n, e)
}

func runFilters(pod *corev1.Pod, req corev1.ResourceList, n *nodeInfo, e *env) []Failure {
	var out []Failure
	for _, f := range filters {
		if failure := f(pod, req, n, e); failure != nil {
			out = append(out, *failure)
		}
	}
	return out
}

// pinnedFor caches pinnedNodes per pod.
func (e *env) pinnedFor(pod *corev1.Pod) map[string]bool {
	if e.pins == nil {
		e.pins = map[*corev1.Pod]map[string]bool{}
	}
	p, ok := e.pins[pod]
	if !ok {
		p = pinnedNodes(pod)
		e.pins[pod] = p
	}
	return p
}

// nominatedOn returns the pods nominated to the node that the scheduler
// counts against this pod: those of equal or higher priority, itself excluded.
func (e *env) nominatedOn(pod *corev1.Pod, node string) []*cluster.BoundPod {
	list := e.nominated[node]
	if len(list) == 0 {
		return nil
	}
	prio := corev1helpers.PodPriority(pod)
	var out []*cluster.BoundPod
	for _, p := range list {
		if p.Priority >= prio && p.UID != pod.UID && !(p.Namespace == pod.Namespace && p.Name == pod.Name) {
			out = append(out, p)
		}
	}
	return out
}

// with returns a copy of the node's info with the given pods added as
// nominated: counted for resources, ports and pod (anti-)affinity.
func (n *nodeInfo) with(pods []*cluster.BoundPod) *nodeInfo {
	out := &nodeInfo{node: n.node, pods: n.pods + len(pods), requested: make(map[corev1.ResourceName]int64, len(n.requested)),
		podList: n.podList, nominated: pods}
	for k, v := range n.requested {
		out.requested[k] = v
	}
	if len(n.ports) > 0 {
		out.ports = make(map[string]string, len(n.ports))
		for k, v := range n.ports {
			out.ports[k] = v
		}
	}
	for _, p := range pods {
		for _, a := range p.Requests {
			out.requested[a.Name] += a.Value
		}
		for _, port := range p.HostPorts {
			if out.ports == nil {
				out.ports = map[string]string{}
			}
			out.ports[port] = p.Namespace + "/" + p.Name + " (nominated to run here)"
		}
	}
	return out
}

// nominatedRequest sums what the nominated pods on the node request of one
// resource.
func (n *nodeInfo) nominatedRequest(name corev1.ResourceName) int64 {
	var sum int64
	for _, p := range n.nominated {
		for _, a := range p.Requests {
			if a.Name == name {
				sum += a.Value
			}
		}
	}
	return sum
}

// nominatedNames names the nominated pods counted on the node.
func (n *nodeInfo) nominatedNames() string {
	names := make([]string, 0, len(n.nominated))
	for _, p := range n.nominated {
		names = append(names, fmt.Sprintf("%s/%s (priority %d)", p.Namespace, p.Name, p.Priority))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
