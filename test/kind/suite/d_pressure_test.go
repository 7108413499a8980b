package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// The worker whose kubelet evicts below 99% free disk reports a real
// DiskPressure condition, and the real node controller taints it; the tool
// explains both.
func TestRealDiskPressure(t *testing.T) {
	node := nodeWithLabel(t, "pressure")
	eventually(t, 2*time.Minute, "DiskPressure and its taint on "+node, func() (bool, string) {
		n, err := client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		var pressure, tainted bool
		for _, c := range n.Status.Conditions {
			pressure = pressure || (c.Type == corev1.NodeDiskPressure && c.Status == corev1.ConditionTrue)
		}
		for _, tn := range n.Spec.Taints {
			tainted = tainted || (tn.Key == corev1.TaintNodeDiskPressure && tn.Effect == corev1.TaintEffectNoSchedule)
		}
		return pressure && tainted, fmt.Sprintf("conditions %+v, taints %+v", n.Status.Conditions, n.Spec.Taints)
	})

	var rep explain.Report
	explainJSON(t, &rep)
	var n *explain.Node
	for i := range rep.Nodes {
		if rep.Nodes[i].Name == node {
			n = &rep.Nodes[i]
		}
	}
	if n == nil {
		t.Fatalf("%s missing from the report", node)
	}
	var cond *explain.Condition
	for i := range n.Conditions {
		if n.Conditions[i].Type == "DiskPressure" {
			cond = &n.Conditions[i]
		}
	}
	if cond == nil || cond.Status != "True" || cond.Healthy || cond.Meaning == "" {
		t.Errorf("DiskPressure on %s: %+v", node, cond)
	}
	var taint bool
	for _, tn := range n.Taints {
		taint = taint || (tn.Key == corev1.TaintNodeDiskPressure && tn.Effect == "NoSchedule")
	}
	if !taint {
		t.Errorf("%s: the disk-pressure taint is missing from the report: %+v", node, n.Taints)
	}
	var finding bool
	for _, f := range rep.Findings {
		if f.Code == explain.CodeNodeDiskPressure && len(f.Nodes) == 1 && f.Nodes[0] == node && strings.Contains(f.Title, "DiskPressure") {
			finding = f.Fix != "" && f.Meaning != ""
		}
	}
	if !finding {
		t.Errorf("no DiskPressure finding with a meaning and a fix for %s: %+v", node, rep.Findings)
	}

	text := explainNodes(t, node).Stdout
	for _, w := range []string{"DiskPressure", corev1.TaintNodeDiskPressure + ":NoSchedule", "Free space on the node"} {
		if !strings.Contains(text, w) {
			t.Errorf("%s in depth lacks %q:\n%s", node, w, text)
		}
	}
}
