package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

const (
	zoneKey     = "topology.kubernetes.io/zone"
	hostnameKey = "kubernetes.io/hostname"
)

// checkMismatches fails the test with every mismatch of a case.
func checkMismatches(t *testing.T, mismatches []string) {
	t.Helper()
	if len(mismatches) > 0 {
		t.Error(strings.Join(mismatches, "\n"))
	}
}

// verdictReasons maps each node to the reasons it counts under in the
// scheduler's message, or to "fits".
func verdictReasons(d *Diagnosis) map[string][]string {
	out := map[string][]string{}
	for _, v := range d.Nodes {
		if v.Fits {
			out[v.Node] = []string{"fits"}
			continue
		}
		out[v.Node] = v.Reasons
	}
	return out
}

// compareVerdicts lists how d differs from the expected reasons and message.
func compareVerdicts(d *Diagnosis, want map[string][]string, computed string) []string {
	var out []string
	if diff := cmp.Diff(want, verdictReasons(d)); diff != "" {
		out = append(out, "per-node reasons (-want +got):\n"+diff)
	}
	if d.ComputedMessage != computed {
		out = append(out, fmt.Sprintf("computed message\n got  %q\n want %q", d.ComputedMessage, computed))
	}
	return out
}

func podLabelled(kv ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for i := 0; i < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func inNamespace(ns string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Namespace = ns }
}

func withUID(uid string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.UID = types.UID(uid) }
}

func terminatingPod(p *corev1.Pod) {
	ts := metav1.NewTime(now.Add(-time.Minute))
	p.DeletionTimestamp = &ts
}

// zoneNode is a node labelled with its hostname and, unless zone is "", a zone.
func zoneNode(name, zone string, mod ...func(*corev1.Node)) corev1.Node {
	mods := []func(*corev1.Node){label(hostnameKey, name)}
	if zone != "" {
		mods = append(mods, label(zoneKey, zone))
	}
	return mkNode(name, std, append(mods, mod...)...)
}

func cordoned(n *corev1.Node) { n.Spec.Unschedulable = true }

func readyNode(n *corev1.Node) { setReady(n, corev1.ConditionTrue) }

func notReadyNode(n *corev1.Node) { setReady(n, corev1.ConditionFalse) }

func setReady(n *corev1.Node, status corev1.ConditionStatus) {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			n.Status.Conditions[i].Status = status
			return
		}
	}
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: status})
}

func matchLabels(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func quantityEqual(a, b resource.Quantity) bool { return a.Cmp(b) == 0 }

// leases makes leader leases, fresh, held by NAME-0; "ns/name" puts one in
// another namespace than kube-system. No names at all is nil: unread.
func leases(names ...string) []cluster.LeaseInfo {
	if names == nil {
		return nil
	}
	out := []cluster.LeaseInfo{}
	for _, n := range names {
		ns, name, ok := strings.Cut(n, "/")
		if !ok {
			ns, name = "kube-system", n
		}
		out = append(out, cluster.LeaseInfo{Namespace: ns, Name: name, Holder: name + "-scheduler-0", Renewed: now, Duration: 15 * time.Second})
	}
	return out
}

func res(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

// mkNode is a fixture node with the given allocatable resources, changed by
// mod.
func mkNode(name string, alloc corev1.ResourceList, mod ...func(*corev1.Node)) corev1.Node {
	n := fixture.Node{Name: name, Capacity: alloc, Allocatable: alloc}.Object()
	if alloc == nil {
		n.Status.Capacity, n.Status.Allocatable = nil, nil
	}
	for _, m := range mod {
		m(n)
	}
	return *n
}

// mkPod is a fixture pod with the given requests, Pending, changed by mod.
func mkPod(name string, requests corev1.ResourceList, mod ...func(*corev1.Pod)) corev1.Pod {
	p := fixture.Pod{Name: name, Requests: requests}.Object()
	p.Status.Phase = corev1.PodPending
	for _, m := range mod {
		m(p)
	}
	return *p
}

func on(node string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.NodeName = node; p.Status.Phase = corev1.PodRunning }
}

func taint(key, value string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func label(k, v string) func(*corev1.Node) { return func(n *corev1.Node) { n.Labels[k] = v } }

// firstFailures returns, per node, the plugin and detail of each failure.
func failures(d *Diagnosis) map[string][]string {
	out := map[string][]string{}
	for _, v := range d.Nodes {
		if v.Fits {
			out[v.Node] = []string{"fits"}
			continue
		}
		for _, f := range v.Failures {
			out[v.Node] = append(out[v.Node], f.Plugin+": "+f.Detail)
		}
	}
	return out
}
