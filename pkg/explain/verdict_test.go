package explain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestVerdict(t *testing.T) {
	notReadySince := func(d time.Duration) mkOpt {
		return func(n *corev1.Node) {
			c := condition(n, corev1.NodeReady)
			c.Status, c.Reason, c.Message = corev1.ConditionFalse, "KubeletNotReady", "container runtime is down"
			c.LastTransitionTime = metav1.NewTime(now.Add(-d))
		}
	}
	silentFor := func(d time.Duration) mkOpt {
		return func(n *corev1.Node) {
			c := condition(n, corev1.NodeReady)
			c.Status, c.Reason = corev1.ConditionUnknown, "NodeStatusUnknown"
			c.LastHeartbeatTime = metav1.NewTime(now.Add(-d))
		}
	}
	diskPressure := mkCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure")
	tests := []struct {
		name       string
		nodes      []corev1.Node
		leases     map[string]time.Duration // node lease renewed that long ago
		unread     bool                     // pods not read
		waiting    int
		want       string
		severity   string
		down       []string
		degraded   []string
		severities map[string]string
		// healthy gives the cluster a kubeadm control plane that is well,
		// and kube-proxy on every node.
		healthy bool
	}{
		{
			name:  "healthy",
			nodes: []corev1.Node{mkNode("a"), mkNode("b")},
			want:  "All 2 nodes Ready, control plane healthy, no pod waiting for a node.", severity: SeverityNone,
			healthy:    true,
			severities: map[string]string{"a": SeverityNone, "b": SeverityNone},
		},
		{
			name:    "one node, pods waiting",
			nodes:   []corev1.Node{mkNode("a")},
			waiting: 3,
			want:    "The only node Ready, 3 pods waiting for a node.", severity: SeverityInfo,
		},
		{
			name: "down, degraded and waiting",
			nodes: []corev1.Node{
				mkNode("gen-01"), mkNode("gen-02", diskPressure), mkNode("gen-03", notReadySince(5*time.Minute)),
				mkNode("gen-04", silentFor(2*time.Minute)), mkNode("gen-05", mkCordoned),
			},
			leases:   map[string]time.Duration{"gen-04": 2 * time.Minute},
			waiting:  1,
			want:     "2 nodes down (gen-03 NotReady 5m, gen-04 silent 2m), 2 degraded (gen-02 DiskPressure, gen-05 cordoned), 1 pod waiting for a node.",
			severity: SeverityCritical, down: []string{"gen-03", "gen-04"}, degraded: []string{"gen-02", "gen-05"},
			severities: map[string]string{"gen-01": SeverityNone, "gen-02": SeverityWarning, "gen-03": SeverityCritical, "gen-04": SeverityCritical},
		},
		{
			name: "many down, pods not read",
			nodes: []corev1.Node{mkNode("a", notReadySince(time.Hour)), mkNode("b", notReadySince(time.Hour)),
				mkNode("c", notReadySince(time.Hour)), mkNode("d", notReadySince(time.Hour)), mkNode("e", silentFor(time.Minute))},
			unread:   true,
			want:     "5 nodes down (a NotReady 1h, b NotReady 1h, c NotReady 1h and 2 more), pods not read.",
			severity: SeverityCritical, down: []string{"a", "b", "c", "d", "e"},
		},
		{
			name: "no nodes",
			want: "No nodes: nothing can run.", severity: SeverityWarning,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(tc.nodes...)
			s.Unscheduled = tc.waiting
			if tc.unread {
				s.PodsRead = false
			}
			for name, ago := range tc.leases {
				renewed := metav1.NewMicroTime(now.Add(-ago))
				s.NodeLeases[name] = coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &renewed}}
			}
			if tc.healthy {
				healthyControlPlane(s)
			}
			r := Explain(s, now, Options{})
			v := r.Verdict
			if v.Text != tc.want || v.Severity != tc.severity {
				t.Errorf("verdict %q (%s)\nwant    %q (%s)", v.Text, v.Severity, tc.want, tc.severity)
			}
			var down []string
			for _, d := range v.Down {
				down = append(down, d.Name)
			}
			if diff := cmp.Diff(tc.down, down); diff != "" {
				t.Errorf("down (-want +got):\n%s", diff)
			}
			degraded := tc.degraded
			if degraded == nil {
				degraded = []string{}
			}
			if diff := cmp.Diff(degraded, v.Degraded); diff != "" {
				t.Errorf("degraded (-want +got):\n%s", diff)
			}
			for name, sev := range tc.severities {
				if got := findNode(t, r, name).Severity; got != sev {
					t.Errorf("node %s: severity %s, want %s", name, got, sev)
				}
			}
		})
	}
}

// healthyControlPlane makes every control-plane check pass: the API
// server's readiness checks, fresh leader leases, and kube-proxy running on
// every node.
func healthyControlPlane(s *cluster.Snapshot) {
	s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\nreadyz check passed\n")
	s.LeaderLeases = map[string]coordinationv1.Lease{
		"kube-scheduler":          mkLease("cp-1_1b2c", now.Add(-4*time.Second), 15),
		"kube-controller-manager": mkLease("cp-1_3d4e", now.Add(-2*time.Second), 15),
	}
	s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
	for _, n := range s.Nodes {
		s.Pods[n.Name] = append(s.Pods[n.Name], mkKubeProxyPod(n.Name))
	}
}

// A selector keeps the nodes of one pool; the control plane is still judged
// from every node.
func TestSelector(t *testing.T) {
	s := mkSnapshot(mkNode("cp-1", mkControlPlane), mkNode("batch-1", mkLabels("pool", "batch")),
		mkNode("batch-2", mkLabels("pool", "batch"), mkReady(corev1.ConditionFalse, "KubeletNotReady", "runtime down")),
		mkNode("web-1", mkLabels("pool", "web")))
	for _, n := range []string{"cp-1", "batch-1", "batch-2", "web-1"} {
		s.Pods[n] = mkPodsWithCPU(2, 100)
	}
	sel, err := labels.Parse("pool=batch")
	if err != nil {
		t.Fatal(err)
	}
	r := Explain(s, now, Options{Selector: sel})
	var names []string
	for _, n := range r.Nodes {
		names = append(names, n.Name)
	}
	if diff := cmp.Diff([]string{"batch-1", "batch-2"}, names); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if r.Summary.Nodes != 2 || r.Summary.NotReady != 1 || r.Summary.Pods != 4 {
		t.Errorf("summary %+v, want 2 nodes, 1 NotReady, 4 pods", r.Summary)
	}
	if r.ControlPlane.Mode != ModeSelfHosted {
		t.Errorf("control plane %s, want self-hosted: the control-plane node counts though not selected", r.ControlPlane.Mode)
	}
	for _, f := range r.Findings {
		for _, n := range f.Nodes {
			if n != "batch-1" && n != "batch-2" {
				t.Errorf("finding about an unselected node: %+v", f)
			}
		}
	}
}

// Each condition the catalogue knows has its own code; any other gives the
// generic code, and every condition finding names its condition.
func TestConditionCodes(t *testing.T) {
	s := mkSnapshot(
		mkNode("kd", mkCondition("KernelDeadlock", corev1.ConditionTrue, "DockerHung", "task docker:7 blocked for more than 120 seconds.")),
		mkNode("custom", mkCondition("ExampleDiskSlow", corev1.ConditionTrue, "Slow", "disk latency over 500ms")),
		mkNode("pid", mkCondition(corev1.NodePIDPressure, corev1.ConditionTrue, "KubeletHasInsufficientPID", "kubelet has insufficient PID available")))
	r := Explain(s, now, Options{})
	want := map[string][2]string{
		"kd": {"NodeKernelDeadlock", "KernelDeadlock"}, "custom": {"NodeCondition", "ExampleDiskSlow"}, "pid": {"NodePIDPressure", "PIDPressure"},
	}
	for node, w := range want {
		found := false
		for _, f := range r.Findings {
			if slices.Contains(f.Nodes, node) && f.Condition != "" {
				found = true
				if string(f.Code) != w[0] || f.Condition != w[1] {
					t.Errorf("%s: code %s, condition %s; want %s, %s", node, f.Code, f.Condition, w[0], w[1])
				}
			}
		}
		if !found {
			t.Errorf("%s: no condition finding in %+v", node, r.Findings)
		}
	}
}

// The numbers of a finding about how full a node is are fields, not only
// words in its title.
func TestUsageFields(t *testing.T) {
	s := mkSnapshot(mkNode("full", mkAllocatable("2", "4Gi", "10")))
	s.Pods["full"] = mkPodsWithCPU(9, 300)
	r := Explain(s, now, Options{})
	want := map[Code]Usage{
		CodeRequestsOvercommitted: {Resource: "cpu", Of: "requests", Unit: UnitMilli, Requested: 2700, Allocatable: 2000, Percent: 135},
		CodePodsNearLimit:         {Resource: "pods", Of: "pods", Unit: UnitCount, Requested: 9, Allocatable: 10, Percent: 90},
	}
	for code, u := range want {
		f := findingsWithCode(r, string(code))
		if len(f) != 1 || f[0].Usage == nil || *f[0].Usage != u {
			t.Errorf("%s: %+v, want usage %+v", code, f, u)
		}
	}
}

// Nodes are grouped by the first pool label found, or the one asked for;
// each pool counts its nodes' states and versions.
func TestPools(t *testing.T) {
	gke := func(pool string) mkOpt { return mkLabels("cloud.google.com/gke-nodepool", pool, "team", "t-"+pool) }
	s := mkSnapshot(
		mkNode("gke-batch-1", gke("batch")), mkNode("gke-batch-2", gke("batch"), mkKubelet("v1.36.4"), mkCordoned),
		mkNode("gke-web-1", gke("web"), mkReady(corev1.ConditionFalse, "KubeletNotReady", "runtime down")),
		mkNode("odd-1"))
	s.Pods["gke-batch-2"] = []cluster.Pod{deletingPod(mkRunning("shop", "web-1"))}
	r := Explain(s, now, Options{})
	type short struct {
		Name     string
		Nodes    []string
		Down     int
		Cordoned int
		Versions []string
		Severity string
	}
	var got []short
	for _, p := range r.Pools {
		if p.Label != "cloud.google.com/gke-nodepool" {
			t.Errorf("pool %q grouped by %q", p.Name, p.Label)
		}
		got = append(got, short{p.Name, p.Nodes, p.NotReady + p.Unknown, p.Cordoned, p.KubeletVersions, p.Severity})
	}
	want := []short{
		{"batch", []string{"gke-batch-1", "gke-batch-2"}, 0, 1, []string{"v1.36.4", "v1.37.2"}, SeverityWarning},
		{"web", []string{"gke-web-1"}, 1, 0, []string{"v1.37.2"}, SeverityCritical},
		{"", []string{"odd-1"}, 0, 0, []string{"v1.37.2"}, SeverityNone},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pools (-want +got):\n%s", diff)
	}
	if n := findNode(t, r, "gke-web-1"); n.Pool != "web" {
		t.Errorf("gke-web-1 in pool %q, want web", n.Pool)
	}
	// Pool batch runs two kubelets and has a cordoned node with a pod
	// terminating: mid-upgrade, in the verdict too.
	up := findingsWithCode(r, string(CodePoolUpgrading))
	if len(up) != 1 || up[0].Title != "pool batch mid-upgrade: kubelet v1.36.4 on 1 node, v1.37.2 on 1 node; gke-batch-2 cordoned, draining (1 pod terminating)" ||
		!slices.Equal(up[0].Nodes, []string{"gke-batch-1", "gke-batch-2"}) {
		t.Errorf("PoolUpgrading: %+v", up)
	}
	if !slices.Equal(r.Verdict.PoolsUpgrading, []string{"batch"}) || !strings.Contains(r.Verdict.Text, "1 pool upgrading (batch)") {
		t.Errorf("verdict %q, pools upgrading %q", r.Verdict.Text, r.Verdict.PoolsUpgrading)
	}
	byTeam := Explain(s, now, Options{GroupBy: "team"})
	if len(byTeam.Pools) != 3 || byTeam.Pools[0].Name != "t-batch" || byTeam.Pools[0].Label != "team" {
		t.Errorf("--group-by team: %+v", byTeam.Pools)
	}
	if none := Explain(mkSnapshot(mkNode("a")), now, Options{}); len(none.Pools) != 0 {
		t.Errorf("pools without any pool label: %+v", none.Pools)
	}
}

// Limits that add up to more than the node has: memory is a warning (OOM
// kills and evictions when pods use them together), CPU only worth knowing
// (throttling); pods without a memory limit are counted.
func TestLimitsOvercommitted(t *testing.T) {
	s := mkSnapshot(mkNode("over", mkAllocatable("4", "16Gi", "110")), mkNode("fine", mkAllocatable("4", "16Gi", "110")))
	for i := range 6 {
		p := mkRunning("shop", fmt.Sprintf("web-%d", i))
		p.CPUMilli, p.MemoryBytes, p.CPULimitMilli, p.MemoryLimitBytes = 250, 1<<30, 2000, 16<<30
		s.Pods["over"] = append(s.Pods["over"], p)
	}
	s.Pods["over"][0].NoMemoryLimit = true
	fine := mkRunning("shop", "small")
	fine.CPULimitMilli, fine.MemoryLimitBytes = 1000, 4<<30
	s.Pods["fine"] = []cluster.Pod{fine}
	r := Explain(s, now, Options{})
	var got []string
	for _, f := range findingsWithCode(r, string(CodeLimitsOvercommitted)) {
		got = append(got, fmt.Sprintf("%s %v %s %+v", f.Severity, f.Nodes, f.Title, *f.Usage))
		if f.Severity == SeverityWarning && !strings.Contains(f.Meaning, "OOM-kills") || !strings.Contains(f.Meaning, "1 pod has no memory limit") && f.Severity == SeverityWarning {
			t.Errorf("the memory finding does not say what it risks, or the pod without a limit: %s", f.Meaning)
		}
	}
	want := []string{
		"warning [over] memory limits 600% of allocatable: 96Gi of 16Gi {Resource:memory Of:limits Unit:bytes Requested:103079215104 Allocatable:17179869184 Percent:600}",
		"info [over] CPU limits 300% of allocatable: 12 of 4 {Resource:cpu Of:limits Unit:milli Requested:12000 Allocatable:4000 Percent:300}",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("limits findings (-want +got):\n%s", diff)
	}
	if n := findNode(t, r, "over"); n.MemoryLimitsBytes != 96<<30 || n.CPULimitsMilli != 12000 || n.PodsWithoutMemoryLimit != 1 {
		t.Errorf("node fields: %d bytes, %dm, %d without a limit", n.MemoryLimitsBytes, n.CPULimitsMilli, n.PodsWithoutMemoryLimit)
	}
}

func deletingPod(p cluster.Pod) cluster.Pod {
	p.Deletion = &cluster.Deletion{Deadline: now.Add(10 * time.Second)}
	return p
}

// A DaemonSet that is not ready everywhere it should run: the nodes where
// its pod is not ready are named, and its Pending pods point to why-pending
// with the DaemonSet's own selector.
func TestDaemonSetIncomplete(t *testing.T) {
	s := mkSnapshot(mkNode("a"), mkNode("b"), mkNode("c"))
	// The DaemonSet's status counts a pod as scheduled once it is created
	// for its node; the pods tell which are placed.
	ds := func(name string, want, ready int32) appsv1.DaemonSet {
		d := appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "logging", Name: name}}
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
		d.Status.DesiredNumberScheduled, d.Status.CurrentNumberScheduled, d.Status.NumberReady = want, want, ready
		return d
	}
	s.DaemonSets = []appsv1.DaemonSet{ds("fluent-bit", 3, 1), ds("node-exporter", 3, 3)}
	pod := func(node string, ready bool) cluster.Pod {
		p := mkRunning("logging", "fluent-bit-"+node)
		p.OwnerKind, p.OwnerName, p.Ready = "DaemonSet", "fluent-bit", ready
		return p
	}
	s.Pods["a"] = []cluster.Pod{pod("a", true)}
	s.Pods["b"] = []cluster.Pod{pod("b", false)}
	r := Explain(s, now, Options{})
	f := findingsWithCode(r, string(CodeDaemonSetIncomplete))
	if len(f) != 1 {
		t.Fatalf("DaemonSetIncomplete findings: %+v", f)
	}
	if want := "DaemonSet logging/fluent-bit: 1 of 3 pods ready, 1 pod not placed, not ready on b"; f[0].Title != want || !slices.Equal(f[0].Nodes, []string{"b"}) {
		t.Errorf("finding %q on %q, want %q on b", f[0].Title, f[0].Nodes, want)
	}
	if !strings.Contains(f[0].Fix, "`kubectl explain-nodes why-pending -n logging -l app=fluent-bit`") {
		t.Errorf("the fix does not point to why-pending with the DaemonSet's selector: %s", f[0].Fix)
	}
}

// Containers that run but were restarted again and again lately: named with
// how their last run ended; old restarts and crash loops are not counted
// here.
func TestPodsRestarting(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	restarted := func(name string, restarts int32, reason string, code int32, ago time.Duration) cluster.Pod {
		p := mkRunning("shop", name)
		p.Restarted = []cluster.ContainerRestarts{{Name: "app", Restarts: restarts, LastReason: reason, LastExitCode: code, LastFinished: now.Add(-ago)}}
		return p
	}
	crashing := restarted("crashing", 9, "Error", 1, time.Minute)
	crashing.CrashLoops = []cluster.ContainerRestarts{{Name: "init", Restarts: 9}}
	s.Pods["n"] = []cluster.Pod{
		restarted("api", 12, "OOMKilled", 137, 5*time.Minute),
		restarted("worker", 4, "Error", 2, 20*time.Minute),
		restarted("old", 40, "OOMKilled", 137, 3*time.Hour),
		restarted("once", 1, "Error", 1, time.Minute),
		crashing,
	}
	f := findingsWithCode(Explain(s, now, Options{}), string(CodePodsRestarting))
	want := "2 pods restarting: shop/api (app: 12 restarts, the last OOMKilled 5m ago), shop/worker (app: 4 restarts, the last exit code 2 20m ago)"
	if len(f) != 1 || f[0].Title != want || f[0].Severity != SeverityWarning || !strings.Contains(f[0].Fix, "Raise the memory limit") {
		t.Errorf("PodsRestarting: %+v\nwant the title %q", f, want)
	}
}

// Without a selector, or with one that selects everything, the pods counted
// include those bound to a node that is gone; with a selector, only those on
// the nodes selected.
func TestPodsCountedWithAndWithoutSelector(t *testing.T) {
	s := mkSnapshot(mkNode("a", mkLabels("pool", "x")), mkNode("b"))
	s.Pods["a"] = mkPodsWithCPU(2, 100)
	s.Pods["gone"] = mkPodsWithCPU(3, 100)
	for name, tc := range map[string]struct {
		sel  labels.Selector
		want int
	}{"none": {nil, 5}, "everything": {labels.Everything(), 5}, "pool=x": {labels.SelectorFromSet(labels.Set{"pool": "x"}), 2}} {
		if got := Explain(s, now, Options{Selector: tc.sel}).Summary.Pods; got != tc.want {
			t.Errorf("%s: %d pods counted, want %d", name, got, tc.want)
		}
	}
}
