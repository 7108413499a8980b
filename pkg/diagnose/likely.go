package diagnose

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Likely is where a pod no node fits would go once the cordons and taints
// that alone keep it from some nodes were lifted: those nodes scored as the
// scheduler would score them were they feasible.
type Likely struct {
	// Node is the node the pod would most likely go to; empty on a tie.
	Node string `json:"node,omitempty"`
	// Text says it in words.
	Text string `json:"text"`
	// Candidates are the nodes blocked only by a cordon or a taint, with
	// their scores, highest first.
	Candidates []NodeScore `json:"candidates"`
}

// liftable reports whether a failure goes with a change to the node alone,
// one that does not change what the scheduler scores: a cordon lifted, or a
// taint an operator set, or one a node condition or start-up sets, removed
// or tolerated. Taints that reserve a node for others (the control plane,
// GPUs the pod does not ask for) or mark it as going away are not.
func liftable(f Failure, pod *corev1.Pod) bool {
	switch f.Plugin {
	case PluginNodeUnschedulable:
		return true
	case PluginTaintToleration:
		for _, t := range f.taints {
			switch roleOf(t.Key, pod) {
			case roleReserved, roleControlPlane, roleGoingAway:
				return false
			}
		}
		return len(f.taints) > 0
	}
	return false
}

// likelyNode scores the nodes that only a cordon or a taint keeps from the
// pod; nil when there are none.
func likelyNode(pod *corev1.Pod, verdicts []NodeVerdict, e *env, nodes []corev1.Node, siblings *cluster.Siblings, remedies []Remedy) *Likely {
	var candidates []*nodeInfo
	blocked := map[string]string{}
	for _, v := range verdicts {
		if v.Fits || len(v.Failures) == 0 {
			continue
		}
		ok := true
		var what []string
		for _, f := range v.Failures {
			ok = ok && liftable(f, pod)
			if f.Plugin == PluginNodeUnschedulable {
				what = append(what, "its cordon")
			} else {
				what = append(what, "the taint "+strings.Join(f.Taints, ", "))
			}
		}
		if ok && e.infos[v.Node] != nil {
			candidates = append(candidates, e.infos[v.Node])
			blocked[v.Node] = strings.Join(what, " and ")
		}
	}
	if len(candidates) == 0 {
		return withLowerRequest(pod, remedies, e, nodes, siblings)
	}
	l := &Likely{}
	if len(candidates) == 1 {
		n := candidates[0].node.Name
		l.Node = n
		l.Text = fmt.Sprintf("Only %s is kept from the pod by nothing but %s: with that lifted, the pod would go there.", n, blocked[n])
		l.Candidates = []NodeScore{{Node: n}}
		return l
	}
	if sampled := numFeasibleNodesToFind(0, len(nodes)); len(candidates) > sampled {
		l.Text = fmt.Sprintf("%s are kept from the pod only by cordons or taints; with those lifted, the scheduler would score only the first %d of them it finds (percentageOfNodesToScore), so which one it would pick cannot be told.", phrase.Plural(len(candidates), "node"), sampled)
		return l
	}
	scores := defaultScores(pod, e, nodes, candidates, siblings)
	l.Candidates = scores
	top, next := scores[0], scores[1]
	if tied := topTied(scores); len(tied) > 1 {
		l.Text = fmt.Sprintf("%s are kept from the pod only by cordons or taints; with those lifted, %s would tie for the top score (%d): the scheduler would pick one of them at random.",
			phrase.Plural(len(candidates), "node"), phrase.List(tied, 5, " and "), top.Total)
		return l
	}
	l.Node = top.Node
	l.Text = fmt.Sprintf("%s are kept from the pod only by cordons or taints; with those lifted, the pod would most likely go to %s (now kept off by %s): it would score %d, against %d for %s, the next (the scheduler's default profile, with the cluster as it is now).",
		phrase.Plural(len(candidates), "node"), top.Node, blocked[top.Node], top.Total, next.Total, next.Node)
	return l
}

// withLowerRequest says where the pod would go with the first fix when that
// fix is a lower request (resources are all that keep it off the nodes):
// the nodes where that alone is enough, scored with the lowered request.
func withLowerRequest(pod *corev1.Pod, remedies []Remedy, e *env, nodes []corev1.Node, siblings *cluster.Siblings) *Likely {
	if len(remedies) == 0 || len(remedies[0].Changes) != 1 {
		return nil
	}
	c := remedies[0].Changes[0]
	enough := c.Enough
	if len(enough) == 0 {
		enough = remedies[0].Enough
	}
	if c.Kind != ChangeLowerRequest || len(enough) == 0 || c.Target == nil {
		return nil
	}
	changed, _ := applyToPod(pod, []Change{c})
	if changed == nil {
		return nil
	}
	var feasible []*nodeInfo
	for _, name := range enough {
		if n := e.infos[name]; n != nil {
			feasible = append(feasible, n)
		}
	}
	if len(feasible) == 0 {
		return nil
	}
	fix := fmt.Sprintf("the first fix (the pod requesting at most %s %s)", FormatQuantity(c.Resource, *c.Target), c.Resource)
	l := &Likely{}
	if len(feasible) < 2 {
		return nil // the fix itself names the one node
	}
	if sampled := numFeasibleNodesToFind(0, len(nodes)); len(feasible) > sampled {
		return nil // the scheduler would score a sample of them: no one node to name
	}
	scores := defaultScores(changed, e, nodes, feasible, siblings)
	l.Candidates = scores
	top, next := scores[0], scores[1]
	if tied := topTied(scores); len(tied) > 1 {
		l.Text = fmt.Sprintf("With %s, %s would tie for the top score (%d): the scheduler would pick one of them at random.", fix, phrase.List(tied, 5, " and "), top.Total)
		return l
	}
	l.Node = top.Node
	l.Text = fmt.Sprintf("With %s, the pod would most likely go to %s: of the %s where that is enough, it would score highest, %d against %d for %s (the scheduler's default profile, with the cluster as it is now).",
		fix, top.Node, phrase.Plural(len(feasible), "node"), top.Total, next.Total, next.Node)
	return l
}

// defaultScores scores the feasible nodes for the pod with the scheduler's
// default profile, highest first.
func defaultScores(pod *corev1.Pod, e *env, nodes []corev1.Node, feasible []*nodeInfo, siblings *cluster.Siblings) []NodeScore {
	sc := &scoring{pod: pod, e: e, nodes: nodes, feasible: feasible, profile: DefaultProfile(), siblings: siblings}
	scores, _, _ := sc.score()
	sortScores(scores)
	return scores
}
