package diagnose

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/synth"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// BenchmarkDiagnose5000 diagnoses one pending pod against 5,000 nodes and
// 150,000 pods: every filter runs on every node.
func BenchmarkDiagnose5000(b *testing.B) {
	nodes := synth.Nodes(5000)
	assigned := synth.Pods(nodes, 30)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "ns-001", Labels: map[string]string{"app": "big"}},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"node.kubernetes.io/instance-type": "m5.2xlarge"},
			Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")}}}},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
				WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "big"}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	// The pods bound to nodes arrive compact, as pkg/cluster reads them.
	bound := make([]cluster.BoundPod, len(assigned))
	for i := range assigned {
		bound[i] = cluster.Bind(&assigned[i])
	}
	in := input{Pod: pod, Nodes: nodes, Bound: bound, NodesRead: true}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if d := diagnosePod(in, synth.Now); len(d.Nodes) != 5000 || d.ComputedMessage == "" {
			b.Fatalf("%d verdicts, %q", len(d.Nodes), d.ComputedMessage)
		}
	}
}

// BenchmarkPlace5000 explains one placed pod on 5,000 nodes and 150,000
// pods: every filter on every node, then every score plugin on every
// feasible node, with the default spread over the pod's siblings.
func BenchmarkPlace5000(b *testing.B) {
	nodes := synth.Nodes(5000)
	assigned := synth.Pods(nodes, 30)
	labels := map[string]string{"app": "web"}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns-001", UID: "web-1", Labels: labels},
		Spec: corev1.PodSpec{
			NodeName: nodes[0].Name,
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/web:1", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
				{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: labels}}}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	bound := make([]cluster.BoundPod, len(assigned))
	for i := range assigned {
		bound[i] = cluster.Bind(&assigned[i])
	}
	s := &cluster.PendingSnapshot{Pod: pod, Nodes: nodes, Assigned: bound, NodesRead: true, AssignedRead: true,
		Siblings: &cluster.Siblings{Services: []map[string]string{labels}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p := Place(s, nil, synth.Now); !p.Scored || len(p.Scores) == 0 {
			b.Fatalf("not scored: %s", p.Summary)
		}
	}
}
