package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// Remedy is one suggested change, or set of changes, and where it was found
// to let the pod run: the tool applies exactly these changes to a copy of the
// pod or node and runs every filter again.
type Remedy struct {
	Text string `json:"text"`
	// Changes are what the remedy changes. Unless Together is set, each is
	// an alternative on its own, which lets the pod run on the nodes in its
	// own Enough.
	Changes []Change `json:"changes,omitempty"`
	// Together says every change is needed at once.
	Together bool `json:"together,omitempty"`
	// Enough lists the nodes where the changes, and nothing else, let the
	// pod pass every filter; empty for advice the tool cannot check.
	Enough []string `json:"enough,omitempty"`
}

// taintRole says what a taint is for, which decides what to advise.
type taintRole int

const (
	// roleOperator: set by the cluster's operators; tolerate it if the pod belongs there.
	roleOperator taintRole = iota
	// roleReserved: keeps nodes for other workloads (GPUs, cluster add-ons).
	roleReserved
	// roleControlPlane: keeps workloads off the control plane.
	roleControlPlane
	// roleCondition: set while a node condition holds; fix the condition.
	roleCondition
	// roleStartup: set while the node starts; it goes by itself.
	roleStartup
	// roleGoingAway: the node is being removed.
	roleGoingAway
)

// conditionTaints are set by the node controller while a node condition
// holds; the fix is the condition, not a toleration.
var conditionTaints = map[string]string{
	corev1.TaintNodeDiskPressure:       "is under disk pressure: free disk space on it (images, logs, emptyDir volumes); the node controller removes the taint once the kubelet reports enough free disk",
	corev1.TaintNodeMemoryPressure:     "is under memory pressure: free memory on it; the taint goes once the kubelet reports enough",
	corev1.TaintNodePIDPressure:        "is running out of process IDs: find the process leak on it; the taint goes once the kubelet reports enough",
	corev1.TaintNodeNotReady:           "is NotReady: bring its kubelet and container runtime back; the taint goes once the node is Ready",
	corev1.TaintNodeUnreachable:        "is unreachable (its kubelet stopped reporting): bring the node or its kubelet back; the taint goes once it reports again",
	corev1.TaintNodeNetworkUnavailable: "has no pod network yet: check the CNI plugin's pod on it",
	corev1.TaintNodeUnschedulable:      "is cordoned: `kubectl uncordon` it if it is fit for work",
}

// roleOf classifies a taint for a pod, from the taint catalogue's purpose:
// a node's state is fixed, not tolerated; a set-up taint goes by itself; a
// node being removed is no place to go; a node reserved for others is one
// only if the pod belongs there, unless it is reserved for a resource the
// pod asks for (GPUs).
func roleOf(key string, pod *corev1.Pod) taintRole {
	if explain.IsControlPlaneTaint(key) {
		return roleControlPlane
	}
	switch explain.LookupTaint(key).Purpose {
	case explain.PurposeState:
		if conditionTaints[key] != "" {
			return roleCondition
		}
		return roleGoingAway // a machine shut down or out of service
	case explain.PurposeSetUp:
		return roleStartup
	case explain.PurposeRemoval:
		return roleGoingAway
	case explain.PurposeReserve:
		if _, asks := podRequestsAny(pod)[corev1.ResourceName(key)]; asks {
			return roleOperator
		}
		return roleReserved
	}
	return roleOperator
}

func podRequestsAny(pod *corev1.Pod) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			for k, v := range c.Resources.Requests {
				out[k] = v
			}
			for k, v := range c.Resources.Limits {
				out[k] = v
			}
		}
	}
	return out
}

// rank orders remedies: restoring ordinary capacity first (a cordon, a
// node's pressure, a label a node lacks), then plain fixes of the pod (its
// requests, its selector, its host ports), loosening the pod's constraints
// next, tolerations last, and among tolerations those of nodes reserved for
// others after the rest.
func rank(c Change, pod *corev1.Pod) int {
	switch c.Kind {
	case ChangeUncordon, ChangeLabelNode:
		return 1
	case ChangeLowerRequest, ChangeSetNodeSelector, ChangeDropHostPorts:
		return 2
	case ChangeTaintCleared:
		key, _, _ := splitTaint(c.Taint)
		if roleOf(key, pod) == roleStartup {
			return 2
		}
		return 1
	case ChangeScheduleAnyway, ChangeDropPodAntiAffinity, ChangeDropPodAffinity, ChangeDropNodeAffinity:
		return 3
	case ChangeTolerate:
		key, _, _ := splitTaint(c.Taint)
		switch roleOf(key, pod) {
		case roleReserved:
			return 5
		case roleControlPlane:
			return 6
		}
		return 4
	}
	return 7
}

// remedyFinder tries changes on copies of the pod and the nodes.
type remedyFinder struct {
	pod      *corev1.Pod
	e        *env
	verdicts []NodeVerdict
	nodes    []corev1.Node
	// daemonSet is the pod's DaemonSet (namespace/name), if it has one.
	daemonSet string
	// lowerNode is, per resource, the node whose free amount a lowered
	// request aims at.
	lowerNode map[corev1.ResourceName]string
	lowered   map[string]lowered
	// byNode indexes the verdicts; req is the pod's requests.
	byNode map[string]*NodeVerdict
	req    corev1.ResourceList
}

// enough runs every filter, with the changes applied, on the candidate
// nodes and returns those that pass.
func (f *remedyFinder) enough(changes []Change, candidates []string) []string {
	if len(candidates) == 0 {
		return nil
	}
	pod, req := f.pod, f.req
	if podChanges(changes) {
		pod, req = applyToPod(f.pod, changes)
		if pod == nil {
			return nil
		}
		defer func() {
			delete(f.e.caches, pod)
			delete(f.e.pins, pod)
		}()
	}
	var out []string
	for _, name := range candidates {
		info := f.e.infos[name]
		if node := applyToNode(info.node, changes); node != info.node {
			changed := *info
			changed.node = node
			info = &changed
		}
		if len(f.e.check(pod, req, info)) == 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// candidates are the failing nodes every failure of which the changes may
// turn around; only they can pass with these changes.
func (f *remedyFinder) candidates(changes []Change) []string {
	plugins := map[string]bool{}
	onNode := map[string]bool{}
	podWide := false
	for _, c := range changes {
		for p := range c.plugins() {
			plugins[p] = true
		}
		if c.onNode() {
			onNode[c.Node] = true
		} else {
			podWide = true
		}
	}
	verdicts := f.verdicts
	if !podWide {
		verdicts = verdicts[:0:0]
		for n := range onNode {
			if v, ok := f.byNode[n]; ok {
				verdicts = append(verdicts, *v)
			}
		}
	}
	var out []string
	for _, v := range verdicts {
		if v.Fits || pinnedOut(v) {
			continue
		}
		ok := true
		for _, fl := range v.Failures {
			if !plugins[fl.Plugin] {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, v.Node)
		}
	}
	return out
}

// pinnedOut reports whether a PreFilter left the node out.
func pinnedOut(v NodeVerdict) bool {
	return len(v.Failures) == 1 && (v.Failures[0].Reasons[0] == ReasonPreFilterNodeAffinity || v.Failures[0].Reasons[0] == ReasonNodeAffinityConflict)
}

// nodeChanges lists, for one failing node, a change for each failure that
// has one; complete is false when some failure has none. Without lowering,
// a short resource is named by a LowerRequest change with no amounts.
func (f *remedyFinder) nodeChanges(v NodeVerdict, lowering bool) (changes []Change, complete bool) {
	complete = true
	for _, fl := range v.Failures {
		fixer, ok := fixers[fl.Plugin]
		if !ok {
			complete = false
			continue
		}
		cs, ok := fixer(f, v.Node, fl, lowering)
		changes = append(changes, cs...)
		complete = complete && ok
	}
	return changes, complete
}

// A fixer lists the changes that may get a node past one failed filter,
// and whether they cover the whole failure.
type fixer func(f *remedyFinder, node string, fl Failure, lowering bool) ([]Change, bool)

// fixers holds a fixer for each filter plugin that has changes to try; a
// failure of any other plugin has none.
var fixers = map[string]fixer{
	PluginNodeUnschedulable: func(_ *remedyFinder, node string, _ Failure, _ bool) ([]Change, bool) {
		return []Change{{Kind: ChangeUncordon, Node: node}}, true
	},
	PluginTaintToleration: func(f *remedyFinder, node string, fl Failure, _ bool) ([]Change, bool) {
		var out []Change
		complete := true
		for i := range fl.taints {
			t := &fl.taints[i]
			switch roleOf(t.Key, f.pod) {
			case roleCondition, roleStartup:
				out = append(out, Change{Kind: ChangeTaintCleared, Node: node, Taint: TaintString(t)})
			case roleGoingAway:
				complete = false
			default:
				out = append(out, Change{Kind: ChangeTolerate, Taint: TaintString(t)})
			}
		}
		return out, complete
	},
	PluginNodeResourcesFit: func(f *remedyFinder, _ string, fl Failure, lowering bool) ([]Change, bool) {
		var out []Change
		complete := !containsString(fl.Reasons, ReasonTooManyPods)
		for _, sf := range fl.Shortfalls {
			if sf.Free.Sign() <= 0 {
				complete = false
				continue
			}
			if !lowering {
				// The caller words one lowering per resource itself.
				out = append(out, Change{Kind: ChangeLowerRequest, Resource: sf.Resource})
				continue
			}
			c, ok := f.lowerRequest(sf.Resource, sf.Free)
			if !ok {
				complete = false
				continue
			}
			out = append(out, c)
		}
		return out, complete
	},
	PluginNodeAffinity: func(f *remedyFinder, node string, _ Failure, _ bool) ([]Change, bool) {
		return f.affinityChanges(f.e.infos[node].node)
	},
	PluginNodePorts: func(*remedyFinder, string, Failure, bool) ([]Change, bool) {
		return []Change{{Kind: ChangeDropHostPorts}}, true
	},
	PluginInterPodAffinity: func(_ *remedyFinder, _ string, fl Failure, _ bool) ([]Change, bool) {
		switch fl.Reasons[0] {
		case ReasonPodAffinity:
			return []Change{{Kind: ChangeDropPodAffinity}}, true
		case ReasonPodAntiAffinity:
			return []Change{{Kind: ChangeDropPodAntiAffinity}}, true
		}
		return nil, false // other pods' anti-affinity: theirs to change
	},
	PluginPodTopologySpread: func(_ *remedyFinder, _ string, fl Failure, _ bool) ([]Change, bool) {
		if fl.Reasons[0] == ReasonTopologySpread {
			return []Change{{Kind: ChangeScheduleAnyway}}, true
		}
		return nil, false
	},
}

// affinityChanges are the changes that may get the node past the pod's node
// selector: labelling the node with a key=value no node has, or setting a
// selector key to a value some node has (a typo); dropping the required
// node affinity. DaemonSet pods get none: their affinity pins them to a node.
func (f *remedyFinder) affinityChanges(node *corev1.Node) ([]Change, bool) {
	if f.daemonSet != "" {
		return nil, false
	}
	var out []Change
	complete := true
	keys := make([]string, 0, len(f.pod.Spec.NodeSelector))
	for k := range f.pod.Spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := f.pod.Spec.NodeSelector[k]
		if have, ok := node.Labels[k]; ok && have == want {
			continue
		}
		switch {
		case k == corev1.LabelHostname:
			complete = false
		case anyNodeHas(f.nodes, k, want):
			complete = false // the selector aims at other nodes
		case systemLabels[k]:
			// Set by the kubelet or the cloud: nodes are not labelled by
			// hand, the selector names a value that does not exist.
			if have, ok := node.Labels[k]; ok {
				out = append(out, Change{Kind: ChangeSetNodeSelector, Key: k, Value: have})
			} else {
				complete = false
			}
		default:
			out = append(out, Change{Kind: ChangeLabelNode, Node: node.Name, Key: k, Value: want})
		}
	}
	if a := f.pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		out = append(out, Change{Kind: ChangeDropNodeAffinity})
	}
	return out, complete
}

// systemLabels are node labels the kubelet or the cloud provider sets; a
// selector that no node matches on them has a wrong value.
var systemLabels = map[string]bool{
	corev1.LabelTopologyZone: true, corev1.LabelTopologyRegion: true,
	corev1.LabelFailureDomainBetaZone: true, corev1.LabelFailureDomainBetaRegion: true,
	corev1.LabelInstanceTypeStable: true, corev1.LabelInstanceType: true,
	corev1.LabelOSStable: true, corev1.LabelArchStable: true,
	"beta.kubernetes.io/os": true, "beta.kubernetes.io/arch": true,
}

// labelValues lists the values nodes have for a label key, sorted.
func labelValues(nodes []corev1.Node, key string) []string {
	seen := map[string]bool{}
	var out []string
	for i := range nodes {
		if v, ok := nodes[i].Labels[key]; ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// changeKey groups changes into one remedy: node changes of one kind (and
// taint or label) on several nodes, and the values a selector key could be
// set to, are alternatives within it.
func changeKey(c Change) string {
	key := string(c.Kind) + "|" + c.Taint + "|" + string(c.Resource) + "|" + c.Key
	switch c.Kind {
	case ChangeLowerRequest:
		key += "|" + c.Target.String()
	case ChangeLabelNode:
		key += "=" + c.Value
	}
	return key
}

// remedies finds the changes that let the pod run somewhere, each checked
// by running every filter again with only that change, the best first; when
// no single change is enough, the smallest set of changes that is; and
// advice for what no change the tool can try would solve.
func remedies(pod *corev1.Pod, verdicts []NodeVerdict, e *env, nodes []corev1.Node) []Remedy {
	f := &remedyFinder{pod: pod, e: e, verdicts: verdicts, nodes: nodes, daemonSet: daemonSetOf(pod), byNode: make(map[string]*NodeVerdict, len(verdicts))}
	for i := range verdicts {
		f.byNode[verdicts[i].Node] = &verdicts[i]
	}
	_, f.req = applyToPod(pod, nil)
	out := tooBig(pod, verdicts, e)
	found := f.singles()
	out = append(out, found...)
	if len(found) == 0 {
		if r, ok := f.combination(); ok {
			out = append(out, r)
		}
	}
	return append(out, f.advice()...)
}

// changeGroup is the changes of one kind that nodes' failures suggest:
// node changes of one kind, one per node, are alternatives.
type changeGroup struct {
	changes []Change
	seen    map[string]bool
	rank    int
}

// suggested gathers every change some node's failures suggest, in groups, in
// the order they first come.
func (f *remedyFinder) suggested() []*changeGroup {
	groups := map[string]*changeGroup{}
	var order []*changeGroup
	lowered := map[corev1.ResourceName]bool{}
	for _, v := range f.verdicts {
		if v.Fits || pinnedOut(v) {
			continue
		}
		cs, _ := f.nodeChanges(v, false)
		for _, c := range cs {
			if c.Kind == ChangeLowerRequest {
				if lowered[c.Resource] {
					continue
				}
				lowered[c.Resource] = true
				if c = f.bestLowering(c.Resource); c.Kind == "" {
					continue
				}
			}
			key := changeKey(c)
			g, ok := groups[key]
			if !ok {
				g = &changeGroup{rank: rank(c, f.pod), seen: map[string]bool{}}
				groups[key] = g
				order = append(order, g)
			}
			if one := c.Node + "|" + c.Value; !g.seen[one] {
				g.seen[one] = true
				g.changes = append(g.changes, c)
			}
		}
	}
	return order
}

// singles checks every suggested change alone and keeps, as remedies, those
// that let the pod run somewhere: the gentlest first, then those that open
// the most nodes.
func (f *remedyFinder) singles() []Remedy {
	var found []Remedy
	var ranks []int
	for _, g := range f.suggested() {
		r := Remedy{}
		for _, c := range g.changes {
			c.Enough = f.enough([]Change{c}, f.candidates([]Change{c}))
			if len(c.Enough) == 0 {
				continue
			}
			r.Changes = append(r.Changes, c)
			r.Enough = mergeNames(r.Enough, c.Enough)
		}
		if len(r.Enough) == 0 {
			continue
		}
		r.Text = f.text(r)
		ranks = append(ranks, g.rank)
		found = append(found, r)
	}
	idx := make([]int, len(found))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if ra, rb := ranks[idx[a]], ranks[idx[b]]; ra != rb {
			return ra < rb
		}
		return len(found[idx[a]].Enough) > len(found[idx[b]].Enough)
	})
	out := make([]Remedy, len(found))
	for i, j := range idx {
		out[i] = found[j]
	}
	return out
}

// podChanges reports whether any change is to the pod.
func podChanges(changes []Change) bool {
	for _, c := range changes {
		if !c.onNode() {
			return true
		}
	}
	return false
}

func containsChange(list []Change, c Change) bool {
	for _, x := range list {
		if changeKey(x) == changeKey(c) && x.Node == c.Node && x.Value == c.Value {
			return true
		}
	}
	return false
}

func mergeNames(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{a, b} {
		for _, n := range list {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// lowerRequest is lowerRequest for the finder's pod, remembered: many
// nodes have the same amount free.
func (f *remedyFinder) lowerRequest(name corev1.ResourceName, target resource.Quantity) (Change, bool) {
	key := string(name) + "=" + target.String()
	if r, ok := f.lowered[key]; ok {
		return r.c, r.ok
	}
	c, ok := lowerRequest(f.pod, name, target)
	if f.lowered == nil {
		f.lowered = map[string]lowered{}
	}
	f.lowered[key] = lowered{c, ok}
	return c, ok
}

type lowered struct {
	c  Change
	ok bool
}

// bestLowering is the request change for a resource: down to what the node
// with the most free has, among nodes short of that resource alone, else
// among all nodes short of it.
func (f *remedyFinder) bestLowering(name corev1.ResourceName) Change {
	var best, bestAny *Shortfall
	var bestNode, bestAnyNode string
	for _, v := range f.verdicts {
		if v.Fits || pinnedOut(v) {
			continue
		}
		for _, fl := range v.Failures {
			for i := range fl.Shortfalls {
				sf := &fl.Shortfalls[i]
				if sf.Resource != name || sf.Free.Sign() <= 0 {
					continue
				}
				if bestAny == nil || sf.Free.Cmp(bestAny.Free) > 0 {
					bestAny, bestAnyNode = sf, v.Node
				}
				if len(v.Failures) == 1 && len(fl.Reasons) == 1 && (best == nil || sf.Free.Cmp(best.Free) > 0) {
					best, bestNode = sf, v.Node
				}
			}
		}
	}
	if best == nil {
		best, bestNode = bestAny, bestAnyNode
	}
	if best == nil {
		return Change{}
	}
	if f.lowerNode == nil {
		f.lowerNode = map[corev1.ResourceName]string{}
	}
	f.lowerNode[name] = bestNode
	c, ok := f.lowerRequest(name, best.Free)
	if !ok {
		return Change{}
	}
	return c
}

// combination finds, when no single change is enough, the node that needs
// the fewest changes at once, checks them together, and names the other
// nodes where the same changes are enough.
func (f *remedyFinder) combination() (Remedy, bool) {
	var best []Change
	bestNode := ""
	// Fewer changes first; then the gentlest: the worst change ranked as
	// low as can be, then the sum of ranks.
	cost := func(cs []Change) [3]int {
		worst, sum := 0, 0
		for _, c := range cs {
			r := rank(c, f.pod)
			worst, sum = max(worst, r), sum+r
		}
		return [3]int{len(cs), worst, sum}
	}
	less := func(a, b [3]int) bool {
		for i := range a {
			if a[i] != b[i] {
				return a[i] < b[i]
			}
		}
		return false
	}
	for _, v := range f.verdicts {
		if v.Fits || pinnedOut(v) {
			continue
		}
		cs, complete := f.nodeChanges(v, true)
		if !complete || len(cs) < 2 {
			continue
		}
		cs = dedupeChanges(cs)
		if best != nil && !less(cost(cs), cost(best)) {
			continue
		}
		if len(f.enough(cs, []string{v.Node})) == 1 {
			best, bestNode = cs, v.Node
		}
	}
	if best == nil {
		return Remedy{}, false
	}
	r := Remedy{Changes: best, Together: true, Enough: f.enough(best, f.candidates(best))}
	if !containsString(r.Enough, bestNode) {
		r.Enough = mergeNames(r.Enough, []string{bestNode})
	}
	parts := make([]string, len(best))
	for i, c := range best {
		parts[i] = c.String()
		if c.Kind != ChangeTolerate {
			continue
		}
		key, _, _ := splitTaint(c.Taint)
		switch roleOf(key, f.pod) {
		case roleReserved:
			parts[i] += " (it reserves the node for other workloads: only if the pod belongs there)"
		case roleControlPlane:
			parts[i] += " (it keeps workloads off the control plane: only if the pod belongs there)"
		}
	}
	where := ""
	if f.daemonSet != "" {
		where = " (in the DaemonSet " + f.daemonSet + "'s pod template, for the pod's own changes)"
	}
	r.Text = fmt.Sprintf("No single change lets the pod run on any node. These together would let it run on %s%s: %s.", phrase.List(r.Enough, 3, ", "), where, strings.Join(parts, "; "))
	return r, true
}

func dedupeChanges(cs []Change) []Change {
	var out []Change
	for _, c := range cs {
		if !containsChange(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// text words a remedy.
func (f *remedyFinder) text(r Remedy) string {
	c := r.Changes[0]
	var nodes []string
	for _, ch := range r.Changes {
		if ch.Node != "" {
			nodes = append(nodes, ch.Node)
		}
	}
	var text string
	switch c.Kind {
	case ChangeUncordon:
		if len(nodes) == 1 {
			text = fmt.Sprintf("Uncordon %s if it is fit for work: `kubectl uncordon %s`", nodes[0], nodes[0])
		} else {
			text = fmt.Sprintf("Uncordon the nodes that are fit for work: `kubectl uncordon %s`", strings.Join(nodes, " "))
		}
	case ChangeTaintCleared:
		key, _, _ := splitTaint(c.Taint)
		if why, ok := conditionTaints[key]; ok {
			text = fmt.Sprintf("Node %s %s", strings.Join(nodes, ", "), why)
		} else {
			info := explain.LookupTaint(key)
			text = fmt.Sprintf("Node %s is still being set up (%s): the taint %s goes once that is done, so wait for it rather than tolerate it. %s", strings.Join(nodes, ", "), info.Title, c.Taint, strings.TrimSuffix(info.Fix, "."))
		}
	case ChangeTolerate:
		text = f.tolerateText(c.Taint)
	case ChangeLowerRequest:
		text = f.lowerText(c)
	case ChangeLabelNode:
		overwrite := ""
		for _, n := range r.Enough {
			if _, ok := f.e.infos[n].node.Labels[c.Key]; ok {
				overwrite = " --overwrite"
			}
		}
		text = fmt.Sprintf("No node has the label %s=%s that the pod's nodeSelector asks for: label a suitable node (`kubectl label nodes <node> %s=%s%s`) or change the pod's nodeSelector", c.Key, c.Value, c.Key, c.Value, overwrite)
	case ChangeSetNodeSelector:
		want := f.pod.Spec.NodeSelector[c.Key]
		text = fmt.Sprintf("No node has %s=%s, which the pod's nodeSelector asks for; the values nodes have are %s: correct the nodeSelector to the one meant", c.Key, want, strings.Join(labelValues(f.nodes, c.Key), ", "))
	case ChangeDropNodeAffinity:
		text = "Relax the pod's required node affinity (preferred instead of required), or label suitable nodes to match it"
	case ChangeDropHostPorts:
		text = "Free the host port, or drop hostPort from the pod and reach it through a Service instead"
	case ChangeDropPodAffinity:
		text = "The pod's required pod affinity finds no pod to join: start the pods it wants to run next to, or make the affinity preferred instead of required"
	case ChangeDropPodAntiAffinity:
		text = "The pod's required anti-affinity keeps it away from nodes where matching pods run: add nodes in other topology domains, or make it preferred instead of required"
	case ChangeScheduleAnyway:
		text = "The pod's topology spread constraint would be broken: add room in the emptier domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway"
	}
	return text + fmt.Sprintf(" (this alone would let the pod run on %s).", phrase.List(r.Enough, 3, ", "))
}

func (f *remedyFinder) tolerateText(taint string) string {
	key, value, effect := splitTaint(taint)
	toleration := fmt.Sprintf("`{key: %s, operator: %s%s, effect: %s}`", key, tolerationOperator(value), tolerationValue(value), effect)
	if f.daemonSet != "" {
		ns, name, _ := strings.Cut(f.daemonSet, "/")
		return fmt.Sprintf("The DaemonSet %s does not tolerate the taint %s, so its pod cannot run on the node it is meant for: add %s to the DaemonSet's spec.template.spec.tolerations (`kubectl -n %s edit daemonset %s`), or remove the taint if it no longer serves a purpose", f.daemonSet, taint, toleration, ns, name)
	}
	switch roleOf(key, f.pod) {
	case roleControlPlane:
		return fmt.Sprintf("The taint %s keeps ordinary workloads off the control plane; tolerate it (%s) only for pods that belong there", taint, toleration)
	case roleReserved:
		return fmt.Sprintf("The taint %s reserves nodes for other workloads (%s); tolerate it (%s) only if the pod belongs there", taint, explain.LookupTaint(key).Title, toleration)
	}
	return fmt.Sprintf("Tolerate the taint %s: add to the pod's spec.tolerations %s; or, if the taint no longer serves a purpose, remove it: `kubectl taint nodes NODE %s-`", taint, toleration, taint)
}

func (f *remedyFinder) lowerText(c Change) string {
	name := c.Resource
	req := podRequest(f.pod, name)
	src := requestSource(f.pod, name)
	text := fmt.Sprintf("Not enough %s free: the pod requests %s", name, FormatQuantity(name, req))
	if d := src.describe(name); d != "" {
		text += " (" + d + ")"
	}
	who := "the request"
	if c.Container != "" && (src.Init || len(src.Containers) > 1) {
		who = "container " + c.Container + "'s request"
		if src.Init {
			who = "init container " + c.Container + "'s request"
		}
	}
	if f.daemonSet != "" {
		who = "the DaemonSet's " + who
	}
	if who == "the request" {
		text += fmt.Sprintf("; lower it to at most %s (%s has that much free)", FormatQuantity(name, *c.Target), f.lowerNode[name])
	} else {
		text += fmt.Sprintf("; lower %s so the pod requests at most %s (%s has that much free)", who, FormatQuantity(name, *c.Target), f.lowerNode[name])
	}
	if f.anyRequested(name) {
		text += fmt.Sprintf(", free %s by scaling down other workloads", name)
	}
	return text + ", or add nodes with more"
}

// anyRequested reports whether pods already request some of the resource
// on a node short of it, so that scaling them down could free it.
func (f *remedyFinder) anyRequested(name corev1.ResourceName) bool {
	for _, v := range f.verdicts {
		for _, fl := range v.Failures {
			for _, sf := range fl.Shortfalls {
				if sf.Resource == name && f.e.infos[v.Node].requested[name] > 0 {
					return true
				}
			}
		}
	}
	return false
}

// podRequest is the pod's effective request of a resource.
func podRequest(pod *corev1.Pod, name corev1.ResourceName) resource.Quantity {
	_, req := applyToPod(pod, nil)
	return req[name]
}

// tooBig says, for each resource the pod asks more of than any node it may
// use has allocatable, that no node is big enough.
func tooBig(pod *corev1.Pod, verdicts []NodeVerdict, e *env) []Remedy {
	_, req := applyToPod(pod, nil)
	names := make([]corev1.ResourceName, 0, len(req))
	for n := range req {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return resourceOrder(names[i]) < resourceOrder(names[j]) })
	var out []Remedy
	for _, name := range names {
		want := req[name]
		if name == corev1.ResourcePods || !schedulerCounts(name) || want.IsZero() {
			continue
		}
		var largest resource.Quantity
		var largestNodes []string
		considered := 0
		for _, v := range verdicts {
			if pinnedOut(v) {
				continue
			}
			considered++
			have := e.infos[v.Node].node.Status.Allocatable[name]
			switch c := have.Cmp(largest); {
			case len(largestNodes) == 0 || c > 0:
				largest, largestNodes = have, []string{v.Node}
			case c == 0:
				largestNodes = append(largestNodes, v.Node)
			}
		}
		sort.Strings(largestNodes)
		if considered == 0 || amount(name, want) <= amount(name, largest) {
			continue
		}
		var text string
		if largest.IsZero() {
			text = fmt.Sprintf("No node offers %s: the pod requests %s and none of the %s it may use has any allocatable. Add nodes that have it (for devices, with their device plugin running), or drop the request", name, FormatQuantity(name, want), phrase.Plural(considered, "node"))
		} else {
			largestText := fmt.Sprintf("the largest node, %s, has %s allocatable", largestNodes[0], FormatQuantity(name, largest))
			if len(largestNodes) > 1 {
				largestText = fmt.Sprintf("no node has more than %s allocatable (%s)", FormatQuantity(name, largest), phrase.List(largestNodes, 3, ", "))
			}
			text = fmt.Sprintf("No node is big enough: the pod requests %s %s and %s. Lower the request, or add nodes with more than %s %s", FormatQuantity(name, want), name, largestText, FormatQuantity(name, want), name)
		}
		out = append(out, Remedy{Text: text + "."})
	}
	return out
}

// advice words what blocks nodes where no change the tool can try would
// help on its own: full nodes, other pods' anti-affinity, volumes, a pin.
func (f *remedyFinder) advice() []Remedy {
	seen := map[string]bool{}
	var out []Remedy
	add := func(key, text string) {
		if !seen[key] {
			seen[key] = true
			out = append(out, Remedy{Text: text + "."})
		}
	}
	var full []string
	for _, v := range f.verdicts {
		if !v.Fits && !pinnedOut(v) && len(v.Failures) > 0 && v.Failures[0].Plugin == PluginNodeResourcesFit && containsString(v.Failures[0].Reasons, ReasonTooManyPods) {
			full = append(full, v.Node)
		}
	}
	for _, v := range f.verdicts {
		if v.Fits || len(v.Failures) == 0 {
			continue
		}
		fl := v.Failures[0]
		switch {
		case pinnedOut(v):
			continue
		case fl.Plugin == PluginNodeResourcesFit && containsString(fl.Reasons, ReasonTooManyPods):
			if len(full) == 1 {
				add("pods", fmt.Sprintf("Node %s runs as many pods as it allows (its pods allocatable): move pods elsewhere or add nodes", full[0]))
			} else {
				add("pods", fmt.Sprintf("Nodes %s run as many pods as they allow (their pods allocatable): move pods elsewhere or add nodes", phrase.List(full, 3, ", ")))
			}
		case f.daemonSet != "":
			// A DaemonSet's pod has one node: say what takes the room
			// there, whichever check comes first.
			for _, other := range v.Failures {
				if other.Plugin == PluginNodeResourcesFit && len(other.Shortfalls) > 0 {
					add("taken:"+v.Node, fmt.Sprintf("On %s, what takes the room: %s", v.Node, f.takenBy(v.Node, other)))
				}
			}
			if fl.Plugin == PluginNodeResourcesFit && containsString(fl.Reasons, ReasonTooManyPods) {
				add("pods", fmt.Sprintf("%s runs as many pods as it allows (its pods allocatable): move pods elsewhere", v.Node))
			}
		case fl.Plugin == PluginInterPodAffinity && fl.Reasons[0] == ReasonExistingAntiAffinity:
			add("existinganti", "Pods already running have a required anti-affinity against this pod: relax theirs, or add nodes")
		case fl.Plugin == PluginVolumeBinding || fl.Plugin == PluginVolumeRestrictions || fl.Plugin == PluginVolumeZone || fl.Plugin == PluginNodeVolumeLimits:
			add("volume:"+fl.Reasons[0], "Fix the pod's volume: "+fl.Detail)
		case fl.Plugin == PluginNodeName:
			add("nodename", fmt.Sprintf("The pod names node %q in spec.nodeName; remove it or name an existing node", f.pod.Spec.NodeName))
		case fl.Plugin == PluginNodeAffinity && f.pod.Spec.NodeSelector[corev1.LabelHostname] != "":
			add("pinned", fmt.Sprintf("The pod is pinned to node %s by its nodeSelector kubernetes.io/hostname; other nodes can only take it if that selector goes", f.pod.Spec.NodeSelector[corev1.LabelHostname]))
		}
	}
	return out
}

// takenBy lists the pods on a node with the largest requests of the
// resources short there.
func (f *remedyFinder) takenBy(node string, fl Failure) string {
	info := f.e.infos[node]
	var parts []string
	for _, sf := range fl.Shortfalls {
		type use struct {
			name string
			v    int64
		}
		var uses []use
		for _, p := range info.podList {
			for _, a := range p.Requests {
				if a.Name == sf.Resource && a.Value > 0 {
					uses = append(uses, use{p.Namespace + "/" + p.Name, a.Value})
				}
			}
		}
		sort.Slice(uses, func(i, j int) bool {
			if uses[i].v != uses[j].v {
				return uses[i].v > uses[j].v
			}
			return uses[i].name < uses[j].name
		})
		var names []string
		for i, u := range uses {
			if i == 3 {
				names = append(names, fmt.Sprintf("and %d more", len(uses)-3))
				break
			}
			names = append(names, u.name+" "+FormatQuantity(sf.Resource, quantity(sf.Resource, u.v)))
		}
		if len(names) == 0 {
			names = []string{"no pod requests any"}
		}
		parts = append(parts, fmt.Sprintf("%s requested by %s", sf.Resource, strings.Join(names, ", ")))
	}
	return strings.Join(parts, "; ")
}

// daemonSetOf returns namespace/name of the pod's DaemonSet, or "".
func daemonSetOf(pod *corev1.Pod) string {
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "DaemonSet" {
		return pod.Namespace + "/" + ref.Name
	}
	return ""
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

func splitTaint(s string) (key, value, effect string) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return s, "", ""
	}
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
