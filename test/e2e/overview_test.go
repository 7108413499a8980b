//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

func component(rep explain.Report, name string) (explain.Component, bool) {
	for _, c := range rep.ControlPlane.Components {
		if c.Name == name {
			return c, true
		}
	}
	return explain.Component{}, false
}

// findingFor returns the first finding with the code that names the node.
func findingFor(rep explain.Report, code, node string) (explain.Finding, bool) {
	for _, f := range rep.Findings {
		if string(f.Code) == code && (node == "" || slices.Contains(f.Nodes, node)) {
			return f, true
		}
	}
	return explain.Finding{}, false
}

// A kubeadm-like cluster: a control-plane node with the component pods, a
// kube-proxy DaemonSet that misses one node. Not parallel: the control
// plane's mode and kube-proxy are cluster-wide.
func TestOverviewKubeadmLike(t *testing.T) {
	ctx := context.Background()
	createNodes(t,
		fixture.Node{Name: "ov-cp", Roles: []string{"control-plane"}, Taints: []corev1.Taint{fixture.ControlPlaneTaint}},
		fixture.Node{Name: "ov-w1"},
		fixture.Node{Name: "ov-w2"},
	)
	createPods(t, fixture.ControlPlanePods("ov-cp")...)
	// kube-proxy runs on ov-cp and ov-w1 only.
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-proxy"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "kube-proxy"}},
				Spec: corev1.PodSpec{
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
							Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{"ov-cp", "ov-w1"},
						}}}},
					}}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers:  []corev1.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy:v1.37.2"}},
				},
			},
		},
	}
	if _, err := client.AppsV1().DaemonSets("kube-system").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.AppsV1().DaemonSets("kube-system").Delete(context.Background(), "kube-proxy", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)})
	})
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().DaemonSets("kube-system").Get(ctx, "kube-proxy", metav1.GetOptions{})
		return err == nil && d.Status.NumberReady == 2, nil
	})
	if err != nil {
		t.Fatalf("kube-proxy pods never became ready: %v", err)
	}
	for _, p := range fixture.ControlPlanePods("ov-cp") {
		if _, err := fixture.WaitForPod(ctx, client, p.Namespace, p.Name, fixture.Running); err != nil {
			t.Fatal(err)
		}
	}

	rep := reportJSON(t)
	if rep.ControlPlane.Mode != explain.ModeSelfHosted || rep.ControlPlane.Distribution != "kubeadm" {
		t.Errorf("control plane %s (%s), want self-hosted (kubeadm): %+v", rep.ControlPlane.Mode, rep.ControlPlane.Distribution, rep.ControlPlane)
	}
	for _, name := range []string{"kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"} {
		c, ok := component(rep, name)
		if !ok || c.State != explain.StateHealthy {
			t.Errorf("component %s: %+v, want Healthy", name, c)
			continue
		}
		if !slices.ContainsFunc(c.Observed, func(o string) bool { return strings.Contains(o, "pod kube-system/"+name+"-ov-cp: Running") }) {
			t.Errorf("component %s does not report its pod: %q", name, c.Observed)
		}
	}
	for _, name := range []string{"kube-scheduler", "kube-controller-manager"} {
		c, _ := component(rep, name)
		if !slices.ContainsFunc(c.Observed, func(o string) bool { return strings.HasPrefix(o, "leader ") && strings.Contains(o, "lease renewed") }) {
			t.Errorf("component %s does not report its leader lease: %q", name, c.Observed)
		}
	}
	w1, _ := findNode(rep, "ov-w1")
	w2, _ := findNode(rep, "ov-w2")
	if w1.KubeProxy != "Running" || w2.KubeProxy != "missing" {
		t.Errorf("kube-proxy: ov-w1 %q, ov-w2 %q; want Running and missing", w1.KubeProxy, w2.KubeProxy)
	}
	if _, ok := findingFor(rep, "KubeProxyMissing", "ov-w2"); !ok {
		t.Errorf("no KubeProxyMissing finding for ov-w2: %+v", rep.Findings)
	}
	// The control-plane taint is expected on a control-plane node: explained
	// with the node, not raised as a finding.
	cp, _ := findNode(rep, "ov-cp")
	if len(cp.Taints) != 1 || !cp.Taints[0].Known || !strings.Contains(cp.Taints[0].Meaning, "control plane") {
		t.Errorf("the control-plane taint is not explained: %+v", cp.Taints)
	}
	if f, ok := findingFor(rep, "NodeTaint", "ov-cp"); ok {
		t.Errorf("the expected control-plane taint is raised as a finding: %+v", f)
	}

	text := explainNodes(t)
	for _, want := range []string{
		"CONTROL PLANE: self-hosted (kubeadm) — API server, etcd, scheduler and controller manager ok",
		"No new pods will be scheduled", // absent: the scheduler is healthy
		"The front door of the cluster", // absent: the components are explained with --explain
	} {
		has := strings.Contains(text.Stdout, want)
		if has != strings.HasPrefix(want, "CONTROL PLANE") {
			t.Errorf("text output: %q present=%v:\n%s", want, has, text.Stdout)
		}
	}
	explained := explainNodes(t, "--explain")
	for _, want := range []string{"HOW THE CONTROL PLANE IS RUN: self-hosted (kubeadm)", "scheduler (kube-scheduler) — ok",
		"The front door of the cluster", "WORKER COMPONENTS (on every node)"} {
		if !strings.Contains(explained.Stdout, want) {
			t.Errorf("--explain lacks %q:\n%s", want, explained.Stdout)
		}
	}
}

// A managed-like cluster: EKS provider IDs and node-group labels, no
// control-plane node. The control plane is explained as managed, never as
// missing or broken. Not parallel: the mode is cluster-wide.
func TestOverviewManagedLike(t *testing.T) {
	eks := func(name, id string) fixture.Node {
		return fixture.Node{Name: name,
			Labels:     map[string]string{"eks.amazonaws.com/nodegroup": "general", "topology.kubernetes.io/zone": "eu-west-1a"},
			ProviderID: "aws:///eu-west-1a/" + id}
	}
	createNodes(t, eks("ip-10-0-1-11.eu-west-1.compute.internal", "i-0a1"), eks("ip-10-0-1-12.eu-west-1.compute.internal", "i-0a2"))
	rep := reportJSON(t)
	if rep.ControlPlane.Mode != explain.ModeManaged || rep.ControlPlane.Distribution != "EKS" {
		t.Fatalf("control plane %s (%s), want managed (EKS): %+v", rep.ControlPlane.Mode, rep.ControlPlane.Distribution, rep.ControlPlane)
	}
	for _, c := range rep.ControlPlane.Components {
		if c.State == explain.StateUnhealthy || c.State == explain.StateUnknown {
			t.Errorf("a managed control plane's %s is reported %s: %+v", c.Name, c.State, c)
		}
	}
	if _, ok := findingFor(rep, "ControlPlaneUnhealthy", ""); ok {
		t.Errorf("managed control plane reported unhealthy: %+v", rep.Findings)
	}
	text := explainNodes(t, "--explain")
	if !strings.Contains(text.Stdout, "CONTROL PLANE: managed (EKS)") || !strings.Contains(text.Stdout, "run by EKS") {
		t.Errorf("text does not explain the managed control plane:\n%s", text.Stdout)
	}
}

// Trouble made on purpose, seen through the real node controller.
func TestOverviewTrouble(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	createNodes(t,
		fixture.Node{Name: "tr-silent", State: fixture.Silent},
		fixture.Node{Name: "tr-cordoned", Unschedulable: true},
		fixture.Node{Name: "tr-disk", State: fixture.DiskPressure},
		fixture.Node{Name: "tr-custom", Taints: []corev1.Taint{{Key: "example.com/dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule}}},
		fixture.Node{Name: "tr-full", Capacity: fixture.Resources("1", "2Gi", "110")},
	)
	createNamespace(t, "tr")
	createPods(t,
		fixture.Pod{Name: "hog-1", Namespace: "tr", NodeName: "tr-full", Requests: fixture.Resources("800m", "1Gi", "")},
		fixture.Pod{Name: "hog-2", Namespace: "tr", NodeName: "tr-full", Requests: fixture.Resources("800m", "512Mi", "")},
		fixture.Pod{Name: "batch", Namespace: "tr", NodeName: "tr-custom", Tolerations: []corev1.Toleration{{Key: "example.com/dedicated", Operator: corev1.TolerationOpExists}}},
	)
	// The node controller marks the silent node Unknown and taints it unreachable.
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "tr-silent", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool {
			return t.Key == corev1.TaintNodeUnreachable && t.Effect == corev1.TaintEffectNoExecute
		}), nil
	})
	if err != nil {
		t.Fatalf("the node controller never tainted the silent node unreachable: %v", err)
	}
	rep := reportJSON(t)
	silent, _ := findNode(rep, "tr-silent")
	if silent.Readiness != explain.Unknown || !slices.ContainsFunc(silent.Taints, func(t explain.Taint) bool { return t.Key == corev1.TaintNodeUnreachable && t.Known }) {
		t.Errorf("tr-silent: %+v", silent)
	}
	if f, ok := findingFor(rep, "NodeUnknown", "tr-silent"); !ok || f.Severity != explain.SeverityCritical || !strings.Contains(f.Title, "last reported") || !strings.Contains(f.Meaning, "node.kubernetes.io/unreachable") {
		t.Errorf("no critical NodeUnknown finding with the heartbeat and the unreachable taint: %+v", f)
	}
	if _, ok := findingFor(rep, "NodeCordoned", "tr-cordoned"); !ok {
		t.Errorf("no NodeCordoned finding: %+v", rep.Findings)
	}
	if f, ok := findingFor(rep, "NodeDiskPressure", "tr-disk"); !ok || !strings.HasPrefix(f.Title, "DiskPressure") {
		t.Errorf("no DiskPressure finding: %+v", f)
	}
	if f, ok := findingFor(rep, "NodeTaint", "tr-custom"); !ok || !strings.Contains(f.Title, "example.com/dedicated=batch:NoSchedule") {
		t.Errorf("the custom taint is not explained: %+v", f)
	}
	if custom, _ := findNode(rep, "tr-custom"); len(custom.Taints) != 1 || custom.Taints[0].ToleratedBy != 1 || custom.Taints[0].Known {
		t.Errorf("tr-custom's taint: %+v, want unknown to the catalogue and tolerated by 1 pod", custom.Taints)
	}
	if f, ok := findingFor(rep, "RequestsOvercommitted", "tr-full"); !ok || !strings.Contains(f.Title, "CPU requests exceed allocatable: 1.6 of 1 (160%)") {
		t.Errorf("the overcommitted node is not reported: %+v", f)
	}
	full, _ := findNode(rep, "tr-full")
	if full.Pods != 2 || full.CPURequestedMilli != 1600 || full.MemoryRequested != 1536<<20 {
		t.Errorf("tr-full: %d pods, %dm CPU, %d bytes requested; want 2, 1600m, 1.5Gi", full.Pods, full.CPURequestedMilli, full.MemoryRequested)
	}

	// One node in depth, through kubectl.
	text := explainNodes(t, "tr-disk")
	for _, want := range []string{
		"NODE tr-disk (worker) — Ready",
		"DiskPressure    True",
		"Capacity and allocatable:",
		"node.kubernetes.io/disk-pressure:NoSchedule",
		"container runtime: containerd://2.1.4",
	} {
		if !strings.Contains(text.Stdout, want) {
			t.Errorf("tr-disk in depth lacks %q:\n%s", want, text.Stdout)
		}
	}
	text = explainNodes(t, "tr-full")
	for _, want := range []string{"Pods (2):", "workload  tr/hog-1", "0.8"} {
		if !strings.Contains(text.Stdout, want) {
			t.Errorf("tr-full in depth lacks %q:\n%s", want, text.Stdout)
		}
	}
	r := kubectlRun(t, nil, "explain-nodes", "tr-ful")
	if r.Code != 1 || !strings.Contains(r.Stderr, `node "tr-ful" not found; the closest names are tr-full`) {
		t.Errorf("want exit 1 and the closest names:\n%s", r)
	}
}

// The overview's API requests depend on pages, not on nodes.
func TestOverviewRequestsDoNotGrowWithNodes(t *testing.T) {
	t.Parallel()
	proxy := newCountingProxy(t)
	kc := proxy.kubeconfig(t)
	count := func() (int, []string) {
		r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes", "-o", "json")
		if r.Code != 0 {
			t.Fatalf("through the proxy: %s", r)
		}
		return proxy.take()
	}
	createMany(t, "rc-a-", 10)
	small, smallReqs := count()
	createMany(t, "rc-b-", 190)
	large, largeReqs := count()
	if small != large {
		t.Errorf("%d requests with 10+ nodes, %d with 200+: they must not grow with nodes\nsmall: %q\nlarge: %q", small, large, smallReqs, largeReqs)
	}
	t.Logf("one overview: %d requests: %q", small, smallReqs)
	if small > 12 {
		t.Errorf("%d requests for one overview: %q", small, smallReqs)
	}
}

// createMany creates n Ready nodes quickly, without waiting for kwok.
func createMany(t *testing.T, prefix string, n int) {
	t.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(16)
	for i := range n {
		name := fmt.Sprintf("%s%03d", prefix, i)
		g.Go(func() error {
			_, err := client.CoreV1().Nodes().Create(ctx, fixture.Node{Name: name}.Object(), metav1.CreateOptions{})
			return err
		})
		t.Cleanup(func() { _ = fixture.DeleteNode(context.Background(), client, name) })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
