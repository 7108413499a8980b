package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Placement is the answer to "why is this pod on its node?": the scheduler's
// decision recomputed as of now, filters then scores.
type Placement struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Pod        string `json:"pod"`
	// Node is the node the pod is bound to; empty while it is pending.
	Node        string    `json:"node,omitempty"`
	Summary     string    `json:"summary"`
	GeneratedAt time.Time `json:"generatedAt"`
	// ScheduledAt is when the pod was bound to its node, when known.
	ScheduledAt *time.Time `json:"scheduledAt,omitempty"`
	// BoundBy is the field manager that bound the pod (kube-scheduler for
	// the default scheduler), or that set spec.nodeName at creation.
	BoundBy string `json:"boundBy,omitempty"`
	// Scored is true when the scheduler chose among nodes by score: more
	// than one node passed the filters and a scheduler bound the pod.
	Scored bool `json:"scored"`
	// Profile names the scheduler profile the scores follow.
	Profile string `json:"profile,omitempty"`
	// Nodes counts the cluster's nodes, Feasible those that pass the
	// filters for the pod, and Searched how many feasible nodes the
	// scheduler looks for before it stops (percentageOfNodesToScore).
	Nodes    int `json:"nodes"`
	Feasible int `json:"feasible"`
	Searched int `json:"searched,omitempty"`
	// Plugins are the score plugins that scored, with their weights;
	// plugins a PreScore skipped for this pod are not among them.
	Plugins []ScorePlugin `json:"plugins,omitempty"`
	// Scores are the feasible nodes' scores, highest total first.
	Scores []NodeScore `json:"scores,omitempty"`
	// Tied are the nodes that share the highest total.
	Tied []string `json:"tied,omitempty"`
	// Decided says, in words, what set the chosen node above the next.
	Decided []string `json:"decided,omitempty"`
	// Others says, for the next nodes after the runner-up, which plugin
	// cost each the most against the chosen node.
	Others []string `json:"others,omitempty"`
	// Filtered are the nodes that fail a filter, with the scheduler's
	// reasons; FilterSummary counts them as the scheduler words them.
	Filtered      []NodeVerdict `json:"filtered,omitempty"`
	FilterSummary string        `json:"filterSummary,omitempty"`
	// Notes say what lets the pod onto its node that keeps other pods off:
	// a cordon or taints the pod tolerates.
	Notes []string `json:"notes,omitempty"`
	// Caveats say what the recomputation cannot know.
	Caveats []string       `json:"caveats,omitempty"`
	Unread  []v1alpha1.Gap `json:"unread,omitempty"`
	// From is set when the placement was explained from a dump (--from).
	From *v1alpha1.DumpSource `json:"from,omitempty"`
}

// Place explains why the snapshot's pod is on its node, as the scheduler's
// profile would decide it now, without the pod.
func Place(s *cluster.PendingSnapshot, profile *Profile, now time.Time) *Placement {
	pod := s.Pod
	p := &Placement{
		APIVersion:  v1alpha1.APIVersion,
		Kind:        v1alpha1.KindPlacement,
		Namespace:   pod.Namespace,
		Pod:         pod.Name,
		Node:        pod.Spec.NodeName,
		GeneratedAt: now.UTC(),
		Unread:      s.Gaps,
	}
	if profile == nil {
		profile = DefaultProfile()
	}
	if pod.Spec.NodeName == "" {
		p.Summary = fmt.Sprintf("The pod is not on a node yet: kubectl explain-nodes why-pending %s -n %s says why.", pod.Name, pod.Namespace)
		return p
	}
	if pod.Annotations[corev1.MirrorPodAnnotationKey] != "" {
		p.Summary = fmt.Sprintf("This is a static pod: the kubelet of %s runs it from a file on the node, and no scheduler placed it.", pod.Spec.NodeName)
		return p
	}
	binder, boundAt, bound := binding(pod)
	p.BoundBy = binder
	if !boundAt.IsZero() {
		t := boundAt.UTC()
		p.ScheduledAt = &t
	}
	if !bound {
		who := ""
		if binder != "" {
			who = " (by " + binder + ")"
		}
		p.Summary = fmt.Sprintf("The pod named its node in spec.nodeName when it was created%s: no scheduler chose %s, so there are no scores to explain.", who, pod.Spec.NodeName)
		return p
	}
	p.Profile = profile.Source
	if len(pod.ManagedFields) == 0 {
		p.Caveats = append(p.Caveats, "The pod's managed fields are not there (kubectl get and kubectl cluster-info dump leave them out), so whether a scheduler placed it, or spec.nodeName was set when it was created, cannot be told; the scores below assume a scheduler.")
	}
	if name := pod.Spec.SchedulerName; name != "" && name != profile.Name {
		p.Caveats = append(p.Caveats, fmt.Sprintf("The pod asks for scheduler %q; the scores below follow %s (%q), and %q may score differently: give its configuration with --scheduler-config.", name, profile.Source, profile.Name, name))
	}

	p.Notes = toleratedHere(pod, s.Nodes)
	in := inputOf(s)
	in.Bound = withoutPod(s.Assigned, pod)
	in.Nominated = withoutPod(s.Nominated, pod)
	in.env = newEnv(in)
	cp := pod.DeepCopy()
	cp.Spec.NodeName = ""
	verdicts, _ := evaluate(cp, in)
	p.Nodes = len(s.Nodes)
	var feasible []*nodeInfo
	counts := map[string]int{}
	chosenFits := false
	var chosenFailure string
	for _, v := range verdicts {
		if v.Fits {
			feasible = append(feasible, in.env.infos[v.Node])
			chosenFits = chosenFits || v.Node == pod.Spec.NodeName
			continue
		}
		p.Filtered = append(p.Filtered, v)
		for _, r := range v.Reasons {
			counts[r]++
		}
		if v.Node == pod.Spec.NodeName && len(v.Failures) > 0 {
			chosenFailure = v.Failures[0].Detail
		}
	}
	p.Feasible = len(feasible)
	if len(p.Filtered) > 0 {
		p.FilterSummary = filterSummary(len(s.Nodes), counts)
	}
	p.Searched = numFeasibleNodesToFind(profile.PercentageOfNodesToScore, len(s.Nodes))
	if p.Searched < len(feasible) {
		p.Caveats = append(p.Caveats, fmt.Sprintf("In a cluster of %d nodes the scheduler stops filtering once it has found %d feasible nodes (percentageOfNodesToScore), starting where its previous search ended, and scores only those: which of the %d feasible nodes it scored is not known, and the plugins that normalise over the nodes scored (taints, node affinity, spread, pod affinity) may have given other numbers than the ones below, which are over all of them.", len(s.Nodes), p.Searched, len(feasible)))
	}
	p.Caveats = append(p.Caveats, changedSince(s, pod, boundAt, now)...)
	for _, e := range s.Events {
		if e.Reason == "FailedScheduling" && e.Source.Component != "karpenter" {
			p.Caveats = append(p.Caveats, "The scheduler could not place the pod at first (FailedScheduling). If it then made room by preempting pods, it placed the pod on the node it had nominated without scoring the others; the scores below show how the nodes compare now.")
			break
		}
	}
	if !s.NodesRead || !s.AssignedRead {
		p.Caveats = append(p.Caveats, "The nodes or the pods on them could not be read: the recomputation below is incomplete.")
	}

	if !chosenFits {
		if _, ok := in.env.infos[pod.Spec.NodeName]; !ok {
			p.Summary = fmt.Sprintf("The pod's node %s is no longer in the cluster, so its choice cannot be recomputed.", pod.Spec.NodeName)
			return p
		}
		p.Caveats = append(p.Caveats, fmt.Sprintf("Today %s would not pass the scheduler's filters for this pod (%s); it did when the pod was placed.", pod.Spec.NodeName, chosenFailure))
	}
	if len(feasible) == 1 && chosenFits {
		p.Summary = fmt.Sprintf("Only %s passes the scheduler's filters for this pod, so the scheduler placed it there without scoring.", pod.Spec.NodeName)
		return p
	}
	if len(feasible) == 0 {
		p.Summary = fmt.Sprintf("Today no node passes the scheduler's filters for this pod; when it was placed, %s did.", pod.Spec.NodeName)
		return p
	}

	sc := &scoring{pod: cp, e: in.env, nodes: s.Nodes, feasible: feasible, profile: profile, siblings: s.Siblings}
	scores, used, unknown := sc.score()
	sortScores(scores)
	p.Scored = true
	p.Plugins = used
	p.Scores = scores
	if len(unknown) > 0 {
		p.Caveats = append(p.Caveats, fmt.Sprintf("Not computed, and left out of the totals: %s (the pod's claims are scored by what the scheduler's volume and device allocators find, which this tool does not recompute).", strings.Join(unknown, ", ")))
	}
	if s.Siblings == nil || s.Siblings.OwnerKind != "" && s.Siblings.Owner == nil && s.Siblings.OwnerSet == nil {
		p.Caveats = append(p.Caveats, "The pod's controller or services could not be read: PodTopologySpread's default constraints, which count the pod's siblings, may be missing from the scores.")
	}
	if tied := topTied(scores); len(tied) > 1 {
		p.Tied = tied
	}
	p.Summary, p.Decided = decide(p, pod.Spec.NodeName, chosenFits)
	p.Others = others(p, pod.Spec.NodeName)
	return p
}

// othersShown is how many nodes after the runner-up others words.
const othersShown = 4

// others words, for the nodes after the runner-up, the plugin where each
// lost the most to the chosen node.
func others(p *Placement, chosen string) []string {
	var me *NodeScore
	for i := range p.Scores {
		if p.Scores[i].Node == chosen {
			me = &p.Scores[i]
		}
	}
	if me == nil || len(p.Decided) == 0 {
		return nil
	}
	var out []string
	seen := 0
	for i := range p.Scores {
		n := &p.Scores[i]
		if n.Node == chosen {
			continue
		}
		seen++
		if seen == 1 { // the runner-up, which Decided covers
			continue
		}
		if len(out) == othersShown {
			break
		}
		worst, at := int64(0), -1
		for j, ps := range n.Plugins {
			if d := me.Plugins[j].Weighted - ps.Weighted; d > worst {
				worst, at = d, j
			}
		}
		if at < 0 {
			continue
		}
		ps := n.Plugins[at]
		line := fmt.Sprintf("%s (%d): %s −%d", n.Node, n.Total, ps.Plugin, worst)
		if ps.Detail != "" {
			line += ": " + ps.Detail
		}
		out = append(out, line+".")
	}
	return out
}

// toleratedHere says which of its node's barriers the pod passes by
// tolerating them: the cordon, and NoSchedule or NoExecute taints.
func toleratedHere(pod *corev1.Pod, nodes []corev1.Node) []string {
	var node *corev1.Node
	for i := range nodes {
		if nodes[i].Name == pod.Spec.NodeName {
			node = &nodes[i]
		}
	}
	if node == nil {
		return nil
	}
	var notes []string
	tolerates := func(t *corev1.Taint) bool {
		return corev1helpers.TolerationsTolerateTaint(klog.Background(), pod.Spec.Tolerations, t, false)
	}
	cordon := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	if node.Spec.Unschedulable && tolerates(&cordon) {
		notes = append(notes, fmt.Sprintf("%s is cordoned, but the pod tolerates the cordon's taint (%s), so the cordon does not keep it off.", node.Name, corev1.TaintNodeUnschedulable))
	}
	var tolerated []string
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule || t.Key == corev1.TaintNodeUnschedulable || !tolerates(t) {
			continue // a taint set after the pod was placed: the filters' caveat says it
		}
		tolerated = append(tolerated, TaintString(t))
	}
	switch len(tolerated) {
	case 0:
	case 1:
		notes = append(notes, fmt.Sprintf("%s has the taint %s, which keeps other pods off; this pod tolerates it.", node.Name, tolerated[0]))
	default:
		notes = append(notes, fmt.Sprintf("%s has the taints %s, which keep other pods off; this pod tolerates them.", node.Name, strings.Join(tolerated, ", ")))
	}
	return notes
}

// withoutPod drops the pod itself from a list of bound pods: its choice is
// recomputed as the scheduler made it, before the pod was there.
func withoutPod(pods []cluster.BoundPod, pod *corev1.Pod) []cluster.BoundPod {
	for i := range pods {
		if pods[i].UID == pod.UID && pods[i].Namespace == pod.Namespace && pods[i].Name == pod.Name {
			out := make([]cluster.BoundPod, 0, len(pods)-1)
			out = append(out, pods[:i]...)
			return append(out, pods[i+1:]...)
		}
	}
	return pods
}

// binding tells how the pod got its node. The binding subresource, through
// which a scheduler binds, leaves no managed fields; a pod created with
// spec.nodeName set has the field among its creator's. So bound is true
// unless a manager set spec.nodeName, who is then manager; a scheduler's
// binding is named by the pod's schedulerName. at is when the pod was bound:
// its PodScheduled condition, which the binding sets.
func binding(pod *corev1.Pod) (manager string, at time.Time, bound bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue {
			at = c.LastTransitionTime.Time
		}
	}
	for _, m := range pod.ManagedFields {
		if m.Subresource == "" && m.FieldsV1 != nil && strings.Contains(m.FieldsV1.GetRawString(), `"f:nodeName"`) {
			return m.Manager, at, false
		}
	}
	if len(pod.ManagedFields) == 0 {
		return "", at, true // not known: kubectl get and cluster-info dump leave managed fields out
	}
	name := pod.Spec.SchedulerName
	if name == "" {
		name = corev1.DefaultSchedulerName
	}
	return name, at, true
}

// changedSince says what changed in the cluster after the pod was bound:
// the nodes and pods created since, which the scheduler did not see. Times
// are to the second, so those created in the same second count as later.
func changedSince(s *cluster.PendingSnapshot, pod *corev1.Pod, at, now time.Time) []string {
	if at.IsZero() {
		return []string{"When the pod was placed is not known: the scores below are today's, and the cluster may have changed since."}
	}
	pods, nodes := 0, 0
	for i := range s.Assigned {
		b := &s.Assigned[i]
		if b.UID != pod.UID && !b.Created.Before(at) {
			pods++
		}
	}
	for i := range s.Nodes {
		if !s.Nodes[i].CreationTimestamp.Time.Before(at) {
			nodes++
		}
	}
	ago := duration.HumanDuration(now.Sub(at))
	if pods == 0 && nodes == 0 {
		return []string{fmt.Sprintf("The pod was placed %s ago and no pod or node has been added since, so the scores below should be the ones the scheduler computed; pods deleted and labels changed since are not seen.", ago)}
	}
	var added []string
	if pods > 0 {
		added = append(added, phrase.Plural(pods, "pod")+" created")
	}
	if nodes > 0 {
		added = append(added, phrase.Plural(nodes, "node")+" added")
	}
	return []string{fmt.Sprintf("The pod was placed %s ago; since then (or in the same second) %s: the scores below are today's, not necessarily the ones the scheduler saw.", ago, strings.Join(added, " and "))}
}

// filterSummary counts the nodes that fail as the scheduler's message does.
func filterSummary(total int, counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return fmt.Sprintf("%d of %d nodes fail the filters: %s.", sum(counts, total), total, strings.Join(parts, ", "))
}

func sum(counts map[string]int, limit int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return min(n, limit)
}

// pluginWhy says, per plugin, what a higher score on the chosen node means.
var pluginWhy = map[string]string{
	PluginTaintToleration:    "fewer PreferNoSchedule taints the pod does not tolerate",
	PluginNodeAffinity:       "it matches more of the pod's preferred node affinity",
	PluginNodeResourcesFit:   "more CPU and memory left free with the pod",
	PluginBalancedAllocation: "its CPU and memory use stays more even with the pod",
	PluginImageLocality:      "it already has the pod's image",
	PluginPodTopologySpread:  "fewer of the pod's siblings run in its topology domains",
	PluginInterPodAffinity:   "pod affinity preferences (the pod's, or other pods') favour it",
	PluginDynamicResources:   "its devices suit the pod's claims better",
	PluginVolumeBinding:      "its storage suits the pod's claims better",
}

// decide words the decision: the chosen node against the next, and the
// plugins that made the difference.
func decide(p *Placement, chosen string, chosenFits bool) (string, []string) {
	var me, next *NodeScore
	for i := range p.Scores {
		if p.Scores[i].Node == chosen {
			me = &p.Scores[i]
		} else if next == nil {
			next = &p.Scores[i]
		}
	}
	if me == nil || next == nil {
		return fmt.Sprintf("The scheduler chose %s.", chosen), nil
	}
	var summary string
	switch {
	case len(p.Tied) > 1 && contains(p.Tied, chosen):
		others := make([]string, 0, len(p.Tied)-1)
		for _, n := range p.Tied {
			if n != chosen {
				others = append(others, n)
			}
		}
		summary = fmt.Sprintf("It was a tie: %s scores %d, as %s does; among nodes tied for the top score the scheduler picks one at random.", chosen, me.Total, phrase.List(others, 5, ", "))
	case p.Scores[0].Node == chosen:
		summary = fmt.Sprintf("%s scores highest for this pod: %d, against %d for %s, the runner-up.", chosen, me.Total, next.Total, next.Node)
	default:
		top := p.Scores[0]
		summary = fmt.Sprintf("Today %s scores %d, below %s's %d: the cluster has changed since the pod was placed, so today's scores do not show why the scheduler chose it.", chosen, me.Total, top.Node, top.Total)
		if !chosenFits {
			summary = fmt.Sprintf("Today %s does not pass the filters; of the nodes that do, %s scores highest (%d).", chosen, top.Node, top.Total)
		}
		return summary, nil
	}
	type diff struct {
		plugin   string
		d        int64
		mine, to string
	}
	var diffs []diff
	for i, ps := range me.Plugins {
		o := next.Plugins[i]
		if d := ps.Weighted - o.Weighted; d != 0 {
			diffs = append(diffs, diff{ps.Plugin, d, ps.Detail, o.Detail})
		}
	}
	sort.SliceStable(diffs, func(i, j int) bool { return diffs[i].d > diffs[j].d })
	var decided []string
	for _, d := range diffs {
		line := ""
		if d.d > 0 {
			line = fmt.Sprintf("%s: +%d for %s: %s.", d.plugin, d.d, chosen, pluginWhy[d.plugin])
		} else {
			line = fmt.Sprintf("%s: +%d for %s.", d.plugin, -d.d, next.Node)
		}
		if d.mine != "" && d.to != "" {
			line += fmt.Sprintf(" %s %s; %s %s.", chosen, d.mine, next.Node, d.to)
		}
		decided = append(decided, line)
	}
	if len(diffs) == 0 && len(p.Tied) < 2 {
		decided = append(decided, fmt.Sprintf("Every plugin scores %s and %s alike.", chosen, next.Node))
	}
	return summary, decided
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
