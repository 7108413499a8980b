package diagnose

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// term is a pod (anti-)affinity term made ready to match.
type term struct {
	raw        corev1.PodAffinityTerm
	selector   labels.Selector
	namespaces map[string]bool // nil: all namespaces matching nsSelector
	nsSelector labels.Selector // nil: only the listed namespaces
}

func newTerm(ownerNamespace string, t corev1.PodAffinityTerm) (term, error) {
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return term{}, err
	}
	out := term{raw: t, selector: sel}
	if t.NamespaceSelector != nil {
		if out.nsSelector, err = metav1.LabelSelectorAsSelector(t.NamespaceSelector); err != nil {
			return term{}, err
		}
	}
	if len(t.Namespaces) > 0 || t.NamespaceSelector == nil {
		out.namespaces = map[string]bool{}
		for _, ns := range t.Namespaces {
			out.namespaces[ns] = true
		}
		if len(t.Namespaces) == 0 {
			out.namespaces[ownerNamespace] = true
		}
	}
	return out, nil
}

// matches reports whether a pod in namespace with these labels is a pod the
// term is about.
func (t term) matches(namespace string, podLabels map[string]string, e *env) bool {
	inNS := t.namespaces[namespace]
	if !inNS && t.nsSelector != nil {
		inNS = t.nsSelector.Matches(labels.Set(e.namespaceLabels[namespace]))
	}
	return inNS && t.selector.Matches(labels.Set(podLabels))
}

func terms(ownerNamespace string, raw []corev1.PodAffinityTerm) []term {
	out := make([]term, 0, len(raw))
	for _, r := range raw {
		if t, err := newTerm(ownerNamespace, r); err == nil {
			out = append(out, t)
		}
	}
	return out
}

func requiredAffinity(p *corev1.Pod) []corev1.PodAffinityTerm {
	if p.Spec.Affinity == nil || p.Spec.Affinity.PodAffinity == nil {
		return nil
	}
	return p.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

func requiredAntiAffinity(p *corev1.Pod) []corev1.PodAffinityTerm {
	if p.Spec.Affinity == nil || p.Spec.Affinity.PodAntiAffinity == nil {
		return nil
	}
	return p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// sameDomain reports whether two nodes share a value of the topology key.
func sameDomain(a, b *corev1.Node, key string) bool {
	va, ok1 := a.Labels[key]
	vb, ok2 := b.Labels[key]
	return ok1 && ok2 && va == vb
}

// filterInterPodAffinity follows the scheduler's InterPodAffinity filter:
// the pod's required affinity, its required anti-affinity, then the
// required anti-affinity of the pods already placed.
func filterInterPodAffinity(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	if f := podAffinity(pod, n, e); f != nil {
		return f
	}
	if f := podAntiAffinity(pod, n, e); f != nil {
		return f
	}
	return existingAntiAffinity(pod, n, e)
}

// podAffinity follows the scheduler: an existing pod counts only if it
// matches all of the incoming pod's required affinity terms, and then counts
// in each term's topology domain of its node (if its node has that label).
// The node fits when, for every term, it has the topology label and the
// count in its domain is positive; or, when no pod was counted anywhere, if
// the pod matches all its own terms (the first pod of a group).
func podAffinity(pod *corev1.Pod, n *nodeInfo, e *env) *Failure {
	c := e.podCache(pod)
	ts, counts := c.affinity, c.affinityCounts
	if len(ts) == 0 {
		return nil
	}
	for _, t := range ts {
		key := t.raw.TopologyKey
		if _, ok := n.node.Labels[key]; !ok {
			return &Failure{Plugin: PluginInterPodAffinity, Reasons: []string{ReasonPodAffinity},
				Detail: fmt.Sprintf("required pod affinity (%s) groups nodes by %s, and the node has no %s label", selectorString(t.raw.LabelSelector), key, key)}
		}
	}
	for _, t := range ts {
		key := t.raw.TopologyKey
		if counts[[2]string{key, n.node.Labels[key]}] > 0 {
			continue
		}
		if len(counts) == 0 && matchesAll(ts, pod.Namespace, pod.Labels, e) {
			return nil // the first pod of a group may go anywhere
		}
		where := "no pod matches all its affinity terms anywhere"
		if len(counts) > 0 {
			where = "the matching pods run in other " + key + " domains"
		}
		return &Failure{Plugin: PluginInterPodAffinity, Reasons: []string{ReasonPodAffinity},
			Detail: fmt.Sprintf("required pod affinity wants a pod matching %s in the same %s (%s=%s); %s", selectorString(t.raw.LabelSelector), key, key, n.node.Labels[key], where)}
	}
	return nil
}

func matchesAll(ts []term, namespace string, podLabels map[string]string, e *env) bool {
	for _, t := range ts {
		if !t.matches(namespace, podLabels, e) {
			return false
		}
	}
	return true
}

func podAntiAffinity(pod *corev1.Pod, n *nodeInfo, e *env) *Failure {
	c := e.podCache(pod)
	for i, t := range c.anti {
		key := t.raw.TopologyKey
		value, ok := n.node.Labels[key]
		if !ok {
			continue
		}
		clash := append([]string(nil), c.antiDomains[i][value]...)
		for _, p := range n.nominated {
			if t.matches(p.Namespace, p.Labels, e) {
				clash = append(clash, fmt.Sprintf("%s/%s nominated to run on %s", p.Namespace, p.Name, n.node.Name))
			}
		}
		if len(clash) > 0 {
			sort.Strings(clash)
			return &Failure{Plugin: PluginInterPodAffinity, Reasons: []string{ReasonPodAntiAffinity},
				Detail: fmt.Sprintf("required pod anti-affinity forbids sharing %s=%s with pods matching %s: %s", key, n.node.Labels[key], selectorString(t.raw.LabelSelector), semicolonList(clash))}
		}
	}
	return nil
}

func existingAntiAffinity(pod *corev1.Pod, n *nodeInfo, e *env) *Failure {
	var clash []string
	for _, a := range e.antiPods() {
		for _, t := range a.terms {
			if sameDomain(n.node, a.node, t.raw.TopologyKey) && t.matches(pod.Namespace, pod.Labels, e) {
				clash = append(clash, fmt.Sprintf("%s/%s on %s (no pod matching %s in the same %s)", a.pod.Namespace, a.pod.Name, a.node.Name, selectorString(t.raw.LabelSelector), t.raw.TopologyKey))
			}
		}
	}
	for _, p := range n.nominated {
		for _, t := range terms(p.Namespace, p.AntiAffinity) {
			if _, ok := n.node.Labels[t.raw.TopologyKey]; ok && t.matches(pod.Namespace, pod.Labels, e) {
				clash = append(clash, fmt.Sprintf("%s/%s nominated to run on %s (no pod matching %s in the same %s)", p.Namespace, p.Name, n.node.Name, selectorString(t.raw.LabelSelector), t.raw.TopologyKey))
			}
		}
	}
	if len(clash) == 0 {
		return nil
	}
	sort.Strings(clash)
	return &Failure{Plugin: PluginInterPodAffinity, Reasons: []string{ReasonExistingAntiAffinity},
		Detail: "pods already placed keep this pod away by their required anti-affinity: " + semicolonList(clash)}
}

// filterPodTopologySpread follows the scheduler's PodTopologySpread filter
// for the constraints with whenUnsatisfiable: DoNotSchedule.
func filterPodTopologySpread(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	var hard []corev1.TopologySpreadConstraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable == corev1.DoNotSchedule {
			hard = append(hard, c)
		}
	}
	if len(hard) == 0 {
		return nil
	}
	affinity := nodeaffinity.GetRequiredNodeAffinity(pod)
	// Like the scheduler, take the constraints in order and stop at the
	// first that fails, for a missing label or for the skew.
	for _, c := range hard {
		if _, ok := n.node.Labels[c.TopologyKey]; !ok {
			return &Failure{Plugin: PluginPodTopologySpread, Reasons: []string{ReasonTopologySpreadMissLabel},
				Detail: fmt.Sprintf("the pod spreads over %s, and the node has no %s label", c.TopologyKey, c.TopologyKey)}
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			continue
		}
		// matchLabelKeys narrow the selector to the pod's own values.
		for _, key := range c.MatchLabelKeys {
			if v, ok := pod.Labels[key]; ok {
				if r, err := labels.NewRequirement(key, selection.In, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
		// Count the matching pods per domain, over the nodes the pod could
		// use (its node affinity honoured, taints ignored: the defaults).
		counts := map[string]int{}
		for _, other := range e.infos {
			if !hasAllKeys(other.node, hard) {
				continue
			}
			if c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
				if ok, _ := affinity.Match(other.node); !ok {
					continue
				}
			}
			if c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor && !toleratesAll(pod, other.node) {
				continue
			}
			domain := other.node.Labels[c.TopologyKey]
			if _, ok := counts[domain]; !ok {
				counts[domain] = 0
			}
			for _, p := range other.podList {
				// An empty selector counts no existing pod, as in the scheduler.
				if p.Namespace == pod.Namespace && !p.Deleting && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
					counts[domain]++
				}
			}
		}
		// Pods nominated to this node count in its domain, as the
		// scheduler adds them before filtering.
		if _, ok := counts[n.node.Labels[c.TopologyKey]]; ok {
			for _, p := range n.nominated {
				if p.Namespace == pod.Namespace && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
					counts[n.node.Labels[c.TopologyKey]]++
				}
			}
		}
		minMatch := -1
		for _, v := range counts {
			if minMatch < 0 || v < minMatch {
				minMatch = v
			}
		}
		if minMatch < 0 || c.MinDomains != nil && int32(len(counts)) < *c.MinDomains {
			minMatch = 0
		}
		self := 0
		if sel.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		domain := n.node.Labels[c.TopologyKey]
		skew := counts[domain] + self - minMatch
		if skew > int(c.MaxSkew) {
			return &Failure{Plugin: PluginPodTopologySpread, Reasons: []string{ReasonTopologySpread},
				Detail: fmt.Sprintf("placing it here makes %s=%s hold %d pods matching %s against %d in the emptiest %s: a skew of %d, more than maxSkew %d",
					c.TopologyKey, domain, counts[domain]+self, selectorString(c.LabelSelector), minMatch, c.TopologyKey, skew, c.MaxSkew)}
		}
	}
	return nil
}

func hasAllKeys(n *corev1.Node, cs []corev1.TopologySpreadConstraint) bool {
	for _, c := range cs {
		if _, ok := n.Labels[c.TopologyKey]; !ok {
			return false
		}
	}
	return true
}

// toleratesAll reports whether the pod tolerates every NoSchedule and
// NoExecute taint of the node, the cordon's own taint included.
func toleratesAll(pod *corev1.Pod, n *corev1.Node) bool {
	_, untolerated := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}, false)
	return !untolerated
}

func selectorString(s *metav1.LabelSelector) string {
	if s == nil {
		return "nothing"
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil || sel.Empty() {
		return "{}"
	}
	return "{" + sel.String() + "}"
}

// affinityCache is what the pod-affinity checks of one incoming pod compute
// once over all pods, instead of once per node.
type affinityCache struct {
	affinity       []term
	affinityCounts map[[2]string]int
	anti           []term
	// antiDomains[i] maps a topology value of anti[i]'s key to the pods
	// there that the term matches.
	antiDomains []map[string][]string
}

// antiPod is a placed pod with required anti-affinity terms.
type antiPod struct {
	pod   *cluster.BoundPod
	node  *corev1.Node
	terms []term
}

// antiPods lists, once per env, the placed pods that have required
// anti-affinity; in most clusters they are few.
func (e *env) antiPods() []antiPod {
	if e.anti == nil {
		e.anti = []antiPod{}
		for _, info := range e.infos {
			for _, p := range info.podList {
				if len(p.AntiAffinity) > 0 {
					e.anti = append(e.anti, antiPod{pod: p, node: info.node, terms: terms(p.Namespace, p.AntiAffinity)})
				}
			}
		}
	}
	return e.anti
}

// podCache computes, once per incoming pod, its affinity counts and the
// domains its anti-affinity terms rule out.
func (e *env) podCache(pod *corev1.Pod) *affinityCache {
	if c, ok := e.caches[pod]; ok {
		return c
	}
	c := &affinityCache{affinity: terms(pod.Namespace, requiredAffinity(pod)), anti: terms(pod.Namespace, requiredAntiAffinity(pod))}
	if len(c.affinity) > 0 {
		c.affinityCounts = map[[2]string]int{}
	}
	c.antiDomains = make([]map[string][]string, len(c.anti))
	for i := range c.anti {
		c.antiDomains[i] = map[string][]string{}
	}
	if len(c.affinity) > 0 || len(c.anti) > 0 {
		for _, other := range e.infos {
			for _, p := range other.podList {
				if len(c.affinity) > 0 && matchesAll(c.affinity, p.Namespace, p.Labels, e) {
					for _, t := range c.affinity {
						if v, ok := other.node.Labels[t.raw.TopologyKey]; ok {
							c.affinityCounts[[2]string{t.raw.TopologyKey, v}]++
						}
					}
				}
				for i, t := range c.anti {
					v, ok := other.node.Labels[t.raw.TopologyKey]
					if ok && t.matches(p.Namespace, p.Labels, e) {
						c.antiDomains[i][v] = append(c.antiDomains[i][v], fmt.Sprintf("%s/%s on %s", p.Namespace, p.Name, other.node.Name))
					}
				}
			}
		}
	}
	if e.caches == nil {
		e.caches = map[*corev1.Pod]*affinityCache{}
	}
	e.caches[pod] = c
	return c
}

// semicolonList names up to three items, which may hold commas, and counts
// the rest.
func semicolonList(items []string) string { return phrase.List(items, 3, "; ") }
