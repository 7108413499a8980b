package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

var std = res("cpu", "4", "memory", "8Gi", "pods", "110")

func TestFilters(t *testing.T) {
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		want     map[string][]string
		computed string
	}{
		{
			name:     "cordoned node, unless the pod tolerates unschedulable",
			pod:      mkPod("p", nil),
			nodes:    []corev1.Node{mkNode("n1", std, func(n *corev1.Node) { n.Spec.Unschedulable = true })},
			want:     map[string][]string{"n1": {"NodeUnschedulable: the node is cordoned (spec.unschedulable): no new pods are placed on it"}},
			computed: "0/1 nodes are available: 1 node(s) were unschedulable.",
		},
		{
			name: "cordon tolerated",
			pod: mkPod("p", nil, func(p *corev1.Pod) {
				p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists}}
			}),
			nodes: []corev1.Node{mkNode("n1", std, func(n *corev1.Node) { n.Spec.Unschedulable = true })},
			want:  map[string][]string{"n1": {"fits"}},
		},
		{
			name: "taints: NoSchedule and NoExecute block, PreferNoSchedule does not, tolerated ones pass",
			pod: mkPod("p", nil, func(p *corev1.Pod) {
				p.Spec.Tolerations = []corev1.Toleration{{Key: "ok", Operator: corev1.TolerationOpEqual, Value: "yes", Effect: corev1.TaintEffectNoSchedule}}
			}),
			nodes: []corev1.Node{
				mkNode("n1", std, taint("gpu", "true", corev1.TaintEffectNoSchedule), taint("soft", "", corev1.TaintEffectPreferNoSchedule), taint("evict", "", corev1.TaintEffectNoExecute)),
				mkNode("n2", std, taint("ok", "yes", corev1.TaintEffectNoSchedule), taint("soft", "", corev1.TaintEffectPreferNoSchedule)),
				mkNode("n3", std, taint("ok", "no", corev1.TaintEffectNoSchedule)),
			},
			want: map[string][]string{
				"n1": {"TaintToleration: the pod does not tolerate the taint gpu=true:NoSchedule, evict:NoExecute"},
				"n2": {"fits"},
				"n3": {"TaintToleration: the pod does not tolerate the taint ok=no:NoSchedule"},
			},
			computed: "",
		},
		{
			name: "nodeSelector says which key does not match",
			pod:  mkPod("p", nil, func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disktype": "ssd", "zone": "a"} }),
			nodes: []corev1.Node{
				mkNode("n1", std, label("disktype", "hdd"), label("zone", "a")),
				mkNode("n2", std, label("zone", "b")),
			},
			want: map[string][]string{
				"n1": {"NodeAffinity: nodeSelector disktype=ssd: the node has disktype=hdd"},
				"n2": {"NodeAffinity: nodeSelector disktype=ssd: the node has no label disktype; nodeSelector zone=a: the node has zone=b"},
			},
			computed: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
		},
		{
			name: "required node affinity names the failing requirement",
			pod: mkPod("p", nil, func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
						{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"eu-1a", "eu-1b"}},
					}}},
				}}}
			}),
			nodes:    []corev1.Node{mkNode("n1", std, label("topology.kubernetes.io/zone", "us-2c")), mkNode("n2", std, label("topology.kubernetes.io/zone", "eu-1b"))},
			want:     map[string][]string{"n1": {"NodeAffinity: required node affinity topology.kubernetes.io/zone In [eu-1a, eu-1b]: the node has topology.kubernetes.io/zone=us-2c"}, "n2": {"fits"}},
			computed: "",
		},
		{
			name:     "resources count init containers, sidecars and overhead",
			pod:      podWithInitAndSidecar(),
			nodes:    []corev1.Node{mkNode("n1", res("cpu", "2", "memory", "8Gi", "pods", "110"))},
			assigned: []corev1.Pod{mkPod("other", res("cpu", "500m"), on("n1"))},
			// max(migrate 1.5 + the sidecar started before it 0.25, app 0.5 + sidecar 0.25)
			// + overhead 0.25 = 2 > 1.5 free
			want:     map[string][]string{"n1": {"NodeResourcesFit: cpu: the pod requests 2 (set by init container migrate, with 250m of pod overhead), 500m of the node's 2 allocatable is already requested, 1500m free"}},
			computed: "0/1 nodes are available: 1 Insufficient cpu.",
		},
		{
			name:     "extended resources and memory, in the scheduler's order",
			pod:      mkPod("p", res("nvidia.com/gpu", "1", "memory", "4Gi", "cpu", "1")),
			nodes:    []corev1.Node{mkNode("n1", res("cpu", "4", "memory", "2Gi", "pods", "110"))},
			want:     map[string][]string{"n1": {"NodeResourcesFit: memory: the pod requests 4Gi, 0 of the node's 2Gi allocatable is already requested, 2Gi free; nvidia.com/gpu: the pod requests 1, the node has none"}},
			computed: "0/1 nodes are available: 1 Insufficient memory, 1 Insufficient nvidia.com/gpu.",
		},
		{
			name:     "pod count limit",
			pod:      mkPod("p", nil),
			nodes:    []corev1.Node{mkNode("n1", res("cpu", "4", "pods", "2"))},
			assigned: []corev1.Pod{mkPod("a", nil, on("n1")), mkPod("b", nil, on("n1"))},
			want:     map[string][]string{"n1": {"NodeResourcesFit: pods: the node already runs 2 of 2 allowed"}},
			computed: "0/1 nodes are available: 1 Too many pods.",
		},
		{
			name:     "host port held by another pod",
			pod:      mkPod("p", nil, hostPort(8080, "")),
			nodes:    []corev1.Node{mkNode("n1", std), mkNode("n2", std)},
			assigned: []corev1.Pod{mkPod("web", nil, on("n1"), hostPort(8080, "10.0.0.1")), mkPod("dns", nil, on("n2"), hostPort(53, ""))},
			want: map[string][]string{
				"n1": {"NodePorts: host port 0.0.0.0:8080 is held by pod default/web"},
				"n2": {"fits"},
			},
		},
		{
			name: "every failing filter is listed, the first is counted",
			pod:  mkPod("p", res("cpu", "8"), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"a": "b"} }),
			nodes: []corev1.Node{
				mkNode("n1", std, taint("x", "", corev1.TaintEffectNoSchedule), func(n *corev1.Node) { n.Spec.Unschedulable = true }),
				mkNode("n2", std),
			},
			want: map[string][]string{
				"n1": {
					"NodeUnschedulable: the node is cordoned (spec.unschedulable): no new pods are placed on it",
					"TaintToleration: the pod does not tolerate the taint x:NoSchedule",
					"NodeAffinity: nodeSelector a=b: the node has no label a",
					"NodeResourcesFit: cpu: the pod requests 8, 0 of the node's 4 allocatable is already requested, 4 free",
				},
				"n2": {
					"NodeAffinity: nodeSelector a=b: the node has no label a",
					"NodeResourcesFit: cpu: the pod requests 8, 0 of the node's 4 allocatable is already requested, 4 free",
				},
			},
			computed: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned}, now)
			if diff := cmp.Diff(tc.want, failures(d)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			if d.ComputedMessage != tc.computed {
				t.Errorf("computed %q, want %q", d.ComputedMessage, tc.computed)
			}
		})
	}
}

func podWithInitAndSidecar() corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	p := mkPod("p", res("cpu", "500m"))
	p.Spec.InitContainers = []corev1.Container{
		{Name: "sidecar", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: res("cpu", "250m")}},
		{Name: "migrate", Resources: corev1.ResourceRequirements{Requests: res("cpu", "1500m")}},
	}
	p.Spec.Overhead = res("cpu", "250m")
	return p
}

func hostPort(port int32, ip string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: port, HostPort: port, HostIP: ip})
	}
}

func TestFormatFitErrorSortsLikeTheScheduler(t *testing.T) {
	got := FormatFitError(14, map[string]int{
		ReasonUntoleratedTaint: 2,
		"Insufficient cpu":     10,
		ReasonUnschedulable:    1,
		"Insufficient memory":  1,
	})
	// The scheduler sorts the "count reason" strings, count included.
	want := "0/14 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 10 Insufficient cpu, 2 node(s) had untolerated taint(s)."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestParseFitError(t *testing.T) {
	tests := []struct {
		msg   string
		total int
		want  map[string]int
		ok    bool
	}{
		{
			"0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s). preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
			5, map[string]int{"Insufficient cpu": 2, ReasonUntoleratedTaint: 3}, true,
		},
		{
			"0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: a, b}, 2 node(s) had untolerated taint {gpu: true}.",
			3, map[string]int{ReasonUntoleratedTaint: 3}, true,
		},
		{
			"0/2 nodes are available: 1 node(s) had taint {x: y}, that the pod didn't tolerate, 1 node(s) didn't match node selector..",
			2, map[string]int{ReasonUntoleratedTaint: 1, ReasonNodeAffinity: 1}, true,
		},
		{"no nodes available to schedule pods", 0, nil, false},
		{
			`0/7 nodes are available: persistentvolumeclaim "nope" not found. not found`,
			7, map[string]int{`persistentvolumeclaim "nope" not found`: 7}, true,
		},
		{
			"0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
			4, map[string]int{ReasonUnboundImmediate: 4}, true,
		},
		{"running PreBind plugin \"VolumeBinding\": binding volumes: timed out", 0, nil, false},
		{
			// The wording before Kubernetes 1.21 of a volume's node affinity.
			"0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 2 node(s) had volume node affinity conflict.",
			3, map[string]int{ReasonUntoleratedTaint: 1, ReasonVolumeNodeAffinity: 2}, true,
		},
	}
	for _, tc := range tests {
		total, got, ok := ParseFitError(tc.msg)
		if ok != tc.ok || total != tc.total {
			t.Errorf("ParseFitError(%q) = %d, %v; want %d, %v", tc.msg, total, ok, tc.total, tc.ok)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseFitError(%q) counts (-want +got):\n%s", tc.msg, diff)
		}
	}
}

func unschedulable(msg string, at time.Time) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: msg, LastTransitionTime: metav1.NewTime(at)}}
	}
}

func TestAgreement(t *testing.T) {
	nodes := []corev1.Node{mkNode("n1", std, taint("a", "", corev1.TaintEffectNoSchedule)), mkNode("n2", std, func(n *corev1.Node) { n.Spec.Unschedulable = true })}
	tests := []struct {
		name     string
		msg      string
		agrees   bool
		explains string
	}{
		{"same", "0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.", true, ""},
		{"old taint wording", "0/2 nodes are available: 1 node(s) had untolerated taint {a: }, 1 node(s) were unschedulable.", true, ""},
		{"node count changed", "0/3 nodes are available: 2 node(s) had untolerated taint(s), 1 node(s) were unschedulable.", false, "the scheduler counted 3 nodes and the cluster has 2 now"},
		{"unknown plugin", "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [Custom].", false, "a check this tool does not evaluate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := mkPod("p", nil, unschedulable(tc.msg, now.Add(-time.Minute)))
			d := diagnosePod(input{Pod: &pod, Nodes: nodes}, now)
			if d.State != StateUnschedulable || d.Agrees == nil {
				t.Fatalf("state %s, agrees %v", d.State, d.Agrees)
			}
			if *d.Agrees != tc.agrees || !strings.Contains(d.Disagreement, tc.explains) {
				t.Errorf("agrees %v (%s), want agrees=%v explaining %q", *d.Agrees, d.Disagreement, tc.agrees, tc.explains)
			}
		})
	}
}

func TestNotPending(t *testing.T) {
	tests := []struct {
		name  string
		pod   corev1.Pod
		state State
	}{
		{"running", mkPod("p", nil, on("n1")), StateRunning},
		{"bound, not started", mkPod("p", nil, func(p *corev1.Pod) { p.Spec.NodeName = "n1" }), StateScheduled},
		{"finished", mkPod("p", nil, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), StateFinished},
		{"gated", mkPod("p", nil, func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}} }), StateSchedulingGated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := diagnosePod(input{Pod: &pod, Nodes: []corev1.Node{mkNode("n1", std)}}, now)
			if d.State != tc.state || len(d.Nodes) != 0 {
				t.Errorf("state %s with %d verdicts, want %s and none: %s", d.State, len(d.Nodes), tc.state, d.Summary)
			}
		})
	}
}

func TestDiagnoseAllMatchesDiagnose(t *testing.T) {
	nodes := []corev1.Node{
		zoneNode("a1", "a", readyNode, label("disk", "ssd")),
		zoneNode("b1", "b", readyNode, taint("dedicated", "batch", corev1.TaintEffectNoSchedule)),
		zoneNode("c1", "c", readyNode, cordoned),
	}
	assigned := []corev1.Pod{
		mkPod("db-0", res("cpu", "3"), on("a1"), podLabelled("app", "db")),
		mkPod("web-0", res("cpu", "1"), on("b1"), podLabelled("app", "web")),
		mkPod("holder", nil, on("a1"), withUID("uid-h"), pvcVolume("data", "shared")),
	}
	vols := volumesOf([]*corev1.PersistentVolumeClaim{
		newClaim("shared", boundTo("pv1"), func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}
		}),
		newClaim("local", boundTo("pv2")),
	}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}, localPV("pv2", "b1")}, nil)
	mk := func(name string, mod ...func(*corev1.Pod)) *corev1.Pod {
		p := mkPod(name, nil, append([]func(*corev1.Pod){withUID("uid-" + name)}, mod...)...)
		return &p
	}
	event := func(ns, pod, typ, reason, msg string) corev1.Event {
		return corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod}, Type: typ, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(now.Add(-time.Minute))}
	}
	pods := []*corev1.Pod{
		mk("big", func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = res("cpu", "2") }),
		mk("fits"),
		mk("hdd", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "hdd"} }),
		mk("near-db", withPodAffinity(affTerm(zoneKey, matchLabels("app", "db")))),
		mk("away-from-web", withPodAntiAffinity(affTerm(zoneKey, matchLabels("app", "web")))),
		mk("spread", podLabelled("app", "db"), withSpread(spreadConstraint(zoneKey, 1, corev1.DoNotSchedule, matchLabels("app", "db")))),
		mk("no-claim", pvcVolume("data", "nope")),
		mk("rwop", pvcVolume("data", "shared")),
		mk("local", pvcVolume("data", "local")),
		mk("pulling", func(p *corev1.Pod) {
			p.Spec.NodeName = "a1"
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}}}}
		}),
		mk("big", inNamespace("team")),
	}
	events := []corev1.Event{
		event("default", "big", corev1.EventTypeWarning, "FailedScheduling", "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable."),
		event("team", "big", corev1.EventTypeWarning, "FailedScheduling", "0/3 nodes are available: 3 node(s) were unschedulable."),
		event("default", "pulling", corev1.EventTypeWarning, "FailedMount", "MountVolume.SetUp failed"),
		event("default", "fits", corev1.EventTypeWarning, "FailedMount", "not for this pod: wrong namespace"),
	}
	events[3].InvolvedObject.Namespace = "elsewhere"

	bound := make([]cluster.BoundPod, len(assigned))
	for i := range assigned {
		bound[i] = cluster.Bind(&assigned[i])
	}
	snap := &cluster.PendingSnapshot{Pending: pods, Nodes: nodes, Assigned: bound, Volumes: vols, NodesRead: true, AssignedRead: true,
		Leases: leases("kube-scheduler"), Events: events}
	all := DiagnoseAll(snap, now)
	if len(all) != len(pods) {
		t.Fatalf("%d diagnoses for %d pods", len(all), len(pods))
	}
	for i, p := range pods {
		t.Run(p.Namespace+"/"+p.Name, func(t *testing.T) {
			one := *snap
			one.Pod, one.Pending = p, nil
			one.Events = nil
			for _, e := range events {
				if e.InvolvedObject.Namespace == p.Namespace && e.InvolvedObject.Name == p.Name {
					one.Events = append(one.Events, e)
				}
			}
			want := Diagnose(&one, now)
			got := all[i]
			if got.Likely != nil {
				t.Errorf("a listed diagnosis has a likely node: %+v", got.Likely)
			}
			want.Likely = nil
			if got.Namespace != p.Namespace || got.Pod != p.Name {
				t.Fatalf("diagnosis %d is for %s/%s", i, got.Namespace, got.Pod)
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(quantityEqual), cmp.AllowUnexported(Failure{})); diff != "" {
				t.Errorf("DiagnoseAll differs from Diagnose (-one +all):\n%s", diff)
			}
		})
	}

	byName := map[string]*Diagnosis{}
	for _, d := range all {
		byName[d.Namespace+"/"+d.Pod] = d
	}
	t.Run("verdicts", func(t *testing.T) {
		wantMsg := map[string]string{
			"default/big":           "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.",
			"default/fits":          "",
			"default/hdd":           "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.",
			"default/near-db":       "",
			"default/away-from-web": "",
			"default/spread":        "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.",
			"default/no-claim":      `0/3 nodes are available: persistentvolumeclaim "nope" not found.`,
			"default/local":         "0/3 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity, 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.",
			"default/pulling":       "",
			"team/big":              "",
		}
		for key, msg := range wantMsg {
			if got := byName[key].ComputedMessage; got != msg {
				t.Errorf("%s: computed %q, want %q", key, got, msg)
			}
		}
		if byName["default/rwop"].Nodes[0].Reasons[0] != ReasonRWOPInUse {
			t.Errorf("default/rwop: %v", verdictReasons(byName["default/rwop"]))
		}
	})
	t.Run("events go to their pod", func(t *testing.T) {
		if d := byName["default/big"]; d.State != StateUnschedulable || d.SchedulerMessage != events[0].Message || d.Agrees == nil || !*d.Agrees {
			t.Errorf("default/big: state %s, scheduler message %q, agrees %v", d.State, d.SchedulerMessage, d.Agrees)
		}
		if d := byName["team/big"]; d.SchedulerMessage != events[1].Message {
			t.Errorf("team/big: scheduler message %q", d.SchedulerMessage)
		}
		if d := byName["default/pulling"]; d.State != StateScheduled || len(d.Problems) != 2 || d.Problems[1].Reason != "FailedMount" {
			t.Errorf("default/pulling: state %s, problems %+v", d.State, d.Problems)
		}
		if d := byName["default/fits"]; d.Scheduler != nil || len(d.Problems) != 0 {
			t.Errorf("default/fits got another pod's events: %+v %+v", d.Scheduler, d.Problems)
		}
	})
}
