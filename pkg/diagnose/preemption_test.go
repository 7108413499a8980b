package diagnose

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func withPriority(p int32) func(*corev1.Pod) {
	return func(pod *corev1.Pod) { pod.Spec.Priority = &p }
}

func TestPreemptionAdvice(t *testing.T) {
	small := res("cpu", "2", "memory", "8Gi", "pods", "110")
	tests := []struct {
		name     string
		pod      corev1.Pod
		assigned []corev1.Pod
		want     string
	}{
		{"lower-priority pods would make room", mkPod("p", res("cpu", "2"), withPriority(1000)),
			[]corev1.Pod{mkPod("batch", res("cpu", "2"), on("n1"), withPriority(10))},
			"Evicting pods of lower priority than this one (1000) would make room on n1"},
		{"a higher priority class would be needed", mkPod("p", res("cpu", "2")),
			[]corev1.Pod{mkPod("web", res("cpu", "2"), on("n1"))},
			"No pod there has a lower priority than this one (0), so preemption cannot help now"},
		{"system-critical pods are not counted as evictable", mkPod("p", res("cpu", "2"), withPriority(1000)),
			[]corev1.Pod{mkPod("dns", res("cpu", "2"), on("n1"), withPriority(systemPriority))},
			"Preemption cannot help"},
		{"preemptionPolicy Never", mkPod("p", res("cpu", "2"), withPriority(1000), func(p *corev1.Pod) {
			never := corev1.PreemptNever
			p.Spec.PreemptionPolicy = &never
		}), []corev1.Pod{mkPod("batch", res("cpu", "2"), on("n1"), withPriority(10))},
			"preemptionPolicy: Never"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := diagnosePod(input{Pod: &pod, Nodes: []corev1.Node{mkNode("n1", small)}, Assigned: tc.assigned}, now)
			if !strings.Contains(d.Preemption, tc.want) {
				t.Errorf("preemption advice %q, want it to contain %q", d.Preemption, tc.want)
			}
		})
	}
}

func TestTolerationsYAML(t *testing.T) {
	tests := []struct {
		name  string
		nodes []corev1.Node
		want  string
	}{
		{
			name: "only the tolerations of remedies checked to suffice, never reserved, control-plane or condition taints",
			nodes: []corev1.Node{
				mkNode("gpu", std, taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule)),
				mkNode("batch", std, taint("example.com/pool", "batch", corev1.TaintEffectNoExecute)),
				mkNode("pool", std, taint("example.com/pool", "batch", corev1.TaintEffectNoExecute), taint("example.com/tier", "", corev1.TaintEffectNoSchedule)),
				mkNode("cp", std, taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
				mkNode("full", std, taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule)),
			},
			want: `tolerations:
- key: example.com/pool
  operator: Equal
  value: batch
  effect: NoExecute
`,
		},
		{
			name: "a combination that is needed together",
			nodes: []corev1.Node{
				mkNode("pool", std, taint("example.com/pool", "batch", corev1.TaintEffectNoExecute), taint("example.com/tier", "", corev1.TaintEffectNoSchedule)),
				mkNode("cp", std, taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule), cordoned),
			},
			want: `tolerations:
- key: example.com/pool
  operator: Equal
  value: batch
  effect: NoExecute
- key: example.com/tier
  operator: Exists
  effect: NoSchedule
`,
		},
		{
			name:  "a GPU taint alone: not offered as a toleration to a pod that asks for no GPU",
			nodes: []corev1.Node{mkNode("gpu", std, taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule))},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := mkPod("p", nil)
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes}, now)
			if d.Tolerations != tc.want {
				t.Errorf("tolerations:\n%s\nwant:\n%s\nfixes: %q", d.Tolerations, tc.want, d.Fixes)
			}
		})
	}
}
