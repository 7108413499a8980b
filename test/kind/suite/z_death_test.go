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

// A worker that dies: its container is frozen (docker pause), so its kubelet
// stops renewing the node's lease. The tool explains each stage as the real
// node controller goes through it: the late heartbeat while the node is
// still Ready, then Unknown with the real unreachable taints and when each
// pod will be evicted, then the evictions. It runs last: it takes the spare
// worker away for a while.
func TestWorkerDies(t *testing.T) {
	ns := namespace(t, "death")
	node := nodeWithLabel(t, "spare")
	short, forever := int64(30), corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}
	// The evicted pod keeps a grace period, so that with its kubelet gone it
	// stays Terminating, as pods on a dead node do.
	grace := int64(30)
	for _, p := range []struct {
		name string
		tol  corev1.Toleration
	}{
		{"leaves-after-30s", corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &short}},
		{"stays", forever},
	} {
		createPod(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: ns}, Spec: corev1.PodSpec{
			NodeSelector:                  map[string]string{"explain-nodes.test/role": "spare"},
			Tolerations:                   []corev1.Toleration{p.tol},
			TerminationGracePeriodSeconds: &grace,
			Containers:                    []corev1.Container{container("explain-nodes.test/sleep:v1")}}})
	}
	eventually(t, time.Minute, "the death test's pods running on "+node, func() (bool, string) {
		a, b := getPod(t, ns, "leaves-after-30s"), getPod(t, ns, "stays")
		return a.Status.Phase == corev1.PodRunning && b.Status.Phase == corev1.PodRunning, fmt.Sprintf("%s, %s", a.Status.Phase, b.Status.Phase)
	})

	docker(t, "pause", node)
	paused := time.Now()
	t.Cleanup(func() {
		docker(t, "unpause", node)
		eventually(t, 2*time.Minute, node+" Ready again", func() (bool, string) {
			n, err := client.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return isReady(n.Status.Conditions), fmt.Sprintf("%+v", n.Status.Conditions)
		})
	})

	// Stage 1: the lease is late, the node still Ready.
	eventually(t, 45*time.Second, "a late-heartbeat finding while "+node+" is still Ready", func() (bool, string) {
		rep, n := reportNode(t, node)
		late := finding(rep, explain.CodeNodeHeartbeatLate, node)
		if n.Readiness != explain.Ready {
			t.Fatalf("%s turned %s after %s, before the tool saw the late heartbeat", node, n.Readiness, time.Since(paused).Round(time.Second))
		}
		return late != nil && strings.Contains(late.Title, "has not renewed the node's lease") && evictionOf(n, "leaves-after-30s") != nil,
			fmt.Sprintf("readiness %s, findings %+v, evictions %+v", n.Readiness, rep.Findings, n.Evictions)
	})
	t.Logf("stage 1 (lease late, still Ready) seen %s after the pause", time.Since(paused).Round(time.Second))

	// Stage 2: Unknown, the real unreachable taints, the eviction countdown.
	eventually(t, 60*time.Second, node+" Unknown and tainted unreachable", func() (bool, string) {
		rep, n := reportNode(t, node)
		var noExec, noSched bool
		for _, tn := range n.Taints {
			noExec = noExec || (tn.Key == corev1.TaintNodeUnreachable && tn.Effect == "NoExecute")
			noSched = noSched || (tn.Key == corev1.TaintNodeUnreachable && tn.Effect == "NoSchedule")
		}
		leaves, stays := evictionOf(n, "leaves-after-30s"), evictionOf(n, "stays")
		ok := n.Readiness == explain.Unknown && noExec && noSched && finding(rep, explain.CodeNodeUnknown, node) != nil &&
			leaves != nil && (leaves.At != nil || leaves.Terminating) && stays != nil && stays.Never
		return ok, fmt.Sprintf("readiness %s, taints %+v, evictions %+v", n.Readiness, n.Taints, n.Evictions)
	})
	t.Logf("stage 2 (Unknown, tainted) seen %s after the pause", time.Since(paused).Round(time.Second))
	text := explainNodes(t, node).Stdout
	for _, w := range []string{corev1.TaintNodeUnreachable + ":NoExecute", "leaves-after-30s", "stays"} {
		if !strings.Contains(text, w) {
			t.Errorf("%s in depth, Unknown, lacks %q:\n%s", node, w, text)
		}
	}

	// Stage 3: the taint's 30 seconds are up and the real taint manager
	// evicts the pod; its kubelet is gone, so it stays Terminating.
	eventually(t, 60*time.Second, "leaves-after-30s evicted", func() (bool, string) {
		if !hasEvent(t, ns, "leaves-after-30s", "TaintManagerEviction") {
			return false, "no TaintManagerEviction event yet"
		}
		_, n := reportNode(t, node)
		e := evictionOf(n, "leaves-after-30s")
		p := getPod(t, ns, "leaves-after-30s")
		return p.DeletionTimestamp != nil && e != nil && e.Terminating, fmt.Sprintf("deletion %v, eviction %+v", p.DeletionTimestamp, e)
	})
	t.Logf("stage 3 (evicted) seen %s after the pause", time.Since(paused).Round(time.Second))
	if p := getPod(t, ns, "stays"); p.DeletionTimestamp != nil {
		t.Errorf("the pod that tolerates unreachable forever was evicted")
	}
}

func reportNode(t *testing.T, name string) (*explain.Report, *explain.Node) {
	t.Helper()
	var rep explain.Report
	explainJSON(t, &rep)
	for i := range rep.Nodes {
		if rep.Nodes[i].Name == name {
			return &rep, &rep.Nodes[i]
		}
	}
	t.Fatalf("%s missing from the report", name)
	return nil, nil
}

func finding(rep *explain.Report, code explain.Code, node string) *explain.Finding {
	for i, f := range rep.Findings {
		if f.Code == code && len(f.Nodes) > 0 && f.Nodes[0] == node {
			return &rep.Findings[i]
		}
	}
	return nil
}

func evictionOf(n *explain.Node, pod string) *explain.Eviction {
	for i, e := range n.Evictions {
		if e.Name == pod {
			return &n.Evictions[i]
		}
	}
	return nil
}
