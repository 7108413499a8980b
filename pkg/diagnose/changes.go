package diagnose

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// ChangeKind names one concrete change to the pod or to a node.
type ChangeKind string

// The changes the tool can try. Those marked "pod" change a copy of the pod,
// those marked "node" a copy of the node named in Change.Node.
const (
	// ChangeTolerate (pod): add a toleration for Change.Taint.
	ChangeTolerate ChangeKind = "Tolerate"
	// ChangeTaintCleared (node): Change.Taint is gone from the node, as when
	// the condition behind it clears or the component that set it at start
	// removes it.
	ChangeTaintCleared ChangeKind = "TaintCleared"
	// ChangeUncordon (node): the node is uncordoned.
	ChangeUncordon ChangeKind = "Uncordon"
	// ChangeLowerRequest (pod): Change.Container requests Change.Quantity of
	// Change.Resource, so the pod requests at most Change.Target.
	ChangeLowerRequest ChangeKind = "LowerRequest"
	// ChangeLabelNode (node): the node gets the label Change.Key=Change.Value.
	ChangeLabelNode ChangeKind = "LabelNode"
	// ChangeSetNodeSelector (pod): the nodeSelector's Change.Key becomes
	// Change.Value, a value some node has.
	ChangeSetNodeSelector ChangeKind = "SetNodeSelector"
	// ChangeDropNodeAffinity (pod): no required node affinity.
	ChangeDropNodeAffinity ChangeKind = "DropRequiredNodeAffinity"
	// ChangeDropHostPorts (pod): no hostPort in any container.
	ChangeDropHostPorts ChangeKind = "DropHostPorts"
	// ChangeDropPodAffinity (pod): no required pod affinity.
	ChangeDropPodAffinity ChangeKind = "DropRequiredPodAffinity"
	// ChangeDropPodAntiAffinity (pod): no required pod anti-affinity.
	ChangeDropPodAntiAffinity ChangeKind = "DropRequiredPodAntiAffinity"
	// ChangeScheduleAnyway (pod): every topology spread constraint becomes
	// whenUnsatisfiable: ScheduleAnyway.
	ChangeScheduleAnyway ChangeKind = "ScheduleAnyway"
)

// Change is one concrete change the tool applied to a copy of the pod or of
// a node before running every filter again.
type Change struct {
	Kind ChangeKind `json:"kind"`
	// Node is the node a node change applies to.
	Node string `json:"node,omitempty"`
	// Taint is key=value:Effect, for Tolerate and TaintCleared.
	Taint string `json:"taint,omitempty"`
	// Resource, Container and Quantity say which container's request
	// becomes what, for LowerRequest; Target is what the pod then requests.
	Resource  corev1.ResourceName `json:"resource,omitempty"`
	Container string              `json:"container,omitempty"`
	Quantity  *resource.Quantity  `json:"quantity,omitempty"`
	Target    *resource.Quantity  `json:"target,omitempty"`
	// Key and Value are the label, for LabelNode and SetNodeSelector.
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	// Enough lists the nodes where this change alone lets the pod pass
	// every filter, for a change that is one of a remedy's alternatives.
	Enough []string `json:"enough,omitempty"`
}

func (c Change) onNode() bool {
	switch c.Kind {
	case ChangeTaintCleared, ChangeUncordon, ChangeLabelNode:
		return true
	}
	return false
}

// plugins are the filters a change can turn from failing to passing.
func (c Change) plugins() map[string]bool {
	switch c.Kind {
	case ChangeTolerate:
		if key, _, _ := splitTaint(c.Taint); key == corev1.TaintNodeUnschedulable {
			return map[string]bool{PluginTaintToleration: true, PluginNodeUnschedulable: true}
		}
		return map[string]bool{PluginTaintToleration: true}
	case ChangeTaintCleared:
		return map[string]bool{PluginTaintToleration: true}
	case ChangeUncordon:
		return map[string]bool{PluginNodeUnschedulable: true, PluginTaintToleration: true}
	case ChangeLowerRequest:
		return map[string]bool{PluginNodeResourcesFit: true}
	case ChangeLabelNode, ChangeSetNodeSelector, ChangeDropNodeAffinity:
		return map[string]bool{PluginNodeAffinity: true}
	case ChangeDropHostPorts:
		return map[string]bool{PluginNodePorts: true}
	case ChangeDropPodAffinity, ChangeDropPodAntiAffinity:
		return map[string]bool{PluginInterPodAffinity: true}
	case ChangeScheduleAnyway:
		return map[string]bool{PluginPodTopologySpread: true}
	}
	return nil
}

// applyToPod returns a copy of the pod with the pod changes applied, and its
// requests; node changes are left alone. It returns nil when a change
// cannot be applied.
func applyToPod(pod *corev1.Pod, changes []Change) (*corev1.Pod, corev1.ResourceList) {
	if !podChanges(changes) {
		return pod, resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	}
	out := pod.DeepCopy()
	for _, c := range changes {
		switch c.Kind {
		case ChangeTolerate:
			key, value, effect := splitTaint(c.Taint)
			t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpEqual, Value: value, Effect: corev1.TaintEffect(effect)}
			if value == "" {
				t.Operator = corev1.TolerationOpExists
			}
			out.Spec.Tolerations = append(out.Spec.Tolerations, t)
		case ChangeLowerRequest:
			if !setRequest(out, c.Container, c.Resource, *c.Quantity) {
				return nil, nil
			}
		case ChangeSetNodeSelector:
			sel := make(map[string]string, len(out.Spec.NodeSelector))
			for k, v := range out.Spec.NodeSelector {
				sel[k] = v
			}
			sel[c.Key] = c.Value
			out.Spec.NodeSelector = sel
		case ChangeDropNodeAffinity:
			if out.Spec.Affinity != nil && out.Spec.Affinity.NodeAffinity != nil {
				out.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
			}
		case ChangeDropHostPorts:
			for _, cs := range [][]corev1.Container{out.Spec.InitContainers, out.Spec.Containers} {
				for i := range cs {
					for j := range cs[i].Ports {
						cs[i].Ports[j].HostPort = 0
						cs[i].Ports[j].HostIP = ""
					}
				}
			}
		case ChangeDropPodAffinity:
			if out.Spec.Affinity != nil && out.Spec.Affinity.PodAffinity != nil {
				out.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
			}
		case ChangeDropPodAntiAffinity:
			if out.Spec.Affinity != nil && out.Spec.Affinity.PodAntiAffinity != nil {
				out.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
			}
		case ChangeScheduleAnyway:
			for i := range out.Spec.TopologySpreadConstraints {
				out.Spec.TopologySpreadConstraints[i].WhenUnsatisfiable = corev1.ScheduleAnyway
			}
		}
	}
	return out, resourcehelper.PodRequests(out, resourcehelper.PodResourcesOptions{})
}

// applyToNode returns a copy of the node with the changes to it applied, or
// the node itself when none concerns it.
func applyToNode(n *corev1.Node, changes []Change) *corev1.Node {
	var out *corev1.Node
	for _, c := range changes {
		if !c.onNode() || c.Node != n.Name {
			continue
		}
		if out == nil {
			out = n.DeepCopy()
		}
		switch c.Kind {
		case ChangeUncordon:
			out.Spec.Unschedulable = false
			out.Spec.Taints = withoutTaint(out.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeUnschedulable })
		case ChangeTaintCleared:
			out.Spec.Taints = withoutTaint(out.Spec.Taints, func(t corev1.Taint) bool { return TaintString(&t) == c.Taint })
		case ChangeLabelNode:
			labels := make(map[string]string, len(out.Labels)+1)
			for k, v := range out.Labels {
				labels[k] = v
			}
			labels[c.Key] = c.Value
			out.Labels = labels
		}
	}
	if out == nil {
		return n
	}
	return out
}

func withoutTaint(taints []corev1.Taint, drop func(corev1.Taint) bool) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if !drop(t) {
			out = append(out, t)
		}
	}
	return out
}

// setRequest sets one container's request of a resource; "" names the
// pod-level resources.
func setRequest(pod *corev1.Pod, container string, name corev1.ResourceName, q resource.Quantity) bool {
	if container == "" {
		if pod.Spec.Resources == nil {
			return false
		}
		pod.Spec.Resources.Requests = withQuantity(pod.Spec.Resources.Requests, name, q)
		return true
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if cs[i].Name == container {
				cs[i].Resources.Requests = withQuantity(cs[i].Resources.Requests, name, q)
				if _, ok := cs[i].Resources.Limits[name]; ok && !overcommittable(name) {
					cs[i].Resources.Limits = withQuantity(cs[i].Resources.Limits, name, q)
				}
				return true
			}
		}
	}
	return false
}

func overcommittable(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage
}

func withQuantity(l corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) corev1.ResourceList {
	out := make(corev1.ResourceList, len(l)+1)
	for k, v := range l {
		out[k] = v
	}
	out[name] = q
	return out
}

// RequestSource says which part of the pod sets its request of a resource,
// as the scheduler computes it: the largest of the regular containers
// (with sidecars) and each init container (with the sidecars started before
// it), plus the overhead; pod-level resources override the containers.
type RequestSource struct {
	// Containers are the containers whose requests make up the request:
	// one init container, or the regular containers and sidecars.
	Containers []string
	// Init is true when an init container sets it.
	Init bool
	// PodLevel is true when the pod-level resources set it.
	PodLevel bool
	// Overhead is what the pod's overhead adds.
	Overhead resource.Quantity
}

// requestSource finds the RequestSource of a pod's request of a resource.
func requestSource(pod *corev1.Pod, name corev1.ResourceName) RequestSource {
	var src RequestSource
	if q, ok := pod.Spec.Overhead[name]; ok {
		src.Overhead = q
	}
	if pod.Spec.Resources != nil {
		if _, ok := pod.Spec.Resources.Requests[name]; ok {
			src.PodLevel = true
			return src
		}
	}
	var app int64
	var appNames []string
	for _, c := range pod.Spec.Containers {
		if q, ok := c.Resources.Requests[name]; ok && !q.IsZero() {
			app += amount(name, q)
			appNames = append(appNames, c.Name)
		}
	}
	var sidecars int64
	var sidecarNames []string
	best, bestInit := int64(-1), ""
	for _, c := range pod.Spec.InitContainers {
		q := c.Resources.Requests[name]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars += amount(name, q)
			if !q.IsZero() {
				sidecarNames = append(sidecarNames, c.Name)
			}
			continue
		}
		if v := amount(name, q) + sidecars; v > best {
			best, bestInit = v, c.Name
		}
	}
	if bestInit != "" && best > app+sidecars {
		src.Containers, src.Init = []string{bestInit}, true
		return src
	}
	src.Containers = append(appNames, sidecarNames...)
	return src
}

// describe words a RequestSource for a sentence: "set by init container
// migrate", "of containers app and proxy".
func (s RequestSource) describe(name corev1.ResourceName) string {
	var parts []string
	switch {
	case s.PodLevel:
		parts = append(parts, "set by the pod-level resources (spec.resources)")
	case s.Init:
		parts = append(parts, "set by init container "+s.Containers[0]+", which runs before the others and so counts alone")
	case len(s.Containers) > 1:
		parts = append(parts, "the sum of containers "+joinAnd(s.Containers))
	}
	if !s.Overhead.IsZero() {
		parts = append(parts, "with "+FormatQuantity(name, s.Overhead)+" of pod overhead from its RuntimeClass")
	}
	return strings.Join(parts, ", ")
}

// short words a RequestSource for a node's line: "set by init container
// migrate, with 250m of pod overhead".
func (s RequestSource) short(name corev1.ResourceName) string {
	var parts []string
	switch {
	case s.PodLevel:
		parts = append(parts, "set by the pod-level resources")
	case s.Init:
		parts = append(parts, "set by init container "+s.Containers[0])
	}
	if !s.Overhead.IsZero() {
		parts = append(parts, "with "+FormatQuantity(name, s.Overhead)+" of pod overhead")
	}
	return strings.Join(parts, ", ")
}

// lowerRequest finds the change that brings the pod's request of a resource
// down to target by lowering one container's request: the container that
// sets it, or the largest of the regular ones. It reports false when no one
// container can bring it down that far.
func lowerRequest(pod *corev1.Pod, name corev1.ResourceName, target resource.Quantity) (Change, bool) {
	src := requestSource(pod, name)
	current := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})[name]
	excess := amount(name, current) - amount(name, target)
	if excess <= 0 {
		return Change{}, false
	}
	var container string
	var have int64
	switch {
	case src.PodLevel:
		have = amount(name, pod.Spec.Resources.Requests[name])
	case src.Init:
		container = src.Containers[0]
		have = containerRequest(pod, container, name)
	default:
		for _, c := range src.Containers {
			if v := containerRequest(pod, c, name); v > have {
				container, have = c, v
			}
		}
	}
	if have < excess {
		return Change{}, false
	}
	q := quantity(name, have-excess)
	c := Change{Kind: ChangeLowerRequest, Resource: name, Container: container, Quantity: &q, Target: &target}
	changed, req := applyToPod(pod, []Change{c})
	if changed == nil {
		return Change{}, false
	}
	if got := req[name]; amount(name, got) > amount(name, target) {
		return Change{}, false // another part of the pod keeps the request up
	}
	return c, true
}

func containerRequest(pod *corev1.Pod, container string, name corev1.ResourceName) int64 {
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			if c.Name == container {
				return amount(name, c.Resources.Requests[name])
			}
		}
	}
	return 0
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// String words a change for a list: "uncordon worker-1".
func (c Change) String() string {
	switch c.Kind {
	case ChangeTolerate:
		return "tolerate the taint " + c.Taint
	case ChangeTaintCleared:
		key, _, _ := splitTaint(c.Taint)
		if info := explain.LookupTaint(key); info.Purpose == explain.PurposeSetUp {
			return fmt.Sprintf("wait for the taint %s to go from %s (%s)", c.Taint, c.Node, info.Title)
		}
		return fmt.Sprintf("node %s recovers, so the node controller removes the taint %s", c.Node, c.Taint)
	case ChangeUncordon:
		return "uncordon " + c.Node
	case ChangeLowerRequest:
		who := "container " + c.Container
		if c.Container == "" {
			who = "the pod-level resources"
		}
		return fmt.Sprintf("lower the %s request of %s to %s (the pod then requests %s)", c.Resource, who, FormatQuantity(c.Resource, *c.Quantity), FormatQuantity(c.Resource, *c.Target))
	case ChangeLabelNode:
		return fmt.Sprintf("label %s with %s=%s", c.Node, c.Key, c.Value)
	case ChangeSetNodeSelector:
		return fmt.Sprintf("set the pod's nodeSelector %s to %s", c.Key, c.Value)
	case ChangeDropNodeAffinity:
		return "drop the pod's required node affinity"
	case ChangeDropHostPorts:
		return "drop the pod's hostPorts"
	case ChangeDropPodAffinity:
		return "drop the pod's required pod affinity"
	case ChangeDropPodAntiAffinity:
		return "drop the pod's required pod anti-affinity"
	case ChangeScheduleAnyway:
		return "make its topology spread constraints whenUnsatisfiable: ScheduleAnyway"
	}
	return string(c.Kind)
}
