package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// The expectations below follow kube-scheduler v1.37 (k8s.io/kubernetes
// pkg/scheduler/framework/plugins), default profile and default feature
// gates. A case whose expectation the code does not meet because the code is
// wrong carries a bug note: it is skipped with that note, not encoded.

const (
	zoneKey     = "topology.kubernetes.io/zone"
	hostnameKey = "kubernetes.io/hostname"
)

// checkKnownBug reports the mismatches of a case: as failures, or, for a case
// marked with a known bug, as a skip naming the bug.
func checkKnownBug(t *testing.T, bug string, mismatches []string) {
	t.Helper()
	switch {
	case len(mismatches) > 0 && bug != "":
		t.Skipf("BUG: %s\n%s", bug, strings.Join(mismatches, "\n"))
	case len(mismatches) > 0:
		t.Error(strings.Join(mismatches, "\n"))
	case bug != "":
		t.Logf("the known bug no longer shows, drop its note: %s", bug)
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

func readyNode(n *corev1.Node) {
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue})
}

func notReadyNode(n *corev1.Node) {
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionFalse})
}

func matchLabels(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

func affTerm(topologyKey string, sel *metav1.LabelSelector, mod ...func(*corev1.PodAffinityTerm)) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{LabelSelector: sel, TopologyKey: topologyKey}
	for _, m := range mod {
		m(&t)
	}
	return t
}

func termNamespaces(ns ...string) func(*corev1.PodAffinityTerm) {
	return func(t *corev1.PodAffinityTerm) { t.Namespaces = ns }
}

func termNamespaceSelector(sel *metav1.LabelSelector) func(*corev1.PodAffinityTerm) {
	return func(t *corev1.PodAffinityTerm) { t.NamespaceSelector = sel }
}

func withPodAffinity(terms ...corev1.PodAffinityTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func withPodAntiAffinity(terms ...corev1.PodAffinityTerm) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

// placed is a running pod on node with the given labels.
func placed(name, node string, labels []string, mod ...func(*corev1.Pod)) corev1.Pod {
	return mkPod(name, nil, append([]func(*corev1.Pod){on(node), podLabelled(labels...)}, mod...)...)
}

func TestInterPodAffinity(t *testing.T) {
	threeNodes := []corev1.Node{zoneNode("a1", "a"), zoneNode("a2", "a"), zoneNode("b1", "b")}
	db := []string{"app", "db"}
	web := []string{"app", "web"}
	tests := []struct {
		name       string
		pod        corev1.Pod
		nodes      []corev1.Node
		assigned   []corev1.Pod
		namespaces map[string]map[string]string
		want       map[string][]string
		computed   string
		bug        string
	}{
		{
			name:     "required affinity is satisfied in the zone of a matching pod",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db)},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {ReasonPodAffinity}},
		},
		{
			name:     "required affinity unsatisfied where no matching pod runs in the zone",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("a2", "a"), zoneNode("b1", "b", cordoned)},
			assigned: []corev1.Pod{placed("db-0", "b1", db)},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {ReasonUnschedulable}},
			computed: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match pod affinity rules.",
		},
		{
			name:     "a node without the topology key fails required affinity",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("x1", "")},
			assigned: []corev1.Pod{placed("db-0", "a1", db)},
			want:     map[string][]string{"a1": {"fits"}, "x1": {ReasonPodAffinity}},
		},
		{
			name:  "the first pod of a group passes where the topology key exists",
			pod:   mkPod("p", nil, podLabelled(db...), withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes: []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b"), zoneNode("x1", "")},
			want:  map[string][]string{"a1": {"fits"}, "b1": {"fits"}, "x1": {ReasonPodAffinity}},
		},
		{
			name:     "the first-pod rule needs the pod to match its own term",
			pod:      mkPod("p", nil, podLabelled(web...), withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b")},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "b1": {ReasonPodAffinity}},
			computed: "0/2 nodes are available: 2 node(s) didn't match pod affinity rules.",
		},
		{
			name:     "the first-pod rule stops applying once a matching pod runs somewhere",
			pod:      mkPod("p", nil, podLabelled(db...), withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "b1", db)},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {"fits"}},
		},
		{
			name:     "required anti-affinity by hostname rejects only the node of the matching pod",
			pod:      mkPod("p", nil, withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...)))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web)},
			want:     map[string][]string{"a1": {ReasonPodAntiAffinity}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "required anti-affinity by zone rejects the whole zone",
			pod:      mkPod("p", nil, withPodAntiAffinity(affTerm(zoneKey, matchLabels(web...)))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web)},
			want:     map[string][]string{"a1": {ReasonPodAntiAffinity}, "a2": {ReasonPodAntiAffinity}, "b1": {"fits"}},
		},
		{
			name:     "required anti-affinity does not reject a node without the topology key",
			pod:      mkPod("p", nil, withPodAntiAffinity(affTerm(zoneKey, matchLabels(web...)))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("x1", "")},
			assigned: []corev1.Pod{placed("web-0", "a1", web)},
			want:     map[string][]string{"a1": {ReasonPodAntiAffinity}, "x1": {"fits"}},
		},
		{
			name:     "an existing pod's anti-affinity by hostname keeps the pod off its node",
			pod:      mkPod("p", nil, podLabelled(web...)),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("guard", "a1", nil, withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...))))},
			want:     map[string][]string{"a1": {ReasonExistingAntiAffinity}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "an existing pod's anti-affinity by zone keeps the pod out of its zone",
			pod:      mkPod("p", nil, podLabelled(web...)),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("guard", "a1", nil, withPodAntiAffinity(affTerm(zoneKey, matchLabels(web...))))},
			want:     map[string][]string{"a1": {ReasonExistingAntiAffinity}, "a2": {ReasonExistingAntiAffinity}, "b1": {"fits"}},
		},
		{
			name:     "an existing pod's anti-affinity ignores pods it does not select",
			pod:      mkPod("p", nil, podLabelled("app", "api")),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("guard", "a1", nil, withPodAntiAffinity(affTerm(zoneKey, matchLabels(web...))))},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "an existing pod's anti-affinity term defaults to that pod's namespace",
			pod:      mkPod("p", nil, podLabelled(web...)),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("guard", "a1", nil, inNamespace("other"), withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...))))},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "an affinity term defaults to the pod's own namespace",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db, inNamespace("other"))},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {ReasonPodAffinity}},
			computed: "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.",
		},
		{
			name:     "an affinity term with a namespaces list",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...), termNamespaces("other")))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db, inNamespace("other"))},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {ReasonPodAffinity}},
		},
		{
			name:     "a namespaces list replaces the pod's own namespace",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...), termNamespaces("other")))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db)},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {ReasonPodAffinity}},
			computed: "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.",
		},
		{
			name:     "namespaceSelector {} selects every namespace, even unread ones",
			pod:      mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...), termNamespaceSelector(&metav1.LabelSelector{})))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db, inNamespace("other"))},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {ReasonPodAffinity}},
		},
		{
			name:       "namespaceSelector with labels selects namespaces by their labels",
			pod:        mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...), termNamespaceSelector(matchLabels("team", "data"))))),
			nodes:      threeNodes,
			assigned:   []corev1.Pod{placed("db-0", "a1", db, inNamespace("other"))},
			namespaces: map[string]map[string]string{"other": {"team": "data"}, "default": {}},
			want:       map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {ReasonPodAffinity}},
		},
		{
			name:       "namespaceSelector with labels skips namespaces without them",
			pod:        mkPod("p", nil, withPodAffinity(affTerm(zoneKey, matchLabels(db...), termNamespaceSelector(matchLabels("team", "data"))))),
			nodes:      threeNodes,
			assigned:   []corev1.Pod{placed("db-0", "a1", db, inNamespace("other"))},
			namespaces: map[string]map[string]string{"other": {"team": "web"}, "default": {"team": "data"}},
			want:       map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {ReasonPodAffinity}},
			computed:   "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.",
		},
		{
			name:     "anti-affinity with namespaceSelector {} sees pods of every namespace",
			pod:      mkPod("p", nil, withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...), termNamespaceSelector(&metav1.LabelSelector{})))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web, inNamespace("other"))},
			want:     map[string][]string{"a1": {ReasonPodAntiAffinity}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:       "an existing pod's anti-affinity selects the incoming pod's namespace by its labels",
			pod:        mkPod("p", nil, podLabelled(web...)),
			nodes:      threeNodes,
			assigned:   []corev1.Pod{placed("guard", "a1", nil, inNamespace("other"), withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...), termNamespaceSelector(matchLabels("env", "prod")))))},
			namespaces: map[string]map[string]string{"default": {"env": "prod"}, "other": {}},
			want:       map[string][]string{"a1": {ReasonExistingAntiAffinity}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:       "an existing pod's anti-affinity does not select a namespace without the labels",
			pod:        mkPod("p", nil, podLabelled(web...)),
			nodes:      threeNodes,
			assigned:   []corev1.Pod{placed("guard", "a1", nil, inNamespace("other"), withPodAntiAffinity(affTerm(hostnameKey, matchLabels(web...), termNamespaceSelector(matchLabels("env", "prod")))))},
			namespaces: map[string]map[string]string{"default": {"env": "dev"}, "other": {"env": "prod"}},
			want:       map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			// interpodaffinity/filtering.go: updateWithAffinityTerms counts a
			// pod only if podMatchesAllAffinityTerms; nodeTopologyMatchesAffinity
			// then needs a count for every term.
			name: "affinity needs one pod matching all terms, not one pod per term",
			pod: mkPod("p", nil, withPodAffinity(
				affTerm(zoneKey, matchLabels(db...)),
				affTerm(zoneKey, matchLabels("tier", "cache")))),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("db-0", "a1", db), placed("cache-0", "a1", []string{"tier", "cache"})},
			want:     map[string][]string{"a1": {ReasonPodAffinity}, "a2": {ReasonPodAffinity}, "b1": {ReasonPodAffinity}},
			computed: "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.",
		},
		{
			// The counts only hold pods on nodes that carry the term's topology
			// key (topologyToMatchedTermCountList.recordMatch); with no count,
			// the first-pod rule applies.
			name:     "a matching pod on a node without the topology key does not defeat the first-pod rule",
			pod:      mkPod("p", nil, podLabelled(db...), withPodAffinity(affTerm(zoneKey, matchLabels(db...)))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b"), zoneNode("x1", "")},
			assigned: []corev1.Pod{placed("db-0", "x1", db)},
			want:     map[string][]string{"a1": {"fits"}, "b1": {"fits"}, "x1": {ReasonPodAffinity}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := Diagnose(Input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, Namespaces: tc.namespaces, NodesRead: true}, now)
			mismatches := compareVerdicts(d, tc.want, tc.computed)
			for _, v := range d.Nodes {
				if !v.Fits && v.Failures[0].Plugin == "InterPodAffinity" && v.Failures[0].Detail == "" {
					mismatches = append(mismatches, "node "+v.Node+": InterPodAffinity failure without detail")
				}
			}
			checkKnownBug(t, tc.bug, mismatches)
		})
	}
}

func spreadConstraint(key string, maxSkew int32, when corev1.UnsatisfiableConstraintAction, sel *metav1.LabelSelector, mod ...func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: sel}
	for _, m := range mod {
		m(&c)
	}
	return c
}

func withSpread(cs ...corev1.TopologySpreadConstraint) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.TopologySpreadConstraints = cs }
}

func TestPodTopologySpread(t *testing.T) {
	web := []string{"app", "web"}
	webSel := matchLabels(web...)
	zoneSpread := func(mod ...func(*corev1.TopologySpreadConstraint)) func(*corev1.Pod) {
		return withSpread(spreadConstraint(zoneKey, 1, corev1.DoNotSchedule, webSel, mod...))
	}
	minDomains := func(n int32) func(*corev1.TopologySpreadConstraint) {
		return func(c *corev1.TopologySpreadConstraint) { c.MinDomains = &n }
	}
	affinityPolicy := func(p corev1.NodeInclusionPolicy) func(*corev1.TopologySpreadConstraint) {
		return func(c *corev1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &p }
	}
	taintsPolicy := func(p corev1.NodeInclusionPolicy) func(*corev1.TopologySpreadConstraint) {
		return func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &p }
	}
	threeNodes := []corev1.Node{zoneNode("a1", "a"), zoneNode("a2", "a"), zoneNode("b1", "b")}
	twoInZoneA := []corev1.Pod{placed("web-0", "a1", web), placed("web-1", "a1", web)}
	onePerZone := []corev1.Pod{placed("web-0", "a1", web), placed("web-1", "b1", web)}
	pool := label("pool", "x")
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		want     map[string][]string
		computed string
		bug      string
	}{
		{
			name:     "DoNotSchedule, maxSkew 1: zone a holds 2 matching pods and zone b none",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    threeNodes,
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "a2": {ReasonTopologySpread}, "b1": {"fits"}},
		},
		{
			name:     "the skew counts in the whole message",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("a2", "a"), zoneNode("b1", "b", cordoned)},
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "a2": {ReasonTopologySpread}, "b1": {ReasonUnschedulable}},
			computed: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match pod topology spread constraints.",
		},
		{
			name:     "a node without the topology key fails with the missing-label reason",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    append(append([]corev1.Node{}, threeNodes...), zoneNode("x1", "")),
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "a2": {ReasonTopologySpread}, "b1": {"fits"}, "x1": {ReasonTopologySpreadMissLabel}},
		},
		{
			name:     "ScheduleAnyway never blocks, not even a node without the key",
			pod:      mkPod("p", nil, podLabelled(web...), withSpread(spreadConstraint(zoneKey, 1, corev1.ScheduleAnyway, webSel))),
			nodes:    append(append([]corev1.Node{}, threeNodes...), zoneNode("x1", "")),
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}, "x1": {"fits"}},
		},
		{
			name:     "pods of other namespaces are not counted",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web, inNamespace("other")), placed("web-1", "a1", web, inNamespace("other"))},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "terminating pods are not counted",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web, terminatingPod), placed("web-1", "a1", web, terminatingPod)},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "the pod adds itself only if its own labels match the selector",
			pod:      mkPod("p", nil, podLabelled("app", "api"), zoneSpread()),
			nodes:    threeNodes,
			assigned: []corev1.Pod{placed("web-0", "a1", web)},
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "by default nodes the pod's nodeSelector excludes form no domain",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread(), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"pool": "x"} }),
			nodes:    []corev1.Node{zoneNode("a1", "a", pool), zoneNode("b1", "b", pool), zoneNode("c1", "c")},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {"fits"}, "b1": {"fits"}, "c1": {ReasonNodeAffinity}},
		},
		{
			name:     "nodeAffinityPolicy Ignore counts the excluded nodes' domains",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread(affinityPolicy(corev1.NodeInclusionPolicyIgnore)), func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"pool": "x"} }),
			nodes:    []corev1.Node{zoneNode("a1", "a", pool), zoneNode("b1", "b", pool), zoneNode("c1", "c")},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "b1": {ReasonTopologySpread}, "c1": {ReasonNodeAffinity}},
			computed: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't match pod topology spread constraints.",
		},
		{
			name:     "minDomains above the number of domains makes the global minimum 0",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread(minDomains(3))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b")},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "b1": {ReasonTopologySpread}},
			computed: "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints.",
		},
		{
			name:     "minDomains met keeps the real minimum",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread(minDomains(2))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b")},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {"fits"}, "b1": {"fits"}},
		},
		{
			name:     "by default tainted nodes still form domains",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread()),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b"), zoneNode("c1", "c", taint("dedicated", "batch", corev1.TaintEffectNoSchedule))},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "b1": {ReasonTopologySpread}, "c1": {ReasonUntoleratedTaint}},
			computed: "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod topology spread constraints.",
		},
		{
			name:     "nodeTaintsPolicy Honor leaves out nodes with untolerated taints",
			pod:      mkPod("p", nil, podLabelled(web...), zoneSpread(taintsPolicy(corev1.NodeInclusionPolicyHonor))),
			nodes:    []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b"), zoneNode("c1", "c", taint("dedicated", "batch", corev1.TaintEffectNoSchedule))},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {"fits"}, "b1": {"fits"}, "c1": {ReasonUntoleratedTaint}},
		},
		{
			// podtopologyspread/common.go countPodsMatchSelector returns 0 for
			// an empty selector; the pod itself still matches it.
			name:     "labelSelector {} counts no existing pod",
			pod:      mkPod("p", nil, podLabelled(web...), withSpread(spreadConstraint(zoneKey, 1, corev1.DoNotSchedule, &metav1.LabelSelector{}))),
			nodes:    threeNodes,
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			// podtopologyspread/filtering.go Filter walks the constraints in
			// order and returns at the first that fails, skew or label.
			name: "a constraint's skew is judged before a later constraint's missing key",
			pod: mkPod("p", nil, podLabelled(web...), withSpread(
				spreadConstraint(zoneKey, 1, corev1.DoNotSchedule, webSel),
				spreadConstraint(hostnameKey, 5, corev1.DoNotSchedule, webSel))),
			nodes: []corev1.Node{
				zoneNode("a1", "a"), zoneNode("b1", "b"),
				mkNode("a2", std, label(zoneKey, "a")),
			},
			assigned: twoInZoneA,
			want:     map[string][]string{"a1": {ReasonTopologySpread}, "a2": {ReasonTopologySpread}, "b1": {"fits"}},
		},
		{
			name: "matchLabelKeys narrows the selector to the pod's own values",
			pod: mkPod("p", nil, podLabelled("app", "web", "pod-template-hash", "v2"), zoneSpread(func(c *corev1.TopologySpreadConstraint) {
				c.MatchLabelKeys = []string{"pod-template-hash"}
			})),
			nodes: threeNodes,
			assigned: []corev1.Pod{
				placed("web-0", "a1", []string{"app", "web", "pod-template-hash", "v1"}),
				placed("web-1", "a1", []string{"app", "web", "pod-template-hash", "v1"}),
			},
			want: map[string][]string{"a1": {"fits"}, "a2": {"fits"}, "b1": {"fits"}},
		},
		{
			name: "nodeTaintsPolicy Honor leaves out a cordoned node that carries the unschedulable taint",
			pod:  mkPod("p", nil, podLabelled(web...), zoneSpread(taintsPolicy(corev1.NodeInclusionPolicyHonor))),
			nodes: []corev1.Node{zoneNode("a1", "a"), zoneNode("b1", "b"),
				zoneNode("c1", "c", cordoned, taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule))},
			assigned: onePerZone,
			want:     map[string][]string{"a1": {"fits"}, "b1": {"fits"}, "c1": {ReasonUnschedulable}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := Diagnose(Input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, NodesRead: true}, now)
			checkKnownBug(t, tc.bug, compareVerdicts(d, tc.want, tc.computed))
		})
	}
}

func pvcVolume(volume, claim string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
	}
}

func ephemeralVolume(volume string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{}}}})
	}
}

func newClaim(name string, mod ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	for _, m := range mod {
		m(c)
	}
	return c
}

// boundTo binds a claim as the PV controller does: volumeName, the
// bind-completed annotation and phase Bound.
func boundTo(pv string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		c.Spec.VolumeName = pv
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations["pv.kubernetes.io/bind-completed"] = "yes"
		c.Status.Phase = corev1.ClaimBound
	}
}

func withClass(name string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = &name }
}

func ownedBy(uid string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		yes := true
		c.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "p", UID: types.UID(uid), Controller: &yes}}
	}
}

// localPV is a volume usable only on the node named host.
func localPV(name, host string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: hostnameKey, Operator: corev1.NodeSelectorOpIn, Values: []string{host}},
			}}},
		}}},
	}
}

func storageClass(name string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "ebs.csi.aws.com", VolumeBindingMode: &mode}
}

func volumesOf(claims []*corev1.PersistentVolumeClaim, pvs []*corev1.PersistentVolume, classes []*storagev1.StorageClass) *cluster.Volumes {
	v := &cluster.Volumes{
		Claims:  map[string]*corev1.PersistentVolumeClaim{},
		Volumes: map[string]*corev1.PersistentVolume{},
		Classes: map[string]*storagev1.StorageClass{},
	}
	for _, c := range claims {
		v.Claims[c.Namespace+"/"+c.Name] = c
	}
	for _, pv := range pvs {
		v.Volumes[pv.Name] = pv
	}
	for _, sc := range classes {
		v.Classes[sc.Name] = sc
	}
	return v
}

func TestVolumes(t *testing.T) {
	nodes := []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a")}
	all := func(reason string) map[string][]string {
		return map[string][]string{"n1": {reason}, "n2": {reason}}
	}
	rwop := func(c *corev1.PersistentVolumeClaim) {
		c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}
	}
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		volumes  *cluster.Volumes
		want     map[string][]string
		// computed is the expected message; anyComputed skips that check.
		computed    string
		anyComputed bool
		bug         string
	}{
		{
			name:     "a missing claim rejects every node in PreFilter",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf(nil, nil, nil),
			want:     all(`persistentvolumeclaim "x" not found`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" not found.`,
		},
		{
			name:     "a claim of that name in another namespace does not count",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) { c.Namespace = "other" }, boundTo("pv1"))}, nil, nil),
			want:     all(`persistentvolumeclaim "x" not found`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" not found.`,
		},
		{
			name: "a claim being deleted",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"), func(c *corev1.PersistentVolumeClaim) {
				ts := metav1.NewTime(now.Add(-time.Minute))
				c.DeletionTimestamp = &ts
			})}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all(`persistentvolumeclaim "x" is being deleted`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" is being deleted.`,
		},
		{
			name: "a lost claim",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("gone"), func(c *corev1.PersistentVolumeClaim) {
				c.Status.Phase = corev1.ClaimLost
			})}, nil, nil),
			want:     all(`persistentvolumeclaim "x" bound to non-existent persistentvolume "gone"`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" bound to non-existent persistentvolume "gone".`,
		},
		{
			name:     "an unbound claim without a storage class binds immediately",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x")}, nil, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:     "an unbound claim of an Immediate storage class",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("standard"))}, nil, []*storagev1.StorageClass{storageClass("standard", storagev1.VolumeBindingImmediate)}),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:     "an unbound claim of a storage class that does not exist binds immediately",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("nope"))}, nil, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:    "an unbound claim of a WaitForFirstConsumer class is not a PreFilter failure",
			pod:     mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("gp3"))}, nil, []*storagev1.StorageClass{storageClass("gp3", storagev1.VolumeBindingWaitForFirstConsumer)}),
			want:    map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			// volume.GetPersistentVolumeClaimClass reads the beta annotation first.
			name: "the beta storage-class annotation names the class",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) {
				c.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "gp3"}
			})}, nil, []*storagev1.StorageClass{storageClass("gp3", storagev1.VolumeBindingWaitForFirstConsumer)}),
			want: map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			name:    "a bound claim whose volume has node affinity for one node",
			pod:     mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:    map[string][]string{"n1": {"fits"}, "n2": {ReasonVolumeNodeAffinity}},
		},
		{
			name:     "volume node affinity counts after resources",
			pod:      mkPod("p", res("cpu", "8"), pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     map[string][]string{"n1": {"Insufficient cpu"}, "n2": {"Insufficient cpu"}},
			computed: "0/2 nodes are available: 2 Insufficient cpu.",
		},
		{
			name:     "volume node affinity counts where the node has room",
			pod:      mkPod("p", res("cpu", "3"), pvcVolume("data", "x")),
			nodes:    []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a")},
			assigned: []corev1.Pod{mkPod("big", res("cpu", "2"), on("n1"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     map[string][]string{"n1": {"Insufficient cpu"}, "n2": {ReasonVolumeNodeAffinity}},
			computed: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match PersistentVolume's node affinity.",
		},
		{
			name:     "a claim bound to a volume that does not exist",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("gone"))}, nil, nil),
			want:     all(ReasonPVNotExist),
			computed: "0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).",
		},
		{
			name:        "a ReadWriteOncePod claim another pod uses rejects every node",
			pod:         mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			assigned:    []corev1.Pod{mkPod("holder", nil, withUID("uid-h"), on("n1"), pvcVolume("data", "x"))},
			volumes:     volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:        all(ReasonRWOPInUse),
			anyComputed: true,
		},
		{
			// volumerestrictions: the conflict is found in Filter, node by
			// node, after TaintToleration; it is counted per node.
			name:     "a ReadWriteOncePod conflict is a Filter failure, counted per node after the taint check",
			pod:      mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			nodes:    []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a"), zoneNode("n3", "a", taint("dedicated", "batch", corev1.TaintEffectNoSchedule))},
			assigned: []corev1.Pod{mkPod("holder", nil, withUID("uid-h"), on("n1"), pvcVolume("data", "x"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:     map[string][]string{"n1": {ReasonRWOPInUse}, "n2": {ReasonRWOPInUse}, "n3": {ReasonUntoleratedTaint}},
			computed: "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod.",
		},
		{
			name:     "a ReadWriteOncePod claim nobody else uses",
			pod:      mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			assigned: []corev1.Pod{mkPod("other", nil, withUID("uid-o"), on("n1"), pvcVolume("data", "x"), inNamespace("other"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:     map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			name: "a generic ephemeral volume's claim is named <pod>-<volume>",
			pod:  mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{
				newClaim("p-data", ownedBy("uid-p"), boundTo("pv1")),
				newClaim("data", boundTo("pv2")),
			}, []*corev1.PersistentVolume{localPV("pv1", "n1"), localPV("pv2", "n2")}, nil),
			want: map[string][]string{"n1": {"fits"}, "n2": {ReasonVolumeNodeAffinity}},
		},
		{
			// volumebinding.podHasPVCs rewords NotFound for ephemeral volumes.
			name:     "a generic ephemeral volume's claim not created yet",
			pod:      mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes:  volumesOf(nil, nil, nil),
			want:     all(`waiting for ephemeral volume controller to create the persistentvolumeclaim "p-data"`),
			computed: `0/2 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-data".`,
		},
		{
			// ephemeral.VolumeIsForPod: the claim must be controlled by the pod.
			name:     "a claim named like the ephemeral volume's but not owned by the pod",
			pod:      mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("p-data", ownedBy("uid-old"), boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all("PVC default/p-data was not created for pod default/p (pod is not owner)"),
			computed: "0/2 nodes are available: PVC default/p-data was not created for pod default/p (pod is not owner).",
		},
		{
			// volumebinding isPVCFullyBound needs volumeName and the
			// pv.kubernetes.io/bind-completed annotation; a pre-bound claim
			// counts as unbound immediate.
			name: "a pre-bound claim (volumeName set, binding not completed) is unbound",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv1" })},
				[]*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			// scheduler.SchedulePod returns ErrNoNodesAvailable before PreFilter.
			name:     "with no nodes the message is the no-nodes one, whatever the volumes",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			nodes:    []corev1.Node{},
			volumes:  volumesOf(nil, nil, nil),
			want:     map[string][]string{},
			computed: "no nodes available to schedule pods",
		},
		{
			name: "volumes unread: no volume check",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			want: map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			ns := nodes
			if tc.nodes != nil {
				ns = tc.nodes
			}
			d := Diagnose(Input{Pod: &pod, Nodes: ns, Assigned: tc.assigned, Volumes: tc.volumes, NodesRead: true}, now)
			mismatches := compareVerdicts(d, tc.want, tc.computed)
			if tc.anyComputed && len(mismatches) > 1 {
				mismatches = mismatches[:1]
			} else if tc.anyComputed && len(mismatches) == 1 && strings.HasPrefix(mismatches[0], "computed message") {
				mismatches = nil
			}
			checkKnownBug(t, tc.bug, mismatches)
		})
	}
}

func TestNotWaitingForScheduler(t *testing.T) {
	bound := func(node string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.NodeName = node } }
	waiting := func(reason string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: "pull access denied"}}}}
		}
	}
	scheduler := func(name string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Spec.SchedulerName = name } }
	event := func(typ, reason, msg string, at time.Time, mod ...func(*corev1.Event)) corev1.Event {
		e := corev1.Event{
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
			Type:           typ, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at),
		}
		for _, m := range mod {
			m(&e)
		}
		return e
	}
	readyNodes := []corev1.Node{mkNode("n1", std, readyNode)}
	type problem struct{ Source, Reason, Message string }
	tests := []struct {
		name       string
		pod        corev1.Pod
		nodes      []corev1.Node
		nodesRead  bool
		leases     []string
		events     []corev1.Event
		state      State
		problems   []problem // compared when not nil
		summaryHas []string
		summaryNot []string
		check      func(t *testing.T, d *Diagnosis)
	}{
		{
			name:      "bound pod whose container waits in ImagePullBackOff",
			pod:       mkPod("p", nil, bound("n1"), waiting("ImagePullBackOff")),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"container c", "ImagePullBackOff", "pull access denied"}},
			check: func(t *testing.T, d *Diagnosis) {
				if d.Problems[0].Fix == "" || d.Problems[0].Meaning == "" {
					t.Errorf("ImagePullBackOff problem without meaning or fix: %+v", d.Problems[0])
				}
				if len(d.Nodes) != 0 || d.ComputedMessage != "" {
					t.Errorf("a bound pod is not run through the filters: %d verdicts, %q", len(d.Nodes), d.ComputedMessage)
				}
			},
		},
		{
			name: "crash-looping container last OOMKilled: the memory limit is named, with the fix",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}}}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c",
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 20s restarting failed container=c"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container c", "CrashLoopBackOff", "back-off 20s restarting failed container=c"}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "OOMKilled (exit code 137)") || !strings.Contains(d.Problems[0].Meaning, "memory limit (64Mi)") {
					t.Errorf("the meaning should say it was OOMKilled past its 64Mi limit: %q", d.Problems[0].Meaning)
				}
				if !strings.Contains(d.Problems[0].Fix, "resources.limits.memory") {
					t.Errorf("the fix should name the memory limit: %q", d.Problems[0].Fix)
				}
				if !strings.Contains(d.Summary, "not all of its containers run") {
					t.Errorf("a Running pod with a crash-looping container should not be called simply running: %q", d.Summary)
				}
			},
		},
		{
			name: "crash-looping container that exits 1: the exit code and the logs to read",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c",
					State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"container c", "CrashLoopBackOff", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "last exited with code 1 (Error)") {
					t.Errorf("the meaning should give the exit code: %q", d.Problems[0].Meaning)
				}
				if !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c c --previous") {
					t.Errorf("the fix should name the pod and container: %q", d.Problems[0].Fix)
				}
			},
		},
		{
			name: "a real kubelet between restarts: the failed container's terminated state, OOMKilled",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")}}}}
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", RestartCount: 3,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container c", "OOMKilled", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				m := d.Problems[0].Meaning
				if !strings.Contains(m, "restarted 3 times") || !strings.Contains(m, "CrashLoopBackOff") || !strings.Contains(m, "memory limit (32Mi)") {
					t.Errorf("the meaning should say it crash-loops, OOM-killed past 32Mi: %q", m)
				}
				if !strings.Contains(d.Problems[0].Fix, "resources.limits.memory") {
					t.Errorf("the fix should name the memory limit: %q", d.Problems[0].Fix)
				}
			},
		},
		{
			name: "a real kubelet between restarts: exit code 1",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodRunning
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", RestartCount: 2,
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{{"container c", "Error", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Meaning, "last exited with code 1 (Error)") || !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c c --previous") {
					t.Errorf("exit code and logs to read: %+v", d.Problems[0])
				}
			},
		},
		{
			name: "a container that failed once under restartPolicy Never is not a crash loop",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Spec.RestartPolicy = corev1.RestartPolicyNever
				p.Status.Phase = corev1.PodRunning
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c",
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateRunning,
			problems:  []problem{},
		},
		{
			name: "init container that exited with code 1",
			pod: mkPod("p", nil, bound("n1"), func(p *corev1.Pod) {
				p.Status.InitContainerStatuses = []corev1.ContainerStatus{
					{Name: "setup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
					{Name: "migrate", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}},
				}
			}),
			nodes:     readyNodes,
			nodesRead: true,
			state:     StateScheduled,
			problems:  []problem{{"init container migrate", "Error", ""}},
			check: func(t *testing.T, d *Diagnosis) {
				if !strings.Contains(d.Problems[0].Fix, "kubectl logs p -c migrate") || !strings.Contains(d.Problems[0].Meaning, "code 1") {
					t.Errorf("init container problem should name the container and exit code: %+v", d.Problems[0])
				}
			},
		},
		{
			name:      "FailedMount warnings: the latest per reason, FailedScheduling and normal events ignored",
			pod:       mkPod("p", nil, bound("n1")),
			nodes:     readyNodes,
			nodesRead: true,
			events: []corev1.Event{
				event(corev1.EventTypeWarning, "FailedMount", "newer: secret \"tls\" not found", now.Add(-time.Minute)),
				event(corev1.EventTypeWarning, "FailedMount", "older: timed out", now.Add(-time.Hour)),
				event(corev1.EventTypeWarning, "FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu.", now.Add(-2*time.Hour)),
				event(corev1.EventTypeNormal, "Scheduled", "Successfully assigned default/p to n1", now.Add(-90*time.Minute)),
			},
			state:    StateScheduled,
			problems: []problem{{"event", "FailedMount", "newer: secret \"tls\" not found"}},
			check: func(t *testing.T, d *Diagnosis) {
				if d.Problems[0].Fix == "" {
					t.Errorf("FailedMount problem without a fix: %+v", d.Problems[0])
				}
			},
		},
		{
			name:       "nodeName names a node that does not exist",
			pod:        mkPod("p", nil, bound("ghost")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateBoundToMissingNode,
			problems:   []problem{{"pod", "NodeNotFound", `spec.nodeName names node "ghost", which does not exist`}},
			summaryHas: []string{`"ghost"`},
		},
		{
			name:       "nodes unread: a node not in the list is not claimed missing",
			pod:        mkPod("p", nil, bound("ghost")),
			nodesRead:  false,
			state:      StateScheduled,
			problems:   []problem{},
			summaryNot: []string{"does not exist"},
		},
		{
			name:       "bound to a NotReady node",
			pod:        mkPod("p", nil, bound("n1")),
			nodes:      []corev1.Node{mkNode("n1", std, notReadyNode)},
			nodesRead:  true,
			state:      StateScheduled,
			summaryHas: []string{"n1", "not Ready"},
		},
		{
			name:       "bound to a Ready node, nothing reported",
			pod:        mkPod("p", nil, bound("n1")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateScheduled,
			problems:   []problem{},
			summaryHas: []string{"Nothing is reported yet"},
			summaryNot: []string{"not Ready"},
		},
		{
			name: "terminating pod with finalizers",
			pod: mkPod("p", nil, terminatingPod, func(p *corev1.Pod) {
				p.Finalizers = []string{"example.com/protect"}
			}),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateTerminating,
			summaryHas: []string{"being deleted", "finalizers", "example.com/protect"},
		},
		{
			name:       "terminating pod without finalizers",
			pod:        mkPod("p", nil, terminatingPod, bound("n1")),
			nodes:      readyNodes,
			nodesRead:  true,
			state:      StateTerminating,
			summaryHas: []string{"being deleted"},
			summaryNot: []string{"finalizers"},
		},
		{
			name:      "a scheduler with no lease and no events",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler", "kube-controller-manager"},
			state:     StateNoScheduler,
			check: func(t *testing.T, d *Diagnosis) {
				if len(d.Fixes) == 0 || !strings.Contains(d.Fixes[0], "my-scheduler") || len(d.Nodes) != 0 {
					t.Errorf("NoScheduler should suggest deploying my-scheduler and skip the filters: fixes %q, %d verdicts", d.Fixes, len(d.Nodes))
				}
			},
		},
		{
			name:      "a scheduler holding a lease of its name",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler", "my-scheduler"},
			state:     StateOtherScheduler,
		},
		{
			name:      "a scheduler that sent an event about the pod",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{"kube-scheduler"},
			events: []corev1.Event{event(corev1.EventTypeNormal, "Waiting", "queued", now.Add(-time.Minute), func(e *corev1.Event) {
				e.Source.Component = "my-scheduler"
			})},
			state: StateOtherScheduler,
		},
		{
			name:      "a scheduler named as the event's reporting controller",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{},
			events: []corev1.Event{event(corev1.EventTypeNormal, "Waiting", "queued", now.Add(-time.Minute), func(e *corev1.Event) {
				e.ReportingController = "my-scheduler"
			})},
			state: StateOtherScheduler,
		},
		{
			name:      "leases unread: no claim that the scheduler is missing",
			pod:       mkPod("p", nil, scheduler("my-scheduler")),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    nil,
			state:     StateOtherScheduler,
		},
		{
			name:       "a scheduler whose lease is in its own namespace",
			pod:        mkPod("p", nil, scheduler("volcano")),
			nodes:      readyNodes,
			nodesRead:  true,
			leases:     []string{"kube-scheduler", "volcano-system/volcano"},
			state:      StateOtherScheduler,
			summaryHas: []string{"its leader lease volcano-system/volcano, renewed 0s ago by volcano-scheduler-0"},
		},
		{
			name:      "the default scheduler is never missing",
			pod:       mkPod("p", nil, scheduler(corev1.DefaultSchedulerName)),
			nodes:     readyNodes,
			nodesRead: true,
			leases:    []string{},
			state:     StateWaitingForScheduler,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			d := Diagnose(Input{Pod: &pod, Nodes: tc.nodes, NodesRead: tc.nodesRead, Leases: leases(tc.leases...), Events: tc.events}, now)
			if d.State != tc.state {
				t.Fatalf("state %s, want %s (%s)", d.State, tc.state, d.Summary)
			}
			if tc.problems != nil {
				got := []problem{}
				for _, p := range d.Problems {
					got = append(got, problem{p.Source, p.Reason, p.Message})
				}
				if diff := cmp.Diff(tc.problems, got); diff != "" {
					t.Fatalf("problems (-want +got):\n%s", diff)
				}
			}
			for _, s := range tc.summaryHas {
				if !strings.Contains(d.Summary, s) {
					t.Errorf("summary lacks %q: %s", s, d.Summary)
				}
			}
			for _, s := range tc.summaryNot {
				if strings.Contains(d.Summary, s) {
					t.Errorf("summary should not say %q: %s", s, d.Summary)
				}
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}

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
			msg:  "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [Custom].",
			want: want{Recognised: true, Nodes: 2, Reasons: []reason{
				{"node(s) didn't satisfy plugin(s) [Custom]", 2, "", ""},
			}},
			meaningHas: "does not know",
		},
		{
			name: "unknown text",
			msg:  `running PreBind plugin "VolumeBinding": binding volumes: timed out waiting for the condition`,
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
			if e.Kind != KindMessage || e.Message != strings.TrimSpace(tc.msg) {
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

func quantityEqual(a, b resource.Quantity) bool { return a.Cmp(b) == 0 }

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
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}}}}
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

	in := Input{Nodes: nodes, Assigned: assigned, Volumes: vols, NodesRead: true, Leases: leases("kube-scheduler"), Events: events}
	all := DiagnoseAll(in, pods, now)
	if len(all) != len(pods) {
		t.Fatalf("%d diagnoses for %d pods", len(all), len(pods))
	}
	for i, p := range pods {
		t.Run(p.Namespace+"/"+p.Name, func(t *testing.T) {
			one := in
			one.Pod = p
			one.Events = nil
			for _, e := range events {
				if e.InvolvedObject.Namespace == p.Namespace && e.InvolvedObject.Name == p.Name {
					one.Events = append(one.Events, e)
				}
			}
			want := Diagnose(one, now)
			got := all[i]
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

func TestGroup(t *testing.T) {
	nodes := []corev1.Node{mkNode("n1", res("cpu", "2", "memory", "8Gi", "pods", "110"), readyNode), mkNode("n2", std, readyNode, taint("gpu", "", corev1.TaintEffectNoSchedule))}
	mk := func(name, ns string, mod ...func(*corev1.Pod)) *corev1.Pod {
		p := mkPod(name, nil, append([]func(*corev1.Pod){inNamespace(ns)}, mod...)...)
		return &p
	}
	cpu := func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = res("cpu", "3") }
	pulling := func(p *corev1.Pod) {
		p.Spec.NodeName = "n1"
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "no such image"}}}}
	}
	pods := []*corev1.Pod{
		mk("solo", "default", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
		mk("w1", "default", cpu),
		mk("pull-1", "default", pulling),
		mk("w2", "team", cpu),
		mk("pull-2", "default", pulling),
		mk("w3", "default", cpu),
	}
	ds := DiagnoseAll(Input{Nodes: nodes, NodesRead: true}, pods, now)
	gaps := []cluster.Gap{{What: "leases in kube-system", Resource: "leases", Namespace: "kube-system", Reason: "Forbidden"}}
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
			want := "Scheduled: container c ImagePullBackOff: no such image"
			if c := ds[2].Cause(); c != want {
				t.Errorf("cause %q, want %q", c, want)
			}
		}},
		{"list header", func(t *testing.T) {
			if got.Pods != len(pods) || got.Kind != KindPendingList || got.Namespace != "" || !got.GeneratedAt.Equal(now) || len(got.Unread) != 1 {
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

func TestFixesMore(t *testing.T) {
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		has      []string                      // substrings some fix must contain
		hasNot   []string                      // substrings no fix may contain
		check    func(fixes []string) []string // mismatches
		bug      string
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
				return Diagnose(Input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, NodesRead: true}, now).Fixes
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
			checkKnownBug(t, tc.bug, mismatches)
		})
	}
}

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
