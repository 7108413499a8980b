//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// autoscalerEvent is an event about a pod as a node autoscaler writes it:
// both use client-go's event recorder (tools/record), which names the event
// POD.<hex nanoseconds>, sets source.component to the component's name
// (cluster-autoscaler's recorder: apiv1.EventSource{Component:
// "cluster-autoscaler"}; Karpenter's controller-runtime recorder:
// "karpenter") and copies it to reportingComponent.
func autoscalerEvent(pod *corev1.Pod, component, eventType, reason, message string, at time.Time) *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, at.UnixNano()), Namespace: pod.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			APIVersion: "v1", ResourceVersion: pod.ResourceVersion},
		Reason: reason, Message: message, Type: eventType,
		Source:         corev1.EventSource{Component: component},
		FirstTimestamp: metav1.NewTime(at), LastTimestamp: metav1.NewTime(at), Count: 1,
		ReportingController: component,
	}
}

// A pending pod with an autoscaler's event says whether a node is on its
// way, in why-pending POD and in the grouped list; Karpenter's
// FailedScheduling is not taken for the scheduler's.
func TestAutoscalerEvents(t *testing.T) {
	const ns = "as-events"
	createNamespace(t, ns)
	huge := fixture.Resources("500", "", "")
	createPods(t,
		fixture.Pod{Name: "scaling", Namespace: ns, Requests: huge},
		fixture.Pod{Name: "stuck", Namespace: ns, Requests: huge},
		fixture.Pod{Name: "karp", Namespace: ns, Requests: huge},
	)
	ctx := context.Background()
	messages := map[string][4]string{
		// The cluster autoscaler's messages as its EventingScaleUpStatusProcessor
		// words them; Karpenter's as its PodFailedToScheduleEvent does.
		"scaling": {"cluster-autoscaler", corev1.EventTypeNormal, "TriggeredScaleUp", "pod triggered scale-up: [{eks-ng-web-5c9a 1->2 (max: 5)}]"},
		"stuck":   {"cluster-autoscaler", corev1.EventTypeNormal, "NotTriggerScaleUp", "pod didn't trigger scale-up: 2 Insufficient cpu, 1 max node group size reached"},
		"karp":    {"karpenter", corev1.EventTypeWarning, "FailedScheduling", `Failed to schedule pod, incompatible with nodepool "default", daemonset overhead={"cpu":"180m","memory":"120Mi","pods":"3"}, no instance type satisfied resources {"cpu":"500180m","memory":"120Mi","pods":"4"} and requirements karpenter.sh/capacity-type In [on-demand spot], karpenter.sh/nodepool In [default] (no instance type has enough resources)`},
	}
	for name, m := range messages {
		p, err := fixture.WaitForPod(ctx, client, ns, name, fixture.Unschedulable)
		if err != nil {
			t.Fatal(err)
		}
		// After the scheduler's FailedScheduling, as on a real cluster.
		ev := autoscalerEvent(p, m[0], m[1], m[2], m[3], time.Now().Add(time.Second))
		if _, err := client.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	d := diagnosisJSON(t, "scaling", "-n", ns)
	if a := d.Autoscaling; a == nil || a.State != diagnose.ScaleUpTriggered || len(a.Groups) != 1 || a.Groups[0] != (diagnose.ScaleUpGroup{Name: "eks-ng-web-5c9a", From: 1, To: 2, Max: 5}) {
		t.Errorf("scaling: autoscaling %+v", d.Autoscaling)
	}
	if d.Scheduler == nil || d.Scheduler.Source == "" || strings.HasPrefix(d.Scheduler.Message, "pod triggered") {
		t.Errorf("scaling: the scheduler's own word is %+v", d.Scheduler)
	}
	text := explainNodes(t, "why-pending", "scaling", "-n", ns)
	flat := strings.Join(strings.Fields(text.Stdout), " ")
	for _, want := range []string{
		"The cluster autoscaler is adding a node (group eks-ng-web-5c9a from 1 to 2, max 5)",
		"the pod should run once the new node is Ready.",
		"The cluster autoscaler said (TriggeredScaleUp,",
		"pod triggered scale-up: [{eks-ng-web-5c9a 1->2 (max: 5)}]",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("why-pending scaling lacks %q:\n%s", want, text.Stdout)
		}
	}

	d = diagnosisJSON(t, "karp", "-n", ns)
	if a := d.Autoscaling; a == nil || a.Component != "karpenter" || a.State != diagnose.ScaleUpFailed || len(a.NodePools) != 1 || a.NodePools[0] != "default" {
		t.Errorf("karp: autoscaling %+v", d.Autoscaling)
	}
	if d.Scheduler == nil || strings.HasPrefix(d.Scheduler.Message, "Failed to schedule pod") {
		t.Errorf("karp: Karpenter's FailedScheduling was taken for the scheduler's: %+v", d.Scheduler)
	}

	r := explainNodes(t, "why-pending", "-n", ns, "-o", "json")
	var list diagnose.PendingList
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	causes := map[string]string{}
	for _, g := range list.Groups {
		for _, p := range g.Pods {
			causes[p] = g.Cause
		}
	}
	for pod, want := range map[string]string{
		ns + "/scaling": "Waiting for a new node: the cluster autoscaler is adding a node (group eks-ng-web-5c9a from 1 to 2, max 5)",
		ns + "/stuck":   "The cluster autoscaler will not add a node for it (2 node groups: Insufficient cpu).",
		ns + "/karp":    "Karpenter cannot launch a node for it (NodePool default).",
	} {
		if !strings.Contains(causes[pod], want) {
			t.Errorf("why-pending -n %s: %s's cause %q lacks %q", ns, pod, causes[pod], want)
		}
	}
}
