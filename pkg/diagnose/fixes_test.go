package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

func sixTaints(n *corev1.Node) {
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "team-" + k, Effect: corev1.TaintEffectNoSchedule})
	}
}

func gpus(n string) corev1.ResourceList {
	l := res("cpu", "8", "memory", "32Gi", "pods", "110")
	l["nvidia.com/gpu"] = resource.MustParse(n)
	return l
}

// Every "this alone" claim must hold when exactly that change is applied and
// every filter runs again; a change that is not enough alone is not offered
// as one.
func TestRemediesClaimOnlyWhatSuffices(t *testing.T) {
	tests := []struct {
		name   string
		pod    corev1.Pod
		nodes  []corev1.Node
		placed []corev1.Pod
		// want maps a substring of a remedy's text to the nodes it must
		// claim (nil: it must claim none, or not be there).
		want map[string][]string
		// first is a substring of the first fix.
		first string
		// none are substrings no fix may contain.
		none []string
	}{
		{
			name: "anti-affinity and five taints: no toleration is enough alone",
			pod: mkPod("p", nil, func(p *corev1.Pod) { p.Labels = map[string]string{"app": "web"} },
				withPodAntiAffinity(affTerm(hostnameKey, matchLabels("app", "web")))),
			nodes:  []corev1.Node{mkNode("busy", std, label(hostnameKey, "busy"), sixTaints)},
			placed: []corev1.Pod{mkPod("web-1", nil, on("busy"), func(p *corev1.Pod) { p.Labels = map[string]string{"app": "web"} })},
			none:   []string{"this alone"},
		},
		{
			name: "a pod asking four GPUs is not told that nodes without GPUs would do",
			pod: mkPod("p", nil, func(p *corev1.Pod) {
				p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("4")}
			}),
			nodes: []corev1.Node{
				mkNode("gpu-1", gpus("2")),
				mkNode("cpu-1", std, cordoned),
				mkNode("cpu-2", std, taint("spot", "", corev1.TaintEffectNoSchedule)),
			},
			first: "No node is big enough: the pod requests 4 nvidia.com/gpu and the largest node, gpu-1, has 2 allocatable",
			want:  map[string][]string{"lower it to at most 2 (gpu-1 has that much free)": {"gpu-1"}},
			none:  []string{"cpu-1", "cpu-2"},
		},
		{
			name:  "a pod bigger than every node: said first",
			pod:   mkPod("p", res("cpu", "200")),
			nodes: []corev1.Node{mkNode("a", res("cpu", "96", "pods", "110"), cordoned), mkNode("b", std, sixTaints)},
			first: "No node is big enough: the pod requests 200 cpu and the largest node, a, has 96 allocatable",
			want:  map[string][]string{"These together would let it run on a: uncordon a; lower the cpu request of container app to 96": {"a"}},
			none:  []string{"this alone"},
		},
		{
			name: "one node blocked twice, another once: only the single change is claimed",
			pod:  mkPod("p", res("cpu", "1")),
			nodes: []corev1.Node{
				mkNode("cordoned-tainted", std, cordoned, taint("x", "", corev1.TaintEffectNoSchedule)),
				mkNode("disk", std, taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule)),
			},
			want: map[string][]string{"Node disk is under disk pressure": {"disk"}},
			none: []string{"uncordon", "Tolerate the taint x"},
		},
		{
			name: "no single change is enough: the combination is named and checked",
			pod:  mkPod("p", res("cpu", "3")),
			nodes: []corev1.Node{
				mkNode("n1", std, cordoned, taint("dedicated", "batch", corev1.TaintEffectNoSchedule)),
			},
			placed: []corev1.Pod{mkPod("big", res("cpu", "2"), on("n1"))},
			want:   map[string][]string{"No single change lets the pod run on any node. These together would let it run on n1: uncordon n1; tolerate the taint dedicated=batch:NoSchedule (it reserves the node for other workloads: only if the pod belongs there); lower the cpu request of container app to 2": {"n1"}},
		},
		{
			name:  "a zone typo: the zones that exist, not a label to add",
			pod:   mkPod("p", nil, func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{corev1.LabelTopologyZone: "eu-west-1d"} }),
			nodes: []corev1.Node{zoneNode("a1", "eu-west-1a"), zoneNode("b1", "eu-west-1b")},
			want:  map[string][]string{"the values nodes have are eu-west-1a, eu-west-1b": {"a1", "b1"}},
			none:  []string{"kubectl label"},
		},
		{
			name: "an init container sets the request, and is named",
			pod: mkPod("p", res("cpu", "100m"), func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Resources: corev1.ResourceRequirements{Requests: res("cpu", "6")}}}
			}),
			nodes: []corev1.Node{mkNode("n1", std)},
			want:  map[string][]string{"Not enough cpu free: the pod requests 6 (set by init container migrate, which runs before the others and so counts alone); lower init container migrate's request so the pod requests at most 4 (n1 has that much free)": {"n1"}},
		},
		{
			name: "the web pod blocked everywhere: the node fixes before the GPU and control-plane tolerations",
			pod:  mkPod("web", res("cpu", "1")),
			nodes: []corev1.Node{
				mkNode("cp", std, taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
				mkNode("gpu-1", gpus("1"), taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule)),
				mkNode("worker-1", std, cordoned),
				mkNode("worker-2", std, taint(corev1.TaintNodeDiskPressure, "", corev1.TaintEffectNoSchedule)),
			},
			first: "Uncordon worker-1 if it is fit for work: `kubectl uncordon worker-1`",
			want: map[string][]string{
				"reserves nodes for other workloads":             {"gpu-1"},
				"keeps ordinary workloads off the control plane": {"cp"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.placed, NodesRead: true}, now)
			all := strings.Join(d.Fixes, "\n")
			if tc.first != "" && (len(d.Fixes) == 0 || !strings.Contains(d.Fixes[0], tc.first)) {
				t.Errorf("first fix should contain %q:\n%s", tc.first, all)
			}
			for _, s := range tc.none {
				if strings.Contains(all, s) {
					t.Errorf("no fix may contain %q:\n%s", s, all)
				}
			}
			for sub, nodes := range tc.want {
				found := false
				for _, r := range d.Remedies {
					if strings.Contains(r.Text, sub) {
						found = true
						if diff := cmp.Diff(nodes, r.Enough); diff != "" {
							t.Errorf("remedy %q claims (-want +got):\n%s", r.Text, diff)
						}
					}
				}
				if !found {
					t.Errorf("no remedy contains %q:\n%s", sub, all)
				}
			}
			// Every claim holds: the changes applied, every filter passes.
			in := input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.placed, NodesRead: true}
			e := newEnv(in)
			for _, r := range d.Remedies {
				trials := map[*Change][]string{}
				if r.Together {
					trials[nil] = r.Enough
				}
				for i := range r.Changes {
					if !r.Together {
						trials[&r.Changes[i]] = r.Changes[i].Enough
					}
				}
				for c, nodes := range trials {
					changes := r.Changes
					if c != nil {
						changes = []Change{*c}
					}
					for _, node := range nodes {
						p, req := applyToPod(&pod, changes)
						info := *e.infos[node]
						info.node = applyToNode(info.node, changes)
						if f := e.check(p, req, &info); len(f) > 0 {
							t.Errorf("remedy %q claims %s, but with %v it fails %+v", r.Text, node, changes, f)
						}
					}
				}
			}
		})
	}
}

func ownedByDaemonSet(name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: name, UID: "ds-uid", Controller: &yes}}
	}
}

func pinnedTo(node string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}}
	}
}

// A DaemonSet pod is checked on its own node only, as the scheduler's
// NodeAffinity PreFilter narrows the nodes; the others count under the
// PreFilter's reason.
func TestDaemonSetPodPinnedByPreFilter(t *testing.T) {
	nodes := []corev1.Node{
		mkNode("n1", std, taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
		mkNode("n2", std), mkNode("n3", std, cordoned), mkNode("n4", res("cpu", "1", "pods", "110")),
	}
	t.Run("a taint on its own node", func(t *testing.T) {
		pod := mkPod("agent-x", res("cpu", "100m"), ownedByDaemonSet("agent"), pinnedTo("n1"))
		d := diagnosePod(input{Pod: &pod, Nodes: nodes, NodesRead: true}, now)
		want := "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
		if d.ComputedMessage != want {
			t.Errorf("computed %q, want %q", d.ComputedMessage, want)
		}
		all := strings.Join(d.Fixes, "\n")
		for _, s := range []string{"The DaemonSet default/agent does not tolerate the taint dedicated=db:NoSchedule", "spec.template.spec.tolerations", "(this alone would let the pod run on n1)"} {
			if !strings.Contains(all, s) {
				t.Errorf("fixes lack %q:\n%s", s, all)
			}
		}
		if strings.Contains(all, "Relax the pod's required node affinity") || strings.Contains(all, "uncordon") {
			t.Errorf("fixes for a DaemonSet pod touch its pin or other nodes:\n%s", all)
		}
	})
	t.Run("no room on its own node: what takes it", func(t *testing.T) {
		pod := mkPod("agent-y", res("cpu", "500m"), ownedByDaemonSet("agent"), pinnedTo("n4"))
		placed := []corev1.Pod{mkPod("big", res("cpu", "800m"), on("n4")), mkPod("small", res("cpu", "100m"), on("n4"))}
		d := diagnosePod(input{Pod: &pod, Nodes: nodes, Assigned: placed, NodesRead: true}, now)
		want := "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]."
		if d.ComputedMessage != want {
			t.Errorf("computed %q, want %q", d.ComputedMessage, want)
		}
		all := strings.Join(d.Fixes, "\n")
		if !strings.Contains(all, "On n4, what takes the room: cpu requested by default/big 800m, default/small 100m") {
			t.Errorf("fixes do not say what takes the room:\n%s", all)
		}
	})
	t.Run("pinned to a node that is gone", func(t *testing.T) {
		pod := mkPod("agent-z", nil, ownedByDaemonSet("agent"), pinnedTo("gone"))
		d := diagnosePod(input{Pod: &pod, Nodes: nodes, NodesRead: true}, now)
		if want := "0/4 nodes are available: 4 node(s) didn't satisfy plugin(s) [NodeAffinity]."; d.ComputedMessage != want {
			t.Errorf("computed %q, want %q", d.ComputedMessage, want)
		}
	})
	t.Run("the scheduler's message agrees", func(t *testing.T) {
		pod := mkPod("agent-x", res("cpu", "100m"), ownedByDaemonSet("agent"), pinnedTo("n1"),
			unschedulable("0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.", now))
		d := diagnosePod(input{Pod: &pod, Nodes: nodes, NodesRead: true}, now)
		if d.Agrees == nil || !*d.Agrees {
			t.Errorf("disagrees: %s", d.Disagreement)
		}
	})
}

// A pod nominated to a node holds room there for pods of lower or equal
// priority, as the scheduler counts it.
func TestNominatedPodsHoldRoom(t *testing.T) {
	nodes := []corev1.Node{mkNode("n1", std)}
	nominated := []cluster.BoundPod{{Namespace: "default", Name: "preemptor", UID: "pre", NodeName: "n1", Priority: 1000,
		Requests: []cluster.Amount{{Name: corev1.ResourceCPU, Value: 3000}}}}
	low := mkPod("low", res("cpu", "2"))
	d := diagnosePod(input{Pod: &low, Nodes: nodes, Nominated: nominated, NodesRead: true}, now)
	if d.ComputedMessage != "0/1 nodes are available: 1 Insufficient cpu." {
		t.Fatalf("computed %q", d.ComputedMessage)
	}
	if got := d.Nodes[0].Failures[0].Detail; !strings.Contains(got, "3 of it held for default/preemptor (priority 1000), nominated to run here") {
		t.Errorf("detail does not name the nominated pod: %s", got)
	}
	high := mkPod("high", res("cpu", "2"), withPriority(2000))
	if d := diagnosePod(input{Pod: &high, Nodes: nodes, Nominated: nominated, NodesRead: true}, now); !d.Nodes[0].Fits {
		t.Errorf("a pod of higher priority should not count the nominated pod: %+v", d.Nodes[0])
	}
	self := mkPod("preemptor", res("cpu", "3"), withPriority(1000), withUID("pre"))
	if d := diagnosePod(input{Pod: &self, Nodes: nodes, Nominated: nominated, NodesRead: true}, now); !d.Nodes[0].Fits {
		t.Errorf("the nominated pod should not count against itself: %+v", d.Nodes[0])
	}
}

func TestFixesMore(t *testing.T) {
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		has      []string                      // substrings some fix must contain
		hasNot   []string                      // substrings no fix may contain
		check    func(fixes []string) []string // mismatches
	}{
		{
			name:   "a pod pinned by kubernetes.io/hostname is not told to label nodes with it",
			pod:    mkPod("p", res("cpu", "8"), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{hostnameKey: "n1"} }),
			nodes:  []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a"), zoneNode("n3", "a")},
			has:    []string{"pinned to node n1"},
			hasNot: []string{"kubectl label nodes", hostnameKey + "=n1`"},
		},
		{
			name: "a nodeSelector some node satisfies is not the fix for the nodes failing on it",
			pod:  mkPod("p", res("cpu", "8"), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
			nodes: []corev1.Node{
				mkNode("n1", std, label("disk", "ssd")),
				mkNode("n2", std, label("disk", "hdd")),
			},
			has:    []string{"Not enough cpu free"},
			hasNot: []string{"disk=ssd"},
		},
		{
			name:   "a nodeSelector no node satisfies is the fix",
			pod:    mkPod("p", nil, func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
			nodes:  []corev1.Node{mkNode("n1", std, label("disk", "hdd")), mkNode("n2", std)},
			has:    []string{"kubectl label nodes <node> disk=ssd", "this alone would let the pod run on n1, n2"},
			hasNot: []string{"pinned"},
		},
		{
			name:  "the resource fix names the node with the most free",
			pod:   mkPod("p", res("cpu", "3500m")),
			nodes: []corev1.Node{mkNode("n1", std), mkNode("n2", std), mkNode("n3", std)},
			assigned: []corev1.Pod{
				mkPod("a", res("cpu", "3"), on("n1")),
				mkPod("b", res("cpu", "1"), on("n2")),
				mkPod("c", res("cpu", "2"), on("n3")),
			},
			has: []string{"the pod requests 3500m; lower it to at most 3 (n2 has that much free)"},
		},
		{
			name: "the control-plane taint fix sorts last",
			pod:  mkPod("p", nil),
			nodes: []corev1.Node{
				mkNode("a-cp", std, taint("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
				mkNode("b-batch", std, taint("dedicated", "batch", corev1.TaintEffectNoSchedule)),
				mkNode("c-off", std, cordoned),
			},
			check: func(fixes []string) []string {
				if len(fixes) != 3 || !strings.Contains(fixes[2], "control plane") {
					return []string{fmt.Sprintf("want 3 fixes, the control-plane one last: %q", fixes)}
				}
				for _, f := range fixes[:2] {
					if strings.Contains(f, "control-plane") {
						return []string{fmt.Sprintf("control-plane fix before the others: %q", fixes)}
					}
				}
				return nil
			},
		},
		{
			name: "two unmatched nodeSelector keys: a stable order, and neither is enough alone",
			pod: mkPod("p", nil, func(p *corev1.Pod) {
				p.Spec.NodeSelector = map[string]string{"disk": "ssd", "gpu": "a100", "arch": "arm64"}
			}),
			nodes: []corev1.Node{mkNode("n1", std), mkNode("n2", std)},
			has:   []string{"disk=ssd", "gpu=a100", "arch=arm64"},
			check: func(fixes []string) []string {
				var out []string
				for _, f := range fixes {
					if strings.Contains(f, "this alone would") {
						out = append(out, fmt.Sprintf("a fix for one of three unmatched selector keys claims to suffice alone: %q", f))
					}
				}
				return out
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func() []string {
				pod := tc.pod
				return diagnosePod(input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, NodesRead: true}, now).Fixes
			}
			fixes := run()
			var mismatches []string
			for i := 0; i < 20; i++ {
				if again := run(); !cmp.Equal(fixes, again) {
					mismatches = append(mismatches, fmt.Sprintf("fixes differ between runs:\n%q\n%q", fixes, again))
					break
				}
			}
			for _, s := range tc.has {
				if !strings.Contains(strings.Join(fixes, "\n"), s) {
					mismatches = append(mismatches, fmt.Sprintf("no fix contains %q: %q", s, fixes))
				}
			}
			for _, s := range tc.hasNot {
				for _, f := range fixes {
					if strings.Contains(f, s) {
						mismatches = append(mismatches, fmt.Sprintf("fix should not contain %q: %q", s, f))
					}
				}
			}
			if tc.check != nil {
				mismatches = append(mismatches, tc.check(fixes)...)
			}
			checkMismatches(t, mismatches)
		})
	}
}

func TestFixesClaimOnlyWhatSuffices(t *testing.T) {
	pod := mkPod("p", res("cpu", "1"))
	nodes := []corev1.Node{
		mkNode("cordoned", std, func(n *corev1.Node) { n.Spec.Unschedulable = true }, taint("x", "", corev1.TaintEffectNoSchedule)),
		mkNode("gpu", std, taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule)),
	}
	d := diagnosePod(input{Pod: &pod, Nodes: nodes}, now)
	if len(d.Fixes) != 1 {
		t.Fatalf("want 1 fix, got %q", d.Fixes)
	}
	if !strings.Contains(d.Fixes[0], "nvidia.com/gpu") || !strings.Contains(d.Fixes[0], "this alone would let the pod run on gpu)") {
		t.Errorf("the one fix should be the sufficient one: %q", d.Fixes)
	}
	// Uncordoning alone is not enough (the node also has a taint), so it
	// is not offered on its own.
	for _, f := range d.Fixes {
		if strings.Contains(f, "uncordon") {
			t.Errorf("uncordon offered although it is not enough alone: %q", f)
		}
	}
}
