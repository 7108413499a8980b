package suite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// why-pending, checking the real nodes, agrees with the real scheduler's
// message, and names the cause.
func TestWhyPendingAgreesWithRealScheduler(t *testing.T) {
	ns := namespace(t, "sched")
	big := container("explain-nodes.test/sleep:v1")
	big.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500")}
	cases := []struct {
		name  string
		pod   *corev1.Pod
		words []string
	}{
		{"too big for any node",
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "too-big", Namespace: ns}, Spec: corev1.PodSpec{Containers: []corev1.Container{big}}},
			[]string{"Insufficient cpu", "the pod requests 500"}},
		{"blocked by the control-plane taint",
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "on-control-plane", Namespace: ns}, Spec: corev1.PodSpec{
				NodeSelector: map[string]string{"node-role.kubernetes.io/control-plane": ""},
				Containers:   []corev1.Container{container("explain-nodes.test/sleep:v1")}}},
			[]string{"node-role.kubernetes.io/control-plane:NoSchedule", "untolerated taint"}},
		{"node selector that matches nothing",
			&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "no-such-disk", Namespace: ns}, Spec: corev1.PodSpec{
				NodeSelector: map[string]string{"disktype": "ssd"},
				Containers:   []corev1.Container{container("explain-nodes.test/sleep:v1")}}},
			[]string{"didn't match Pod's node affinity/selector", "disktype"}},
	}
	for _, tc := range cases {
		createPod(t, tc.pod)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eventually(t, time.Minute, "the scheduler's verdict on "+tc.pod.Name, func() (bool, string) {
				p := getPod(t, ns, tc.pod.Name)
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable && c.Message != "" {
						return true, ""
					}
				}
				return false, fmt.Sprintf("conditions %+v", p.Status.Conditions)
			})
			var d diagnose.Diagnosis
			explainJSON(t, &d, "why-pending", tc.pod.Name, "-n", ns)
			if d.State != diagnose.StateUnschedulable {
				t.Errorf("state %s, want %s", d.State, diagnose.StateUnschedulable)
			}
			if d.Agrees == nil || !*d.Agrees {
				t.Errorf("why-pending does not agree with the real scheduler:\nscheduler: %s\ncomputed:  %s\n%s", d.SchedulerMessage, d.ComputedMessage, d.Disagreement)
			}
			if len(d.Nodes) != 3 {
				t.Errorf("%d per-node verdicts, want 3", len(d.Nodes))
			}
			text := explainNodes(t, "why-pending", tc.pod.Name, "-n", ns).Stdout
			if !strings.Contains(text, "This agrees with the scheduler.") {
				t.Errorf("the text does not say it agrees:\n%s", text)
			}
			for _, w := range tc.words {
				if !strings.Contains(text, w) {
					t.Errorf("why-pending lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
