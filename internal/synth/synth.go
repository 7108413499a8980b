// Package synth builds large synthetic clusters for the benchmarks of the
// pure packages: thousands of nodes and their pods, without an API server.
package synth

import (
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Now is the moment the synthetic cluster is observed at.
var Now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Nodes returns n fixture nodes: three zones, every 50th cordoned, every
// 20th tainted for GPUs, every 100th NotReady, every 7th under disk pressure.
func Nodes(n int) []corev1.Node {
	nodes := make([]corev1.Node, n)
	for i := range nodes {
		f := fixture.Node{
			Name: fmt.Sprintf("node-%05d", i),
			Labels: map[string]string{
				"topology.kubernetes.io/zone":      fmt.Sprintf("zone-%d", i%3),
				"node.kubernetes.io/instance-type": "m5.2xlarge",
			},
			Capacity:      fixture.Resources("8", "32Gi", "110"),
			Allocatable:   fixture.Resources("7910m", "31Gi", "110"),
			Unschedulable: i%50 == 0,
			Created:       Now.Add(-24 * time.Hour),
			Heard:         Now,
		}
		if i%20 == 0 {
			f.Taints = append(f.Taints, corev1.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule})
		}
		if i%100 == 0 {
			f.State = fixture.NotReady
		}
		if i%7 == 0 {
			f.Taints = append(f.Taints, corev1.Taint{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule})
			f.Modify = diskPressure
		}
		nodes[i] = *f.Object()
	}
	return nodes
}

// diskPressure sets the node's DiskPressure condition, whatever its state.
func diskPressure(n *corev1.Node) {
	for i := range n.Status.Conditions {
		if c := &n.Status.Conditions[i]; c.Type == corev1.NodeDiskPressure {
			c.Status, c.Reason, c.Message = corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"
		}
	}
}

// Pods returns perNode fixture pods bound to each node, spread over 100
// namespaces, running and ready as in a healthy cluster.
func Pods(nodes []corev1.Node, perNode int) []corev1.Pod {
	pods := make([]corev1.Pod, 0, len(nodes)*perNode)
	for i := range nodes {
		for j := range perNode {
			k := i*perNode + j
			p := fixture.Pod{
				Name: fmt.Sprintf("pod-%07d", k), Namespace: fmt.Sprintf("ns-%03d", k%100),
				Labels:   map[string]string{"app": fmt.Sprintf("app-%d", k%500)},
				NodeName: nodes[i].Name,
				Requests: fixture.Resources("200m", "512Mi", ""),
			}.Object()
			p.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
			pods = append(pods, *p)
		}
	}
	return pods
}

// Snapshot returns the overview snapshot of n nodes with perNode pods each.
func Snapshot(n, perNode int) *cluster.Snapshot {
	nodes := Nodes(n)
	s := &cluster.Snapshot{Server: "https://synthetic:6443", ServerVersion: "v1.37.2", Nodes: nodes,
		Pods: map[string][]cluster.Pod{}, PodsRead: true, NodeLeases: map[string]coordinationv1.Lease{}}
	for _, p := range Pods(nodes, perNode) {
		s.Pods[p.Spec.NodeName] = append(s.Pods[p.Spec.NodeName], cluster.Summarize(&p))
	}
	renew := metav1.NewMicroTime(Now.Add(-3 * time.Second))
	for i := range nodes {
		if i%250 == 1 {
			continue // a silent node now and then
		}
		s.NodeLeases[nodes[i].Name] = coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}
	}
	return s
}
