package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNotWaitingForScheduler(t *testing.T) {
	bound := func(node string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.NodeName = node } }
	waiting := func(reason string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: "pull access denied"}}}}
		}
	}
	scheduler := func(name string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.SchedulerName = name } }
	event := func(typ, reason, msg string, at time.Time, mod ...func(*corev1.Event)) corev1.Event {
		e := corev1.Event{
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
			Type:           typ, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at),
		}
		for _, m := range mod {
			m(&e)
		}
		return e
	}
	readyNodes := []corev1.Node{mkNode("n1", std, readyNode)}
	type problem struct{ Source, Reason, Message string }
	tests := []struct {
		name       string
		pod        corev1.Pod
		nodes      []corev1.Node
		nodesRead  bool
		leases     []string
		events     []corev1.Event
		state      State
		problems   []problem // compared when not nil
		summaryHas []string
		summaryNot []string
		check      func(t *testing.T, d *Diagnosis)
	}{
		{
			name:      "bound pod whose container waits in ImagePullBackOff",
			pod:       mkPod("p", nil, bound("n1"), waiting("ImagePullBackOff")),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"container app", "ImagePullBackOff", "pull access denied"}},
			check: func(t *testing.T, d *Diagnosis) {
				if d.Problems[0].Fix == "" || d.Problems[0].Meaning == "" {
					t.Errorf("ImagePullBackOff problem without meaning or fix: %+v", d.Problems[0])
				}
				if len(d.Nodes) != 0 || d.ComputedMessage != "" {
					t.Errorf("a bound pod is not run through the filters: %d verdicts, %q", len(d.Nodes), d.ComputedMessage)
				}
			},
		},
		{
			name: "crash-looping container last OOMKilled: the memory limit is named, with the fix",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Spec.Containers = []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 20s restarting failed container=app"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container app", "CrashLoopBackOff", "back-off 20s restarting failed container=app"}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "OOMKilled (exit code 137)") || !strings.Contains(d.Problems[0].Meaning, "memory limit (64Mi)") {
					t.Errorf("the meaning should say it was OOMKilled past its 64Mi limit: %q", d.Problems[0].Meaning)
				}
				if !strings.Contains(d.Problems[0].Fix, "resources.limits.memory") {
					t.Errorf("the fix should name the memory limit: %q", d.Problems[0].Fix)
				}
				if !strings.Contains(d.Summary, "not all of its containers run") {
					t.Errorf("a Running pod with a crash-looping container should not be called simply running: %q", d.Summary)
				}
			},
		},
		{
			name: "crash-looping container that exits 1: the exit code and the logs to read",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"container app", "CrashLoopBackOff", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "last exited with code 1 (Error)") {
					t.Errorf("the meaning should give the exit code: %q", d.Problems[0].Meaning)
				}
				if !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c app --previous") {
					t.Errorf("the fix should name the pod and container: %q", d.Problems[0].Fix)
				}
			},
		},
		{
			name: "a real kubelet between restarts: the failed container's terminated state, OOMKilled",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Spec.Containers = []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}}}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: 3,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container app", "OOMKilled", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				m := d.Problems[0].Meaning
				if !strings.Contains(m, "restarted 3 times") || !strings.Contains(m, "CrashLoopBackOff") || !strings.Contains(m, "memory limit (32Mi)") {
					t.Errorf("the meaning should say it crash-loops, OOM-killed past 32Mi: %q", m)
				}
				if !strings.Contains(d.Problems[0].Fix, "resources.limits.memory") {
					t.Errorf("the fix should name the memory limit: %q", d.Problems[0].Fix)
				}
			},
		},
		{
			name: "a real kubelet between restarts: exit code 1",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", RestartCount: 2,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container app", "Error", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "last exited with code 1 (Error)") || !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c app --previous") {
					t.Errorf("exit code and logs to read: %+v", d.Problems[0])
				}
			},
		},
		{
			name: "a container that failed once under restartPolicy Never is not a crash loop",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Spec.RestartPolicy = corev1.RestartPolicyNever
				p.Status.Phase = corev1.PodRunning
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app",
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{},
		},
		{
			name: "init container that exited with code 1",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "setup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
					{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}},
				}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"init container migrate", "Error", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c migrate") || !strings.Contains(d.Problems[0].Meaning, "code 1") {
					t.Errorf("init container problem should name the container and exit code: %+v", d.Problems[0])
				}
			},
		},
		{
			name:      "FailedMount warnings: the latest per reason, FailedScheduling and normal events ignored",
			pod:       mkPod("p", nil, bound("n1")),
			nodes:     readyNodes,
			nodesRead: true,
			events: []corev1.Event{
				event(corev1.EventTypeWarning, "FailedMount", "newer: secret \"tls\" not found", now.Add(-time.Minute)),
				event(corev1.EventTypeWarning, "FailedMount", "older: timed out", now.Add(-time.Hour)),
				event(corev1.EventTypeWarning, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", now.Add(-2*time.Hour)),
				event(corev1.EventTypeNormal, "Scheduled", "Successfully assigned default/p to n1", now.Add(-90*time.Minute)),
			},
			state:    StateScheduled,
			problems: []problem{{"event", "FailedMount", "newer: secret \"tls\" not found"}},
			check: func(t *testing.T, d *Diagnosis) {
				if d.Problems[0].Fix == "" {
					t.Errorf("FailedMount problem without a fix: %+v", d.Problems[0])
				}
			},
		},
		{
			name:       "nodeName names a node that does not exist",
			pod:        mkPod("p", nil, bound("ghost")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateBoundToMissingNode,
			problems:   []problem{{"pod", "NodeNotFound", `spec.nodeName names node "ghost", which does not exist`}},
			summaryHas: []string{`"ghost"`},
		},
		{
			name:       "nodes unread: a node not in the list is not claimed missing",
			pod:        mkPod("p", nil, bound("ghost")),
			nodesRead:  false,
			state:      StateScheduled,
			problems:   []problem{},
			summaryNot: []string{"does not exist"},
		},
		{
			name:       "bound to a NotReady node",
			pod:        mkPod("p", nil, bound("n1")),
			nodes:      []corev1.Node{mkNode("n1", std, notReadyNode)},
			nodesRead:  true,
			state:      StateScheduled,
			summaryHas: []string{"n1", "not Ready"},
		},
		{
			name:       "bound to a Ready node, nothing reported",
			pod:        mkPod("p", nil, bound("n1")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateScheduled,
			problems:   []problem{},
			summaryHas: []string{"Nothing is reported yet"},
			summaryNot: []string{"not Ready"},
		},
		{
			name: "terminating pod with finalizers",
			pod: mkPod("p", nil, terminatingPod, func(p *corev1.Pod) {
				p.Finalizers = []string{"example.com/protect"}
			}),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateTerminating,
			summaryHas: []string{"being deleted", "finalizers", "example.com/protect"},
		},
		{
			name:       "terminating pod without finalizers",
			pod:        mkPod("p", nil, terminatingPod, bound("n1")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateTerminating,
			summaryHas: []string{"being deleted"},
			summaryNot: []string{"finalizers"},
		},
		{
			name:      "a scheduler with no lease and no events",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler", "kube-controller-manager"},
			state:     StateNoScheduler,
			check: func(t *testing.T, d *Diagnosis) {
				if len(d.Fixes) == 0 || !strings.Contains(d.Fixes[0], "my-scheduler") || len(d.Nodes) != 0 {
					t.Errorf("NoScheduler should suggest deploying my-scheduler and skip the filters: fixes %q, %d verdicts", d.Fixes, len(d.Nodes))
				}
			},
		},
		{
			name:      "a scheduler holding a lease of its name",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler", "my-scheduler"},
			state:     StateOtherScheduler,
		},
		{
			name:      "a scheduler that sent an event about the pod",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler"},
			events: []corev1.Event{event(corev1.EventTypeNormal, "Waiting", "queued", now.Add(-time.Minute), func(e *corev1.Event) {
				e.Source.Component = "my-scheduler"
			})},
			state: StateOtherScheduler,
		},
		{
			name:      "a scheduler named as the event's reporting controller",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{},
			events: []corev1.Event{event(corev1.EventTypeNormal, "Waiting", "queued", now.Add(-time.Minute), func(e *corev1.Event) {
				e.ReportingController = "my-scheduler"
			})},
			state: StateOtherScheduler,
		},
		{
			name:      "leases unread: no claim that the scheduler is missing",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    nil,
			state:     StateOtherScheduler,
		},
		{
			name:       "a scheduler whose lease is in its own namespace",
			pod:        mkPod("p", nil, scheduler("volcano")),
			nodes:      readyNodes,
			nodesRead:  true,
			leases:     []string{"kube-scheduler", "volcano-system/volcano"},
			state:      StateOtherScheduler,
			summaryHas: []string{"its leader lease volcano-system/volcano, renewed 0s ago by volcano-scheduler-0"},
		},
		{
			name:      "the default scheduler is never missing",
			pod:       mkPod("p", nil, scheduler(corev1.DefaultSchedulerName)),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{},
			state:     StateWaitingForScheduler,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes, NodesRead: tc.nodesRead, Leases: leases(tc.leases...), Events: tc.events}, now)
			if d.State != tc.state {
				t.Fatalf("state %s, want %s (%s)", d.State, tc.state, d.Summary)
			}
			if tc.problems != nil {
				got := []problem{}
				for _, p := range d.Problems {
					got = append(got, problem{p.Source, p.Reason, p.Message})
				}
				if diff := cmp.Diff(tc.problems, got); diff != "" {
					t.Fatalf("problems (-want +got):\n%s", diff)
				}
			}
			for _, s := range tc.summaryHas {
				if !strings.Contains(d.Summary, s) {
					t.Errorf("summary lacks %q: %s", s, d.Summary)
				}
			}
			for _, s := range tc.summaryNot {
				if strings.Contains(d.Summary, s) {
					t.Errorf("summary should not say %q: %s", s, d.Summary)
				}
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}
