package explain

import (
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// FuzzExplain feeds nodes with fuzzed fields (odd versions, capacities,
// conditions, taints, roles) to Explain: it must never panic, and must
// report every node.
func FuzzExplain(f *testing.F) {
	f.Add("n", "node-role.kubernetes.io/control-plane", "v1.37.2", "v1.37.2", "Ready", "True", "4", "16Gi", "110", "k", "NoExecute", int64(1500), "aws:///x")
	f.Add("", "", "", "garbage", "", "", "", "", "", "", "", int64(-1), "")
	f.Add("x", "kubernetes.io/role", "v99.0.0", "v1.2", "DiskPressure", "Unknown", "0", "1Ei", "-5", "", "", int64(1<<62), "gce://")
	f.Fuzz(func(t *testing.T, name, label, kubelet, server, condType, condStatus, cpu, memory, pods, taintKey, effect string, requestMilli int64, providerID string) {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{label: ""}}}
		n.Spec.ProviderID = providerID
		n.Spec.Taints = []corev1.Taint{{Key: taintKey, Effect: corev1.TaintEffect(effect)}, {Key: taintKey, Effect: corev1.TaintEffect(effect)}}
		n.Status.NodeInfo.KubeletVersion = kubelet
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeConditionType(condType), Status: corev1.ConditionStatus(condStatus)}}
		n.Status.Allocatable = corev1.ResourceList{}
		for rn, s := range map[corev1.ResourceName]string{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory, corev1.ResourcePods: pods} {
			if q, err := resource.ParseQuantity(s); err == nil {
				n.Status.Allocatable[rn] = q
			}
		}
		renew := metav1.NewMicroTime(now)
		s := &cluster.Snapshot{
			Server: "https://" + name, ServerVersion: server,
			Nodes:      []corev1.Node{n, {}},
			Pods:       map[string][]cluster.Pod{name: {{Name: "p", CPUMilli: requestMilli, MemoryBytes: requestMilli}}},
			PodsRead:   true,
			NodeLeases: map[string]coordinationv1.Lease{name: {Spec: coordinationv1.LeaseSpec{RenewTime: &renew}}},
			Readyz:     []v1alpha1.HealthCheck{{Name: name, OK: condStatus == "True", Reason: label}},
		}
		for _, detail := range []bool{false, true} {
			r := Explain(s, now, Options{Detail: detail})
			if len(r.Nodes) != 2 {
				t.Fatalf("%d nodes reported for 2", len(r.Nodes))
			}
		}
	})
}
