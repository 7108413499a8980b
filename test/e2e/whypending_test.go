//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// createNamespace creates a namespace for one test and deletes it afterwards.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func createPods(t *testing.T, pods ...fixture.Pod) {
	t.Helper()
	ctx := context.Background()
	for _, p := range pods {
		if _, err := fixture.CreatePod(ctx, client, p); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = client.CoreV1().Pods(p.Namespace).Delete(context.Background(), p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
		})
	}
}

func diagnosisJSON(t *testing.T, args ...string) diagnose.Diagnosis {
	t.Helper()
	r := explainNodes(t, append([]string{"why-pending", "-o", "json"}, args...)...)
	var d diagnose.Diagnosis
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatalf("decoding JSON: %v\n%s", err, r)
	}
	return d
}

// The real scheduler is the oracle: for a pod it cannot place, the plugin's
// per-node verdicts, counted, must reproduce the scheduler's message.
// Not parallel: the scheduler's count covers every node of the cluster.
func TestWhyPendingAgreesWithScheduler(t *testing.T) {
	gpuCapacity := fixture.Resources("8", "32Gi", "110")
	gpuCapacity["nvidia.com/gpu"] = resource.MustParse("1")
	createNodes(t,
		fixture.Node{Name: "wp-cp", Roles: []string{"control-plane"}, Taints: []corev1.Taint{fixture.ControlPlaneTaint}},
		fixture.Node{Name: "wp-cordoned", Unschedulable: true},
		fixture.Node{Name: "wp-gpu", Capacity: gpuCapacity, Taints: []corev1.Taint{{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule}}},
		fixture.Node{Name: "wp-small", Capacity: fixture.Resources("1", "2Gi", "110"), Labels: map[string]string{"disktype": "ssd"}},
		fixture.Node{Name: "wp-hdd", Labels: map[string]string{"disktype": "hdd"}},
	)
	createNamespace(t, "wp")
	tolerateGPU := []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}}
	createPods(t,
		fixture.Pod{Name: "big", Namespace: "wp", Requests: fixture.Resources("6", "1Gi", "")},
		fixture.Pod{Name: "ssd", Namespace: "wp", NodeSelector: map[string]string{"disktype": "ssd"}, Requests: fixture.Resources("2", "", "")},
		fixture.Pod{Name: "gpu", Namespace: "wp", Tolerations: tolerateGPU, Requests: fixture.Resources("1", "", ""),
			NodeSelector: map[string]string{"kubernetes.io/hostname": "wp-gpu"},
			Modify: func(p *corev1.Pod) {
				p.Spec.Containers[0].Resources.Requests["nvidia.com/gpu"] = resource.MustParse("2")
				p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("2")}
			}},
	)
	want := map[string]map[string]string{ // pod -> node -> first failing plugin
		"big": {"wp-cp": "TaintToleration", "wp-cordoned": "NodeUnschedulable", "wp-gpu": "TaintToleration", "wp-small": "NodeResourcesFit", "wp-hdd": "NodeResourcesFit"},
		"ssd": {"wp-cp": "TaintToleration", "wp-cordoned": "NodeUnschedulable", "wp-gpu": "TaintToleration", "wp-small": "NodeResourcesFit", "wp-hdd": "NodeAffinity"},
		"gpu": {"wp-cp": "TaintToleration", "wp-cordoned": "NodeUnschedulable", "wp-gpu": "NodeResourcesFit", "wp-small": "NodeAffinity", "wp-hdd": "NodeAffinity"},
	}
	for pod, nodes := range want {
		t.Run(pod, func(t *testing.T) {
			if _, err := fixture.WaitForPod(context.Background(), client, "wp", pod, fixture.Unschedulable); err != nil {
				t.Fatal(err)
			}
			d := diagnosisJSON(t, pod, "-n", "wp")
			if d.State != diagnose.StateUnschedulable || d.Scheduler == nil {
				t.Fatalf("state %s, scheduler %+v", d.State, d.Scheduler)
			}
			if d.Agrees == nil || !*d.Agrees {
				t.Errorf("does not agree with the scheduler:\n scheduler: %s\n computed:  %s\n %s", d.SchedulerMessage, d.ComputedMessage, d.Disagreement)
			}
			for _, v := range d.Nodes {
				wantPlugin, ok := nodes[v.Node]
				if !ok {
					continue
				}
				if v.Fits || v.Failures[0].Plugin != wantPlugin {
					t.Errorf("node %s: %+v, want first failure %s", v.Node, v.Failures, wantPlugin)
				}
			}
		})
	}

	// The text names the exact taint and the fix, through the real kubectl.
	text := explainNodes(t, "why-pending", "big", "-n", "wp")
	flat := strings.Join(strings.Fields(text.Stdout), " ") // undo the wrapping
	for _, want := range []string{
		"Pod wp/big is Pending (Unschedulable)",
		"This agrees with the scheduler.",
		"the pod does not tolerate the taint nvidia.com/gpu=present:NoSchedule",
		"cpu: the pod requests 6, 0 of the node's 1 allocatable is already requested, 1 free",
		"the pod requests 6; lower it to at most 4 (wp-hdd has that much free), or add nodes with more (this alone would let the pod run on wp-hdd)",
		"The taint nvidia.com/gpu=present:NoSchedule reserves nodes for other workloads",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	// Uncordoning wp-cordoned alone would not let the pod run (it lacks
	// the cpu too), and a pod that asks for no GPU is not handed the GPU
	// toleration to paste.
	for _, never := range []string{"kubectl uncordon", "tolerations: - key: nvidia.com/gpu"} {
		if strings.Contains(flat, never) {
			t.Errorf("text should not contain %q:\n%s", never, text)
		}
	}
}

func TestWhyPendingNotPending(t *testing.T) {
	createNodes(t, fixture.Node{Name: "wp-run"})
	createNamespace(t, "wp-run")
	createPods(t, fixture.Pod{Name: "app", Namespace: "wp-run", NodeName: "wp-run"})
	if _, err := fixture.WaitForPod(context.Background(), client, "wp-run", "app", fixture.Running); err != nil {
		t.Fatal(err)
	}
	r := explainNodes(t, "why-pending", "app", "-n", "wp-run")
	if !strings.Contains(r.Stdout, "The pod is not pending: it runs on node wp-run.") {
		t.Errorf("a running pod should be reported as such:\n%s", r)
	}

	// A pod that does not exist: a clear error, and the namespace it is in.
	r = kubectlRun(t, nil, "explain-nodes", "why-pending", "app")
	if r.Code != 1 || !strings.Contains(r.Stderr, `pod "app" not found in namespace "default"; a pod of that name exists in namespace "wp-run": add -n wp-run`) {
		t.Errorf("want exit 1 and a hint at -n:\n%s", r)
	}
	r = kubectlRun(t, nil, "explain-nodes", "why-pending", "no-such-pod", "-n", "wp-run")
	if r.Code != 1 || !strings.Contains(r.Stderr, `pod "no-such-pod" not found in namespace "wp-run"`) {
		t.Errorf("want exit 1 and not found:\n%s", r)
	}
	assertNoStackTrace(t, r)
}

// --message explains a scheduler message with no cluster at all.
func TestWhyPendingMessage(t *testing.T) {
	noCluster := []string{"KUBECONFIG=/nonexistent"}
	r := kubectlRun(t, noCluster, "explain-nodes", "why-pending", "--message",
		"0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: batch}, 2 Insufficient cpu, 2 node(s) didn't match node selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.")
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	flat := strings.Join(strings.Fields(r.Stdout), " ")
	for _, want := range []string{
		"The scheduler looked at 5 nodes and none could take the pod:",
		"2 nodes: Insufficient cpu (NodeResourcesFit)",
		"1 node: node(s) had untolerated taint {dedicated: batch} (TaintToleration)",
		"These nodes carry the taint {dedicated: batch}",
		"2 nodes: node(s) didn't match node selector (NodeAffinity)",
		"On 5 nodes, evicting lower-priority pods would not help",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("lacks %q:\n%s", want, r.Stdout)
		}
	}

	// From standard input, as JSON.
	cmd := kubectlCmd(t, noCluster, "explain-nodes", "why-pending", "--message", "-", "-o", "json")
	cmd.Stdin = strings.NewReader("0/3 nodes are available: 3 Too many pods.\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--message - from stdin: %v\n%s", err, out)
	}
	var e diagnose.MessageExplanation
	if err := json.Unmarshal(out, &e); err != nil {
		t.Fatal(err)
	}
	if !e.Recognised || e.Nodes != 3 || len(e.Reasons) != 1 || e.Reasons[0].Reason != "Too many pods" || e.Reasons[0].Count != 3 {
		t.Errorf("explained %+v", e)
	}

	// Messages of other eras and of the node autoscalers, from the corpus
	// (pkg/diagnose/testdata/corpus/messages.tsv, with their sources).
	for msg, wants := range map[string][]string{
		"No nodes are available that match all of the following predicates:: MatchNodeSelector (3), PodToleratesNodeTaints (3).": {
			"laid out as the scheduler of Kubernetes 1.6 to 1.7 printed it",
			"3 nodes: MatchNodeSelector (NodeAffinity)",
			`An older wording, printed by Kubernetes 1.5 to 1.9; today's scheduler says "node(s) didn't match Pod's node affinity/selector".`,
		},
		"pod didn't trigger scale-up: 12 node(s) didn't match Pod's node affinity/selector, 3 max node group size reached.": {
			"The cluster autoscaler said (NotTriggerScaleUp):",
			"The counts below are node groups, not nodes.",
			"3 node groups: max node group size reached",
			"Raise the node group's maximum",
		},
		"0/7 nodes are available: 1 node(s) had untolerated taint(s), 6 Insufficient cpu. no new claims to deallocate, preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling, 6 No preemption victims found for incoming pod.": {
			`Note "no new claims to deallocate": The DynamicResources plugin`,
			"On 6 nodes, the pod does not fit for lack of room",
		},
	} {
		r := kubectlRun(t, noCluster, "explain-nodes", "why-pending", "--message", msg)
		flat := strings.Join(strings.Fields(r.Stdout), " ")
		for _, want := range wants {
			if r.Code != 0 || !strings.Contains(flat, want) {
				t.Errorf("--message %q lacks %q:\n%s", msg, want, r)
			}
		}
		if strings.Contains(flat, "Not understood") || strings.Contains(flat, "does not know") {
			t.Errorf("--message %q leaves text unexplained:\n%s", msg, r.Stdout)
		}
	}

	r = kubectlRun(t, noCluster, "explain-nodes", "why-pending", "--message", "the cluster is on fire")
	if r.Code != 1 || !strings.Contains(r.Stderr, "is not a scheduler message this tool recognises") {
		t.Errorf("want exit 1 and a clear message:\n%s", r)
	}
	assertNoStackTrace(t, r)

	// An empty message is a mistake, not a request to list pods.
	r = kubectlRun(t, noCluster, "explain-nodes", "why-pending", "--message", "")
	if r.Code != 1 || !strings.Contains(r.Stderr, "--message is empty") {
		t.Errorf("want exit 1 for an empty --message:\n%s", r)
	}
	assertNoStackTrace(t, r)

	// Text after the reasons that is not the preemption note is shown, not dropped.
	r = kubectlRun(t, noCluster, "explain-nodes", "why-pending", "--message",
		"0/3 nodes are available: 3 Insufficient cpu. 2 nodes were skipped by the batch extender. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
	flat = strings.Join(strings.Fields(r.Stdout), " ")
	if r.Code != 0 || !strings.Contains(flat, "Not understood: 2 nodes were skipped by the batch extender.") {
		t.Errorf("the unknown part of the message should be shown:\n%s", r)
	}
}
