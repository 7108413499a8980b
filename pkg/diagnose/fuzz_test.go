package diagnose

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func FuzzExplainMessage(f *testing.F) {
	for _, s := range []string{
		"0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s). preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
		"0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: a, b}, 2 node(s) didn't match node selector..",
		`0/7 nodes are available: persistentvolumeclaim "nope" not found. not found`,
		"no nodes available to schedule pods",
		"0/x nodes are available: ",
		"0/1 nodes are available: , , 1",
		"pod (web) failed to fit in any node\nfit failure summary on nodes : Insufficient cpu (2), PodToleratesNodeTaints (1)",
		"No nodes are available that match all of the following predicates:: Insufficient cpu (3), MatchNodeSelector (2).",
		"pod (x) failed to fit in any node\nfit failure on node (a): Insufficient cpu\nfit failure on node (b): PodToleratesNodeTaints",
		"Cannot schedule pods: Insufficient nvidia",
		"pod didn't trigger scale-up: 1 node(s) had taint {k: v}, that the pod didn't tolerate, 2 max node group size reached",
		"pod triggered scale-up: [{ng 1->2 (max: 5)}]",
		`Failed to schedule pod, incompatible with nodepool "a", did not tolerate k=v:NoSchedule; incompatible with nodepool "b", no instance type satisfied resources {"cpu":"9"}`,
		"Pod should schedule on: nodeclaim/default-x, node/ip-1",
		"0/2 nodes are available: 1 cannot allocate all claims, 1 Insufficient cpu. still not schedulable, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
		`running Reserve plugin "DynamicResources": waiting for resource driver to allocate resource`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		total, counts, ok := ParseFitError(msg)
		if ok && total < 0 {
			t.Fatalf("negative node count for %q", msg)
		}
		for r, n := range counts {
			if n < 0 || strings.TrimSpace(r) == "" && ok && len(counts) > 1 {
				t.Fatalf("odd reason %q=%d in %q", r, n, msg)
			}
		}
		if e := ExplainMessage(msg); ok && !e.Recognised {
			t.Fatalf("%q parses but is not recognised", msg)
		}
	})
}

// FuzzDiagnose builds a pod and nodes from fuzzed fields and checks that a
// diagnosis always comes out, one verdict per node, without a panic.
func FuzzDiagnose(f *testing.F) {
	f.Add("n1", "disktype", "ssd", "gpu", "true", "NoSchedule", "500m", "4", "110", uint8(3), true)
	f.Add("", "", "", "", "", "", "0", "0", "0", uint8(0), false)
	f.Add("x", "a/b", "", "k", "", "NoExecute", "1Ei", "1e6", "-1", uint8(200), true)
	f.Fuzz(func(t *testing.T, name, labelKey, labelValue, taintKey, taintValue, effect, request, cpu, pods string, count uint8, cordon bool) {
		q := func(s string) (resource.Quantity, bool) {
			v, err := resource.ParseQuantity(s)
			return v, err == nil
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}, NodeSelector: map[string]string{labelKey: labelValue}}}
		if v, ok := q(request); ok {
			pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: v}
		}
		var nodes []corev1.Node
		for i := range int(count % 8) {
			n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name + string(rune('a'+i)), Labels: map[string]string{labelKey: labelValue}}}
			n.Spec.Unschedulable = cordon && i%2 == 0
			n.Spec.Taints = []corev1.Taint{{Key: taintKey, Value: taintValue, Effect: corev1.TaintEffect(effect)}, {Key: taintKey, Value: taintValue, Effect: corev1.TaintEffect(effect)}}
			n.Status.Allocatable = corev1.ResourceList{}
			if v, ok := q(cpu); ok {
				n.Status.Allocatable[corev1.ResourceCPU] = v
			}
			if v, ok := q(pods); ok {
				n.Status.Allocatable[corev1.ResourcePods] = v
			}
			nodes = append(nodes, n)
		}
		d := diagnosePod(input{Pod: pod, Nodes: nodes, NodesRead: true}, now)
		if len(nodes) > 0 && len(d.Nodes) != len(nodes) {
			t.Fatalf("%d verdicts for %d nodes", len(d.Nodes), len(nodes))
		}
		if d.ComputedMessage != "" {
			if _, _, ok := ParseFitError(d.ComputedMessage); !ok && d.ComputedMessage != "no nodes available to schedule pods" {
				t.Fatalf("the computed message does not parse back: %q", d.ComputedMessage)
			}
		}
	})
}
