package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// node is a fixture node created 49 hours ago and last heard from 40
// seconds ago, whose Ready condition has the status ready and, unless it is
// empty, the message msg, with the reason the kubelet (False) or the node
// controller (Unknown) gives.
func node(name string, labels map[string]string, ready corev1.ConditionStatus, msg string, mod ...func(*corev1.Node)) corev1.Node {
	n := fixture.Node{Name: name, Labels: labels, Created: now.Add(-49 * time.Hour), Heard: now.Add(-40 * time.Second)}.Object()
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		if c.Type != corev1.NodeReady {
			continue
		}
		c.Status = ready
		switch ready {
		case corev1.ConditionFalse:
			c.Reason = "KubeletNotReady"
		case corev1.ConditionUnknown:
			c.Reason = "NodeStatusUnknown"
		}
		if msg != "" {
			c.Message = msg
		}
	}
	for _, m := range mod {
		m(n)
	}
	return *n
}

func snapshot() *cluster.Snapshot {
	return &cluster.Snapshot{
		Server:        "https://127.0.0.1:6443",
		ServerVersion: "v1.37.2",
		Nodes: []corev1.Node{
			node("cp-1", map[string]string{"node-role.kubernetes.io/control-plane": ""}, corev1.ConditionTrue, ""),
			node("worker-1", nil, corev1.ConditionTrue, "", func(n *corev1.Node) { n.Spec.Unschedulable = true }),
			node("worker-2", nil, corev1.ConditionFalse, "container runtime is down"),
			// Hostile text from the cluster: escapes, a bidi override, a newline.
			node("evil\x1b[2J\x1b]0;pwned\x07-node", nil, corev1.ConditionUnknown, "Kubelet stopped posting node status.\n\x1b[31mred\u202e"),
		},
		Gaps: []v1alpha1.Gap{{What: "events", Resource: "events", Reason: "Forbidden", Message: "events is forbidden: User \"dev\" cannot list resource \"events\""}},
	}
}

func TestReportText(t *testing.T) {
	r := explain.Explain(snapshot(), now, explain.Options{})
	var plain bytes.Buffer
	if err := ReportText(&plain, r, TextOptions{}, false); err != nil {
		t.Fatal(err)
	}
	golden(t, "report", plain.Bytes())
	assertNoControl(t, plain.String())

	var coloured bytes.Buffer
	if err := ReportText(&coloured, r, TextOptions{Colour: Colour{Enabled: true}}, false); err != nil {
		t.Fatal(err)
	}
	golden(t, "report-colour", coloured.Bytes())
}

// assertNoControl fails if text holds any control character but newline, or a
// bidi override.
func assertNoControl(t *testing.T, text string) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if !isClean(line) {
			t.Errorf("output line holds control or bidi characters: %q", line)
		}
	}
}

func TestStructuredIsExact(t *testing.T) {
	r := explain.Explain(snapshot(), now, explain.Options{})
	var b bytes.Buffer
	if err := Structured(&b, r, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var back explain.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*r, back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(b.String(), "{\n  \"apiVersion\": \""+v1alpha1.APIVersion+"\",\n  \"kind\": \"ClusterReport\"") {
		t.Errorf("JSON does not start with apiVersion and kind:\n%s", b.String()[:80])
	}
	var y bytes.Buffer
	if err := Structured(&y, r, FormatYAML); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(y.String(), "apiVersion: "+v1alpha1.APIVersion+"\n") {
		t.Errorf("YAML does not start with apiVersion:\n%s", y.String())
	}
}

func TestDiagnosisText(t *testing.T) {
	q := resource.MustParse
	alloc := corev1.ResourceList{corev1.ResourceCPU: q("4"), corev1.ResourceMemory: q("8Gi"), corev1.ResourcePods: q("110")}
	nodes := []corev1.Node{
		node("cp-1", nil, corev1.ConditionTrue, "", func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
		}),
		node("worker-1", nil, corev1.ConditionTrue, "", func(n *corev1.Node) { n.Spec.Unschedulable = true }),
	}
	for i := 2; i <= 6; i++ {
		nodes = append(nodes, node("worker-"+string(rune('0'+i)), nil, corev1.ConditionTrue, ""))
	}
	for i := range nodes {
		nodes[i].Status.Allocatable = alloc
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-3", Namespace: "shop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: q("6")},
		}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
			LastTransitionTime: metav1.NewTime(now.Add(-90 * time.Second)),
			Message:            "0/7 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 5 Insufficient cpu. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.",
		}}},
	}
	d := diagnose.Diagnose(&cluster.PendingSnapshot{Pod: pod, Nodes: nodes, AssignedRead: true}, now)
	var b bytes.Buffer
	if err := DiagnosisText(&b, d, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diagnosis", b.Bytes())
	var j bytes.Buffer
	if err := Structured(&j, d, FormatJSON); err != nil {
		t.Fatal(err)
	}
	plugintest.ValidateJSON(t, "../../docs/schema/diagnosis.schema.json", j.Bytes())
	list := diagnose.Group([]*diagnose.Diagnosis{d}, "shop", nil, now)
	j.Reset()
	if err := Structured(&j, list, FormatJSON); err != nil {
		t.Fatal(err)
	}
	plugintest.ValidateJSON(t, "../../docs/schema/pendinglist.schema.json", j.Bytes())
}

// Nodes with missing or odd fields render without a panic, in both views.
func TestOddNodes(t *testing.T) {
	huge := resource.MustParse("8Ei")
	s := &cluster.Snapshot{
		Server: "https://odd",
		Nodes: []corev1.Node{
			{ObjectMeta: metav1.ObjectMeta{Name: "bare"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "zero"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0"), corev1.ResourcePods: resource.MustParse("0")}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "huge"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceMemory: huge, corev1.ResourceCPU: resource.MustParse("1000000")}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "dup"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "a", Effect: "NoSchedule"}, {Key: "a", Effect: "NoSchedule"}}}},
		},
		Pods:     map[string][]cluster.Pod{"zero": {{Name: "p", CPUMilli: 5}}},
		PodsRead: true,
	}
	for _, detail := range []bool{false, true} {
		var b bytes.Buffer
		if err := ReportText(&b, explain.Explain(s, now, explain.Options{Detail: detail}), TextOptions{}, detail); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"bare", "zero", "huge", "dup"} {
			if !strings.Contains(b.String(), name) {
				t.Errorf("detail=%v: %s missing:\n%s", detail, name, b.String())
			}
		}
	}
}
