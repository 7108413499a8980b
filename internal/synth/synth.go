// Package synth builds large synthetic clusters for the benchmarks of the
// pure packages: thousands of nodes and their pods, without an API server.
package synth

import (
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Now is the moment the synthetic cluster is observed at.
var Now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Nodes returns n nodes: three zones, every 50th cordoned, every 20th tainted
// for GPUs, every 100th NotReady, every 7th under disk pressure.
func Nodes(n int) []corev1.Node {
	nodes := make([]corev1.Node, n)
	for i := range nodes {
		name := fmt.Sprintf("node-%05d", i)
		node := corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(Now.Add(-24 * time.Hour)), Labels: map[string]string{
				"kubernetes.io/hostname":      name,
				"topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3),
				"node.kubernetes.io/instance": "m5.2xlarge",
			}},
			Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("31Gi"), corev1.ResourcePods: resource.MustParse("110")},
				NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4"},
				Conditions: []corev1.NodeCondition{
					{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(Now)},
					{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse},
				},
			},
		}
		if i%50 == 0 {
			node.Spec.Unschedulable = true
		}
		if i%20 == 0 {
			node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule})
		}
		if i%100 == 0 {
			node.Status.Conditions[0].Status = corev1.ConditionFalse
			node.Status.Conditions[0].Message = "container runtime is down"
		}
		if i%7 == 0 {
			node.Status.Conditions[1].Status = corev1.ConditionTrue
			node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule})
		}
		nodes[i] = node
	}
	return nodes
}

// Pods returns perNode pods bound to each node, spread over 100 namespaces,
// running and ready as in a healthy cluster.
func Pods(nodes []corev1.Node, perNode int) []corev1.Pod {
	pods := make([]corev1.Pod, 0, len(nodes)*perNode)
	for i := range nodes {
		for j := range perNode {
			k := i*perNode + j
			pods = append(pods, corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%07d", k), Namespace: fmt.Sprintf("ns-%03d", k%100),
					Labels: map[string]string{"app": fmt.Sprintf("app-%d", k%500)}},
				Spec: corev1.PodSpec{NodeName: nodes[i].Name, Containers: []corev1.Container{{Name: "app",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("512Mi")}}}}},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
			})
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
