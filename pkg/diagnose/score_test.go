package diagnose

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

var scoredRE = regexp.MustCompile(`"Plugin scored node for pod" pod="[^"]+" plugin="([^"]+)" node="([^"]+)" score=(-?\d+)`)

// schedulerLog reads a kube-scheduler log's per-plugin scores: node → plugin → score.
func schedulerLog(t *testing.T, path string) map[string]map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := scoredRE.FindStringSubmatch(sc.Text()); m != nil {
			v, _ := strconv.ParseInt(m[3], 10, 64)
			if out[m[2]] == nil {
				out[m[2]] = map[string]int64{}
			}
			out[m[2]][m[1]] = v
		}
	}
	return out
}

func placedPod(name, node string, labels map[string]string, cpu, memory string) corev1.Pod {
	p := fixture.Pod{Name: name, Namespace: "default", NodeName: node, Labels: labels, Requests: fixture.Resources(cpu, memory, "")}.Object()
	p.UID = types.UID(name)
	if cpu == "" && memory == "" {
		p.Spec.Containers[0].Resources = corev1.ResourceRequirements{}
	}
	return *p
}

// The scene the real scheduler scored in testdata/scores/api.log: three
// nodes of 4 CPUs and 16Gi, w3 with a PreferNoSchedule taint and a cache pod
// without requests, w2 labelled disk=ssd, three web replicas; the pod api
// prefers disk=ssd (weight 50) and the cache's node (weight 100).
func TestScoresEqualSchedulerLog(t *testing.T) {
	var nodes []corev1.Node
	for _, n := range []fixture.Node{
		{Name: "w1"},
		{Name: "w2", Labels: map[string]string{"disk": "ssd"}},
		{Name: "w3", Taints: []corev1.Taint{{Key: "maint", Value: "soon", Effect: corev1.TaintEffectPreferNoSchedule}}},
	} {
		nodes = append(nodes, *n.Object())
	}
	web := map[string]string{"app": "web"}
	api := placedPod("api", "w2", map[string]string{"app": "api"}, "1", "2Gi")
	api.Spec.Affinity = &corev1.Affinity{
		NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
			{Weight: 50, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}}}},
		PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
			{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: hostnameKey, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cache"}}}}}},
	}
	api.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(time.Date(2026, 12, 7, 14, 40, 0, 0, time.UTC))}}
	var bound []cluster.BoundPod
	for _, p := range []corev1.Pod{
		placedPod("web-1", "w1", web, "500m", "1Gi"), placedPod("web-2", "w2", web, "500m", "1Gi"), placedPod("web-3", "w1", web, "500m", "1Gi"),
		placedPod("cache", "w3", map[string]string{"app": "cache"}, "", ""), api,
	} {
		bound = append(bound, cluster.Bind(&p))
	}
	snap := &cluster.PendingSnapshot{Pod: &api, Nodes: nodes, Assigned: bound, NodesRead: true, AssignedRead: true, Siblings: &cluster.Siblings{}}
	p := Place(snap, nil, time.Date(2026, 12, 7, 14, 41, 0, 0, time.UTC))
	want := schedulerLog(t, "testdata/scores/api.log")
	if len(p.Scores) != len(want) {
		t.Fatalf("scored %d nodes, the scheduler %d", len(p.Scores), len(want))
	}
	for _, n := range p.Scores {
		if len(n.Plugins) != len(want[n.Node]) {
			t.Errorf("%s: %d plugins scored, the scheduler %d", n.Node, len(n.Plugins), len(want[n.Node]))
		}
		for _, ps := range n.Plugins {
			if w, ok := want[n.Node][ps.Plugin]; !ok || w != ps.Weighted {
				t.Errorf("%s %s: %d, the scheduler %d (logged %v)", n.Node, ps.Plugin, ps.Weighted, w, ok)
			}
		}
	}
	if p.Scores[0].Node != "w2" || !strings.HasPrefix(p.Decided[0], PluginNodeAffinity+": +200 for w2") {
		t.Errorf("w2 should win on NodeAffinity: %v %q", p.Scores[0].Node, p.Decided)
	}
	if len(p.Others) != 1 || !strings.Contains(p.Others[0], "maint=soon:PreferNoSchedule") {
		t.Errorf("w3 should be said to lose on its PreferNoSchedule taint: %q", p.Others)
	}
}

func TestDefaultNormalize(t *testing.T) {
	for _, c := range []struct {
		in, want []int64
		reverse  bool
	}{
		{[]int64{0, 0}, []int64{0, 0}, false},
		{[]int64{0, 0}, []int64{100, 100}, true},
		{[]int64{1, 3}, []int64{33, 100}, false},
		{[]int64{1, 3}, []int64{67, 0}, true},
	} {
		got := append([]int64(nil), c.in...)
		defaultNormalize(got, c.reverse)
		if !equalInts(got, c.want) {
			t.Errorf("defaultNormalize(%v, %v) = %v, want %v", c.in, c.reverse, got, c.want)
		}
	}
}

func TestNormalizeAffinityAndSpread(t *testing.T) {
	got := []int64{-50, 0, 100}
	normalizeAffinity(nil, got)
	if !equalInts(got, []int64{0, 33, 100}) {
		t.Errorf("normalizeAffinity = %v", got)
	}
	nodes := []*nodeInfo{{node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "a"}}}, {node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "b"}}}, {node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "c"}}}}
	got = []int64{2, 4, 9}
	normalizeSpread(got, map[string]bool{"c": true}, nodes)
	// min 2, max 4: 100*(4+2-s)/4
	if !equalInts(got, []int64{100, 50, 0}) {
		t.Errorf("normalizeSpread = %v", got)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBalanceAndImages(t *testing.T) {
	if got := balance([]int64{500, 0}, []int64{1000, 1000}); got != 75 {
		t.Errorf("balance of 50%% and 0%% = %d, want 75", got)
	}
	if got := balance([]int64{2000, 0}, []int64{1000, 0}); got != 100 {
		t.Errorf("balance of one resource = %d, want 100", got)
	}
	mb := int64(1024 * 1024)
	for _, c := range []struct{ sum, count, want int64 }{
		{0, 1, 0}, {23 * mb, 1, 0}, {1000 * mb, 1, 100}, {5000 * mb, 1, 100}, {500 * mb, 1, 48}, {500 * mb, 2, 24},
	} {
		if got := imagePriority(c.sum, c.count); got != c.want {
			t.Errorf("imagePriority(%d MiB, %d) = %d, want %d", c.sum/mb, c.count, got, c.want)
		}
	}
	for in, want := range map[string]string{"nginx": "nginx:latest", "registry:5000/app": "registry:5000/app:latest", "app:1.0": "app:1.0"} {
		if got := normalizedImageName(in); got != want {
			t.Errorf("normalizedImageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	for _, c := range []struct {
		pct       int32
		all, want int
	}{
		{0, 50, 50}, {0, 100, 100}, {0, 1000, 420}, {0, 5000, 500}, {0, 10000, 500}, {10, 500, 100}, {100, 5000, 5000},
	} {
		if got := numFeasibleNodesToFind(c.pct, c.all); got != c.want {
			t.Errorf("numFeasibleNodesToFind(%d, %d) = %d, want %d", c.pct, c.all, got, c.want)
		}
	}
}

func TestParseSchedulerConfig(t *testing.T) {
	good := `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
profiles:
- schedulerName: packing
  plugins:
    multiPoint:
      disabled: [{name: ImageLocality}]
    score:
      enabled: [{name: NodeResourcesFit, weight: 5}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated, resources: [{name: cpu, weight: 2}]}}
  - name: InterPodAffinity
    args: {hardPodAffinityWeight: 3}
- schedulerName: default-scheduler
`
	profiles, err := ParseSchedulerConfig([]byte(good), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 2 || profiles[0].Name != corev1.DefaultSchedulerName {
		t.Fatalf("the default scheduler's profile should come first: %+v", profiles)
	}
	p := ProfileFor(profiles, "packing")
	weights := map[string]int64{}
	for _, pl := range p.Plugins {
		weights[pl.Name] = pl.Weight
	}
	if _, ok := weights[PluginImageLocality]; ok || weights[PluginNodeResourcesFit] != 5 || weights[PluginTaintToleration] != 3 {
		t.Errorf("merged plugins %v", weights)
	}
	if p.FitStrategy != MostAllocated || len(p.FitResources) != 1 || p.FitResources[0].Weight != 2 || p.HardPodAffinityWeight != 3 || p.PercentageOfNodesToScore != 30 {
		t.Errorf("profile %+v", p)
	}
	for _, c := range []struct{ in, want string }{
		{"kind: Pod\napiVersion: v1\n", "is not a KubeSchedulerConfiguration"},
		{"apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n", "reads kubescheduler.config.k8s.io/v1"},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled: [{name: Custom}]\n", "plugin Custom"},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: RequestedToCapacityRatio}}\n", "RequestedToCapacityRatio"},
		{"[", "is not a KubeSchedulerConfiguration"},
	} {
		if _, err := ParseSchedulerConfig([]byte(c.in), "s.yaml"); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "s.yaml") {
			t.Errorf("ParseSchedulerConfig(%q) = %v, want an error naming the file and %q", c.in, err, c.want)
		}
	}
	// As the scheduler defaults and merges them: a re-listed plugin without
	// a weight weighs 1, its score entry wins over its multi-point one, and a
	// resource without a weight weighs 1.
	relisted := `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- plugins:
    multiPoint:
      enabled: [{name: TaintToleration}, {name: InterPodAffinity, weight: 5}]
    score:
      enabled: [{name: InterPodAffinity}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: LeastAllocated, resources: [{name: cpu}, {name: memory, weight: 3}]}}
`
	profiles, err = ParseSchedulerConfig([]byte(relisted), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	weights = map[string]int64{}
	for _, pl := range profiles[0].Plugins {
		weights[pl.Name] = pl.Weight
	}
	if weights[PluginTaintToleration] != 1 || weights[PluginInterPodAffinity] != 1 || weights[PluginNodeAffinity] != 2 {
		t.Errorf("re-listed plugins: %v", weights)
	}
	if fr := profiles[0].FitResources; len(fr) != 2 || fr[0].Weight != 1 || fr[1].Weight != 3 {
		t.Errorf("resource weights: %+v", fr)
	}
	if ProfileFor(nil, "").Name != corev1.DefaultSchedulerName {
		t.Error("without a configuration, the default profile")
	}
}

func TestPlaceWithoutScores(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	node := *fixture.Node{Name: "n1"}.Object()
	other := *fixture.Node{Name: "n2", Unschedulable: true}.Object()
	snap := func(p corev1.Pod) *cluster.PendingSnapshot {
		return &cluster.PendingSnapshot{Pod: &p, Nodes: []corev1.Node{node, other}, NodesRead: true, AssignedRead: true, Siblings: &cluster.Siblings{}}
	}
	pending := placedPod("p", "", nil, "1", "1Gi")
	if p := Place(snap(pending), nil, now); p.Scored || !strings.Contains(p.Summary, "why-pending p -n default") {
		t.Errorf("pending: %+v", p)
	}
	static := placedPod("s", "n1", nil, "1", "1Gi")
	static.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"}
	if p := Place(snap(static), nil, now); p.Scored || !strings.Contains(p.Summary, "static pod") {
		t.Errorf("static: %+v", p)
	}
	direct := placedPod("d", "n1", nil, "1", "1Gi")
	direct.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate,
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:nodeName":{}}}`)}}
	if p := Place(snap(direct), nil, now); p.Scored || p.BoundBy != "kubectl-create" || !strings.Contains(p.Summary, "spec.nodeName") {
		t.Errorf("created with its node: %+v", p)
	}
	only := placedPod("o", "n1", nil, "1", "1Gi")
	p := Place(snap(only), nil, now)
	if p.Scored || p.Feasible != 1 || !strings.Contains(p.Summary, "without scoring") || !strings.Contains(p.FilterSummary, "1 of 2 nodes fail the filters: 1 node(s) were unschedulable") {
		t.Errorf("one feasible node: %+v", p)
	}
	if !strings.Contains(strings.Join(p.Caveats, " "), "When the pod was placed is not known") {
		t.Errorf("without a PodScheduled condition the time is unknown: %q", p.Caveats)
	}
}

func TestPlaceTieAndChanges(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	a, b := *fixture.Node{Name: "a"}.Object(), *fixture.Node{Name: "b"}.Object()
	pod := placedPod("p", "b", nil, "1", "1Gi")
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(at)}}
	later := placedPod("later", "a", nil, "", "")
	later.CreationTimestamp = metav1.NewTime(at.Add(time.Minute))
	snap := &cluster.PendingSnapshot{Pod: &pod, Nodes: []corev1.Node{a, b}, NodesRead: true, AssignedRead: true, Siblings: &cluster.Siblings{},
		Assigned: []cluster.BoundPod{cluster.Bind(&pod)}}
	p := Place(snap, nil, at.Add(2*time.Minute))
	if len(p.Tied) != 2 || !strings.HasPrefix(p.Summary, "It was a tie") {
		t.Errorf("identical nodes tie: %q %v", p.Summary, p.Tied)
	}
	snap.Assigned = append(snap.Assigned, cluster.Bind(&later))
	p = Place(snap, nil, at.Add(2*time.Minute))
	if !strings.Contains(strings.Join(p.Caveats, " "), "1 pod created") || p.Scores[0].Node != "b" {
		t.Errorf("a pod placed since is said, and today b wins: %q %v", p.Caveats, p.Scores)
	}
	if !strings.Contains(p.Summary, "b scores highest") {
		t.Errorf("summary %q", p.Summary)
	}
}

// The default spread counts the siblings a service or controller selects.
func TestDefaultSpreadSelector(t *testing.T) {
	s := &scoring{siblings: &cluster.Siblings{Services: []map[string]string{{"app": "web"}}, Owner: &metav1.LabelSelector{MatchLabels: map[string]string{"pod-template-hash": "abc"}}}}
	if got := s.defaultSelector().String(); got != "app=web,pod-template-hash=abc" {
		t.Errorf("selector %q", got)
	}
	s.siblings = &cluster.Siblings{OwnerSet: map[string]string{"rc": "x"}}
	if got := s.defaultSelector().String(); got != "rc=x" {
		t.Errorf("selector %q", got)
	}
	s.siblings = &cluster.Siblings{}
	if !s.defaultSelector().Empty() {
		t.Error("no service or controller: no default constraints")
	}
}

// A pod on a node is said to tolerate its taints only when it does: a taint
// added after the pod was placed is not one it passed.
func TestToleratedHere(t *testing.T) {
	node := *fixture.Node{Name: "n", Unschedulable: true, Taints: []corev1.Taint{
		{Key: "gpu", Effect: corev1.TaintEffectNoSchedule},
		{Key: "later", Effect: corev1.TaintEffectNoSchedule},
	}}.Object()
	pod := placedPod("p", "n", nil, "1", "1Gi")
	pod.Spec.Tolerations = []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}
	notes := toleratedHere(&pod, []corev1.Node{node})
	if len(notes) != 1 || !strings.Contains(notes[0], "the taint gpu:NoSchedule") || strings.Contains(notes[0], "later") {
		t.Errorf("notes %q", notes)
	}
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists})
	if notes := toleratedHere(&pod, []corev1.Node{node}); len(notes) != 2 || !strings.Contains(notes[0], "is cordoned") {
		t.Errorf("a pod tolerating everything passes the cordon and every taint: %q", notes)
	}
}
