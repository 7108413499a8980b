package explain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// mkDeleting marks a pod as being deleted since ago with a grace period.
func mkDeleting(p cluster.Pod, ago time.Duration, grace int64, finalizers ...string) cluster.Pod {
	p.Deletion = &cluster.Deletion{Deadline: now.Add(-ago + time.Duration(grace)*time.Second), GracePeriodSeconds: &grace, Finalizers: finalizers}
	return p
}

func mkTolerating(p cluster.Pod, key string, seconds *int64) cluster.Pod {
	p.Tolerations = append(p.Tolerations, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds})
	return p
}

func seconds(s int64) *int64 { return &s }

// nodeFindingsOf explains one node "n" with its pods and returns the
// findings about it.
func nodeFindingsOf(t *testing.T, node corev1.Node, pods []cluster.Pod, modify func(*cluster.Snapshot)) ([]Finding, Node) {
	t.Helper()
	s := mkSnapshot(node)
	s.Pods["n"] = pods
	if modify != nil {
		modify(s)
	}
	r := Explain(s, now, Options{})
	var out []Finding
	for _, f := range r.Findings {
		if slices.Contains(f.Nodes, "n") {
			out = append(out, f)
		}
	}
	return out, r.Nodes[0]
}

func withCode(findings []Finding, code string) (Finding, bool) {
	for _, f := range findings {
		if string(f.Code) == code {
			return f, true
		}
	}
	return Finding{}, false
}

// A cordoned node says what its drain is doing: nothing to say of running
// pods while none is being deleted, "in progress" within the grace period,
// "stuck" past it, with what holds the pods.
func TestCordonAndDrain(t *testing.T) {
	web := mkRunning("shop", "web-1")
	tests := []struct {
		name      string
		pods      []cluster.Pod
		wantTitle string
		meaning   []string // phrases the meaning must hold
		not       []string // phrases it must not hold
		fix       string
		note      string
	}{
		{
			name: "no pod being deleted", pods: []cluster.Pod{web},
			wantTitle: "cordoned (spec.unschedulable)",
			meaning:   []string{"new pods avoid it", "cordoning alone does not stop or move the pods already there"},
			fix:       "`kubectl uncordon NODE`", note: "cordoned",
		},
		{
			name:      "drain in progress",
			pods:      []cluster.Pod{web, mkDeleting(mkRunning("shop", "web-2"), 10*time.Second, 30), mkDeleting(mkRunning("shop", "web-3"), 10*time.Second, 30)},
			wantTitle: "cordoned (spec.unschedulable); drain in progress: 2 pods terminating",
			meaning:   []string{"2 of its pods are being deleted", "within their grace period", "shop/web-2, shop/web-3 (requested 10s ago, grace 30s)"},
			not:       []string{"keep running", "does not stop"},
			fix:       "Let the drain finish", note: "draining",
		},
		{
			name: "drain stuck on a finalizer",
			pods: []cluster.Pod{web,
				mkDeleting(mkRunning("shop", "web-2"), 12*time.Minute, 30, "example.com/hold"),
				mkDeleting(mkRunning("shop", "web-3"), 10*time.Second, 30)},
			wantTitle: "cordoned (spec.unschedulable); drain stuck: 1 pod terminating past its grace period, held by finalizer example.com/hold",
			meaning:   []string{"2 of its pods are being deleted", "1 has outlived its grace period", "shop/web-2 (requested 12m ago, grace 30s, finalizer example.com/hold)", "A finalizer keeps the pod object"},
			not:       []string{"keep running", "web-3 (requested"},
			fix:       "example.com/hold", note: "drain stuck",
		},
		{
			name:      "drain stuck without finalizers",
			pods:      []cluster.Pod{mkDeleting(mkRunning("shop", "web-2"), 5*time.Minute, 60)},
			wantTitle: "cordoned (spec.unschedulable); drain stuck: 1 pod terminating past its grace period, waiting for the kubelet to confirm that they stopped",
			meaning:   []string{"it has outlived its grace period", "requested 5m ago, grace 1m", "only the kubelet's confirmation"},
			fix:       "journalctl -u kubelet", note: "drain stuck",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			findings, node := nodeFindingsOf(t, mkNode("n", mkCordoned), tc.pods, nil)
			f, ok := withCode(findings, "NodeCordoned")
			if !ok {
				t.Fatalf("no NodeCordoned finding: %+v", findings)
			}
			if f.Title != tc.wantTitle {
				t.Errorf("title\n got %q\nwant %q", f.Title, tc.wantTitle)
			}
			for _, w := range tc.meaning {
				if !strings.Contains(f.Meaning, w) {
					t.Errorf("meaning lacks %q: %s", w, f.Meaning)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(f.Meaning, w) {
					t.Errorf("meaning holds %q: %s", w, f.Meaning)
				}
			}
			if !strings.Contains(f.Fix, tc.fix) {
				t.Errorf("fix lacks %q: %s", tc.fix, f.Fix)
			}
			if node.Note != tc.note {
				t.Errorf("note %q, want %q", node.Note, tc.note)
			}
			if _, ok := withCode(findings, "PodsStuckTerminating"); ok {
				t.Error("the cordon finding and PodsStuckTerminating both report the same pods")
			}
		})
	}
}

func TestStuckTerminatingOnUncordonedNode(t *testing.T) {
	tests := []struct {
		name  string
		pods  []cluster.Pod
		title string // empty: no finding
	}{
		{"within the grace period", []cluster.Pod{mkDeleting(mkRunning("a", "p"), 10*time.Second, 30)}, ""},
		{"past it, a finalizer", []cluster.Pod{mkDeleting(mkRunning("a", "p"), time.Hour, 30, "x.io/y", "x.io/z")},
			"1 pod terminating past its grace period, held by finalizers x.io/y, x.io/z"},
		{"past it, no finalizer", []cluster.Pod{mkDeleting(mkRunning("a", "p"), time.Hour, 30), mkDeleting(mkRunning("a", "q"), time.Hour, 0)},
			"2 pods terminating past their grace period, waiting for the kubelet to confirm that they stopped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			findings, _ := nodeFindingsOf(t, mkNode("n"), tc.pods, nil)
			f, ok := withCode(findings, "PodsStuckTerminating")
			if tc.title == "" {
				if ok {
					t.Errorf("unexpected finding %+v", f)
				}
				return
			}
			if !ok || f.Title != tc.title {
				t.Errorf("finding %+v, want title %q", f, tc.title)
			}
		})
	}
}

// A pod's deletion is shown with when it was requested: the
// deletionTimestamp minus the grace period, not the deletionTimestamp.
func TestTerminatingPodInDetail(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	s.Pods["n"] = []cluster.Pod{mkDeleting(mkRunning("shop", "web-1"), 42*time.Second, 30, "example.com/hold"), mkRunning("shop", "web-2")}
	r := Explain(s, now, Options{Detail: true})
	got := r.Nodes[0].PodList
	want := &Termination{RequestedAt: now.Add(-42 * time.Second), Deadline: now.Add(-12 * time.Second), GracePeriodSeconds: seconds(30), Finalizers: []string{"example.com/hold"}}
	if diff := cmp.Diff(want, got[0].Terminating); diff != "" {
		t.Errorf("termination (-want +got):\n%s", diff)
	}
	if got[1].Terminating != nil {
		t.Errorf("a running pod is shown terminating: %+v", got[1])
	}
}

func TestPodFindings(t *testing.T) {
	crash := func(name string, restarts int32) cluster.Pod {
		p := mkRunning("shop", name)
		p.Ready, p.Waiting, p.Restarts = false, "CrashLoopBackOff", restarts
		p.CrashLoops = []cluster.ContainerRestarts{{Name: "app", Restarts: restarts}}
		return p
	}
	waiting := func(name, reason string) cluster.Pod {
		p := mkRunning("shop", name)
		p.Phase, p.Ready, p.Waiting = corev1.PodPending, false, reason
		return p
	}
	unready := mkRunning("shop", "slow")
	unready.Ready = false
	tests := []struct {
		name string
		node corev1.Node
		pods []cluster.Pod
		want []string // code: title of each pod finding
	}{
		{"healthy pods", mkNode("n"), []cluster.Pod{mkRunning("shop", "a"), waiting("b", "ContainerCreating")}, nil},
		{"crash loops", mkNode("n"), []cluster.Pod{crash("api-1", 17), crash("api-0", 1)},
			[]string{"PodsCrashLooping: 2 pods crash-looping: shop/api-0 (app: 1 restart), shop/api-1 (app: 17 restarts)"}},
		{"cannot start", mkNode("n"), []cluster.Pod{waiting("a", "ImagePullBackOff"), waiting("b", "CreateContainerConfigError")},
			[]string{"PodsNotStarting: 2 pods cannot start: shop/a (ImagePullBackOff), shop/b (CreateContainerConfigError)"}},
		{"running, not ready", mkNode("n"), []cluster.Pod{unready},
			[]string{"PodsNotReady: 1 pod running but not ready: shop/slow"}},
		{"a silent node's pod status is stale: left to the node's finding",
			mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "")), []cluster.Pod{crash("api-0", 3), unready}, nil},
		{"a NotReady node's pods are all unready: only crash loops said",
			mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "")), []cluster.Pod{crash("api-0", 3), unready},
			[]string{"PodsCrashLooping: 1 pod crash-looping: shop/api-0 (app: 3 restarts)"}},
		{"a pod being deleted is not reported as crash-looping", mkNode("n"), []cluster.Pod{mkDeleting(crash("api-0", 3), time.Second, 30)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			findings, _ := nodeFindingsOf(t, tc.node, tc.pods, nil)
			var got []string
			for _, f := range findings {
				if strings.HasPrefix(string(f.Code), "Pods") {
					got = append(got, string(f.Code)+": "+f.Title)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pod findings (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("pods unread", func(t *testing.T) {
		findings, _ := nodeFindingsOf(t, mkNode("n"), []cluster.Pod{crash("api-0", 3)}, func(s *cluster.Snapshot) { s.PodsRead = false })
		if _, ok := withCode(findings, "PodsCrashLooping"); ok {
			t.Error("pod findings made from pods that were not read")
		}
	})
}

func TestEvictionRules(t *testing.T) {
	unreachable := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	custom := corev1.Taint{Key: "example.com/drain", Effect: corev1.TaintEffectNoExecute}
	start := now.Add(-time.Minute)
	tests := []struct {
		name   string
		pod    cluster.Pod
		taints []corev1.Taint
		delay  time.Duration
		never  bool
		taint  string
	}{
		{"no toleration: at once", mkRunning("a", "p"), []corev1.Taint{unreachable}, 0, false, "node.kubernetes.io/unreachable:NoExecute"},
		{"tolerationSeconds", mkTolerating(mkRunning("a", "p"), unreachable.Key, seconds(300)), []corev1.Taint{unreachable}, 5 * time.Minute, false, "node.kubernetes.io/unreachable:NoExecute"},
		{"no tolerationSeconds: never", mkTolerating(mkRunning("a", "p"), unreachable.Key, nil), []corev1.Taint{unreachable}, 0, true, "node.kubernetes.io/unreachable:NoExecute"},
		{"zero seconds: at once", mkTolerating(mkRunning("a", "p"), unreachable.Key, seconds(0)), []corev1.Taint{unreachable}, 0, false, "node.kubernetes.io/unreachable:NoExecute"},
		{"the shortest of the tolerations used", mkTolerating(mkTolerating(mkRunning("a", "p"), unreachable.Key, seconds(600)), "", seconds(60)), []corev1.Taint{unreachable}, time.Minute, false, "node.kubernetes.io/unreachable:NoExecute"},
		{"one taint not tolerated: at once, naming it", mkTolerating(mkRunning("a", "p"), unreachable.Key, nil), []corev1.Taint{unreachable, custom}, 0, false, "example.com/drain:NoExecute"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := evictions([]cluster.Pod{tc.pod}, tc.taints, &start)
			if len(got) != 1 {
				t.Fatalf("%d evictions for one pod", len(got))
			}
			e := got[0]
			if e.delay != tc.delay || e.never != tc.never || e.taint != tc.taint {
				t.Errorf("delay %v, never %v, taint %s; want %v, %v, %s", e.delay, e.never, e.taint, tc.delay, tc.never, tc.taint)
			}
			switch {
			case tc.never && e.at != nil:
				t.Errorf("a pod that stays has an eviction time %v", e.at)
			case !tc.never && (e.at == nil || !e.at.Equal(start.Add(tc.delay))):
				t.Errorf("eviction at %v, want %v", e.at, start.Add(tc.delay))
			}
		})
	}
	if got := evictions([]cluster.Pod{mkDeleting(mkRunning("a", "p"), time.Second, 30)}, []corev1.Taint{unreachable}, nil); len(got) != 0 {
		t.Errorf("a pod being deleted is to be evicted again: %+v", got)
	}
}

// A node whose kubelet goes silent, as it happens: first a countdown while it
// is still Ready, then, once the node controller has marked it Unknown and
// tainted it, when each pod goes, and that pods evicted from a dead kubelet
// stay Terminating.
func TestNodeDying(t *testing.T) {
	ds := mkTolerating(mkRunning("kube-system", "kube-proxy-x"), corev1.TaintNodeUnreachable, nil)
	ds.OwnerKind = "DaemonSet"
	web := mkTolerating(mkRunning("shop", "web-1"), corev1.TaintNodeUnreachable, seconds(300))
	bare := mkTolerating(mkRunning("ops", "debug"), corev1.TaintNodeUnreachable, seconds(300))
	bare.OwnerKind = ""
	db := mkTolerating(mkRunning("db", "pg-0"), corev1.TaintNodeUnreachable, seconds(3600))
	db.OwnerKind = "StatefulSet"
	impatient := mkRunning("shop", "no-toleration")
	pods := []cluster.Pod{ds, web, bare, db, impatient}
	// Two healthy peers keep the node controller tainting at its normal rate.
	lease := func(ago time.Duration) func(*cluster.Snapshot) {
		return func(s *cluster.Snapshot) {
			s.NodeLeases["n"] = mkLease("n", now.Add(-ago), 40)
			s.Nodes = append(s.Nodes, mkNode("peer-1"), mkNode("peer-2"))
		}
	}

	t.Run("heartbeat on time", func(t *testing.T) {
		findings, node := nodeFindingsOf(t, mkNode("n"), pods, lease(15*time.Second))
		if f, ok := withCode(findings, "NodeHeartbeatLate"); ok {
			t.Errorf("a kubelet that renewed its 40 s lease 15 s ago is reported late: %+v", f)
		}
		if len(node.Evictions) > 0 {
			t.Errorf("evictions for a healthy node: %+v", node.Evictions)
		}
	})

	t.Run("silent, still Ready: a countdown", func(t *testing.T) {
		findings, node := nodeFindingsOf(t, mkNode("n"), pods, lease(25*time.Second))
		f, ok := withCode(findings, "NodeHeartbeatLate")
		if !ok {
			t.Fatalf("no NodeHeartbeatLate finding: %+v", findings)
		}
		for _, w := range []string{
			"still marked Ready",
			"By default the node controller marks a node Unknown 50s after its last heartbeat",
			"so in about 25s",
			"node.kubernetes.io/unreachable:NoExecute",
			"1 pod (shop/no-toleration) goes at once",
			"2 pods (ops/debug, shop/web-1) go 5m after it", "1 pod (db/pg-0) goes 1h after it",
			"1 pod (kube-system/kube-proxy-x) tolerates it without a time limit and stays",
			"nothing recreates it elsewhere: ops/debug", "A StatefulSet recreates its pod only once the old one is gone"} {
			if !strings.Contains(f.Meaning, w) {
				t.Errorf("meaning lacks %q:\n%s", w, f.Meaning)
			}
		}
		if f.Title != "its kubelet has not renewed the node's lease for 25s (it renews it every 10s)" || node.Note != "silent 25s" {
			t.Errorf("title %q, note %q", f.Title, node.Note)
		}
		at := func(d time.Duration) *time.Time { t := now.Add(25*time.Second + d); return &t }
		want := []Eviction{
			{Namespace: "shop", Name: "no-toleration", Taint: "node.kubernetes.io/unreachable:NoExecute", At: at(0), ByDefault: true, Controller: "ReplicaSet"},
			{Namespace: "ops", Name: "debug", Taint: "node.kubernetes.io/unreachable:NoExecute", At: at(5 * time.Minute), ByDefault: true},
			{Namespace: "shop", Name: "web-1", Taint: "node.kubernetes.io/unreachable:NoExecute", At: at(5 * time.Minute), ByDefault: true, Controller: "ReplicaSet"},
			{Namespace: "db", Name: "pg-0", Taint: "node.kubernetes.io/unreachable:NoExecute", At: at(time.Hour), ByDefault: true, Controller: "StatefulSet"},
			{Namespace: "kube-system", Name: "kube-proxy-x", Taint: "node.kubernetes.io/unreachable:NoExecute", Never: true, ByDefault: true, Controller: "DaemonSet"},
		}
		if diff := cmp.Diff(want, node.Evictions); diff != "" {
			t.Errorf("evictions (-want +got):\n%s", diff)
		}
	})

	t.Run("silent past the default grace period, still Ready", func(t *testing.T) {
		findings, _ := nodeFindingsOf(t, mkNode("n"), pods, lease(2*time.Minute))
		f, ok := withCode(findings, "NodeHeartbeatLate")
		if !ok || !strings.Contains(f.Meaning, "it has not yet, so its --node-monitor-grace-period is longer here, or the controller manager is not running") {
			t.Errorf("finding %+v", f)
		}
	})

	unknown := mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."))
	t.Run("Unknown, not tainted yet", func(t *testing.T) {
		findings, _ := nodeFindingsOf(t, unknown, pods, lease(time.Minute))
		f, ok := withCode(findings, "NodeUnknown")
		if !ok || !strings.Contains(f.Meaning, "has not tainted it node.kubernetes.io/unreachable:NoExecute yet, so no pod is evicted") ||
			!strings.Contains(f.Meaning, "2 pods (ops/debug, shop/web-1) go 5m after it") {
			t.Errorf("finding %+v", f)
		}
		if _, ok := withCode(findings, "NodeHeartbeatLate"); ok {
			t.Error("a node already Unknown also gets the countdown")
		}
	})

	t.Run("Unknown and tainted: when each pod goes, and that evicted pods stay", func(t *testing.T) {
		tainted := unknown.DeepCopy()
		added := metav1.NewTime(now.Add(-6 * time.Minute))
		tainted.Spec.Taints = []corev1.Taint{
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
			{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added},
		}
		evicted := []cluster.Pod{ds, mkDeleting(web, 60*time.Second, 30), mkDeleting(bare, 60*time.Second, 30), db}
		findings, node := nodeFindingsOf(t, *tainted, evicted, lease(7*time.Minute))
		f, ok := withCode(findings, "NodeUnknown")
		if !ok {
			t.Fatalf("no NodeUnknown finding: %+v", findings)
		}
		for _, w := range []string{
			"tainted it node.kubernetes.io/unreachable:NoExecute 6m ago (11:54:00 UTC)",
			"1 pod (db/pg-0) goes at about 12:54:00 UTC, in 54m",
			"1 pod (kube-system/kube-proxy-x) tolerates it without a time limit and stays",
			"2 pods are Terminating: ops/debug, shop/web-1 (requested 1m ago, grace 30s)",
			"they stay Terminating until the node returns or its Node object is deleted",
			"nothing recreates it elsewhere: ops/debug",
			"A StatefulSet recreates its pod only once the old one is gone, not while it is Terminating: db/pg-0",
		} {
			if !strings.Contains(f.Meaning, w) {
				t.Errorf("meaning lacks %q:\n%s", w, f.Meaning)
			}
		}
		if !strings.Contains(f.Fix, "kubectl delete node NODE") {
			t.Errorf("fix %q", f.Fix)
		}
		var terminating []string
		for _, e := range node.Evictions {
			if e.Terminating {
				terminating = append(terminating, e.Namespace+"/"+e.Name+" "+e.Controller)
			}
		}
		if diff := cmp.Diff([]string{"shop/web-1 ReplicaSet", "ops/debug "}, terminating); diff != "" {
			t.Errorf("terminating evictions (-want +got):\n%s", diff)
		}
	})

	t.Run("tainted long ago, pods not gone: overdue, not in the future", func(t *testing.T) {
		tainted := unknown.DeepCopy()
		added := metav1.NewTime(now.Add(-20 * time.Minute))
		tainted.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
		findings, _ := nodeFindingsOf(t, *tainted, []cluster.Pod{web}, lease(21*time.Minute))
		f, _ := withCode(findings, "NodeUnknown")
		if !strings.Contains(f.Meaning, "1 pod (shop/web-1) was due at 11:45:00 UTC (5m after the taint, by tolerationSeconds) but is not being deleted yet") {
			t.Errorf("meaning:\n%s", f.Meaning)
		}
	})
}

// One finding per node lists its taints by purpose; a node with one taint
// keeps the finding explaining that taint.
func TestTaintsFinding(t *testing.T) {
	six := mkTaints(
		corev1.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: "dedicated", Value: "ml", Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: "CriticalAddonsOnly", Value: "true", Effect: corev1.TaintEffectPreferNoSchedule},
		corev1.Taint{Key: "node.cilium.io/agent-not-ready", Effect: corev1.TaintEffectNoExecute},
		corev1.Taint{Key: "ToBeDeletedByClusterAutoscaler", Value: "1700000000", Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: "example.com/team", Value: "a", Effect: corev1.TaintEffectNoSchedule},
		// Said with the cordon, not here.
		corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule},
	)
	findings, node := nodeFindingsOf(t, mkNode("n", six, mkCordoned), nil, nil)
	var taintFindings []Finding
	for _, f := range findings {
		if f.Code == "NodeTaint" {
			taintFindings = append(taintFindings, f)
		}
	}
	if len(taintFindings) != 1 {
		t.Fatalf("%d NodeTaint findings for one node, want 1: %+v", len(taintFindings), taintFindings)
	}
	f := taintFindings[0]
	if want := "6 taints: 3 reserving it, 1 waiting for set-up, 1 marking its removal, 1 of unknown purpose"; f.Title != want {
		t.Errorf("title\n got %q\nwant %q", f.Title, want)
	}
	if f.Severity != SeverityWarning {
		t.Errorf("severity %s, want warning: one taint is NoExecute", f.Severity)
	}
	for _, w := range []string{
		"Keeping the node for the pods that tolerate them: nvidia.com/gpu=present:NoSchedule (NVIDIA GPU node), dedicated=ml:NoSchedule (dedicated node pool), CriticalAddonsOnly=true:PreferNoSchedule (reserved for cluster add-ons).",
		"Waiting for the node to be set up",
		"Marking the node for removal or replacement: ToBeDeletedByClusterAutoscaler=1700000000:NoSchedule",
		"Not known to this tool (their owners know what they are for): example.com/team=a:NoSchedule (custom taint).",
		"the NoSchedule ones keep new pods off the node but do not evict running ones",
		"the NoExecute ones keep new pods off and evict running ones",
		"the PreferNoSchedule ones only make the scheduler avoid the node",
	} {
		if !strings.Contains(f.Meaning, w) {
			t.Errorf("meaning lacks %q:\n%s", w, f.Meaning)
		}
	}
	if strings.Contains(f.Meaning, corev1.TaintNodeUnschedulable) {
		t.Error("the cordon's taint is listed with the others")
	}
	if node.Note != "cordoned" {
		t.Errorf("note %q", node.Note)
	}

	t.Run("alike nodes share one finding", func(t *testing.T) {
		s := mkSnapshot(mkNode("a", six), mkNode("b", six))
		r := Explain(s, now, Options{})
		f := findingsWithCode(r, "NodeTaint")
		if len(f) != 1 || !slices.Equal(f[0].Nodes, []string{"a", "b"}) {
			t.Errorf("findings %+v", f)
		}
	})
}

// The taint texts a node carries are those of its effect, and setBy that of
// its provider.
func TestNodeTaintTexts(t *testing.T) {
	gpu := corev1.Taint{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	unreachable := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	tests := []struct {
		name       string
		provider   string
		taint      corev1.Taint
		setBy      string
		meaningNot string
	}{
		{"GPU on EKS", "aws:///eu-west-1a/i-0abc", gpu, "the node pool's or node group's settings, or the cluster's operators", ""},
		{"GPU on GKE", "gce://project/europe-west1-b/gke-pool-1", gpu, "GKE, on GPU node pools, or the cluster's operators", ""},
		{"GPU elsewhere", "", gpu, "the node pool's or node group's settings, or the cluster's operators", ""},
		{"unreachable NoSchedule says nothing of evictions", "", unreachable, "the node controller", "tolerationSeconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Explain(mkSnapshot(mkNode("n", mkProviderID(tc.provider), mkTaints(tc.taint))), now, Options{})
			got := r.Nodes[0].Taints[0]
			if got.SetBy != tc.setBy {
				t.Errorf("setBy %q, want %q", got.SetBy, tc.setBy)
			}
			if tc.meaningNot != "" && strings.Contains(got.Meaning+got.EffectMeaning, tc.meaningNot) {
				t.Errorf("the %s taint says %q: %s %s", tc.taint.Effect, tc.meaningNot, got.Meaning, got.EffectMeaning)
			}
		})
	}
}

func TestVersionSkewFix(t *testing.T) {
	tests := []struct {
		kubelet, fix string
	}{
		{"v1.38.0", "Upgrade the control plane to v1.38 or later, one minor version at a time, or run a kubelet no newer than the API server's v1.37 on this node."},
		{"v1.33.5", "The control plane is the newer side: drain the node and upgrade its kubelet to v1.34 or later (the API server's v1.37 is best), or replace the node with one built from a current image."},
	}
	for _, tc := range tests {
		t.Run(tc.kubelet, func(t *testing.T) {
			findings, _ := nodeFindingsOf(t, mkNode("n", mkKubelet(tc.kubelet)), nil, nil)
			f, ok := withCode(findings, "VersionSkew")
			if !ok || f.Fix != tc.fix {
				t.Errorf("fix\n got %q\nwant %q", f.Fix, tc.fix)
			}
		})
	}
}

func TestNoNodes(t *testing.T) {
	r := Explain(mkSnapshot(), now, Options{})
	f := findingsWithCode(r, "NoNodes")
	if len(f) != 1 || f[0].Severity != SeverityWarning || !strings.Contains(f[0].Meaning, "no pod can run") {
		t.Errorf("no nodes: findings %+v", r.Findings)
	}
	s := mkSnapshot()
	s.Gaps = []v1alpha1.Gap{{What: "nodes", Resource: "nodes", Reason: "Forbidden", Message: "forbidden"}}
	if f := findingsWithCode(Explain(s, now, Options{}), "NoNodes"); len(f) != 0 {
		t.Errorf("nodes unread, yet the cluster is said to have none: %+v", f)
	}
}

// The node view reads only the named nodes: it checks no control-plane
// component, and says so instead of reporting a state.
func TestDetailLeavesTheControlPlaneUnchecked(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	r := Explain(s, now, Options{Detail: true})
	if r.ControlPlane.Checked || r.ControlPlane.Mode != "" || len(r.ControlPlane.Components) != 0 || r.ControlPlane.Components == nil {
		t.Errorf("detail control plane %+v, want unchecked, without mode or components (an empty list)", r.ControlPlane)
	}
	if r := Explain(s, now, Options{}); !r.ControlPlane.Checked || len(r.ControlPlane.Components) == 0 {
		t.Errorf("overview control plane %+v, want checked", r.ControlPlane)
	}
}

// Whether the node controller taints a failing node NoExecute depends on
// its zone and on the cluster: the findings say which case the nodes read
// show.
func TestTaintHeldBackByZone(t *testing.T) {
	zoned := func(name, zone string, ready corev1.ConditionStatus) corev1.Node {
		return mkNode(name, mkLabels(corev1.LabelTopologyZone, zone), mkReady(ready, "", ""))
	}
	unknown := corev1.ConditionUnknown
	ready := corev1.ConditionTrue
	tests := []struct {
		name   string
		nodes  []corev1.Node
		detail bool
		want   string
	}{
		{"healthy peers: the normal rate", []corev1.Node{zoned("n", "a", unknown), zoned("p1", "a", ready), zoned("p2", "b", ready)}, false,
			"by default one node every 10 s in a zone (--node-eviction-rate)"},
		{"no node Ready anywhere: no taint at all, and no eviction to tell", []corev1.Node{zoned("n", "a", unknown), zoned("p1", "b", unknown)}, false,
			"No node of the cluster is Ready: the node controller then takes the fault for its own, adds no NoExecute taint"},
		{"a small zone mostly down: stopped", []corev1.Node{zoned("n", "a", unknown), zoned("p1", "a", unknown), zoned("p2", "a", unknown), zoned("p3", "a", ready), zoned("p4", "b", ready)}, false,
			"3 of the 4 nodes in zone a are not Ready: by default (--unhealthy-zone-threshold 0.55, --large-cluster-size-threshold 50) the node controller then stops tainting"},
		{"a whole zone down, others fine: the normal rate", []corev1.Node{zoned("n", "a", unknown), zoned("p1", "b", ready)}, false,
			"by default one node every 10 s in a zone"},
		{"the node view cannot tell", []corev1.Node{zoned("n", "a", unknown)}, true,
			"and not at all while no node of the cluster is Ready or, by default, while more than two and at least 55%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(tc.nodes...)
			s.Pods["n"] = []cluster.Pod{mkTolerating(mkRunning("shop", "web"), corev1.TaintNodeUnreachable, seconds(300))}
			r := Explain(s, now, Options{Detail: tc.detail})
			f := findingsWithCode(r, "NodeUnknown")
			if len(f) == 0 || !strings.Contains(f[0].Meaning, tc.want) {
				t.Errorf("NodeUnknown %+v\nwant it to say %q", f, tc.want)
			}
			held := strings.Contains(tc.want, "adds no NoExecute taint") || strings.Contains(tc.want, "stops tainting")
			if said := len(f) > 0 && strings.Contains(f[0].Meaning, "5m after it"); said == held {
				t.Errorf("eviction times said: %v, held back: %v\n%s", said, held, f[0].Meaning)
			}
		})
	}
	t.Run("large zone mostly down: reduced rate", func(t *testing.T) {
		var nodes []corev1.Node
		for i := range 60 {
			status := unknown
			if i >= 40 {
				status = ready
			}
			nodes = append(nodes, zoned(fmt.Sprintf("n%02d", i), "a", status))
		}
		f := findingsWithCode(Explain(mkSnapshot(nodes...), now, Options{}), "NodeUnknown")
		if len(f) == 0 || !strings.Contains(f[0].Meaning, "40 of the 60 nodes in zone a are not Ready: by default the node controller then taints the zone's nodes NoExecute at a reduced rate") {
			t.Errorf("NodeUnknown %+v", f)
		}
	})
	t.Run("the last Ready node going silent: no eviction to count down", func(t *testing.T) {
		s := mkSnapshot(zoned("n", "a", ready), zoned("p1", "b", unknown))
		s.NodeLeases["n"] = mkLease("n", now.Add(-25*time.Second), 40)
		s.Pods["n"] = []cluster.Pod{mkTolerating(mkRunning("shop", "web"), corev1.TaintNodeUnreachable, seconds(300))}
		r := Explain(s, now, Options{})
		f := findingsWithCode(r, "NodeHeartbeatLate")
		if len(f) != 1 || !strings.Contains(f[0].Meaning, "No other node of the cluster is Ready: once this one is Unknown too, the node controller takes the fault for its own and adds no NoExecute taint, so its pods are not evicted.") ||
			strings.Contains(f[0].Meaning, "go 5m after it") {
			t.Errorf("NodeHeartbeatLate %+v", f)
		}
		if ev := findNode(t, r, "n").Evictions; len(ev) > 0 {
			t.Errorf("evictions counted down that will not come: %+v", ev)
		}
	})
}

func TestNodeFindings(t *testing.T) {
	notReadyTaints := mkTaints(
		corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute})
	unreachableTaints := mkTaints(
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute})
	crashingProxy := mkKubeProxyPod("n")
	crashingProxy.Ready, crashingProxy.Waiting = false, "CrashLoopBackOff"

	tests := []struct {
		name        string
		node        corev1.Node
		pods        []cluster.Pod
		lease       *coordinationv1.Lease
		kubeProxyDS bool
		podsUnread  bool
		want        []string // severity and code of the node's findings, in order
		wantTitle   string   // the first finding's title, when set
		wantNote    string
	}{
		{name: "healthy", node: mkNode("n"), want: nil},
		{
			name: "NotReady, its taints folded in",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"), notReadyTaints),
			want: []string{"critical NodeNotReady"}, wantNote: "NotReady",
			wantTitle: "NotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady",
		},
		{
			name: "NotReady without a message gives the reason",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "")),
			want: []string{"critical NodeNotReady"}, wantTitle: "NotReady: KubeletNotReady", wantNote: "NotReady",
		},
		{
			name:  "Unknown, last heard from through its lease",
			node:  mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."), unreachableTaints),
			lease: func() *coordinationv1.Lease { l := mkLease("n", now.Add(-12*time.Minute), 40); return &l }(),
			want:  []string{"critical NodeUnknown"}, wantNote: "silent 12m",
			wantTitle: "Unknown: its kubelet last reported 12m ago (2026-11-26T11:48:00Z)",
		},
		{
			name: "Unknown, never heard from",
			node: mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusNeverUpdated", "Kubelet never posted node status.")),
			want: []string{"critical NodeUnknown"}, wantTitle: "Unknown: its kubelet has never reported", wantNote: "silent",
		},
		{
			name: "Unknown conditions of an unreachable node are not findings",
			node: mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", ""), mkCondition(corev1.NodeDiskPressure, corev1.ConditionUnknown, "NodeStatusUnknown", "")),
			want: []string{"critical NodeUnknown"}, wantNote: "silent",
		},
		{
			name: "cordoned, its unschedulable taint folded in",
			node: mkNode("n", mkCordoned, mkTaints(corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"warning NodeCordoned"}, wantTitle: "cordoned (spec.unschedulable)", wantNote: "cordoned",
		},
		{
			name: "DiskPressure, its taint folded in",
			node: mkNode("n", mkCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"),
				mkTaints(corev1.Taint{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"warning NodeDiskPressure"}, wantTitle: "DiskPressure: kubelet has disk pressure", wantNote: "DiskPressure",
		},
		{
			name: "no DiskPressure",
			node: mkNode("n", mkCondition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure")),
			want: nil,
		},
		{
			name: "custom NoSchedule taint",
			node: mkNode("n", mkTaints(corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"info NodeTaint"}, wantTitle: "taint dedicated=batch:NoSchedule (dedicated node pool)", wantNote: "taint dedicated",
		},
		{
			name: "custom NoExecute taint is a warning",
			node: mkNode("n", mkTaints(corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectNoExecute})),
			want: []string{"warning NodeTaint"}, wantTitle: "taint example.com/maintenance:NoExecute (custom taint)", wantNote: "taint maintenance",
		},
		{
			name: "CPU requests over allocatable",
			node: mkNode("n", mkAllocatable("2", "16Gi", "110")),
			pods: mkPodsWithCPU(5, 500),
			want: []string{"warning RequestsOvercommitted"}, wantTitle: "CPU requests exceed allocatable: 2.5 of 2 (125%)", wantNote: "CPU 125%",
		},
		{
			name: "memory requests over allocatable",
			node: mkNode("n", mkAllocatable("4", "1Gi", "110")),
			pods: func() []cluster.Pod {
				p := mkPodsWithCPU(2, 0)
				p[0].MemoryBytes, p[1].MemoryBytes = 1<<30, 512<<20
				return p
			}(),
			want: []string{"warning RequestsOvercommitted"}, wantTitle: "memory requests exceed allocatable: 1.5Gi of 1Gi (150%)", wantNote: "memory 150%",
		},
		{
			name: "CPU requests at 90% of allocatable",
			node: mkNode("n"),
			pods: mkPodsWithCPU(4, 900),
			want: []string{"info RequestsNearAllocatable"}, wantTitle: "CPU nearly all requested: 3.6 of 4 (90%)", wantNote: "CPU 90%",
		},
		{
			name: "CPU requests just under 90% of allocatable",
			node: mkNode("n"),
			pods: append(mkPodsWithCPU(3, 900), mkPodsWithCPU(1, 899)[0]),
			want: nil,
		},
		{
			name: "CPU requests exactly at allocatable are near, not over",
			node: mkNode("n"),
			pods: mkPodsWithCPU(4, 1000),
			want: []string{"info RequestsNearAllocatable"}, wantTitle: "CPU nearly all requested: 4 of 4 (100%)", wantNote: "CPU 100%",
		},
		{
			name: "pods near the limit",
			node: mkNode("n", mkAllocatable("4", "16Gi", "10")),
			pods: mkPodsWithCPU(9, 0),
			want: []string{"warning PodsNearLimit"}, wantTitle: "runs 9 of its 10 allowed pods", wantNote: "pods 9/10",
		},
		{
			name: "pods under 90% of the limit",
			node: mkNode("n", mkAllocatable("4", "16Gi", "10")),
			pods: mkPodsWithCPU(8, 0),
			want: nil,
		},
		{
			name:       "capacity not judged when pods are unread",
			node:       mkNode("n", mkAllocatable("2", "16Gi", "10")),
			pods:       mkPodsWithCPU(10, 500),
			podsUnread: true,
			want:       nil,
		},
		{
			name: "kubelet newer than the API server",
			node: mkNode("n", mkKubelet("v1.38.0")),
			want: []string{"warning VersionSkew"}, wantTitle: "kubelet v1.38.0 is newer than the API server v1.37.2", wantNote: "kubelet skew",
		},
		{
			name: "kubelet four minor versions older",
			node: mkNode("n", mkKubelet("v1.33.5")),
			want: []string{"warning VersionSkew"}, wantTitle: "kubelet v1.33.5 is 4 minor versions behind the API server v1.37.2", wantNote: "kubelet skew",
		},
		{
			name: "kubelet three minor versions older is supported",
			node: mkNode("n", mkKubelet("v1.34.9")),
			want: nil,
		},
		{
			name: "kubelet with a vendor suffix, same minor",
			node: mkNode("n", mkKubelet("v1.37.1-eks-5e0fdde")),
			want: nil,
		},
		{
			name:        "kube-proxy DaemonSet but no pod on the node",
			node:        mkNode("n"),
			pods:        []cluster.Pod{mkRunning("default", "web")},
			kubeProxyDS: true,
			want:        []string{"warning KubeProxyMissing"}, wantTitle: "kube-proxy: the node has no kube-proxy pod", wantNote: "kube-proxy missing",
		},
		{
			name:        "kube-proxy pod crashing",
			node:        mkNode("n"),
			pods:        []cluster.Pod{crashingProxy},
			kubeProxyDS: true,
			want:        []string{"warning KubeProxyMissing"}, wantTitle: "kube-proxy: the node has a kube-proxy pod that is CrashLoopBackOff", wantNote: "kube-proxy CrashLoopBackOff",
		},
		{
			name:        "kube-proxy pod running",
			node:        mkNode("n"),
			pods:        []cluster.Pod{mkKubeProxyPod("n")},
			kubeProxyDS: true,
			want:        nil,
		},
		{
			name:        "kube-proxy not judged when pods are unread",
			node:        mkNode("n"),
			kubeProxyDS: true,
			podsUnread:  true,
			want:        nil,
		},
		{
			name: "several findings, most severe first",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy"), mkCordoned,
				mkCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
				mkTaints(corev1.Taint{Key: "team", Value: "a", Effect: corev1.TaintEffectNoSchedule}), mkKubelet("v1.38.1")),
			want:     []string{"critical NodeNotReady", "warning NodeCordoned", "warning NodeMemoryPressure", "warning VersionSkew", "info NodeTaint"},
			wantNote: "NotReady",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(tc.node)
			if tc.pods != nil {
				s.Pods["n"] = tc.pods
			}
			if tc.lease != nil {
				s.NodeLeases["n"] = *tc.lease
			}
			if tc.kubeProxyDS {
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
			}
			if tc.podsUnread {
				s.PodsRead = false
			}
			r := Explain(s, now, Options{})
			if diff := cmp.Diff(tc.want, nodeCodes(r, "n")); diff != "" {
				t.Errorf("findings on the node (-want +got):\n%s\nall: %+v", diff, r.Findings)
			}
			if tc.wantTitle != "" {
				var first *Finding
				for i := range r.Findings {
					if slices.Contains(r.Findings[i].Nodes, "n") {
						first = &r.Findings[i]
						break
					}
				}
				if first == nil || first.Title != tc.wantTitle {
					t.Errorf("title = %+v, want %q", first, tc.wantTitle)
				}
			}
			if got := r.Nodes[0].Note; got != tc.wantNote {
				t.Errorf("Note = %q, want %q", got, tc.wantNote)
			}
			for _, f := range r.Findings {
				if f.Meaning == "" {
					t.Errorf("finding %s has no meaning", f.Code)
				}
			}
		})
	}
}

func TestClusterFindings(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *cluster.Snapshot)
		want   []string // codes of findings without nodes
		title  string   // title of the first, when set
	}{
		{
			name: "DaemonSets read, none is kube-proxy",
			modify: func(s *cluster.Snapshot) {
				s.SystemDaemonSets = []appsv1.DaemonSet{{ObjectMeta: metav1.ObjectMeta{Name: "cilium"}}}
			},
			want: []string{"NoKubeProxy"}, title: "no kube-proxy DaemonSet in kube-system",
		},
		{
			name: "kube-proxy DaemonSet found by its label",
			modify: func(s *cluster.Snapshot) {
				ds := mkKubeProxyDS()
				ds.Name = "kube-proxy-legacy"
				s.SystemDaemonSets = []appsv1.DaemonSet{ds}
				for _, n := range s.Nodes {
					s.Pods[n.Name] = []cluster.Pod{mkKubeProxyPod(n.Name)}
				}
			},
			want: nil,
		},
		{
			name: "DaemonSets unread",
			modify: func(s *cluster.Snapshot) {
				s.SystemDaemonSets = nil
				s.Gaps = []v1alpha1.Gap{{What: "DaemonSets in kube-system", Resource: "daemonsets", Namespace: "kube-system", Reason: "Forbidden", Message: "forbidden"}}
			},
			want: nil,
		},
		{
			name: "pods waiting for a node",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled = 3
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
				for _, n := range s.Nodes {
					s.Pods[n.Name] = []cluster.Pod{mkKubeProxyPod(n.Name)}
				}
			},
			want: []string{"PodsWaitingForNode"}, title: "3 pods waiting for a node",
		},
		{
			name: "one pod waiting",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled = 1
			},
			want: []string{"NoKubeProxy", "PodsWaitingForNode"},
		},
		{
			name: "pods unread: nothing said of waiting pods",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled, s.PodsRead = 3, false
			},
			want: []string{"NoKubeProxy"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(mkNode("a"), mkNode("b"))
			tc.modify(s)
			r := Explain(s, now, Options{})
			var got []string
			var first *Finding
			for i, f := range r.Findings {
				if len(f.Nodes) == 0 {
					got = append(got, string(f.Code))
					if first == nil {
						first = &r.Findings[i]
					}
					if f.Severity != SeverityInfo {
						t.Errorf("%s is %s, want info", f.Code, f.Severity)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("cluster findings (-want +got):\n%s", diff)
			}
			if tc.title != "" && (first == nil || first.Title != tc.title) {
				t.Errorf("first cluster finding %+v, want title %q", first, tc.title)
			}
			if slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Code == "KubeProxyMissing" }) {
				t.Errorf("unexpected KubeProxyMissing: %+v", r.Findings)
			}
		})
	}
}

func TestFindingsSortedAndMerged(t *testing.T) {
	dedicated := mkTaints(corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule})
	s := mkSnapshot(
		// Not in name order, to check that merged nodes are sorted.
		mkNode("w-c", dedicated),
		mkNode("w-a", dedicated),
		mkNode("w-z", mkKubelet("v1.38.0")),
		mkNode("w-b", dedicated),
		mkNode("w-down", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy")),
		mkNode("w-old", mkKubelet("v1.38.0")),
	)
	s.Unscheduled = 2
	r := Explain(s, now, Options{})

	type short struct {
		Severity, Code string
		Nodes          []string
	}
	var got []short
	for _, f := range r.Findings {
		got = append(got, short{f.Severity, string(f.Code), f.Nodes})
	}
	want := []short{
		{SeverityCritical, "NodeNotReady", []string{"w-down"}},
		{SeverityWarning, "VersionSkew", []string{"w-old", "w-z"}},
		{SeverityInfo, "NoKubeProxy", []string{}},
		{SeverityInfo, "NodeTaint", []string{"w-a", "w-b", "w-c"}},
		{SeverityInfo, "PodsWaitingForNode", []string{}},
		{SeverityInfo, "PoolUpgrading", []string{"w-a", "w-b", "w-c", "w-down", "w-old", "w-z"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for i := 1; i < len(r.Findings); i++ {
		if SeverityRank(r.Findings[i-1].Severity) > SeverityRank(r.Findings[i].Severity) {
			t.Errorf("finding %d (%s) before a more severe one (%s)", i-1, r.Findings[i-1].Severity, r.Findings[i].Severity)
		}
	}
	// The snapshot's nodes are not reordered by merging.
	if s.Nodes[0].Name != "w-c" {
		t.Errorf("Explain reordered the snapshot's nodes")
	}
}

// Findings that differ in any word stay apart.
func TestFindingsNotMergedWhenDifferent(t *testing.T) {
	s := mkSnapshot(
		mkNode("a", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy")),
		mkNode("b", mkReady(corev1.ConditionFalse, "KubeletNotReady", "container runtime is down")),
	)
	r := Explain(s, now, Options{})
	f := findingsWithCode(r, "NodeNotReady")
	if len(f) != 2 {
		t.Fatalf("want 2 NodeNotReady findings, got %+v", f)
	}
	// Same severity and code: ordered by title.
	if f[0].Title != "NotReady: PLEG is not healthy" || f[1].Title != "NotReady: container runtime is down" {
		t.Errorf("titles %q, %q", f[0].Title, f[1].Title)
	}
}
