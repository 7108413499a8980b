package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// nodeInfo is one node as the scheduler's cache sees it: the node, the pods
// bound to it and what they request.
type nodeInfo struct {
	node *corev1.Node
	pods int
	// requested sums the pods' requests: millicores for cpu, whole units
	// (bytes, devices) for the rest.
	requested map[corev1.ResourceName]int64
	// nonZero sums the pods' cpu and memory requests as scoring counts
	// them (cluster.BoundPod.NonZero).
	nonZero [2]int64
	// ports maps a host port in use ("TCP/0.0.0.0:80") to the pod holding it.
	ports map[string]string
	// podList are the pods bound to the node.
	podList []*cluster.BoundPod
	// nominated are pods nominated to run on the node that the scheduler
	// counts as if they ran there (already included in pods, requested and
	// ports, not in podList).
	nominated []*cluster.BoundPod
}

// env is the cluster as the filters see it.
type env struct {
	infos map[string]*nodeInfo
	// namespaceLabels are the namespaces' labels, for namespace selectors in
	// pod affinity terms; nil when unread.
	namespaceLabels map[string]map[string]string
	volumes         *cluster.Volumes
	// nominated are the pending pods nominated to a node, by node name.
	nominated map[string][]*cluster.BoundPod
	// anti, caches and pins are computed on first use.
	anti   []antiPod
	caches map[*corev1.Pod]*affinityCache
	pins   map[*corev1.Pod]map[string]bool
}

func newNodeInfos(nodes []corev1.Node, bound []cluster.BoundPod) map[string]*nodeInfo {
	infos := make(map[string]*nodeInfo, len(nodes))
	for i := range nodes {
		infos[nodes[i].Name] = &nodeInfo{node: &nodes[i], requested: map[corev1.ResourceName]int64{}}
	}
	for i := range bound {
		p := &bound[i]
		info, ok := infos[p.NodeName]
		if !ok {
			continue
		}
		info.pods++
		info.podList = append(info.podList, p)
		for _, a := range p.Requests {
			info.requested[a.Name] += a.Value
		}
		info.nonZero[0] += p.NonZero[0]
		info.nonZero[1] += p.NonZero[1]
		for _, port := range p.HostPorts {
			if info.ports == nil {
				info.ports = map[string]string{}
			}
			info.ports[port] = p.Namespace + "/" + p.Name
		}
	}
	return infos
}

// filter is one of the scheduler's Filter plugins: nil when the node passes.
type filter func(pod *corev1.Pod, podRequests corev1.ResourceList, n *nodeInfo, e *env) *Failure

// filters are the default scheduler's node filters, in the order of its
// default profile.
var filters = []filter{
	filterNodeName,
	filterNodeUnschedulable,
	filterTaintToleration,
	filterNodeAffinity,
	filterNodePorts,
	filterNodeResourcesFit,
	filterVolumeRestrictions,
	filterNodeVolumeLimits,
	filterVolumeBinding,
	filterVolumeZone,
	filterPodTopologySpread,
	filterInterPodAffinity,
}

func filterNodeName(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	if pod.Spec.NodeName == "" || pod.Spec.NodeName == n.node.Name {
		return nil
	}
	return &Failure{Plugin: PluginNodeName, Reasons: []string{ReasonNodeName},
		Detail: fmt.Sprintf("the pod asks for node %q by spec.nodeName", pod.Spec.NodeName)}
}

func filterNodeUnschedulable(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	if !n.node.Spec.Unschedulable {
		return nil
	}
	taint := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	if corev1helpers.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, &taint, false) {
		return nil
	}
	return &Failure{Plugin: PluginNodeUnschedulable, Reasons: []string{ReasonUnschedulable},
		Detail: "the node is cordoned (spec.unschedulable): no new pods are placed on it"}
}

func filterTaintToleration(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	var untolerated []string
	var taints []corev1.Taint
	for i := range n.node.Spec.Taints {
		t := &n.node.Spec.Taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue // PreferNoSchedule never blocks
		}
		if t.Key == corev1.TaintNodeUnschedulable && n.node.Spec.Unschedulable {
			continue // the cordon's own taint: NodeUnschedulable already says it
		}
		if !corev1helpers.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, t, false) {
			untolerated = append(untolerated, TaintString(t))
			taints = append(taints, *t)
		}
	}
	if len(untolerated) == 0 {
		return nil
	}
	return &Failure{Plugin: PluginTaintToleration, Reasons: []string{ReasonUntoleratedTaint},
		Detail: "the pod does not tolerate the taint " + strings.Join(untolerated, ", "), Taints: untolerated, taints: taints}
}

// TaintString writes a taint as kubectl taint does: key=value:Effect.
func TaintString(t *corev1.Taint) string {
	return phrase.Taint(t.Key, t.Value, string(t.Effect))
}

func filterNodeAffinity(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	ok, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(n.node)
	if ok && err == nil {
		return nil
	}
	return &Failure{Plugin: PluginNodeAffinity, Reasons: []string{ReasonNodeAffinity}, Detail: affinityDetail(pod, n.node)}
}

// affinityDetail says which part of the pod's nodeSelector or required node
// affinity the node does not satisfy, and what the node has instead.
func affinityDetail(pod *corev1.Pod, node *corev1.Node) string {
	var parts []string
	keys := make([]string, 0, len(pod.Spec.NodeSelector))
	for k := range pod.Spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := pod.Spec.NodeSelector[k]
		have, ok := node.Labels[k]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("nodeSelector %s=%s: the node has no label %s", k, want, k))
		case have != want:
			parts = append(parts, fmt.Sprintf("nodeSelector %s=%s: the node has %s=%s", k, want, k, have))
		}
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		var failed []string
		matched := false
		for _, term := range terms {
			why := termMismatch(term, node)
			if why == "" {
				matched = true
				break
			}
			failed = append(failed, why)
		}
		if !matched {
			if len(terms) == 1 {
				parts = append(parts, "required node affinity "+failed[0])
			} else {
				parts = append(parts, fmt.Sprintf("none of the %d required node affinity terms matches (%s)", len(terms), strings.Join(failed, "; ")))
			}
		}
	}
	if len(parts) == 0 {
		return "the node does not match the pod's node selector or required node affinity"
	}
	return strings.Join(parts, "; ")
}

// termMismatch returns the first requirement of term the node fails, in
// words, or "" when the whole term matches.
func termMismatch(term corev1.NodeSelectorTerm, node *corev1.Node) string {
	for _, req := range term.MatchExpressions {
		one := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{req}}}}
		if ns, err := nodeaffinity.NewNodeSelector(one); err != nil {
			return fmt.Sprintf("%s is invalid: %v", requirementString(req), err)
		} else if !ns.Match(node) {
			have, ok := node.Labels[req.Key]
			if !ok {
				return fmt.Sprintf("%s: the node has no label %s", requirementString(req), req.Key)
			}
			return fmt.Sprintf("%s: the node has %s=%s", requirementString(req), req.Key, have)
		}
	}
	for _, req := range term.MatchFields {
		one := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{req}}}}
		if ns, err := nodeaffinity.NewNodeSelector(one); err != nil || !ns.Match(node) {
			return fmt.Sprintf("field %s: the node is %s", requirementString(req), node.Name)
		}
	}
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return "an empty term matches no node"
	}
	return ""
}

func requirementString(r corev1.NodeSelectorRequirement) string {
	switch r.Operator {
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		return fmt.Sprintf("%s %s", r.Key, r.Operator)
	}
	return fmt.Sprintf("%s %s [%s]", r.Key, r.Operator, strings.Join(r.Values, ", "))
}

func filterNodePorts(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	var taken []string
	for _, want := range hostPorts(pod) {
		for used, holder := range n.ports {
			if portsConflict(want, used) {
				taken = append(taken, fmt.Sprintf("host port %s is held by pod %s", strings.TrimPrefix(want, "TCP/"), holder))
			}
		}
	}
	if len(taken) == 0 {
		return nil
	}
	sort.Strings(taken)
	return &Failure{Plugin: PluginNodePorts, Reasons: []string{ReasonNodePorts}, Detail: strings.Join(taken, "; ")}
}

// hostPorts lists the host ports a pod asks for as "PROTO/IP:PORT".
func hostPorts(p *corev1.Pod) []string {
	var out []string
	add := func(cs []corev1.Container) {
		for _, c := range cs {
			for _, port := range c.Ports {
				if port.HostPort <= 0 {
					continue
				}
				ip := port.HostIP
				if ip == "" {
					ip = "0.0.0.0"
				}
				proto := string(port.Protocol)
				if proto == "" {
					proto = "TCP"
				}
				out = append(out, fmt.Sprintf("%s/%s:%d", proto, ip, port.HostPort))
			}
		}
	}
	add(p.Spec.InitContainers)
	add(p.Spec.Containers)
	return out
}

// portsConflict follows the scheduler: the same protocol and port conflict
// when either IP is 0.0.0.0 or both are equal.
func portsConflict(a, b string) bool {
	pa, ia, na := splitPort(a)
	pb, ib, nb := splitPort(b)
	return pa == pb && na == nb && (ia == ib || ia == "0.0.0.0" || ib == "0.0.0.0")
}

func splitPort(s string) (proto, ip, port string) {
	proto, rest, _ := strings.Cut(s, "/")
	i := strings.LastIndex(rest, ":")
	return proto, rest[:i], rest[i+1:]
}

func filterNodeResourcesFit(pod *corev1.Pod, req corev1.ResourceList, n *nodeInfo, _ *env) *Failure {
	var reasons, details []string
	var shortfalls []Shortfall
	alloc := n.node.Status.Allocatable
	if maxPods := alloc.Pods().Value(); int64(n.pods)+1 > maxPods {
		reasons = append(reasons, ReasonTooManyPods)
		if len(n.nominated) > 0 {
			details = append(details, fmt.Sprintf("pods: the node already runs or holds room for %d of %d allowed (%d nominated to run here: %s)", n.pods, maxPods, len(n.nominated), n.nominatedNames()))
		} else {
			details = append(details, fmt.Sprintf("pods: the node already runs %d of %d allowed", n.pods, maxPods))
		}
	}
	names := make([]corev1.ResourceName, 0, len(req))
	for name := range req {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return resourceOrder(names[i]) < resourceOrder(names[j]) })
	for _, name := range names {
		if name == corev1.ResourcePods || !schedulerCounts(name) {
			continue
		}
		want := req[name]
		if want.IsZero() {
			continue
		}
		have := alloc[name]
		if amount(name, want) <= amount(name, have)-n.requested[name] {
			continue
		}
		used := quantity(name, n.requested[name])
		free := have.DeepCopy()
		free.Sub(used)
		reasons = append(reasons, reasonInsufficientPrefix+string(name))
		shortfalls = append(shortfalls, Shortfall{Resource: name, Requested: want, Free: nonNegative(free), Allocatable: have})
		what := FormatQuantity(name, want)
		if src := requestSource(pod, name); src.Init || src.PodLevel || !src.Overhead.IsZero() {
			what += " (" + src.short(name) + ")"
		}
		if have.IsZero() {
			details = append(details, fmt.Sprintf("%s: the pod requests %s, the node has none", name, what))
			continue
		}
		reserved := ""
		if r := n.nominatedRequest(name); r > 0 {
			reserved = fmt.Sprintf(" (%s of it held for %s, nominated to run here)", FormatQuantity(name, quantity(name, r)), n.nominatedNames())
		}
		details = append(details, fmt.Sprintf("%s: the pod requests %s, %s of the node's %s allocatable is already requested%s, %s free",
			name, what, FormatQuantity(name, used), FormatQuantity(name, have), reserved, FormatQuantity(name, nonNegative(free))))
	}
	if len(reasons) == 0 {
		return nil
	}
	return &Failure{Plugin: PluginNodeResourcesFit, Reasons: reasons, Detail: strings.Join(details, "; "), Shortfalls: shortfalls}
}

// amount is a quantity as the scheduler sums it: millicores for cpu, whole
// units for everything else (so a huge memory size does not overflow).
func amount(name corev1.ResourceName, q resource.Quantity) int64 {
	if name == corev1.ResourceCPU {
		return q.MilliValue()
	}
	return q.Value()
}

// quantity turns an amount back into a Quantity for printing.
func quantity(name corev1.ResourceName, v int64) resource.Quantity {
	switch {
	case name == corev1.ResourceCPU:
		return *resource.NewMilliQuantity(v, resource.DecimalSI)
	case name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage || strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix):
		return *resource.NewQuantity(v, resource.BinarySI)
	}
	return *resource.NewQuantity(v, resource.DecimalSI)
}

// resourceOrder puts the scheduler's reasons in its order: cpu, memory,
// ephemeral-storage, then the rest by name.
func resourceOrder(name corev1.ResourceName) string {
	switch name {
	case corev1.ResourceCPU:
		return "0"
	case corev1.ResourceMemory:
		return "1"
	case corev1.ResourceEphemeralStorage:
		return "2"
	}
	return "3" + string(name)
}

// schedulerCounts reports whether NodeResourcesFit checks this resource:
// cpu, memory, ephemeral-storage, and the scalar resources (extended
// resources such as nvidia.com/gpu, hugepages, kubernetes.io/ prefixed ones).
func schedulerCounts(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return true
	}
	s := string(name)
	return strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) || strings.Contains(s, "/") && !strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix)
}

func nonNegative(q resource.Quantity) resource.Quantity {
	if q.Sign() < 0 {
		return resource.Quantity{Format: q.Format}
	}
	return q
}

// FormatQuantity prints a quantity the way people read it: cpu in cores or
// millicores, byte sizes in binary units.
func FormatQuantity(name corev1.ResourceName, q resource.Quantity) string {
	switch {
	case name == corev1.ResourceCPU:
		m := q.MilliValue()
		if m%1000 == 0 {
			return fmt.Sprintf("%d", m/1000)
		}
		return fmt.Sprintf("%dm", m)
	case name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage || strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix):
		return phrase.Bytes(q.Value())
	}
	return q.String()
}
