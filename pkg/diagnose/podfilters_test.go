package diagnose

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The expectations below follow kube-scheduler v1.37 (k8s.io/kubernetes
// pkg/scheduler/framework/plugins), default profile and default feature
// gates.

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
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, Namespaces: tc.namespaces, NodesRead: true}, now)
			mismatches := compareVerdicts(d, tc.want, tc.computed)
			for _, v := range d.Nodes {
				if !v.Fits && v.Failures[0].Plugin == "InterPodAffinity" && v.Failures[0].Detail == "" {
					mismatches = append(mismatches, "node "+v.Node+": InterPodAffinity failure without detail")
				}
			}
			checkMismatches(t, mismatches)
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
			d := diagnosePod(input{Pod: &pod, Nodes: tc.nodes, Assigned: tc.assigned, NodesRead: true}, now)
			checkMismatches(t, compareVerdicts(d, tc.want, tc.computed))
		})
	}
}
