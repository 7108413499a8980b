package explain

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
)

// taintCauses are the conditions the node lifecycle controller sets its
// taints from, with the status that calls for each and the words for it
// (nodeConditionToTaintKeyStatusMap in pkg/controller/nodelifecycle). The
// node's healthy status is the one that contradicts a taint: True for
// Ready, False for the others; Unknown, which the controller itself sets
// on the pressure conditions of a node that stopped reporting, contradicts
// nothing.
var taintCauses = map[string]struct {
	condition       corev1.NodeConditionType
	calls, contrary corev1.ConditionStatus
	while           string
}{
	corev1.TaintNodeNotReady:           {corev1.NodeReady, corev1.ConditionFalse, corev1.ConditionTrue, "the node's Ready condition is False"},
	corev1.TaintNodeUnreachable:        {corev1.NodeReady, corev1.ConditionUnknown, corev1.ConditionTrue, "the node's Ready condition is Unknown (its kubelet stopped reporting)"},
	corev1.TaintNodeMemoryPressure:     {corev1.NodeMemoryPressure, corev1.ConditionTrue, corev1.ConditionFalse, "the node reports MemoryPressure"},
	corev1.TaintNodeDiskPressure:       {corev1.NodeDiskPressure, corev1.ConditionTrue, corev1.ConditionFalse, "the node reports DiskPressure"},
	corev1.TaintNodePIDPressure:        {corev1.NodePIDPressure, corev1.ConditionTrue, corev1.ConditionFalse, "the node reports PIDPressure"},
	corev1.TaintNodeNetworkUnavailable: {corev1.NodeNetworkUnavailable, corev1.ConditionTrue, corev1.ConditionFalse, "the node reports NetworkUnavailable"},
}

// cordonedWhile is the cause of the cordon's taint.
const cordonedWhile = "the node is cordoned (spec.unschedulable)"

// noLongerCordoned is what contradicts the cordon's taint.
const noLongerCordoned = "spec.unschedulable=false"

// TaintSetWhile says while what the node lifecycle controller keeps a taint
// on a node, for the taints it keeps in step with the node; "" for others.
func TaintSetWhile(key string) string {
	if key == corev1.TaintNodeUnschedulable {
		return cordonedWhile
	}
	return taintCauses[key].while
}

// leftOver says what contradicts a taint the node lifecycle controller
// keeps in step with the node, and since when at the latest: the later of
// the condition's last change and the taint's addition, nil when neither
// is recorded. The controller reconciles its NoSchedule condition taints
// and the cordon's on every change of the node (doNoScheduleTaintingPass)
// and removes its NoExecute not-ready and unreachable taints once Ready is
// True (markNodeAsReachable); it manages no other effect. A condition the
// node does not report contradicts nothing, and neither does Ready False
// under the unreachable taint, which the controller swaps itself.
func leftOver(n *corev1.Node, t *corev1.Taint) (string, *time.Time) {
	var since *time.Time
	later := func(at time.Time) {
		if !at.IsZero() && (since == nil || at.After(*since)) {
			u := at.UTC()
			since = &u
		}
	}
	if t.TimeAdded != nil {
		later(t.TimeAdded.Time)
	}
	if t.Key == corev1.TaintNodeUnschedulable {
		if t.Effect == corev1.TaintEffectNoSchedule && !n.Spec.Unschedulable {
			return noLongerCordoned, since
		}
		return "", nil
	}
	cause, ok := taintCauses[t.Key]
	if !ok {
		return "", nil
	}
	ready := cause.condition == corev1.NodeReady
	if t.Effect != corev1.TaintEffectNoSchedule && !(ready && t.Effect == corev1.TaintEffectNoExecute) {
		return "", nil
	}
	for _, c := range n.Status.Conditions {
		if c.Type != cause.condition || c.Status != cause.contrary {
			continue
		}
		later(c.LastTransitionTime.Time)
		return string(c.Type) + "=" + string(c.Status), since
	}
	return "", nil
}

// leftOverAfter is how long a taint may outlive its cause before the node
// lifecycle controller is taken not to be doing its job: it removes such
// a taint on the node's next update, or within its monitor period (5 s by
// default).
const leftOverAfter = time.Minute

// LeftOverStale reports whether a left-over taint is known to have
// outlived its cause for longer than the node lifecycle controller takes
// to remove it.
func (t Taint) LeftOverStale(now time.Time) bool {
	return t.LeftOver != "" && t.LeftOverSince != nil && now.Sub(*t.LeftOverSince) >= leftOverAfter
}

// LeftOverText says what contradicts a left-over taint: "the node is not
// cordoned", "the node has reported Ready=True for 5m".
func (t Taint) LeftOverText(now time.Time) string {
	switch {
	case t.LeftOver == noLongerCordoned:
		return "the node is not cordoned"
	case t.LeftOverSince != nil:
		return fmt.Sprintf("the node has reported %s for %s", t.LeftOver, shortDuration(now.Sub(*t.LeftOverSince)))
	}
	return "the node reports " + t.LeftOver
}

// leftOverFinding says which of the node's taints outlive their cause.
func leftOverFinding(n *Node, now time.Time) (nodeFinding, bool) {
	var left []Taint
	for _, t := range n.Taints {
		if t.LeftOver != "" {
			left = append(left, t)
		}
	}
	if len(left) == 0 {
		return nodeFinding{}, false
	}
	var names, sentences, stale, untimed, removals []string
	evicts := false
	for _, t := range left {
		name := phrase.Taint(t.Key, t.Value, t.Effect)
		names = append(names, name)
		sentences = append(sentences, fmt.Sprintf("%s is set while %s, and %s.", name, TaintSetWhile(t.Key), t.LeftOverText(now)))
		switch {
		case t.LeftOverStale(now):
			stale = append(stale, name)
		case t.LeftOverSince == nil:
			untimed = append(untimed, name)
		}
		removals = append(removals, t.Key+":"+t.Effect+"-")
		evicts = evicts || t.Effect == string(corev1.TaintEffectNoExecute)
	}
	k := len(left)
	title := fmt.Sprintf("taint %s outlives its cause", names[0])
	if k > 1 {
		title = fmt.Sprintf("%d taints outlive their cause: %s", k, strings.Join(names, ", "))
	}
	meaning := []string{fmt.Sprintf("The node lifecycle controller in kube-controller-manager keeps %s in step with the node and removes %s within seconds of the cause going.",
		verb(k, "this taint", "these taints"), verb(k, "it", "each"))}
	meaning = append(meaning, sentences...)
	if len(stale) > 0 {
		meaning = append(meaning, fmt.Sprintf("%s stayed longer than the controller takes, so kube-controller-manager may not be running, or may not hold its leader lease (on a managed cluster, the provider runs it).",
			verb(len(stale), strings.Join(stale, ", ")+" has", strings.Join(stale, ", ")+" have")))
	}
	if len(untimed) > 0 {
		meaning = append(meaning, fmt.Sprintf("How long %s outlived %s cause is not recorded.", verb(len(untimed), strings.Join(untimed, ", ")+" has", strings.Join(untimed, ", ")+" have"), verb(len(untimed), "its", "their")))
	}
	effect := fmt.Sprintf("Until %s, new pods without a matching toleration are not placed on the node.", verb(k, "it goes", "they go"))
	if evicts {
		effect = fmt.Sprintf("Until %s, new pods without a matching toleration are not placed on the node, and the pods there without one are evicted (most pods tolerate not-ready and unreachable for 300 s, which the DefaultTolerationSeconds admission plugin gives them).", verb(k, "it goes", "they go"))
	}
	meaning = append(meaning, effect)
	sev := SeverityInfo
	fix := fmt.Sprintf("Nothing yet: the node lifecycle controller should remove %s within seconds. If %s a minute or more, check kube-controller-manager.", verb(k, "it", "them"), verb(k, "it stays", "they stay"))
	if len(stale) > 0 {
		sev = SeverityWarning
		fix = fmt.Sprintf("Check kube-controller-manager: its pods or process, its logs, and its leader lease (`kubectl -n kube-system get lease kube-controller-manager`). With the node healthy, %s can be removed by hand: `kubectl taint nodes %s %s`.",
			verb(k, "the taint", "the taints"), n.Name, strings.Join(removals, " "))
	}
	return nodeFinding{Finding: Finding{Severity: sev, Code: CodeTaintLeftOver, Nodes: []string{n.Name}, Title: title,
		Meaning: strings.Join(meaning, " "), Fix: fix}, note: "left-over taint"}, true
}
