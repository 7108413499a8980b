package explain

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func node(name string, labels map[string]string, ready corev1.ConditionStatus) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}}
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready, Reason: "R", Message: "M"}}
	}
	return n
}

func TestRoles(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"no role label is a worker", map[string]string{"kubernetes.io/os": "linux"}, []string{"worker"}},
		{"control-plane", map[string]string{"node-role.kubernetes.io/control-plane": ""}, []string{"control-plane"}},
		{"legacy master is control-plane", map[string]string{"node-role.kubernetes.io/master": ""}, []string{"control-plane"}},
		{"both, once", map[string]string{"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": ""}, []string{"control-plane"}},
		{"kubernetes.io/role", map[string]string{"kubernetes.io/role": "infra"}, []string{"infra"}},
		{"several, sorted", map[string]string{"node-role.kubernetes.io/ingress": "", "node-role.kubernetes.io/gpu": ""}, []string{"gpu", "ingress"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := node("n", tc.labels, corev1.ConditionTrue)
			if diff := cmp.Diff(tc.want, Roles(&n)); diff != "" {
				t.Errorf("Roles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExplainReadiness(t *testing.T) {
	cordoned := node("c", nil, corev1.ConditionTrue)
	cordoned.Spec.Unschedulable = true
	cordoned.Status.NodeInfo.KubeletVersion = "v1.36.0"
	s := &cluster.Snapshot{
		Server:        "https://example:6443",
		ServerVersion: "v1.37.2",
		Nodes: []corev1.Node{
			node("b-notready", nil, corev1.ConditionFalse),
			node("a-ready", nil, corev1.ConditionTrue),
			node("d-unknown", nil, corev1.ConditionUnknown),
			node("e-nocondition", nil, ""),
			cordoned,
		},
		Gaps: []cluster.Gap{{What: "events", Resource: "events", Reason: "Forbidden", Message: "no"}},
	}
	r := Explain(s, now, Options{})
	type row struct {
		Name      string
		Readiness Readiness
		Cordoned  bool
		Kubelet   string
	}
	var got []row
	for _, n := range r.Nodes {
		got = append(got, row{n.Name, n.Readiness, n.Cordoned, n.KubeletVersion})
	}
	want := []row{
		{"a-ready", Ready, false, ""},
		{"b-notready", NotReady, false, ""},
		{"c", Ready, true, "v1.36.0"},
		{"d-unknown", Unknown, false, ""},
		{"e-nocondition", Unknown, false, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if r.APIVersion != APIVersion || r.Kind != KindReport || !r.GeneratedAt.Equal(now) || len(r.Unread) != 1 {
		t.Errorf("report header or gaps wrong: %+v", r)
	}
}
