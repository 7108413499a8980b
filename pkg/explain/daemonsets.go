package explain

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// daemonSetFindings names the DaemonSets whose pods are missing or not ready
// on some of the nodes they select: what they do for those nodes (logs,
// networking, metrics, storage) is not done there. kube-proxy has its own
// finding. Only the nodes explained are named.
func daemonSetFindings(s *cluster.Snapshot, explained []Node) []Finding {
	nodes := make(map[string]bool, len(explained))
	for _, n := range explained {
		nodes[n.Name] = true
	}
	var out []Finding
	for _, ds := range s.DaemonSets {
		want, ready := ds.Status.DesiredNumberScheduled, ds.Status.NumberReady
		if want == 0 || ready >= want || ds.Namespace == "kube-system" && ds.Name == "kube-proxy" {
			continue
		}
		// Placed are its pods bound to a node, counted from the pods: the
		// DaemonSet's own status counts a pod the scheduler has not placed
		// yet as scheduled on the node it is meant for.
		var placed int32
		var notReady []string
		for node, pods := range s.Pods {
			for _, p := range pods {
				if p.OwnerKind != "DaemonSet" || p.OwnerName != ds.Name || p.Namespace != ds.Namespace || p.Deletion != nil {
					continue
				}
				placed++
				if !p.Ready && nodes[node] {
					notReady = append(notReady, node)
				}
			}
		}
		slices.Sort(notReady)
		name := ds.Namespace + "/" + ds.Name
		title := fmt.Sprintf("DaemonSet %s: %d of %d pods ready", name, ready, want)
		meaning := "A DaemonSet runs one pod on each node it selects (by its node selector, affinity and tolerations); where its pod is missing or not ready, what it does for the node (logs, networking, metrics, storage) is not done there."
		fix := ""
		if missing := want - placed; missing > 0 {
			title += fmt.Sprintf(", %s not placed", phrase.Plural(int(missing), "pod"))
			meaning += fmt.Sprintf(" %s no node yet: the DaemonSet controller creates a pod for each node it selects, and the scheduler must still fit it there; a node that is full (\"Too many pods\", too little CPU or memory) or a taint the pod does not tolerate keeps it Pending.",
				verb(int(missing), "1 of its pods has", phrase.Plural(int(missing), "of its pods")+" have"))
			fix = "`kubectl explain-nodes why-pending -n " + ds.Namespace + selectorArg(ds.Spec.Selector) + "` explains its Pending pods, node by node, with the fix."
		}
		if len(notReady) > 0 {
			title += fmt.Sprintf(", not ready on %s", phrase.List(notReady, 3, ", "))
			fix = joinSentences(fix, "`kubectl describe pod -n "+ds.Namespace+"` on its pods there shows why they are not ready (probes, images, crashes).")
		}
		if fix == "" {
			fix = "`kubectl rollout status daemonset/" + ds.Name + " -n " + ds.Namespace + "` shows whether a rollout is still in progress; `kubectl describe daemonset " + ds.Name + " -n " + ds.Namespace + "` shows its events."
		}
		out = append(out, Finding{Severity: SeverityWarning, Code: CodeDaemonSetIncomplete, Nodes: notReady, Title: title, Meaning: meaning, Fix: fix})
	}
	return out
}

// selectorArg is " -l SELECTOR" for a DaemonSet's pod selector, or "" when
// it cannot be written as one.
func selectorArg(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return ""
	}
	return " -l " + s.String()
}
