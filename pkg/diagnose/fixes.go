package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// conditionTaints are set by the node controller while a node condition
// holds; the fix is the condition, not a toleration.
var conditionTaints = map[string]string{
	corev1.TaintNodeDiskPressure:                     "is under disk pressure: free disk space on it (images, logs, emptyDir volumes); the node controller removes the taint once the kubelet reports enough free disk",
	corev1.TaintNodeMemoryPressure:                   "is under memory pressure: free memory on it; the taint goes once the kubelet reports enough",
	corev1.TaintNodePIDPressure:                      "is running out of process IDs: find the process leak on it; the taint goes once the kubelet reports enough",
	corev1.TaintNodeNotReady:                         "is NotReady: bring its kubelet and container runtime back; the taint goes once the node is Ready",
	corev1.TaintNodeUnreachable:                      "is unreachable (its kubelet stopped reporting): bring the node or its kubelet back; the taint goes once it reports again",
	corev1.TaintNodeNetworkUnavailable:               "has no pod network yet: check the CNI plugin's pod on it",
	corev1.TaintNodeUnschedulable:                    "is cordoned: `kubectl uncordon` it if it is fit for work",
	"node.cloudprovider.kubernetes.io/uninitialized": "has not been initialised by the cloud controller manager yet: check that it runs",
}

// fix is one suggested change and the nodes it would unblock on its own.
type fix struct {
	text   string
	enough []string // nodes where this change alone would let the pod fit
	nodes  []string // nodes it concerns
	// For a resource shortfall: the request, and the most any node where
	// lowering it would suffice has free.
	shortfall *Shortfall
	bestFree  *Shortfall
	bestNode  string
}

// noteShortfall words a resource fix: by how much the request must drop for
// the pod to fit, when some node is short of this resource alone.
func noteShortfall(f *fix, sf Shortfall, node string, single bool) {
	if f.shortfall == nil {
		f.shortfall = &sf
	}
	if single && sf.Free.Sign() > 0 && (f.bestFree == nil || sf.Free.Cmp(f.bestFree.Free) > 0) {
		f.bestFree, f.bestNode = &sf, node
	}
	name := string(sf.Resource)
	f.text = fmt.Sprintf("Not enough %s free: the pod requests %s", name, FormatQuantity(sf.Resource, f.shortfall.Requested))
	if f.bestFree != nil {
		f.text += fmt.Sprintf("; lower the request to at most %s (%s has that much free), ", FormatQuantity(sf.Resource, f.bestFree.Free), f.bestNode)
	} else {
		f.text += "; "
	}
	f.text += fmt.Sprintf("free %s by scaling down other workloads, or add nodes with more", name)
}

// fixes suggests concrete changes, those that alone would let the pod fit
// somewhere first.
func fixes(pod *corev1.Pod, verdicts []NodeVerdict, nodes []corev1.Node) []string {
	byKey := map[string]*fix{}
	var order []string
	add := func(key, text, node string, alone bool) {
		f, ok := byKey[key]
		if !ok {
			f = &fix{text: text}
			byKey[key] = f
			order = append(order, key)
		}
		f.nodes = append(f.nodes, node)
		if alone {
			f.enough = append(f.enough, node)
		}
	}
	for _, v := range verdicts {
		if v.Fits {
			continue
		}
		// The first failure is what blocks the node now; later ones only
		// matter once it is fixed, and would crowd the list.
		alone := len(v.Failures) == 1
		for _, f := range v.Failures[:1] {
			switch f.Plugin {
			case "NodeUnschedulable":
				add("uncordon", "Uncordon the node if it is fit for work: `kubectl uncordon NODE`", v.Node, alone)
			case "TaintToleration":
				for _, taint := range f.Taints {
					key, value, effect := splitTaint(taint)
					if why, ok := conditionTaints[key]; ok {
						add("cond:"+key+":"+v.Node, fmt.Sprintf("Node %s %s", v.Node, why), v.Node, alone)
						continue
					}
					text := fmt.Sprintf("Tolerate the taint %s: add to the pod's spec.tolerations `{key: %s, operator: %s%s, effect: %s}`; or, if the taint no longer serves a purpose, remove it: `kubectl taint nodes NODE %s-`",
						taint, key, tolerationOperator(value), tolerationValue(value), effect, taint)
					if key == "node-role.kubernetes.io/control-plane" || key == "node-role.kubernetes.io/master" {
						text = fmt.Sprintf("The taint %s keeps ordinary workloads off the control plane; tolerate it (`{key: %s, operator: Exists, effect: %s}`) only for pods that belong there", taint, key, effect)
					}
					add("taint:"+taint, text, v.Node, alone)
				}
			case "NodeAffinity":
				// The keys this node fails, in a stable order; a key's fix
				// alone is enough only when it is the node's one failure.
				var failing []string
				for k, val := range pod.Spec.NodeSelector {
					if have, ok := findNode(nodes, v.Node).Labels[k]; !ok || have != val {
						failing = append(failing, k)
					}
				}
				sort.Strings(failing)
				alone := alone && len(failing) <= 1
				for _, k := range failing {
					val := pod.Spec.NodeSelector[k]
					if anyNodeHas(nodes, k, val) && k != "kubernetes.io/hostname" {
						continue // some node has it: this selector is not what blocks there
					}
					if k == "kubernetes.io/hostname" {
						add("selector:"+k+"="+val, fmt.Sprintf("The pod is pinned to node %s by its nodeSelector kubernetes.io/hostname; the other nodes can only take it if that selector goes", val), v.Node, alone)
						continue
					}
					add("selector:"+k+"="+val, fmt.Sprintf("No node fits the pod's nodeSelector %s=%s: label a suitable node (`kubectl label nodes <node> %s=%s`) or change the pod's nodeSelector", k, val, k, val), v.Node, alone)
				}
				if len(pod.Spec.NodeSelector) == 0 {
					add("affinity", "Relax the pod's required node affinity, or label a suitable node to match it", v.Node, alone)
				}
			case "NodePorts":
				add("ports", "Free the host port, or drop hostPort from the pod and reach it through a Service instead", v.Node, alone)
			case "NodeResourcesFit":
				for _, r := range f.Reasons {
					if r == ReasonTooManyPods {
						add("pods", "The node runs as many pods as it allows (its pods allocatable): move pods elsewhere or add nodes", v.Node, alone)
					}
				}
				// With one short resource, lowering that request to what
				// the node has free is a complete fix for the node.
				single := alone && len(f.Shortfalls) == 1 && len(f.Reasons) == 1
				for _, sf := range f.Shortfalls {
					add("res:"+string(sf.Resource), "", v.Node, single)
					noteShortfall(byKey["res:"+string(sf.Resource)], sf, v.Node, single)
				}
			case "InterPodAffinity":
				switch f.Reasons[0] {
				case ReasonPodAffinity:
					add("podaffinity", "The pod's required pod affinity finds no pod to join on these nodes: start the pods it wants to run next to, or relax the affinity (preferred instead of required)", v.Node, alone)
				case ReasonPodAntiAffinity:
					add("antiaffinity", "The pod's required anti-affinity keeps it away from nodes where matching pods run: add nodes in other topology domains, or relax it to preferred", v.Node, alone)
				default:
					add("existinganti", "Pods already running have a required anti-affinity against this pod: relax theirs, or add nodes", v.Node, alone)
				}
			case "PodTopologySpread":
				add("spread", "The pod's topology spread constraint would be broken here: add room in the emptier domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway", v.Node, alone)
			case "VolumeBinding", "VolumeRestrictions":
				add("volume:"+f.Reasons[0], "Fix the pod's volume: "+f.Detail, v.Node, alone)
			case "NodeName":
				add("nodename", fmt.Sprintf("The pod names node %q in spec.nodeName; remove it or name an existing node", pod.Spec.NodeName), v.Node, alone)
			}
		}
	}
	// Changes that alone make a node fit come first; tolerating the
	// control-plane taint comes last, since few pods belong there.
	sort.SliceStable(order, func(i, j int) bool {
		ci, cj := strings.HasPrefix(order[i], "taint:node-role.kubernetes.io/"), strings.HasPrefix(order[j], "taint:node-role.kubernetes.io/")
		if ci != cj {
			return cj
		}
		return len(byKey[order[i]].enough) > len(byKey[order[j]].enough)
	})
	out := make([]string, 0, len(order))
	for _, k := range order {
		f := byKey[k]
		text := strings.ReplaceAll(f.text, "NODE", nodeList(f.nodes))
		if len(f.enough) > 0 {
			text += fmt.Sprintf(" (this alone would let the pod run on %s)", namesShort(f.enough))
		}
		out = append(out, text+".")
	}
	return out
}

// anyNodeHas reports whether some node has the label key=value.
func anyNodeHas(nodes []corev1.Node, key, value string) bool {
	for i := range nodes {
		if v, ok := nodes[i].Labels[key]; ok && v == value {
			return true
		}
	}
	return false
}

// nodeList names nodes for a kubectl command line.
func nodeList(nodes []string) string {
	return strings.Join(nodes, " ")
}

// namesShort names up to three nodes and counts the rest.
func namesShort(nodes []string) string {
	if len(nodes) <= 3 {
		return strings.Join(nodes, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(nodes[:3], ", "), len(nodes)-3)
}

func splitTaint(s string) (key, value, effect string) {
	i := strings.LastIndex(s, ":")
	kv, effect := s[:i], s[i+1:]
	key, value, _ = strings.Cut(kv, "=")
	return key, value, effect
}

func tolerationOperator(value string) string {
	if value == "" {
		return "Exists"
	}
	return "Equal"
}

func tolerationValue(value string) string {
	if value == "" {
		return ""
	}
	return ", value: " + value
}
