package explain

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestRoles(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"no role label is a worker", map[string]string{"kubernetes.io/os": "linux"}, []string{"worker"}},
		{"control-plane", map[string]string{"node-role.kubernetes.io/control-plane": ""}, []string{"control-plane"}},
		{"legacy master is control-plane", map[string]string{"node-role.kubernetes.io/master": ""}, []string{"control-plane"}},
		{"both, once", map[string]string{"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": ""}, []string{"control-plane"}},
		{"kubernetes.io/role", map[string]string{"kubernetes.io/role": "infra"}, []string{"infra"}},
		{"several, sorted", map[string]string{"node-role.kubernetes.io/ingress": "", "node-role.kubernetes.io/gpu": ""}, []string{"gpu", "ingress"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := node("n", tc.labels, corev1.ConditionTrue)
			if diff := cmp.Diff(tc.want, Roles(&n)); diff != "" {
				t.Errorf("Roles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExplainReadiness(t *testing.T) {
	cordoned := node("c", nil, corev1.ConditionTrue)
	cordoned.Spec.Unschedulable = true
	cordoned.Status.NodeInfo.KubeletVersion = "v1.36.0"
	s := &cluster.Snapshot{
		Server:        "https://example:6443",
		ServerVersion: "v1.37.2",
		Nodes: []corev1.Node{
			node("b-notready", nil, corev1.ConditionFalse),
			node("a-ready", nil, corev1.ConditionTrue),
			node("d-unknown", nil, corev1.ConditionUnknown),
			node("e-nocondition", nil, ""),
			cordoned,
		},
		Gaps: []v1alpha1.Gap{{What: "events", Resource: "events", Reason: "Forbidden", Message: "no"}},
	}
	r := Explain(s, now, Options{})
	type row struct {
		Name      string
		Readiness Readiness
		Cordoned  bool
		Kubelet   string
	}
	var got []row
	for _, n := range r.Nodes {
		got = append(got, row{n.Name, n.Readiness, n.Cordoned, n.KubeletVersion})
	}
	want := []row{
		{"a-ready", Ready, false, "v1.37.2"},
		{"b-notready", NotReady, false, "v1.37.2"},
		{"c", Ready, true, "v1.36.0"},
		{"d-unknown", Unknown, false, "v1.37.2"},
		{"e-nocondition", Unknown, false, "v1.37.2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if r.APIVersion != v1alpha1.APIVersion || r.Kind != v1alpha1.KindReport || !r.GeneratedAt.Equal(now) || len(r.Unread) != 1 {
		t.Errorf("report header or gaps wrong: %+v", r)
	}
}

func TestNodeFields(t *testing.T) {
	leaseTime := now.Add(-7 * time.Second)
	readyBeat := now.Add(-25 * time.Second)
	withBeat := func(n *corev1.Node) { condition(n, corev1.NodeReady).LastHeartbeatTime = metav1.NewTime(readyBeat) }
	dedicated := corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule}
	cpTaint := corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}

	pod := func(name string, cpu, mem int64, tol ...corev1.Toleration) cluster.Pod {
		p := mkRunning("default", name)
		p.CPUMilli, p.MemoryBytes, p.Tolerations = cpu, mem, tol
		return p
	}
	s := mkSnapshot(
		mkNode("leased", withBeat),
		mkNode("no-lease", withBeat),
		mkNode("lease-unrenewed", withBeat),
		mkNode("no-heartbeat"),
		mkNode("tainted", mkTaints(dedicated)),
		mkNode("cordoned", mkCordoned, mkTaints(corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})),
		mkNode("cp-1", mkControlPlane, mkTaints(cpTaint)),
		mkNode("cp-legacy", mkLabels("node-role.kubernetes.io/master", ""), mkTaints(corev1.Taint{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule})),
		mkNode("worker-cp-taint", mkTaints(cpTaint)),
	)
	s.NodeLeases["leased"] = mkLease("leased", leaseTime, 40)
	unrenewed := mkLease("lease-unrenewed", now, 40)
	unrenewed.Spec.RenewTime = nil
	s.NodeLeases["lease-unrenewed"] = unrenewed
	s.Pods["leased"] = []cluster.Pod{pod("a", 100, 64<<20), pod("b", 250, 128<<20), pod("c", 500, 1<<30)}
	s.Pods["tainted"] = []cluster.Pod{
		pod("equal", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "batch", Effect: corev1.TaintEffectNoSchedule}),
		pod("exists-all", 0, 0, corev1.Toleration{Operator: corev1.TolerationOpExists}),
		pod("exists-key", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists}),
		pod("wrong-value", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule}),
		pod("wrong-effect", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "batch", Effect: corev1.TaintEffectNoExecute}),
		pod("none", 0, 0),
	}
	s.Pods["cp-1"] = []cluster.Pod{pod("tolerates-cp", 0, 0, corev1.Toleration{Key: cpTaint.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})}
	r := Explain(s, now, Options{})

	t.Run("sums of requests", func(t *testing.T) {
		n := findNode(t, r, "leased")
		if n.Pods != 3 || n.CPURequestedMilli != 850 || n.MemoryRequested != 64<<20+128<<20+1<<30 {
			t.Errorf("pods %d, CPU %d, memory %d", n.Pods, n.CPURequestedMilli, n.MemoryRequested)
		}
		if n.PodsAllocatable != 110 || n.CPUAllocatableMilli != 4000 || n.MemoryAllocatable != 16<<30 || n.CPUCapacityMilli != 4000 {
			t.Errorf("allocatable %d pods, %dm CPU, %d memory; capacity %dm", n.PodsAllocatable, n.CPUAllocatableMilli, n.MemoryAllocatable, n.CPUCapacityMilli)
		}
		if n.KubeletVersion != "v1.37.2" || n.ContainerRuntime != "containerd://2.1.4" || !n.CreatedAt.Equal(now.Add(-48*time.Hour)) {
			t.Errorf("node info %+v", n)
		}
	})
	heartbeats := []struct {
		node string
		want *time.Time
	}{
		{"leased", &leaseTime},
		{"no-lease", &readyBeat},
		{"lease-unrenewed", &readyBeat},
		{"no-heartbeat", nil},
	}
	for _, tc := range heartbeats {
		t.Run("heartbeat "+tc.node, func(t *testing.T) {
			got := findNode(t, r, tc.node).LastHeartbeat
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("LastHeartbeat %v, want none", got)
			case tc.want != nil && (got == nil || !got.Equal(*tc.want)):
				t.Errorf("LastHeartbeat %v, want %v", got, *tc.want)
			}
		})
	}
	t.Run("tolerated by", func(t *testing.T) {
		n := findNode(t, r, "tainted")
		if len(n.Taints) != 1 {
			t.Fatalf("taints %+v", n.Taints)
		}
		tn := n.Taints[0]
		if tn.ToleratedBy != 3 {
			t.Errorf("ToleratedBy = %d, want 3 (equal, exists-all, exists-key)", tn.ToleratedBy)
		}
		if !tn.Known || tn.Title != "dedicated node pool" || tn.EffectMeaning != EffectMeaning(corev1.TaintEffectNoSchedule) || tn.Value != "batch" {
			t.Errorf("taint %+v", tn)
		}
		// The count varies from node to node, so it stays out of the
		// finding, which merges alike taints of several nodes.
		f := findingsWithCode(r, "NodeTaint")
		if !slices.ContainsFunc(f, func(f Finding) bool {
			return slices.Contains(f.Nodes, "tainted") && !strings.Contains(f.Meaning, TolerateCount(tn.ToleratedBy))
		}) {
			t.Errorf("NodeTaint finding: %+v", f)
		}
	})
	notes := []struct{ node, want string }{
		{"leased", ""},
		{"no-heartbeat", ""},
		{"tainted", "taint dedicated"},
		{"cordoned", "cordoned"},
		{"cp-1", ""},
		{"cp-legacy", ""},
		{"worker-cp-taint", "taint control-plane"},
	}
	for _, tc := range notes {
		t.Run("note "+tc.node, func(t *testing.T) {
			if got := findNode(t, r, tc.node).Note; got != tc.want {
				t.Errorf("Note = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("control-plane taint tolerated", func(t *testing.T) {
		if got := findNode(t, r, "cp-1").Taints[0].ToleratedBy; got != 1 {
			t.Errorf("ToleratedBy = %d, want 1", got)
		}
	})
	t.Run("nodes sorted by name", func(t *testing.T) {
		if !slices.IsSortedFunc(r.Nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) }) {
			t.Error("nodes not sorted")
		}
	})
}

func TestDetail(t *testing.T) {
	pod := func(ns, name, owner string, mirror bool) cluster.Pod {
		p := mkRunning(ns, name)
		p.OwnerKind, p.Mirror, p.CPUMilli, p.MemoryBytes, p.Restarts = owner, mirror, 100, 128<<20, 1
		return p
	}
	s := mkSnapshot(mkNode("cp-1", mkControlPlane), mkNode("worker-1"))
	s.Pods["cp-1"] = []cluster.Pod{
		pod("default", "web-7d9f-x2x", "ReplicaSet", false),
		pod("kube-system", "kube-proxy-abcde", "DaemonSet", false),
		pod("batch", "report-29000000-q", "Job", false),
		pod("kube-system", "kube-apiserver-cp-1", "Node", true),
		pod("kube-system", "etcd-cp-1", "Node", true),
		pod("default", "debug", "", false),
		pod("kube-system", "static-without-owner", "", true),
		pod("kube-flannel", "kube-flannel-ds-x", "DaemonSet", false),
	}
	s.Pods["worker-1"] = []cluster.Pod{pod("default", "web-7d9f-y3y", "ReplicaSet", false)}
	s.Unscheduled = 4
	s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_x", now.Add(-time.Hour), 15)
	last := now.Add(-3 * time.Minute)
	s.NodeEvents = []corev1.Event{
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "cp-1"}, Reason: "FreeDiskSpaceFailed", Message: "failed to garbage collect required amount of images", Count: 4, LastTimestamp: metav1.NewTime(last), Type: corev1.EventTypeWarning},
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "worker-1"}, Reason: "Rebooted", Message: "Node worker-1 has been rebooted", Count: 1, LastTimestamp: metav1.NewTime(last), Type: corev1.EventTypeWarning},
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "cp-1"}, Reason: "InvalidDiskCapacity", Message: "invalid capacity 0 on image filesystem", Count: 1, EventTime: metav1.NewMicroTime(now.Add(-time.Hour)), Type: corev1.EventTypeWarning},
	}

	r := Explain(s, now, Options{Detail: true})
	cp := findNode(t, r, "cp-1")
	np := func(ns, name, kind string) NodePod {
		return NodePod{Namespace: ns, Name: name, Kind: kind, Phase: "Running", Ready: true, Restarts: 1, CPUMilli: 100, MemoryBytes: 128 << 20}
	}
	wantPods := []NodePod{
		np("kube-system", "etcd-cp-1", "static"),
		np("kube-system", "kube-apiserver-cp-1", "static"),
		np("kube-system", "static-without-owner", "static"),
		np("kube-flannel", "kube-flannel-ds-x", PodKindDaemon),
		np("kube-system", "kube-proxy-abcde", PodKindDaemon),
		np("batch", "report-29000000-q", "workload"),
		np("default", "debug", "workload"),
		np("default", "web-7d9f-x2x", "workload"),
	}
	if diff := cmp.Diff(wantPods, cp.PodList); diff != "" {
		t.Errorf("PodList (-want +got):\n%s", diff)
	}
	wantEvents := []Event{
		{Reason: "FreeDiskSpaceFailed", Message: "failed to garbage collect required amount of images", Count: 4, Last: last},
		{Reason: "InvalidDiskCapacity", Message: "invalid capacity 0 on image filesystem", Count: 1, Last: now.Add(-time.Hour)},
	}
	if diff := cmp.Diff(wantEvents, cp.Events); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}
	if w := findNode(t, r, "worker-1"); len(w.Events) != 1 || w.Events[0].Reason != "Rebooted" || len(w.PodList) != 1 {
		t.Errorf("worker-1 detail: events %+v, pods %+v", w.Events, w.PodList)
	}
	for _, code := range []string{"NoKubeProxy", "PodsWaitingForNode", "ControlPlaneUnhealthy"} {
		if f := findingsWithCode(r, code); len(f) != 0 {
			t.Errorf("detail report has cluster-level finding %s: %+v", code, f)
		}
	}

	// Without Detail: no pod list or events, and the cluster-level findings are there.
	r = Explain(s, now, Options{})
	for _, n := range r.Nodes {
		if n.PodList != nil || n.Events != nil {
			t.Errorf("%s: PodList or Events filled without Detail", n.Name)
		}
	}
	for _, code := range []string{"NoKubeProxy", "PodsWaitingForNode", "ControlPlaneUnhealthy"} {
		if f := findingsWithCode(r, code); len(f) != 1 {
			t.Errorf("overview has %d %s findings, want 1", len(f), code)
		}
	}
}

func TestSummary(t *testing.T) {
	nodes := []corev1.Node{
		mkNode("ready-1"),
		mkNode("ready-cordoned", mkCordoned),
		mkNode("notready", mkReady(corev1.ConditionFalse, "KubeletNotReady", "")),
		mkNode("unknown", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "")),
		mkNode("no-condition", func(n *corev1.Node) { n.Status.Conditions = nil }),
	}
	tests := []struct {
		name     string
		podsRead bool
		want     Summary
	}{
		{"pods read", true, Summary{Nodes: 5, Ready: 2, NotReady: 1, Unknown: 2, Cordoned: 1, Pods: 6, Unscheduled: 3}},
		{"pods unread", false, Summary{Nodes: 5, Ready: 2, NotReady: 1, Unknown: 2, Cordoned: 1, Pods: -1, Unscheduled: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(nodes...)
			s.PodsRead = tc.podsRead
			s.Unscheduled = 3
			if tc.podsRead {
				s.Pods = map[string][]cluster.Pod{"ready-1": mkPodsWithCPU(4, 10), "notready": mkPodsWithCPU(2, 10)}
			} else {
				s.Pods = nil
			}
			if diff := cmp.Diff(tc.want, Explain(s, now, Options{}).Summary); diff != "" {
				t.Errorf("Summary (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no nodes", func(t *testing.T) {
		r := Explain(mkSnapshot(), now, Options{})
		if diff := cmp.Diff(Summary{Pods: 0, Unscheduled: 0}, r.Summary); diff != "" {
			t.Errorf("Summary (-want +got):\n%s", diff)
		}
		if r.Nodes == nil || r.Findings == nil {
			t.Error("Nodes and Findings must be empty, not nil, so JSON shows []")
		}
	})
}

// KubeProxy must not claim a pod is missing (or running) when pods could not
// be read: the report never claims more than it saw.
func TestKubeProxyStateWhenPodsUnread(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
	s.PodsRead, s.Pods = false, nil
	s.Gaps = []v1alpha1.Gap{{What: "pods in all namespaces", Resource: "pods", Reason: "Forbidden", Message: "forbidden"}}
	r := Explain(s, now, Options{})
	if f := findingsWithCode(r, "KubeProxyMissing"); len(f) != 0 {
		t.Errorf("KubeProxyMissing although pods are unread: %+v", f)
	}
	switch got := r.Nodes[0].KubeProxy; got {
	case "missing":
		t.Errorf(`KubeProxy = "missing" although pods are unread`)
	case "Running":
		t.Errorf("KubeProxy = %q although pods are unread", got)
	}
}

// When the DaemonSets in kube-system could not be read, whether kube-proxy
// is deployed is unknown: no finding says there is none.
func TestKubeProxyStateWhenDaemonSetsUnread(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	s.SystemDaemonSets = nil
	s.Gaps = []v1alpha1.Gap{{What: "DaemonSets in kube-system", Resource: "daemonsets", Namespace: "kube-system", Reason: "Forbidden", Message: "forbidden"}}
	r := Explain(s, now, Options{})
	if f := findingsWithCode(r, "NoKubeProxy"); len(f) != 0 {
		t.Errorf("NoKubeProxy although the DaemonSets are unread: %+v", f)
	}
	if got := r.Nodes[0].KubeProxy; got != "unread" {
		t.Errorf("KubeProxy = %q, want unread", got)
	}
	// A kube-proxy pod on the node tells, DaemonSets read or not.
	s.Pods = map[string][]cluster.Pod{"n": {mkKubeProxyPod("n")}}
	if got := Explain(s, now, Options{}).Nodes[0].KubeProxy; got != "Running" {
		t.Errorf("KubeProxy with its pod read = %q, want Running", got)
	}
}

func TestKubeProxyState(t *testing.T) {
	crashing := mkKubeProxyPod("n")
	crashing.Ready, crashing.Waiting = false, "CrashLoopBackOff"
	notReady := mkKubeProxyPod("n")
	notReady.Ready = false
	tests := []struct {
		name string
		ds   bool
		pods []cluster.Pod
		want string
	}{
		{"not deployed", false, []cluster.Pod{mkKubeProxyPod("n")}, ""},
		{"running", true, []cluster.Pod{mkRunning("default", "web"), mkKubeProxyPod("n")}, "Running"},
		{"missing", true, []cluster.Pod{mkRunning("default", "web")}, "missing"},
		{"crashing", true, []cluster.Pod{crashing}, "CrashLoopBackOff"},
		{"running, not ready", true, []cluster.Pod{notReady}, "Running, not ready"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(mkNode("n"))
			if tc.ds {
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
			}
			s.Pods["n"] = tc.pods
			if got := Explain(s, now, Options{}).Nodes[0].KubeProxy; got != tc.want {
				t.Errorf("KubeProxy = %q, want %q", got, tc.want)
			}
		})
	}
}

// A taint the node lifecycle controller keeps in step with the node is
// left over when the node contradicts it; other taints, and condition
// taints the node bears out, are not.
func TestTaintLeftOver(t *testing.T) {
	cond := func(typ corev1.NodeConditionType, status corev1.ConditionStatus, since time.Time) mkOpt {
		return func(n *corev1.Node) {
			c := condition(n, typ)
			if c == nil {
				n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ})
				c = &n.Status.Conditions[len(n.Status.Conditions)-1]
			}
			c.Status, c.LastTransitionTime = status, metav1.NewTime(since)
		}
	}
	taint := func(key string, effect corev1.TaintEffect) mkOpt {
		return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: effect}) }
	}
	recent, old := now.Add(-10*time.Second), now.Add(-10*time.Minute)
	tests := []struct {
		name     string
		opts     []mkOpt
		leftOver string
		severity string
	}{
		{"unreachable on a Ready node, just now", []mkOpt{cond(corev1.NodeReady, corev1.ConditionTrue, recent), taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule)}, "Ready=True", SeverityInfo},
		{"not-ready NoExecute on a node Ready for 10m", []mkOpt{cond(corev1.NodeReady, corev1.ConditionTrue, old), taint(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)}, "Ready=True", SeverityWarning},
		{"disk-pressure with the pressure gone", []mkOpt{cond(corev1.NodeDiskPressure, corev1.ConditionFalse, old), taint(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)}, "DiskPressure=False", SeverityWarning},
		{"cordon taint on a node not cordoned, for how long unrecorded", []mkOpt{taint(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)}, "spec.unschedulable=false", SeverityInfo},
		{"not-ready NoExecute added 10s ago on a node Ready for 10m", []mkOpt{cond(corev1.NodeReady, corev1.ConditionTrue, old), func(n *corev1.Node) {
			added := metav1.NewTime(recent)
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added})
		}}, "Ready=True", SeverityInfo},
		{"memory-pressure under the controller's own Unknown", []mkOpt{cond(corev1.NodeMemoryPressure, corev1.ConditionUnknown, old), taint(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)}, "", ""},
		{"disk-pressure borne out", []mkOpt{cond(corev1.NodeDiskPressure, corev1.ConditionTrue, old), taint(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)}, "", ""},
		{"unreachable on a NotReady node: a swap under way", []mkOpt{cond(corev1.NodeReady, corev1.ConditionFalse, recent), taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)}, "", ""},
		{"memory-pressure NoExecute, which the controller never sets", []mkOpt{cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, old), taint(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoExecute)}, "", ""},
		{"network-unavailable without the condition", []mkOpt{taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)}, "", ""},
		{"cordoned node's taint", []mkOpt{mkCordoned, taint(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Explain(mkSnapshot(mkNode("n", tc.opts...)), now, Options{})
			var got string
			for _, tn := range r.Nodes[0].Taints {
				got += tn.LeftOver
			}
			if got != tc.leftOver {
				t.Errorf("left over %q, want %q", got, tc.leftOver)
			}
			f := findingsWithCode(r, string(CodeTaintLeftOver))
			switch {
			case tc.severity == "" && len(f) > 0:
				t.Errorf("a finding for a taint that is not left over: %+v", f)
			case tc.severity != "" && (len(f) != 1 || f[0].Severity != tc.severity):
				t.Errorf("findings %+v, want one of severity %s", f, tc.severity)
			}
		})
	}

	// Of two left-over taints, only the one past the controller's time is
	// said to have stayed too long; the fix names both.
	n := mkNode("n", cond(corev1.NodeReady, corev1.ConditionTrue, recent), cond(corev1.NodeDiskPressure, corev1.ConditionFalse, old),
		taint(corev1.TaintNodeNotReady, corev1.TaintEffectNoSchedule), taint(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule))
	f := findingsWithCode(Explain(mkSnapshot(n), now, Options{}), string(CodeTaintLeftOver))
	if len(f) != 1 || f[0].Severity != SeverityWarning {
		t.Fatalf("two left-over taints, one stale: %+v", f)
	}
	for _, want := range []string{
		"2 taints outlive their cause: node.kubernetes.io/not-ready:NoSchedule, node.kubernetes.io/disk-pressure:NoSchedule",
		"node.kubernetes.io/disk-pressure:NoSchedule has stayed longer than the controller takes",
		"the node has reported Ready=True for 10s",
		"`kubectl taint nodes n node.kubernetes.io/not-ready:NoSchedule- node.kubernetes.io/disk-pressure:NoSchedule-`",
	} {
		if !strings.Contains(f[0].Title+" "+f[0].Meaning+" "+f[0].Fix, want) {
			t.Errorf("the finding lacks %q: %+v", want, f[0])
		}
	}
	if strings.Contains(f[0].Meaning, "not-ready:NoSchedule has stayed") || strings.Contains(f[0].Meaning, "not-ready:NoSchedule, node.kubernetes.io/disk-pressure:NoSchedule have stayed") {
		t.Errorf("the fresh taint is said to have stayed too long: %s", f[0].Meaning)
	}
}
