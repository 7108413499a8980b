package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// The cluster settles first: every node Ready, and the system pods (CoreDNS,
// kube-proxy, the CNI) running on real kubelets.
func TestClusterSettles(t *testing.T) {
	eventually(t, 4*time.Minute, "every node Ready and every kube-system pod running and ready", func() (bool, string) {
		ctx := context.Background()
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var waiting []string
		for _, n := range nodes.Items {
			if !isReady(n.Status.Conditions) {
				waiting = append(waiting, "node "+n.Name)
			}
		}
		pods, err := client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || !podReady(&p) {
				waiting = append(waiting, fmt.Sprintf("pod %s (%s)", p.Name, p.Status.Phase))
			}
		}
		if len(nodes.Items) != 3 {
			waiting = append(waiting, fmt.Sprintf("%d nodes, want 3", len(nodes.Items)))
		}
		return len(waiting) == 0, strings.Join(waiting, ", ")
	})
}

// The overview on real nodes: a control plane self-hosted by kind, seen from
// its static pods, leader leases and /readyz; kube-proxy, CoreDNS and the
// CNI as real pods; the runtime and kubelet versions the nodes report, which
// must be what the nodes really run.
func TestOverviewOfRealCluster(t *testing.T) {
	var rep explain.Report
	explainJSON(t, &rep)
	if len(rep.Unread) != 0 {
		t.Errorf("unread as cluster admin: %+v", rep.Unread)
	}
	cp := rep.ControlPlane
	if cp.Mode != explain.ModeSelfHosted || cp.Distribution != "kind" {
		t.Errorf("control plane: mode %q distribution %q, want self-hosted by kind; evidence %q", cp.Mode, cp.Distribution, cp.Evidence)
	}
	cpNode := clusterName + "-control-plane"
	want := map[string][]string{
		"kube-apiserver":          {"pod kube-system/kube-apiserver-" + cpNode + ": Running", "readiness checks pass"},
		"etcd":                    {"pod kube-system/etcd-" + cpNode + ": Running"},
		"kube-scheduler":          {"pod kube-system/kube-scheduler-" + cpNode + ": Running", "lease renewed"},
		"kube-controller-manager": {"pod kube-system/kube-controller-manager-" + cpNode + ": Running", "lease renewed"},
	}
	seen := map[string]bool{}
	for _, c := range cp.Components {
		seen[c.Name] = true
		obs := strings.Join(c.Observed, "\n")
		if c.State != explain.StateHealthy {
			t.Errorf("component %s: state %s, want %s; observed:\n%s", c.Name, c.State, explain.StateHealthy, obs)
		}
		for _, w := range want[c.Name] {
			if !strings.Contains(obs, w) {
				t.Errorf("component %s: observed lacks %q:\n%s", c.Name, w, obs)
			}
		}
	}
	for _, name := range keys(want) {
		if !seen[name] {
			t.Errorf("component %s missing from the control plane", name)
		}
	}

	if rep.Summary.Nodes != 3 || rep.Summary.Ready != 3 {
		t.Errorf("summary: %d nodes, %d Ready; want 3 and 3", rep.Summary.Nodes, rep.Summary.Ready)
	}
	for _, n := range rep.Nodes {
		container := n.Name // kind names each node's container after the node
		runtime := "containerd://" + strings.TrimPrefix(crictlRuntimeVersion(t, container), "v")
		if n.ContainerRuntime != runtime {
			t.Errorf("node %s: container runtime %q, but its runtime says %q", n.Name, n.ContainerRuntime, runtime)
		}
		kubelet := strings.TrimPrefix(docker(t, "exec", container, "kubelet", "--version"), "Kubernetes ")
		if n.KubeletVersion != kubelet {
			t.Errorf("node %s: kubelet %q, but the node runs %q", n.Name, n.KubeletVersion, kubelet)
		}
		if n.Readiness != explain.Ready {
			t.Errorf("node %s: %s (%s), want Ready", n.Name, n.Readiness, n.ReadyMessage)
		}
		if n.KubeProxy != "Running" {
			t.Errorf("node %s: kube-proxy %q, want Running", n.Name, n.KubeProxy)
		}
		if !strings.HasPrefix(n.ProviderID, "kind://docker/"+clusterName+"/") {
			t.Errorf("node %s: provider ID %q", n.Name, n.ProviderID)
		}
		var ready bool
		for _, c := range n.Conditions {
			ready = ready || (c.Type == "Ready" && c.Status == "True" && c.Reason == "KubeletReady")
		}
		if !ready {
			t.Errorf("node %s: no Ready=True condition from the kubelet: %+v", n.Name, n.Conditions)
		}
	}
	for _, f := range rep.Findings {
		if strings.Contains(f.Title, "kube-proxy") {
			t.Errorf("a kube-proxy finding on a cluster where kube-proxy runs everywhere: %+v", f)
		}
	}

	// In words: the text overview, and the control-plane node in depth with
	// its real static pods and the DaemonSets' pods.
	text := explainNodes(t, "--explain").Stdout
	for _, w := range []string{"CONTROL PLANE: self-hosted (kind)", "containerd://", "kube-proxy"} {
		if !strings.Contains(text, w) {
			t.Errorf("overview lacks %q:\n%s", w, text)
		}
	}
	detail := explainNodes(t, cpNode).Stdout
	for _, w := range []string{"etcd-" + cpNode, "kube-apiserver-" + cpNode, "kube-scheduler-" + cpNode, "kube-proxy-", "explain-nodes-cni-"} {
		if !strings.Contains(detail, w) {
			t.Errorf("%s in depth lacks %q:\n%s", cpNode, w, detail)
		}
	}
	var all strings.Builder
	for _, n := range rep.Nodes {
		all.WriteString(explainNodes(t, n.Name).Stdout)
	}
	for _, w := range []string{"coredns-"} {
		if !strings.Contains(all.String(), w) {
			t.Errorf("no node in depth lists %q:\n%s", w, all.String())
		}
	}
}

// crictlRuntimeVersion asks the node's container runtime for its version,
// through the CRI as the kubelet does.
func crictlRuntimeVersion(t *testing.T, container string) string {
	t.Helper()
	for _, line := range strings.Split(docker(t, "exec", container, "crictl", "version"), "\n") {
		if v, ok := strings.CutPrefix(line, "RuntimeVersion:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("crictl version on %s printed no RuntimeVersion", container)
	return ""
}

func isReady(conds []corev1.NodeCondition) bool {
	for _, c := range conds {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
