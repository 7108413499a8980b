package diagnose

import (
	"fmt"
	"math"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// The score plugins that are not also filters.
const (
	PluginBalancedAllocation = "NodeResourcesBalancedAllocation"
	PluginImageLocality      = "ImageLocality"
)

// Scores of the scheduler's framework (k8s.io/kube-scheduler/framework).
const (
	maxNodeScore int64 = 100
	// The ImageLocality thresholds, in bytes.
	imageMinThreshold          int64 = 23 * 1024 * 1024
	imageMaxContainerThreshold int64 = 1000 * 1024 * 1024
)

// ScorePlugin is one score plugin of a scheduler profile, with its weight.
type ScorePlugin struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight"`
}

// ResourceWeight is a resource a resource-scoring strategy counts, and its weight.
type ResourceWeight struct {
	Name   corev1.ResourceName `json:"name"`
	Weight int64               `json:"weight"`
}

// Scoring strategies of NodeResourcesFit.
const (
	LeastAllocated = "LeastAllocated"
	MostAllocated  = "MostAllocated"
)

// Profile is what a scheduler profile sets about scoring.
type Profile struct {
	// Name is the profile's schedulerName.
	Name string `json:"name"`
	// Source says where the profile comes from.
	Source string `json:"source"`
	// Plugins are the score plugins, in the profile's order.
	Plugins []ScorePlugin `json:"plugins"`
	// PercentageOfNodesToScore is the share of nodes the scheduler looks for
	// feasible ones among; 0 is the scheduler's adaptive default.
	PercentageOfNodesToScore int32 `json:"percentageOfNodesToScore,omitempty"`
	// FitStrategy and FitResources are NodeResourcesFit's scoring strategy.
	FitStrategy  string           `json:"fitStrategy"`
	FitResources []ResourceWeight `json:"fitResources"`
	// BalancedResources are the resources NodeResourcesBalancedAllocation
	// balances.
	BalancedResources []ResourceWeight `json:"balancedResources"`
	// HardPodAffinityWeight is the weight other pods' required pod affinity
	// terms count with.
	HardPodAffinityWeight int64 `json:"hardPodAffinityWeight"`
	// IgnorePreferredTermsOfExistingPods leaves other pods' preferred terms
	// out of InterPodAffinity.
	IgnorePreferredTermsOfExistingPods bool `json:"ignorePreferredTermsOfExistingPods,omitempty"`
	// DefaultConstraints replace the system's default topology spread
	// constraints when set; DefaultingList turns defaulting off when empty.
	DefaultConstraints []corev1.TopologySpreadConstraint `json:"defaultConstraints,omitempty"`
	ListDefaulting     bool                              `json:"listDefaulting,omitempty"`
}

// systemDefaultConstraints are the scheduler's default topology spread
// constraints (podtopologyspread.systemDefaultConstraints).
var systemDefaultConstraints = []corev1.TopologySpreadConstraint{
	{TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 3},
	{TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 5},
}

// DefaultProfile is the default profile of kube-scheduler v1.37
// (pkg/scheduler/apis/config/v1/default_plugins.go and defaults.go): the
// score plugins of its multi-point set, in order, with their weights; a
// plugin configured without one weighs 1.
func DefaultProfile() *Profile {
	return &Profile{
		Name:   corev1.DefaultSchedulerName,
		Source: "the default profile of kube-scheduler v1.37",
		Plugins: []ScorePlugin{
			{PluginTaintToleration, 3},
			{PluginNodeAffinity, 2},
			{PluginNodeResourcesFit, 1},
			{PluginVolumeBinding, 1},
			{PluginPodTopologySpread, 2},
			{PluginInterPodAffinity, 2},
			{PluginDynamicResources, 2},
			{PluginBalancedAllocation, 1},
			{PluginImageLocality, 1},
		},
		FitStrategy:           LeastAllocated,
		FitResources:          []ResourceWeight{{corev1.ResourceCPU, 1}, {corev1.ResourceMemory, 1}},
		BalancedResources:     []ResourceWeight{{corev1.ResourceCPU, 1}, {corev1.ResourceMemory, 1}},
		HardPodAffinityWeight: 1,
	}
}

// PluginScore is one plugin's score of one node.
type PluginScore struct {
	Plugin string `json:"plugin"`
	// Raw is what the plugin's Score returned, before normalising.
	Raw int64 `json:"raw"`
	// Score is the normalised score, 0 to 100.
	Score int64 `json:"score"`
	// Weighted is Score times the plugin's weight: what the scheduler adds
	// up and logs ("Plugin scored node for pod").
	Weighted int64 `json:"weighted"`
	// Detail says, in words, what the score rests on.
	Detail string `json:"detail,omitempty"`
}

// NodeScore is a feasible node's scores.
type NodeScore struct {
	Node string `json:"node"`
	// Total is the sum of the weighted scores ("Calculated node's final
	// score for pod").
	Total   int64         `json:"total"`
	Plugins []PluginScore `json:"plugins"`
}

// scorer computes one plugin's raw scores of the feasible nodes; skip is
// true when the plugin's PreScore would skip it for this pod.
type scorer func(s *scoring) (raw []int64, detail []string, skip bool)

// scoring is one pod's scoring cycle.
type scoring struct {
	pod      *corev1.Pod
	e        *env
	nodes    []corev1.Node
	feasible []*nodeInfo
	profile  *Profile
	siblings *cluster.Siblings
	// spreadIgnored are the feasible nodes PodTopologySpread does not score.
	spreadIgnored map[string]bool
}

// normalizers are the plugins' NormalizeScore; a plugin without one keeps
// its raw scores.
var normalizers = map[string]func(s *scoring, scores []int64){
	PluginTaintToleration:   func(_ *scoring, v []int64) { defaultNormalize(v, true) },
	PluginNodeAffinity:      func(_ *scoring, v []int64) { defaultNormalize(v, false) },
	PluginDynamicResources:  func(_ *scoring, v []int64) { defaultNormalize(v, false) },
	PluginPodTopologySpread: func(s *scoring, v []int64) { normalizeSpread(v, s.spreadIgnored, s.feasible) },
	PluginInterPodAffinity:  normalizeAffinity,
}

var scorers = map[string]scorer{
	PluginTaintToleration:    scoreTaints,
	PluginNodeAffinity:       scoreNodeAffinity,
	PluginNodeResourcesFit:   scoreFit,
	PluginVolumeBinding:      scoreVolumeBinding,
	PluginPodTopologySpread:  scoreSpread,
	PluginInterPodAffinity:   scoreInterPodAffinity,
	PluginDynamicResources:   scoreDynamicResources,
	PluginBalancedAllocation: scoreBalanced,
	PluginImageLocality:      scoreImages,
}

// score runs the profile's score plugins over the feasible nodes as the
// scheduler's framework does (PreScore, Score, NormalizeScore, weight) and
// returns the nodes' scores in the feasible nodes' order, the plugins that
// scored, and the plugins it could not compute.
func (s *scoring) score() ([]NodeScore, []ScorePlugin, []string) {
	out := make([]NodeScore, len(s.feasible))
	for i, n := range s.feasible {
		out[i].Node = n.node.Name
	}
	var used []ScorePlugin
	var unknown []string
	for _, pl := range s.profile.Plugins {
		f := scorers[pl.Name]
		if f == nil {
			unknown = append(unknown, pl.Name)
			continue
		}
		raw, detail, skip := f(s)
		if skip {
			continue
		}
		if raw == nil {
			unknown = append(unknown, pl.Name)
			continue
		}
		norm := append([]int64(nil), raw...)
		if n := normalizers[pl.Name]; n != nil {
			n(s, norm)
		}
		used = append(used, pl)
		for i := range out {
			ps := PluginScore{Plugin: pl.Name, Raw: raw[i], Score: norm[i], Weighted: norm[i] * pl.Weight}
			if detail != nil {
				ps.Detail = detail[i]
			}
			out[i].Plugins = append(out[i].Plugins, ps)
			out[i].Total += ps.Weighted
		}
	}
	return out, used, unknown
}

// defaultNormalize is helper.DefaultNormalizeScore with MaxNodeScore.
func defaultNormalize(scores []int64, reverse bool) {
	var maxCount int64
	for _, v := range scores {
		maxCount = max(maxCount, v)
	}
	if maxCount == 0 {
		if reverse {
			for i := range scores {
				scores[i] = maxNodeScore
			}
		}
		return
	}
	for i, v := range scores {
		v = maxNodeScore * v / maxCount
		if reverse {
			v = maxNodeScore - v
		}
		scores[i] = v
	}
}

// scoreTaints counts the PreferNoSchedule taints the pod does not tolerate,
// with its tolerations of that effect or of none.
func scoreTaints(s *scoring) ([]int64, []string, bool) {
	var tols []corev1.Toleration
	for _, t := range s.pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			tols = append(tols, t)
		}
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		var names []string
		for j := range n.node.Spec.Taints {
			t := &n.node.Spec.Taints[j]
			if t.Effect == corev1.TaintEffectPreferNoSchedule && !corev1helpers.TolerationsTolerateTaint(klog.Background(), tols, t, false) {
				names = append(names, TaintString(t))
			}
		}
		raw[i] = int64(len(names))
		if len(names) > 0 {
			detail[i] = fmt.Sprintf("%s the pod does not tolerate: %s", phrase.Plural(len(names), "PreferNoSchedule taint"), strings.Join(names, ", "))
		} else {
			detail[i] = "no PreferNoSchedule taint the pod does not tolerate"
		}
	}
	return raw, detail, false
}

// scoreNodeAffinity sums the weights of the pod's preferred node affinity
// terms the node matches; skipped when the pod has none.
func scoreNodeAffinity(s *scoring) ([]int64, []string, bool) {
	a := s.pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return nil, nil, true
	}
	terms := a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	prefs, err := nodeaffinity.NewPreferredSchedulingTerms(terms)
	if err != nil {
		return nil, nil, false // the scheduler fails the cycle; say it is not computed
	}
	var total int64
	for _, t := range terms {
		total += int64(t.Weight)
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		raw[i] = prefs.Score(n.node)
		detail[i] = fmt.Sprintf("matches preferred node affinity terms weighing %d of %d", raw[i], total)
	}
	return raw, detail, false
}

// podResourceRequest is the pod's request of one resource as a resource
// scorer counts it: with the defaults for cpu and memory when nonZero.
func podResourceRequest(pod *corev1.Pod, name corev1.ResourceName, nonZero bool) int64 {
	opts := resourcehelper.PodResourcesOptions{}
	if nonZero {
		opts.NonMissingContainerRequests = corev1.ResourceList{
			corev1.ResourceCPU:    quantity(corev1.ResourceCPU, cluster.DefaultMilliCPURequest),
			corev1.ResourceMemory: quantity(corev1.ResourceMemory, cluster.DefaultMemoryRequest),
		}
	}
	q := resourcehelper.PodRequests(pod, opts)[name]
	return amount(name, q)
}

// allocation is, for the resources a strategy counts, the node's
// allocatable, what its pods request (allocated) and that plus the pod
// (requested); resources the node has none of are left at 0.
func allocation(n *nodeInfo, res []ResourceWeight, pod []int64, nonZero bool) (requested, allocated, allocatable []int64) {
	requested = make([]int64, len(res))
	allocated = make([]int64, len(res))
	allocatable = make([]int64, len(res))
	for i, r := range res {
		if pod[i] == 0 && isScalar(r.Name) {
			continue
		}
		have, ok := n.node.Status.Allocatable[r.Name]
		if !ok && isScalar(r.Name) {
			continue
		}
		capacity := amount(r.Name, have)
		if capacity == 0 {
			continue
		}
		used := n.requested[r.Name]
		if nonZero {
			switch r.Name {
			case corev1.ResourceCPU:
				used = n.nonZero[0]
			case corev1.ResourceMemory:
				used = n.nonZero[1]
			}
		}
		allocatable[i], allocated[i], requested[i] = capacity, used, used+pod[i]
	}
	return requested, allocated, allocatable
}

// isScalar is the scheduler's IsScalarResourceName: extended resources,
// hugepages, attachable volumes, and kubernetes.io/ prefixed ones.
func isScalar(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods:
		return false
	}
	return true
}

// scoreFit is NodeResourcesFit's score: LeastAllocated (the default) or
// MostAllocated over the strategy's resources, counting cpu and memory
// requests with the defaults for containers that set none.
func scoreFit(s *scoring) ([]int64, []string, bool) {
	res := s.profile.FitResources
	pod := make([]int64, len(res))
	for i, r := range res {
		pod[i] = podResourceRequest(s.pod, r.Name, true)
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		requested, _, allocatable := allocation(n, res, pod, true)
		var score, weights int64
		var free []string
		for j := range requested {
			if allocatable[j] == 0 {
				continue
			}
			var v int64
			if s.profile.FitStrategy == MostAllocated {
				v = min(requested[j], allocatable[j]) * maxNodeScore / allocatable[j]
			} else if requested[j] <= allocatable[j] {
				v = (allocatable[j] - requested[j]) * maxNodeScore / allocatable[j]
			}
			score += v * res[j].Weight
			weights += res[j].Weight
			free = append(free, fmt.Sprintf("%d%% of its %s", percentFree(requested[j], allocatable[j]), resourceWord(res[j].Name)))
		}
		if weights > 0 {
			raw[i] = score / weights
		}
		if len(free) > 0 {
			detail[i] = "with the pod, " + phrase.List(free, 4, ", ") + " free"
		}
	}
	return raw, detail, false
}

func percentFree(requested, allocatable int64) int64 {
	if requested >= allocatable {
		return 0
	}
	return (allocatable - requested) * 100 / allocatable
}

func resourceWord(name corev1.ResourceName) string {
	switch name {
	case corev1.ResourceCPU:
		return "CPU"
	case corev1.ResourceMemory:
		return "memory"
	}
	return string(name)
}

// scoreBalanced is NodeResourcesBalancedAllocation's score: how evenly the
// node's resources would be used with the pod, against without it, from
// the pods' actual requests; skipped for a pod that requests none of them.
func scoreBalanced(s *scoring) ([]int64, []string, bool) {
	res := s.profile.BalancedResources
	pod := make([]int64, len(res))
	any := false
	for i, r := range res {
		pod[i] = podResourceRequest(s.pod, r.Name, false)
		any = any || pod[i] != 0
	}
	if !any {
		return nil, nil, true
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		requested, allocated, allocatable := allocation(n, res, pod, false)
		with := balance(requested, allocatable)
		without := balance(allocated, allocatable)
		raw[i] = maxNodeScore/2 + (maxNodeScore/2+with-without)/2
		var used []string
		for j := range requested {
			if allocatable[j] > 0 {
				used = append(used, fmt.Sprintf("%s %d%%", resourceWord(res[j].Name), min(requested[j], allocatable[j])*100/allocatable[j]))
			}
		}
		detail[i] = "requested with the pod: " + strings.Join(used, ", ")
	}
	return raw, detail, false
}

// balance is balancedResourceScore: 100 × (1 − the standard deviation of
// the requested fractions).
func balance(requested, allocatable []int64) int64 {
	var fractions []float64
	var total float64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		f := math.Min(float64(requested[i])/float64(allocatable[i]), 1)
		total += f
		fractions = append(fractions, f)
	}
	std := 0.0
	switch {
	case len(fractions) == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case len(fractions) > 2:
		mean := total / float64(len(fractions))
		var sum float64
		for _, f := range fractions {
			sum += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sum / float64(len(fractions)))
	}
	return int64((1 - std) * float64(maxNodeScore))
}

// scoreImages is ImageLocality's score: the sizes of the pod's images the
// node holds, each scaled by the share of nodes holding it, between 23 MiB
// and 1000 MiB per image.
func scoreImages(s *scoring) ([]int64, []string, bool) {
	// The scheduler's cache keeps one size per image name, the one the
	// first node it saw with it reported: here, the oldest node's.
	type state struct {
		size, nodes int64
		from        *corev1.Node
	}
	states := map[string]*state{}
	older := func(a, b *corev1.Node) bool {
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	}
	for i := range s.nodes {
		node := &s.nodes[i]
		seen := map[string]bool{}
		for _, img := range node.Status.Images {
			for _, name := range img.Names {
				st := states[name]
				if st == nil {
					st = &state{size: img.SizeBytes, from: node}
					states[name] = st
				} else if older(node, st.from) {
					st.size, st.from = img.SizeBytes, node
				}
				if !seen[name] {
					seen[name] = true
					st.nodes++
				}
			}
		}
	}
	var images []string
	for _, c := range s.pod.Spec.InitContainers {
		images = append(images, c.Image)
	}
	for _, c := range s.pod.Spec.Containers {
		images = append(images, c.Image)
	}
	count := int64(len(images))
	for _, v := range s.pod.Spec.Volumes {
		if v.Image != nil {
			images = append(images, v.Image.Reference)
			count++
		}
	}
	total := int64(len(s.nodes))
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		have := map[string]bool{}
		for _, img := range n.node.Status.Images {
			for _, name := range img.Names {
				have[name] = true
			}
		}
		var sum int64
		var held []string
		for _, img := range images {
			name := normalizedImageName(img)
			if have[name] {
				st := states[name]
				sum += int64(float64(st.size) * (float64(st.nodes) / float64(total)))
				held = append(held, fmt.Sprintf("%s (%s, on %d of %d nodes)", img, phrase.Bytes(st.size), st.nodes, total))
			}
		}
		raw[i] = imagePriority(sum, count)
		if len(held) > 0 {
			detail[i] = "already has " + phrase.List(held, 3, ", ")
		} else {
			detail[i] = "has none of the pod's images"
		}
	}
	return raw, detail, false
}

func imagePriority(sum, count int64) int64 {
	maxThreshold := imageMaxContainerThreshold * count
	if sum < imageMinThreshold {
		sum = imageMinThreshold
	} else if sum > maxThreshold {
		sum = maxThreshold
	}
	return maxNodeScore * (sum - imageMinThreshold) / (maxThreshold - imageMinThreshold)
}

// normalizedImageName adds ":latest" to an image without a tag, as the
// scheduler does before looking it up in the nodes' images.
func normalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}

// scoreVolumeBinding scores 0 for a pod without claims; with claims it
// scores by the storage capacity left, which is not computed here.
func scoreVolumeBinding(s *scoring) ([]int64, []string, bool) {
	for _, v := range s.pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil || v.Ephemeral != nil {
			return nil, nil, false
		}
	}
	return make([]int64, len(s.feasible)), nil, false
}

// scoreDynamicResources scores 0 for a pod without resource claims.
func scoreDynamicResources(s *scoring) ([]int64, []string, bool) {
	if len(s.pod.Spec.ResourceClaims) > 0 {
		return nil, nil, false
	}
	return make([]int64, len(s.feasible)), nil, false
}

// softConstraint is a soft topology spread constraint as the scorer holds it.
type softConstraint struct {
	maxSkew        int32
	key            string
	selector       labels.Selector
	honorAffinity  bool
	honorTaints    bool
	selectorString string
}

// spreadConstraints are the pod's ScheduleAnyway constraints, or, when it
// has none at all, the default constraints with the selector of its
// services and controller. system is true for the system's defaults.
func (s *scoring) spreadConstraints() (out []softConstraint, system bool) {
	build := func(cs []corev1.TopologySpreadConstraint, sel labels.Selector, selText string) {
		for _, c := range cs {
			if c.WhenUnsatisfiable != corev1.ScheduleAnyway {
				continue
			}
			sc := softConstraint{maxSkew: c.MaxSkew, key: c.TopologyKey, selector: sel, selectorString: selText,
				honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
				honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor}
			if sel == nil {
				parsed, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
				if err != nil {
					continue
				}
				match := labels.Set{}
				for _, k := range c.MatchLabelKeys {
					if v, ok := s.pod.Labels[k]; ok {
						match[k] = v
					}
				}
				if len(match) > 0 {
					merged := labels.SelectorFromSet(match)
					if reqs, ok := parsed.Requirements(); ok {
						merged = merged.Add(reqs...)
					}
					parsed = merged
				}
				sc.selector, sc.selectorString = parsed, parsed.String()
			}
			out = append(out, sc)
		}
	}
	if len(s.pod.Spec.TopologySpreadConstraints) > 0 {
		build(s.pod.Spec.TopologySpreadConstraints, nil, "")
		return out, false
	}
	defaults, system := systemDefaultConstraints, true
	if s.profile.ListDefaulting {
		defaults, system = s.profile.DefaultConstraints, false
	}
	sel := s.defaultSelector()
	if sel == nil || sel.Empty() {
		return nil, system
	}
	build(defaults, sel, sel.String())
	return out, system
}

// defaultSelector is helper.DefaultSelector: the services' selectors merged,
// and the controller's; nil when the siblings were not read.
func (s *scoring) defaultSelector() labels.Selector {
	sib := s.siblings
	if sib == nil {
		return nil
	}
	set := labels.Set{}
	for _, svc := range sib.Services {
		set = labels.Merge(set, svc)
	}
	sel := set.AsSelector()
	switch {
	case sib.OwnerSet != nil:
		sel = labels.Merge(set, sib.OwnerSet).AsSelector()
	case sib.Owner != nil:
		if other, err := metav1.LabelSelectorAsSelector(sib.Owner); err == nil {
			if reqs, ok := other.Requirements(); ok {
				sel = sel.Add(reqs...)
			}
		}
	}
	return sel
}

// countMatching counts the node's pods in namespace ns that sel selects,
// leaving out pods being deleted.
func countMatching(n *nodeInfo, sel labels.Selector, ns string) int64 {
	if sel.Empty() {
		return 0
	}
	var c int64
	for _, p := range n.podList {
		if p.Deleting || p.Namespace != ns {
			continue
		}
		if sel.Matches(labels.Set(p.Labels)) {
			c++
		}
	}
	return c
}

// scoreSpread is PodTopologySpread's score and normalisation: nodes in
// topology domains with fewer matching pods score higher.
func scoreSpread(s *scoring) ([]int64, []string, bool) {
	cs, system := s.spreadConstraints()
	if len(cs) == 0 || len(s.nodes) == 0 {
		return nil, nil, true
	}
	requireAll := len(s.pod.Spec.TopologySpreadConstraints) > 0 || !system
	hasAll := func(n *corev1.Node) bool {
		for _, c := range cs {
			if _, ok := n.Labels[c.key]; !ok {
				return false
			}
		}
		return true
	}
	ignored := map[string]bool{}
	counts := make([]map[string]*int64, len(cs))
	for i := range counts {
		counts[i] = map[string]*int64{}
	}
	sizes := make([]int, len(cs))
	for _, n := range s.feasible {
		if requireAll && !hasAll(n.node) {
			ignored[n.node.Name] = true
			continue
		}
		for i, c := range cs {
			if c.key == corev1.LabelHostname {
				continue
			}
			v := n.node.Labels[c.key]
			if counts[i][v] == nil {
				counts[i][v] = new(int64)
				sizes[i]++
			}
		}
	}
	weights := make([]float64, len(cs))
	for i, c := range cs {
		size := sizes[i]
		if c.key == corev1.LabelHostname {
			size = len(s.feasible) - len(ignored)
		}
		weights[i] = math.Log(float64(size + 2))
	}
	required := nodeaffinity.GetRequiredNodeAffinity(s.pod)
	for i := range s.nodes {
		node := &s.nodes[i]
		if requireAll && !hasAll(node) {
			continue
		}
		info := s.e.infos[node.Name]
		for j, c := range cs {
			if c.honorAffinity {
				if ok, _ := required.Match(node); !ok {
					continue
				}
			}
			if c.honorTaints && !toleratesAll(s.pod, node) {
				continue
			}
			cnt := counts[j][node.Labels[c.key]]
			if cnt == nil {
				continue
			}
			*cnt += countMatching(info, c.selector, s.pod.Namespace)
		}
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		if ignored[n.node.Name] {
			detail[i] = "lacks a topology label of the pod's spread constraints, so it is not scored"
			continue
		}
		var score float64
		var parts []string
		for j, c := range cs {
			v, ok := n.node.Labels[c.key]
			if !ok {
				continue
			}
			var cnt int64
			if c.key == corev1.LabelHostname {
				cnt = countMatching(n, c.selector, s.pod.Namespace)
				parts = append(parts, fmt.Sprintf("runs %s", phrase.Plural(int(cnt), "matching pod")))
			} else {
				cnt = *counts[j][v]
				parts = append(parts, fmt.Sprintf("its %s %q runs %d", c.key, v, cnt))
			}
			score += float64(cnt)*weights[j] + float64(c.maxSkew-1)
		}
		raw[i] = int64(math.Round(score))
		detail[i] = strings.Join(parts, "; ")
		if detail[i] == "" {
			detail[i] = "has none of the constraints' topology labels"
		}
	}
	s.spreadIgnored = ignored
	return raw, detail, false
}

// normalizeSpread is PodTopologySpread's NormalizeScore: the fewest matching
// pods score 100; nodes it does not score get 0.
func normalizeSpread(scores []int64, ignored map[string]bool, nodes []*nodeInfo) {
	minScore, maxScore := int64(math.MaxInt64), int64(0)
	for i, v := range scores {
		if ignored[nodes[i].node.Name] {
			continue
		}
		minScore = min(minScore, v)
		maxScore = max(maxScore, v)
	}
	for i, v := range scores {
		switch {
		case ignored[nodes[i].node.Name]:
			scores[i] = 0
		case maxScore == 0:
			scores[i] = maxNodeScore
		default:
			scores[i] = maxNodeScore * (maxScore + minScore - v) / maxScore
		}
	}
}

// scoreInterPodAffinity sums, per topology domain, the pod's preferred
// (anti-)affinity to the pods there and theirs to it; skipped when no term
// matches any pod.
func scoreInterPodAffinity(s *scoring) ([]int64, []string, bool) {
	pod := s.pod
	var prefAff, prefAnti []corev1.WeightedPodAffinityTerm
	if a := pod.Spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			prefAff = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
		if a.PodAntiAffinity != nil {
			prefAnti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
	}
	if s.profile.IgnorePreferredTermsOfExistingPods && len(prefAff) == 0 && len(prefAnti) == 0 {
		return nil, nil, true
	}
	type weighted struct {
		t term
		w int64
	}
	own := func(ns string, ws []corev1.WeightedPodAffinityTerm, sign int64) []weighted {
		var out []weighted
		for _, w := range ws {
			if t, err := newTerm(ns, w.PodAffinityTerm); err == nil {
				out = append(out, weighted{t, int64(w.Weight) * sign})
			}
		}
		return out
	}
	mine := append(own(pod.Namespace, prefAff, 1), own(pod.Namespace, prefAnti, -1)...)
	scores := map[string]map[string]int64{}
	add := func(key string, node *corev1.Node, w int64) {
		v, ok := node.Labels[key]
		if !ok {
			return
		}
		if scores[key] == nil {
			scores[key] = map[string]int64{}
		}
		scores[key][v] += w
	}
	for i := range s.nodes {
		node := &s.nodes[i]
		if len(node.Labels) == 0 {
			continue
		}
		for _, p := range s.e.infos[node.Name].podList {
			for _, m := range mine {
				if m.t.matches(p.Namespace, p.Labels, s.e) {
					add(m.t.raw.TopologyKey, node, m.w)
				}
			}
			if s.profile.HardPodAffinityWeight > 0 {
				for _, t := range terms(p.Namespace, p.Affinity) {
					if t.matches(pod.Namespace, pod.Labels, s.e) {
						add(t.raw.TopologyKey, node, s.profile.HardPodAffinityWeight)
					}
				}
			}
			for _, m := range append(own(p.Namespace, p.Preferred, 1), own(p.Namespace, p.PreferredAnti, -1)...) {
				if m.t.matches(pod.Namespace, pod.Labels, s.e) {
					add(m.t.raw.TopologyKey, node, m.w)
				}
			}
		}
	}
	if len(scores) == 0 {
		return nil, nil, true
	}
	raw := make([]int64, len(s.feasible))
	detail := make([]string, len(s.feasible))
	for i, n := range s.feasible {
		for key, values := range scores {
			if v, ok := n.node.Labels[key]; ok {
				raw[i] += values[v]
			}
		}
		detail[i] = fmt.Sprintf("pod affinity preferences add up to %+d here", raw[i])
	}
	return raw, detail, false
}

// normalizeAffinity is InterPodAffinity's NormalizeScore: min to max onto 0 to 100.
func normalizeAffinity(_ *scoring, scores []int64) {
	minCount, maxCount := int64(math.MaxInt64), int64(math.MinInt64)
	for _, v := range scores {
		minCount = min(minCount, v)
		maxCount = max(maxCount, v)
	}
	diff := maxCount - minCount
	for i, v := range scores {
		f := 0.0
		if diff > 0 {
			f = float64(maxNodeScore) * (float64(v-minCount) / float64(diff))
		}
		scores[i] = int64(f)
	}
}

// numFeasibleNodesToFind is how many feasible nodes the scheduler looks for
// before it stops filtering: all nodes below 100, else a share that shrinks
// with the cluster's size, at least 5% and at least 100 nodes.
func numFeasibleNodesToFind(percentage int32, all int) int {
	if all < 100 {
		return all
	}
	if percentage == 0 {
		percentage = int32(50 - all/125)
		if percentage < 5 {
			percentage = 5
		}
	}
	n := all * int(percentage) / 100
	if n < 100 {
		return 100
	}
	return n
}

// sortScores orders nodes by total, highest first, then by name.
func sortScores(scores []NodeScore) {
	sort.SliceStable(scores, func(i, j int) bool {
		if scores[i].Total != scores[j].Total {
			return scores[i].Total > scores[j].Total
		}
		return scores[i].Node < scores[j].Node
	})
}

// topTied are the nodes that share the highest total of scores sorted by
// sortScores.
func topTied(scores []NodeScore) []string {
	var tied []string
	for _, n := range scores {
		if n.Total != scores[0].Total {
			break
		}
		tied = append(tied, n.Node)
	}
	return tied
}
