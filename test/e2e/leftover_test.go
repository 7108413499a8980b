//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// A taint that outlives its cause is said to, with what the real node
// lifecycle controller does about it: on the real kind node of the corpus
// (tainted unreachable while it already reported Ready again) the tool
// says the controller removes it within seconds, and the real controller
// of the test cluster removes such a taint, set by hand on a Ready node,
// within seconds.
func TestTaintLeftOver(t *testing.T) {
	const file = "../../pkg/explain/testdata/corpus/nodes/kind-control-plane-unreachable.yaml"
	rep := reportJSON(t, "--from", file)
	f, ok := findingFor(rep, string(explain.CodeTaintLeftOver), "trishanku-control-plane")
	if !ok || f.Severity != explain.SeverityInfo || !strings.Contains(f.Meaning, "node.kubernetes.io/unreachable:NoSchedule is set while the node's Ready condition is Unknown (its kubelet stopped reporting), and the node has reported Ready=True for 0s.") {
		t.Errorf("no info finding for the left-over unreachable taint: %+v", rep.Findings)
	}
	text := strings.Join(strings.Fields(explainNodes(t, "trishanku-control-plane", "--from", file).Stdout), " ")
	if !strings.Contains(text, "It outlives its cause: the node has reported Ready=True for 0s.") {
		t.Errorf("the node view does not say the taint outlives its cause:\n%s", text)
	}

	createNodes(t, fixture.Node{Name: "lo-ready"})
	start := time.Now()
	updateNode(t, "lo-ready", func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeMemoryPressure, Effect: corev1.TaintEffectNoSchedule})
	}, false)
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "lo-ready", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, t := range n.Spec.Taints {
			if t.Key == corev1.TaintNodeMemoryPressure {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil || time.Since(start) > 15*time.Second {
		t.Errorf("the node lifecycle controller did not remove a left-over memory-pressure taint within seconds (%v): %v", time.Since(start).Round(time.Second), err)
	}
}
