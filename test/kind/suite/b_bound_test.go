package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// Pods that the scheduler placed but a real kubelet cannot start: the real
// pull error (no registry is reachable), a real crash loop, a ConfigMap
// volume that does not exist, a container the kernel OOM-kills past its
// memory limit. why-pending names each cause in plain words, with the fix.
func TestPodsBoundButNotStarting(t *testing.T) {
	ns := namespace(t, "bound")
	spare := nodeWithLabel(t, "spare")
	pod := func(name string, c corev1.Container, mod ...func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: corev1.PodSpec{NodeSelector: map[string]string{"explain-nodes.test/role": "spare"}, Containers: []corev1.Container{c}}}
		for _, m := range mod {
			m(p)
		}
		return p
	}
	oom := container("explain-nodes.test/memhog:v1")
	oom.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}
	cases := []struct {
		name string
		pod  *corev1.Pod
		// ready says when the real kubelet has reached the state to explain.
		ready func(p *corev1.Pod) bool
		// reason is the problem why-pending must report, and words that
		// must appear in its message, meaning or fix.
		reason string
		words  []string
	}{
		{
			name:   "image that cannot be pulled",
			pod:    pod("unpullable", container(unpullable)),
			ready:  waitingIn("ErrImagePull", "ImagePullBackOff"),
			reason: "ImagePullBackOff|ErrImagePull",
			words:  []string{unpullable, "Check the image name and tag"},
		},
		{
			name:   "container that crash-loops",
			pod:    pod("crashloop", container("explain-nodes.test/fail:v1")),
			ready:  crashLooping(""),
			reason: "CrashLoopBackOff|Error",
			words:  []string{"last exited with code 1 (Error)", "kubectl logs crashloop -c main --previous"},
		},
		{
			name: "ConfigMap volume that does not exist",
			pod: pod("nocm", container("explain-nodes.test/sleep:v1"), func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing-config"}}}}}
				p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/cfg"}}
			}),
			ready:  func(p *corev1.Pod) bool { return hasEvent(t, ns, p.Name, "FailedMount") },
			reason: "FailedMount",
			words:  []string{`configmap "missing-config" not found`, "ConfigMap"},
		},
		{
			name:   "container OOM-killed past its memory limit",
			pod:    pod("oom", oom),
			ready:  crashLooping("OOMKilled"),
			reason: "CrashLoopBackOff|OOMKilled",
			words:  []string{"OOMKilled", "memory limit (32Mi)", "resources.limits.memory"},
		},
	}
	for _, tc := range cases {
		createPod(t, tc.pod)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eventually(t, 3*time.Minute, "pod "+tc.pod.Name+" in the state to explain", func() (bool, string) {
				p := getPod(t, ns, tc.pod.Name)
				return tc.ready(p), fmt.Sprintf("phase %s, containers %+v", p.Status.Phase, p.Status.ContainerStatuses)
			})
			var d diagnose.Diagnosis
			explainJSON(t, &d, "why-pending", tc.pod.Name, "-n", ns)
			if d.NodeName != spare {
				t.Errorf("node %q, want %s", d.NodeName, spare)
			}
			var found *diagnose.Problem
			for i, p := range d.Problems {
				for _, r := range strings.Split(tc.reason, "|") {
					if p.Reason == r && found == nil {
						found = &d.Problems[i]
					}
				}
			}
			if found == nil {
				t.Fatalf("no %s problem; state %s, summary %q, problems %+v", tc.reason, d.State, d.Summary, d.Problems)
			}
			all := found.Message + "\n" + found.Meaning + "\n" + found.Fix
			for _, w := range tc.words {
				if !strings.Contains(all, w) {
					t.Errorf("the %s problem lacks %q:\n%s\nall problems: %+v", found.Reason, w, all, d.Problems)
				}
			}
			if found.Fix == "" {
				t.Errorf("the %s problem has no fix", found.Reason)
			}
			// The same in words, as a person reads it.
			text := explainNodes(t, "why-pending", tc.pod.Name, "-n", ns).Stdout
			if !strings.Contains(text, found.Reason) || !strings.Contains(text, "What to do:") {
				t.Errorf("why-pending's text lacks the %s problem and its fix:\n%s", found.Reason, text)
			}
		})
	}
}

// unpullable is an image no node can pull: its registry's address refuses
// connections, so the pull fails at once with the runtime's real error.
const unpullable = "127.0.0.1:1/explain-nodes/missing:v1"

// crashLooping says when a pod's container has failed, been restarted and
// failed again (with the given reason, if not ""), in either of the states a
// real kubelet shows: waiting in CrashLoopBackOff or terminated between
// restarts.
func crashLooping(reason string) func(*corev1.Pod) bool {
	return func(p *corev1.Pod) bool {
		for _, cs := range p.Status.ContainerStatuses {
			last := cs.LastTerminationState.Terminated
			if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" && last != nil && (reason == "" || last.Reason == reason) {
				return true
			}
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 && cs.RestartCount > 0 && (reason == "" || t.Reason == reason) {
				return true
			}
		}
		return false
	}
}

func waitingIn(reasons ...string) func(*corev1.Pod) bool {
	return func(p *corev1.Pod) bool {
		for _, cs := range p.Status.ContainerStatuses {
			for _, r := range reasons {
				if cs.State.Waiting != nil && cs.State.Waiting.Reason == r {
					return true
				}
			}
		}
		return false
	}
}

// hasEvent says whether the pod has an event with reason.
func hasEvent(t *testing.T, ns, pod, reason string) bool {
	t.Helper()
	sel := fields.Set{"involvedObject.name": pod, "reason": reason}.AsSelector().String()
	events, err := client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	return len(events.Items) > 0
}
