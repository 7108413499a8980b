package diagnose

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podEvent is an event about pod p as a component's recorder writes it.
func podEvent(p *corev1.Pod, component, reason, message string, at time.Time) corev1.Event {
	return corev1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name},
		Reason:         reason, Message: message, Source: corev1.EventSource{Component: component},
		LastTimestamp: metav1.NewTime(at),
	}
}

// The ranking rules that a node autoscaler's word adds, each with the scene
// that motivated it.
func TestScaleUpRanking(t *testing.T) {
	full := func() []corev1.Node { return []corev1.Node{mkNode("a", std), mkNode("b", std, cordoned)} }
	placed := []corev1.Pod{mkPod("big-a", res("cpu", "3"), on("a")), mkPod("small-b", res("cpu", "1"), on("b"))}
	tests := []struct {
		name    string
		message string
		// order are substrings of fixes, in the order they must come.
		order []string
		none  []string
		// age is how old the event is (30s if unset); summary is a
		// substring of the summary.
		age     time.Duration
		summary string
	}{
		{
			// A node is on its way: waiting is the fix; lowering the pod's
			// request would be a change for nothing.
			name:    "a scale-up under way: wait for the node first",
			message: "pod triggered scale-up: [{ng-web 2->3 (max: 5)}]",
			order:   []string{"The cluster autoscaler is adding a node (group ng-web from 2 to 3, max 5): wait for the new node", "Uncordon b", "lower it to at most 1"},
		},
		{
			// A scale-up from long ago that has not placed the pod: waiting
			// is no longer the answer.
			name:    "a scale-up long past: no wait offered",
			message: "pod triggered scale-up: [{ng-web 2->3 (max: 5)}]",
			age:     40 * time.Minute,
			order:   []string{"Uncordon b", "lower it to at most 1"},
			none:    []string{"wait for the new node"},
			summary: "and the pod still waits: the new node has not come",
		},
		{
			// The node group is at its maximum: more nodes of it are ordinary
			// capacity, which comes before changing the pod, after a cordon
			// that looks finished.
			name:    "node groups at their maximum: raise it before changing the pod",
			message: "pod didn't trigger scale-up: 1 max node group size reached, 2 Insufficient cpu",
			order:   []string{"Uncordon b", "Raise the maximum size of the 1 node group the cluster autoscaler found at their limit", "lower it to at most 1"},
		},
		{
			// Backoff is no capacity to restore by a change of size.
			name:    "a group in backoff: no raise offered",
			message: "pod didn't trigger scale-up: 1 in backoff after failed scale-up",
			order:   []string{"Uncordon b", "lower it to at most 1"},
			none:    []string{"Raise the maximum size"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := mkPod("web", res("cpu", "2"), unschedulable("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.", now.Add(-time.Minute)))
			if tc.age == 0 {
				tc.age = 30 * time.Second
			}
			ev := podEvent(&pod, ComponentClusterAutoscaler, "", tc.message, now.Add(-tc.age))
			ev.Reason = EventNotTriggerScaleUp
			if strings.HasPrefix(tc.message, "pod triggered") {
				ev.Reason = EventTriggeredScaleUp
			}
			d := diagnosePod(input{Pod: &pod, Nodes: full(), Assigned: placed, NodesRead: true, Events: []corev1.Event{ev}}, now)
			all := strings.Join(d.Fixes, "\n")
			last := -1
			for _, want := range tc.order {
				i := strings.Index(all, want)
				if i < 0 {
					t.Errorf("fixes lack %q:\n%s", want, all)
					continue
				}
				if i < last {
					t.Errorf("%q comes too early:\n%s", want, all)
				}
				last = i
			}
			if !strings.Contains(d.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", d.Summary, tc.summary)
			}
			for _, no := range tc.none {
				if strings.Contains(all, no) {
					t.Errorf("fixes offer %q:\n%s", no, all)
				}
			}
		})
	}
}

// The web pod blocked everywhere (a cordon, disk pressure, a GPU node, the
// control plane): the toleration YAML covers only the fixes it recommends,
// never the GPU or control-plane taints of nodes reserved for what the pod
// does not use.
func TestTolerationsOnlyForRecommendedFixes(t *testing.T) {
	pod := mkPod("web", res("cpu", "1"))
	nodes := []corev1.Node{
		mkNode("cp", std, taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
		mkNode("gpu-1", gpus("1"), taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule)),
		mkNode("worker-1", std, cordoned),
		mkNode("worker-2", std, taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule)),
		mkNode("worker-3", std, taint("example.com/window", "night", corev1.TaintEffectNoSchedule)),
	}
	d := diagnosePod(input{Pod: &pod, Nodes: nodes, NodesRead: true}, now)
	if strings.Contains(d.Tolerations, "nvidia.com/gpu") || strings.Contains(d.Tolerations, "control-plane") {
		t.Errorf("the toleration YAML covers reserved taints:\n%s", d.Tolerations)
	}
	if !strings.Contains(d.Tolerations, "example.com/window") {
		t.Errorf("the toleration YAML lacks the operator's taint it recommends:\n%s", d.Tolerations)
	}
	if len(d.Fixes) == 0 || !strings.HasPrefix(d.Fixes[0], "Uncordon worker-1") {
		t.Errorf("first fix: %q", d.Fixes)
	}
}
