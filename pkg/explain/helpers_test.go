package explain

import (
	"maps"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Fixtures. Every node is a fixture node: Ready, kubelet v1.37.2 (the
// server's version), 4 CPUs, 16Gi and 110 pods unless an option says
// otherwise.

type mkOpt func(*corev1.Node)

func mkNode(name string, opts ...mkOpt) corev1.Node {
	n := fixture.Node{Name: name}.Object()
	n.CreationTimestamp = metav1.NewTime(now.Add(-48 * time.Hour))
	for i := range n.Status.Conditions {
		c := &n.Status.Conditions[i]
		c.LastHeartbeatTime, c.LastTransitionTime = metav1.Time{}, metav1.Time{}
	}
	for _, o := range opts {
		o(n)
	}
	return *n
}

func mkLabels(kv ...string) mkOpt {
	return func(n *corev1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func mkProviderID(id string) mkOpt { return func(n *corev1.Node) { n.Spec.ProviderID = id } }

func mkKubelet(v string) mkOpt { return func(n *corev1.Node) { n.Status.NodeInfo.KubeletVersion = v } }

func mkCordoned(n *corev1.Node) { n.Spec.Unschedulable = true }

var mkControlPlane = mkLabels("node-role.kubernetes.io/control-plane", "")

func mkTaints(taints ...corev1.Taint) mkOpt {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, taints...) }
}

// mkReady sets the Ready condition.
func mkReady(status corev1.ConditionStatus, reason, message string) mkOpt {
	return func(n *corev1.Node) {
		c := condition(n, corev1.NodeReady)
		c.Status, c.Reason, c.Message = status, reason, message
	}
}

// mkCondition sets a condition, changed 10 minutes ago.
func mkCondition(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason, message string) mkOpt {
	return func(n *corev1.Node) {
		*condition(n, typ) = corev1.NodeCondition{Type: typ, Status: status, Reason: reason, Message: message,
			LastTransitionTime: metav1.NewTime(now.Add(-10 * time.Minute))}
	}
}

// condition returns the node's condition of that type, added if missing.
func condition(n *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == typ {
			return &n.Status.Conditions[i]
		}
	}
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ})
	return &n.Status.Conditions[len(n.Status.Conditions)-1]
}

func mkAllocatable(cpu, memory, pods string) mkOpt {
	return func(n *corev1.Node) {
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(memory), corev1.ResourcePods: resource.MustParse(pods)}
	}
}

// mkSnapshot is a snapshot whose pods, leases and DaemonSets were all read
// (and found empty); no kube-proxy DaemonSet.
func mkSnapshot(nodes ...corev1.Node) *cluster.Snapshot {
	return &cluster.Snapshot{
		Server:           "https://10.0.0.10:6443",
		ServerVersion:    "v1.37.2",
		Nodes:            nodes,
		Pods:             map[string][]cluster.Pod{},
		PodsRead:         true,
		NodeLeases:       map[string]coordinationv1.Lease{},
		LeaderLeases:     map[string]coordinationv1.Lease{},
		SystemDaemonSets: []appsv1.DaemonSet{},
	}
}

func mkLease(holder string, renewed time.Time, seconds int32) coordinationv1.Lease {
	rt := metav1.NewMicroTime(renewed)
	return coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &rt, LeaseDurationSeconds: &seconds}}
}

func mkKubeProxyDS() appsv1.DaemonSet {
	ds := appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"}}
	ds.Spec.Template.Labels = map[string]string{"k8s-app": "kube-proxy"}
	return ds
}

func mkRunning(ns, name string) cluster.Pod {
	return cluster.Pod{Namespace: ns, Name: name, Phase: corev1.PodRunning, Ready: true, OwnerKind: "ReplicaSet"}
}

func mkComponentPod(component, node string) cluster.Pod {
	p := mkRunning("kube-system", component+"-"+node)
	p.OwnerKind, p.Mirror, p.Component = "Node", true, component
	return p
}

func mkKubeProxyPod(node string) cluster.Pod {
	p := mkRunning("kube-system", "kube-proxy-"+node)
	p.OwnerKind, p.Component = "DaemonSet", "kube-proxy"
	return p
}

func mkPodsWithCPU(n int, milli int64) []cluster.Pod {
	var pods []cluster.Pod
	for i := range n {
		p := mkRunning("default", "app-"+string(rune('a'+i)))
		p.CPUMilli = milli
		pods = append(pods, p)
	}
	return pods
}

func findComponent(t *testing.T, cp ControlPlane, name string) Component {
	t.Helper()
	for _, c := range cp.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %s in %+v", name, cp.Components)
	return Component{}
}

func findingsWithCode(r *Report, code string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if string(f.Code) == code {
			out = append(out, f)
		}
	}
	return out
}

func findNode(t *testing.T, r *Report, name string) Node {
	t.Helper()
	for _, n := range r.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s in the report", name)
	return Node{}
}

// nodeCodes lists the severity and code of every finding naming node.
func nodeCodes(r *Report, node string) []string {
	var out []string
	for _, f := range r.Findings {
		if slices.Contains(f.Nodes, node) {
			out = append(out, f.Severity+" "+string(f.Code))
		}
	}
	return out
}

// node is a fixture node with the labels added and its Ready condition set
// to ready (reason R, message M), or with no condition at all when ready is
// empty.
func node(name string, labels map[string]string, ready corev1.ConditionStatus) corev1.Node {
	n := mkNode(name, func(n *corev1.Node) { maps.Copy(n.Labels, labels) })
	if ready == "" {
		n.Status.Conditions = nil
		return n
	}
	mkReady(ready, "R", "M")(&n)
	return n
}
