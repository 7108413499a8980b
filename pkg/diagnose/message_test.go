package diagnose

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

func TestExplainMessageMore(t *testing.T) {
	type reason struct {
		Reason string
		Count  int
		Plugin string
		Taint  string
	}
	type want struct {
		Recognised bool
		Nodes      int
		Reasons    []reason
		Preemption string
	}
	tests := []struct {
		name           string
		msg            string
		want           want
		preemptionHas  string
		meaningHas     string // in the first reason's meaning
		knownReasonsOK bool   // every reason has a plugin, meaning and fix
	}{
		{
			name: "current form with counts, reasons by count",
			msg:  "0/5 nodes are available: 1 node(s) had untolerated taint(s), 4 Insufficient cpu. preemption: 0/5 nodes are available: 1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.",
			want: want{Recognised: true, Nodes: 5, Reasons: []reason{
				{"Insufficient cpu", 4, "NodeResourcesFit", ""},
				{ReasonUntoleratedTaint, 1, "TaintToleration", ""},
			}, Preemption: "0/5 nodes are available: 1 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod."},
			preemptionHas:  "not help",
			knownReasonsOK: true,
		},
		{
			name: "several reasons of the affinity and spread plugins",
			msg:  "0/10 nodes are available: 2 node(s) didn't match pod anti-affinity rules, 3 node(s) didn't match pod topology spread constraints, 5 node(s) didn't satisfy existing pods anti-affinity rules.",
			want: want{Recognised: true, Nodes: 10, Reasons: []reason{
				{ReasonExistingAntiAffinity, 5, "InterPodAffinity", ""},
				{ReasonTopologySpread, 3, "PodTopologySpread", ""},
				{ReasonPodAntiAffinity, 2, "InterPodAffinity", ""},
			}},
			knownReasonsOK: true,
		},
		{
			name: "old taint form names the taint",
			msg:  "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: batch}.",
			want: want{Recognised: true, Nodes: 3, Reasons: []reason{
				{"node(s) had untolerated taint {dedicated: batch}", 3, "TaintToleration", "dedicated: batch"},
			}},
			meaningHas:     "{dedicated: batch}",
			knownReasonsOK: true,
		},
		{
			name: "older taint form, with a message ending in ..",
			msg:  "0/2 nodes are available: 1 node(s) had taint {x: y}, that the pod didn't tolerate, 1 node(s) didn't match node selector..",
			want: want{Recognised: true, Nodes: 2, Reasons: []reason{
				{"node(s) had taint {x: y}, that the pod didn't tolerate", 1, "TaintToleration", "x: y"},
				{"node(s) didn't match node selector", 1, "NodeAffinity", ""},
			}},
			meaningHas:     "{x: y}",
			knownReasonsOK: true,
		},
		{
			name: "a PreFilter message counts for every node",
			msg:  "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
			want: want{Recognised: true, Nodes: 4, Reasons: []reason{
				{ReasonUnboundImmediate, 4, "VolumeBinding", ""},
			}, Preemption: "0/4 nodes are available: 4 Preemption is not helpful for scheduling."},
			preemptionHas:  "not help",
			knownReasonsOK: true,
		},
		{
			name: "a missing claim, with the PostFilter's short note",
			msg:  `0/7 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.`,
			want: want{Recognised: true, Nodes: 7, Reasons: []reason{
				{`persistentvolumeclaim "nope" not found`, 7, "VolumeBinding", ""},
			}, Preemption: "0/7 nodes are available: 7 Preemption is not helpful for scheduling."},
			knownReasonsOK: true,
		},
		{
			name: "the old volume affinity wording",
			msg:  "0/3 nodes are available: 3 node(s) had volume node affinity conflict.",
			want: want{Recognised: true, Nodes: 3, Reasons: []reason{
				{"node(s) had volume node affinity conflict", 3, "VolumeBinding", ""},
			}},
			knownReasonsOK: true,
		},
		{
			name: "preemption forbidden by the priority class",
			msg:  "0/2 nodes are available: 2 Insufficient memory. preemption: not eligible due to preemptionPolicy=Never.",
			want: want{Recognised: true, Nodes: 2, Reasons: []reason{
				{"Insufficient memory", 2, "NodeResourcesFit", ""},
			}, Preemption: "not eligible due to preemptionPolicy=Never."},
			preemptionHas:  "preemptionPolicy: Never",
			knownReasonsOK: true,
		},
		{
			name:           "no nodes at all",
			msg:            "no nodes available to schedule pods",
			want:           want{Recognised: true, Reasons: []reason{{"no nodes available to schedule pods", 0, "", ""}}},
			meaningHas:     "no nodes",
			knownReasonsOK: false,
		},
		{
			name:       "no nodes at all, with a full stop",
			msg:        "no nodes available to schedule pods.",
			want:       want{Recognised: true, Reasons: []reason{{"no nodes available to schedule pods", 0, "", ""}}},
			meaningHas: "no nodes",
		},
		{
			name: "a reason from a plugin the tool does not know",
			msg:  "0/2 nodes are available: 2 node(s) failed the example.com/gpu-health check.",
			want: want{Recognised: true, Nodes: 2, Reasons: []reason{
				{"node(s) failed the example.com/gpu-health check", 2, "", ""},
			}},
			meaningHas: "does not know",
		},
		{
			name: "a PreFilter plugin the tool does not know narrowed the nodes",
			msg:  "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [Custom].",
			want: want{Recognised: true, Nodes: 2, Reasons: []reason{
				{"node(s) didn't satisfy plugin(s) [Custom]", 2, "", ""},
			}},
			meaningHas: "PreFilter plugins narrowed the pod to other nodes",
		},
		{
			name:       "a plugin's failure after the filters",
			msg:        `running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition`,
			want:       want{Recognised: true, Reasons: []reason{{`running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition`, 0, "VolumeBinding", ""}}},
			meaningHas: "the VolumeBinding plugin failed at its PreBind step",
		},
		{
			name: "unknown text",
			msg:  `the pod could not be placed for reasons of its own`,
			want: want{Recognised: false},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ExplainMessage(tc.msg)
			got := want{Recognised: e.Recognised, Nodes: e.Nodes, Preemption: e.Preemption}
			for _, r := range e.Reasons {
				got.Reasons = append(got.Reasons, reason{r.Reason, r.Count, r.Plugin, r.Taint})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ExplainMessage(%q) (-want +got):\n%s", tc.msg, diff)
			}
			if e.Kind != v1alpha1.KindMessage || e.Message != strings.TrimSpace(tc.msg) {
				t.Errorf("kind %q, message %q", e.Kind, e.Message)
			}
			if tc.preemptionHas != "" && !strings.Contains(e.PreemptionMeaning, tc.preemptionHas) {
				t.Errorf("preemption meaning %q lacks %q", e.PreemptionMeaning, tc.preemptionHas)
			}
			if tc.want.Preemption == "" && e.PreemptionMeaning != "" {
				t.Errorf("no preemption note, yet a meaning: %q", e.PreemptionMeaning)
			}
			if tc.meaningHas != "" && (len(e.Reasons) == 0 || !strings.Contains(e.Reasons[0].Meaning, tc.meaningHas)) {
				t.Errorf("first reason's meaning lacks %q: %+v", tc.meaningHas, e.Reasons)
			}
			for _, r := range e.Reasons {
				if r.Meaning == "" || r.Fix == "" {
					t.Errorf("reason %q without meaning or fix", r.Reason)
				}
				if tc.knownReasonsOK && r.Plugin == "" {
					t.Errorf("reason %q without a plugin", r.Reason)
				}
			}
		})
	}
}

func TestGroup(t *testing.T) {
	nodes := []corev1.Node{mkNode("n1", res("cpu", "2", "memory", "8Gi", "pods", "110"), readyNode), mkNode("n2", std, readyNode, taint("gpu", "", corev1.TaintEffectNoSchedule))}
	mk := func(name, ns string, mod ...func(*corev1.Pod)) *corev1.Pod {
		p := mkPod(name, nil, append([]func(*corev1.Pod){inNamespace(ns)}, mod...)...)
		return &p
	}
	cpu := func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = res("cpu", "3") }
	pulling := func(p *corev1.Pod) {
		p.Spec.NodeName = "n1"
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "no such image"}}}}
	}
	pods := []*corev1.Pod{
		mk("solo", "default", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
		mk("w1", "default", cpu),
		mk("pull-1", "default", pulling),
		mk("w2", "team", cpu),
		mk("pull-2", "default", pulling),
		mk("w3", "default", cpu),
	}
	ds := diagnoseAll(input{Nodes: nodes, NodesRead: true}, pods, now)
	gaps := []v1alpha1.Gap{{What: "leases in kube-system", Resource: "leases", Namespace: "kube-system", Reason: "Forbidden"}}
	got := Group(ds, "", gaps, now)

	type group struct {
		Cause string
		Pods  []string
		Fix   string
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"groups by cause, largest first, pods as namespace/name", func(t *testing.T) {
			var gotGroups []group
			for _, g := range got.Groups {
				gotGroups = append(gotGroups, group{g.Cause, g.Pods, g.Fix})
			}
			if len(ds[1].Fixes) == 0 || len(ds[2].Problems) == 0 || len(ds[0].Fixes) == 0 {
				t.Fatalf("fixtures: fixes %q %q, problems %+v", ds[1].Fixes, ds[0].Fixes, ds[2].Problems)
			}
			wantGroups := []group{
				{"0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).", []string{"default/w1", "team/w2", "default/w3"}, ds[1].Fixes[0]},
				{ds[2].Cause(), []string{"default/pull-1", "default/pull-2"}, ds[2].Problems[0].Fix},
				{"0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s).", []string{"default/solo"}, ds[0].Fixes[0]},
			}
			if diff := cmp.Diff(wantGroups, gotGroups); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			for _, g := range got.Groups {
				if g.Fix == "" {
					t.Errorf("group %q without a fix", g.Cause)
				}
			}
		}},
		{"a bound pod's cause is its state and first problem", func(t *testing.T) {
			want := "Scheduled: container app ImagePullBackOff: no such image"
			if c := ds[2].Cause(); c != want {
				t.Errorf("cause %q, want %q", c, want)
			}
		}},
		{"list header", func(t *testing.T) {
			if got.Pods != len(pods) || got.Kind != v1alpha1.KindPendingList || got.Namespace != "" || !got.GeneratedAt.Equal(now) || len(got.Unread) != 1 {
				t.Errorf("pods %d, kind %q, namespace %q, at %v, unread %v", got.Pods, got.Kind, got.Namespace, got.GeneratedAt, got.Unread)
			}
		}},
		{"no pods: an empty, non-nil list of groups", func(t *testing.T) {
			if empty := Group(nil, "default", nil, now); empty.Groups == nil || len(empty.Groups) != 0 || empty.Pods != 0 || empty.Namespace != "default" {
				t.Errorf("groups %#v, pods %d, namespace %q", empty.Groups, empty.Pods, empty.Namespace)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}

// why-pending -A groups pods by cause and by the kind of their first fix,
// and gives each pod's own numbers when they differ.
func TestGroupByCauseAndFix(t *testing.T) {
	nodes := []corev1.Node{mkNode("n1", res("cpu", "2", "memory", "8Gi", "pods", "110"), readyNode)}
	mk := func(name string, mod ...func(*corev1.Pod)) *corev1.Pod {
		p := mkPod(name, nil, mod...)
		return &p
	}
	cpu := func(q string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = res("cpu", q) }
	}
	selector := func(k, v string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{k: v} }
	}
	pods := []*corev1.Pod{
		mk("a", cpu("3")), mk("b", cpu("2500m")), mk("c", cpu("6")),
		mk("zone", selector(corev1.LabelTopologyZone, "eu-west-1d")),
		mk("disk", selector("disktype", "ssd")),
	}
	nodes[0].Labels[corev1.LabelTopologyZone] = "eu-west-1a"
	got := Group(diagnoseAll(input{Nodes: nodes, NodesRead: true}, pods, now), "", nil, now)
	byPods := map[string]CauseGroup{}
	for _, g := range got.Groups {
		byPods[strings.Join(g.Pods, ",")] = g
	}
	cpuGroup, ok := byPods["default/a,default/b,default/c"]
	if !ok {
		t.Fatalf("the cpu pods are not one group: %+v", got.Groups)
	}
	if cpuGroup.Fix != "" || len(cpuGroup.PodFixes) != 3 {
		t.Fatalf("the cpu pods' fixes differ in numbers and should be given pod by pod: %+v", cpuGroup)
	}
	for i, want := range []string{"the pod requests 3 cpu", "the pod requests 2500m cpu", "the pod requests 6 cpu"} {
		if !strings.Contains(cpuGroup.PodFixes[i].Fix, want) {
			t.Errorf("pod %s: fix %q lacks %q", cpuGroup.PodFixes[i].Pod, cpuGroup.PodFixes[i].Fix, want)
		}
	}
	if _, ok := byPods["default/zone"]; !ok {
		t.Errorf("the zone typo should be a group of its own, apart from the disktype selector: %+v", got.Groups)
	}
	if g, ok := byPods["default/disk"]; !ok || g.Fix == "" {
		t.Errorf("the disktype selector should be a group of its own with one fix: %+v", got.Groups)
	}
}

// A message with a master taint, a preemption note that counts its reasons,
// and counts short of N: the known taint is explained from the catalogue,
// each preemption reason in its own words, and the shortfall is said.
func TestExplainMessageTaintPreemptionCounts(t *testing.T) {
	e := ExplainMessage("0/40 nodes are available: 8 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }. preemption: 0/40 nodes are available: 8 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.")
	if !e.Recognised || len(e.Reasons) != 2 {
		t.Fatalf("%+v", e)
	}
	var taint ReasonExplained
	for _, r := range e.Reasons {
		if r.Taint != "" {
			taint = r
		}
	}
	if !strings.Contains(taint.Meaning, "the old name of the control-plane taint") || !strings.Contains(taint.Fix, "Tolerate the taint only in a pod meant to run on the control plane") {
		t.Errorf("the master taint: %+v", taint)
	}
	for _, want := range []string{
		"On 8 nodes, the pod does not fit for lack of room, and evicting the lower-priority pods there would not make it fit",
		"On 3 nodes, evicting lower-priority pods would not help: what blocks the pod there is not a lack of room",
	} {
		if !strings.Contains(e.PreemptionMeaning, want) {
			t.Errorf("preemption meaning %q lacks %q", e.PreemptionMeaning, want)
		}
	}
	if !strings.Contains(e.CountMismatch, "The reasons count 11 nodes of the 40") {
		t.Errorf("count mismatch %q", e.CountMismatch)
	}
	if full := ExplainMessage("0/3 nodes are available: 3 Insufficient cpu."); full.CountMismatch != "" {
		t.Errorf("counts that add up flagged: %q", full.CountMismatch)
	}
	// An unknown key keeps the generic words.
	other := ExplainMessage("0/2 nodes are available: 2 node(s) had untolerated taint {example.com/team: a}.")
	if len(other.Reasons) != 1 || !strings.HasPrefix(other.Reasons[0].Meaning, "These nodes carry the taint {example.com/team: a} and the pod does not tolerate it.") {
		t.Errorf("unknown taint: %+v", other.Reasons)
	}
}

// Frames with nothing after them are not recognised, and do not panic.
func TestExplainMessageEmptyFrames(t *testing.T) {
	for _, msg := range []string{"fit failure on node (", "fit failure on node (x)", "0/3 nodes are available:", "No nodes are available that match all of the predicates:", "pod didn't trigger scale-up", "Failed to schedule pod,", "Pod should schedule on", "Cannot schedule pods: "} {
		e := ExplainMessage(msg)
		for _, r := range e.Reasons {
			if r.Meaning == "" {
				t.Errorf("%q: reason %q without a meaning", msg, r.Reason)
			}
		}
	}
}

// Counts that cannot add up to N are flagged both ways; a node counted
// under two reasons of one plugin is not; a message cut mid-reason says so.
func TestExplainMessageCountsAndCuts(t *testing.T) {
	for msg, want := range map[string]string{
		"0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.":                                                             "",
		"0/3 nodes are available: 2 node(s) were unschedulable, 3 Insufficient cpu.":                                                      "The reasons count at least 5 different nodes, more than the 3",
		"0/4 nodes are available: 1 node(s) were unschedulable.":                                                                          "The reasons count 1 nodes of the 4",
		"0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.":                               "",
		"0/4 nodes are available: 3 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable.": "The reasons count at least 5",
	} {
		e := ExplainMessage(msg)
		if want == "" && e.CountMismatch != "" || want != "" && !strings.Contains(e.CountMismatch, want) {
			t.Errorf("%q: count mismatch %q, want %q", msg, e.CountMismatch, want)
		}
	}
	// A message cut mid-reason, as a log line limit cuts one (written for
	// this test; the corpus has cuts only in the preemption note).
	e := ExplainMessage("0/8 nodes are available: 3 Insufficient cpu, 5 node(s) didn't mat")
	if e.Cut == "" || e.CountMismatch != "" || len(e.Reasons) != 2 || !strings.HasPrefix(e.Reasons[0].Meaning, "Cut off") {
		t.Errorf("a cut message: %+v", e)
	}
}
