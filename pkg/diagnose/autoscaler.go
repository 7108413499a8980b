package diagnose

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
)

// The components that add nodes for pending pods, as their events name
// them in source.component.
const (
	ComponentClusterAutoscaler = "cluster-autoscaler"
	ComponentKarpenter         = "karpenter"
)

// The reasons of the node autoscalers' events about pods.
const (
	// The cluster autoscaler's (core/scaleup: EventingScaleUpStatusProcessor).
	EventTriggeredScaleUp   = "TriggeredScaleUp"
	EventNotTriggerScaleUp  = "NotTriggerScaleUp"
	EventScaleDown          = "ScaleDown"
	EventFailedScheduling   = "FailedScheduling"
	EventKarpenterNominated = "Nominated"
)

// ScaleUpState is what a node autoscaler last said it does for a pod.
type ScaleUpState string

const (
	// ScaleUpTriggered: a node is being added for the pod.
	ScaleUpTriggered ScaleUpState = "scale-up-triggered"
	// ScaleUpNominated: Karpenter has chosen a node, new or launching, for it.
	ScaleUpNominated ScaleUpState = "node-nominated"
	// ScaleUpNotTriggered: no node group's new node would let the pod run.
	ScaleUpNotTriggered ScaleUpState = "no-scale-up"
	// ScaleUpFailed: Karpenter could not find or launch a node for it.
	ScaleUpFailed ScaleUpState = "cannot-provision"
	// ScaleDownEviction: the pod was evicted because its node is removed.
	ScaleDownEviction ScaleUpState = "evicted-for-scale-down"
	// ScaleDownNode: a node is removed, or its removal failed.
	ScaleDownNode ScaleUpState = "node-scale-down"
	// ScaleUpGroupFailed: the cloud refused to grow a node group.
	ScaleUpGroupFailed ScaleUpState = "scale-up-failed"
)

// Autoscaling is a node autoscaler's word about a pod: a cluster
// autoscaler's or Karpenter's event, explained.
type Autoscaling struct {
	// Component is cluster-autoscaler or karpenter.
	Component string       `json:"component"`
	Reason    string       `json:"reason"`
	Message   string       `json:"message"`
	At        time.Time    `json:"at,omitempty"`
	State     ScaleUpState `json:"state"`
	// Meaning says in plain words what the autoscaler does or why not.
	Meaning string `json:"meaning"`
	Fix     string `json:"fix,omitempty"`
	// Groups are the node groups a scale-up grows.
	Groups []ScaleUpGroup `json:"groups,omitempty"`
	// NodePools are the Karpenter NodePools (or Provisioners) the event names.
	NodePools []string `json:"nodePools,omitempty"`
	// Nominated is what Karpenter says the pod should run on:
	// nodeclaim/NAME, node/NAME.
	Nominated []string `json:"nominated,omitempty"`
	// Reasons are the cluster autoscaler's reasons for not scaling up, each
	// counted in node groups, or Karpenter's causes, uncounted.
	Reasons []ReasonExplained `json:"reasons,omitempty"`
}

// ScaleUpGroup is one node group a scale-up grows: "{group 1->2 (max: 5)}".
type ScaleUpGroup struct {
	Name string `json:"name"`
	From int    `json:"from"`
	To   int    `json:"to"`
	Max  int    `json:"max"`
}

var (
	// The cluster autoscaler's ScaleUpInfo, printed with %v.
	scaleUpGroupRE = regexp.MustCompile(`\{(\S+) (\d+)->(\d+) \(max: (\d+)\)\}`)
	// Karpenter names the NodePool (v1) or Provisioner (v0) that cannot
	// take the pod.
	nodePoolRE = regexp.MustCompile(`(?:nodepool|NodePool|provisioner|Provisioner)(?:[ =]|: )"?([a-zA-Z0-9][-a-zA-Z0-9.]*)"?`)
	// A cluster autoscaler's cluster-wide resource limit.
	maxClusterLimitRE = regexp.MustCompile(`^max cluster (.+) limit reached$`)
	exceededQuotaRE   = regexp.MustCompile(`^exceeded quota: "?([^",]+)"?, resources: (.+)$`)
)

// The cluster autoscaler's prefixes for its pod events.
const (
	notTriggeredPrefix = "pod didn't trigger scale-up"
	triggeredPrefix    = "pod triggered scale-up:"
	scaleDownPodText   = "deleting pod for node scale down"
	karpenterFailed    = "Failed to schedule pod,"
	karpenterCouldNot  = "Could not schedule pod,"
	karpenterNominated = "Pod should schedule on"
)

// autoscalerReasons are the reasons the cluster autoscaler gives for a node
// group it skipped (core/scaleup/orchestrator/skippedreasons.go), beside the
// scheduler's reasons for a group's template node.
var autoscalerReasons = map[string][2]string{
	"max node group size reached": {
		"These node groups are already at their maximum size, so the autoscaler may not add a node to them.",
		"Raise the node group's maximum (GKE: the node pool's autoscaling maximum; EKS: the node group's maxSize and its Auto Scaling group's max; AKS: the node pool's --max-count), or free room on its nodes.",
	},
	"max limit reached": {
		"These node groups are already at their maximum size (an older autoscaler's wording), so the autoscaler may not add a node to them.",
		"Raise the node group's maximum size, or free room on its nodes.",
	},
	"in backoff after failed scale-up": {
		"A recent attempt to add a node to these groups failed (cloud quota, no capacity left in the zone, an instance that never joined), so the autoscaler leaves them alone for a while before it tries again.",
		"Find why the last scale-up failed: the autoscaler's events and its status (`kubectl -n kube-system get configmap cluster-autoscaler-status -o yaml`), and the cloud's errors for the group (quota, stock-outs, launch failures).",
	},
	"not ready for scale-up": {
		"These node groups are not ready to grow: a scale-up of theirs is still under way, or they have nodes that have not become Ready.",
		"Wait for the running scale-up; if it does not finish, look at the group's new instances and why they do not join.",
	},
	"at least one node can be vertically scaled": {
		"A node of these groups can be resized in place to make room, so the autoscaler does not add one.",
		"Wait for the node to be resized.",
	},
}

// autoscalerReason explains one reason of a NotTriggerScaleUp event: the
// autoscaler's own, or the scheduler's reason for a group's template node.
func autoscalerReason(reason string, groups int) ReasonExplained {
	r := ReasonExplained{Reason: reason, Count: groups}
	if m, ok := autoscalerReasons[reason]; ok {
		r.Meaning, r.Fix = m[0], m[1]
		return r
	}
	if m := maxClusterLimitRE.FindStringSubmatch(reason); m != nil {
		r.Meaning = "Adding a node would take the whole cluster past the autoscaler's limit on " + m[1] + " (--cores-total or --memory-total, or GKE's node auto-provisioning resource limits)."
		r.Fix = "Raise the cluster-wide limit, or free " + m[1] + " by scaling other workloads down."
		return r
	}
	if m := exceededQuotaRE.FindStringSubmatch(reason); m != nil {
		r.Meaning = "Adding a node would exceed the autoscaler's quota " + m[1] + " on " + m[2] + "."
		r.Fix = "Raise the quota, or free " + m[2] + " elsewhere."
		return r
	}
	s := explainReason(reason, groups)
	r.Plugin = s.Plugin
	r.Releases, r.Now = s.Releases, s.Now
	r.Meaning = "A new node from these node groups would fail this scheduler check too, so adding one would not help. " + s.Meaning
	r.Fix = s.Fix
	return r
}

// explainAutoscalerMessage explains a node autoscaler's event message, or
// returns nil if it is not one.
func explainAutoscalerMessage(msg string) *Autoscaling {
	switch {
	case strings.HasPrefix(msg, notTriggeredPrefix):
		return notTriggered(msg)
	case strings.HasPrefix(msg, triggeredPrefix):
		return triggered(msg)
	case strings.HasPrefix(msg, scaleDownPodText):
		return &Autoscaling{Component: ComponentClusterAutoscaler, Reason: EventScaleDown, Message: msg, State: ScaleDownEviction,
			Meaning: "The cluster autoscaler evicted the pod because it is removing the pod's node (too little used); the pod's controller makes a new one, which the scheduler places on another node."}
	case strings.HasPrefix(msg, karpenterFailed), strings.HasPrefix(msg, karpenterCouldNot),
		strings.HasPrefix(msg, "incompatible with nodepool"), strings.HasPrefix(msg, "incompatible with provisioner"),
		strings.HasPrefix(msg, "all available instance types exceed limits"):
		return karpenterFailure(msg)
	case strings.HasPrefix(msg, karpenterNominated):
		return nominated(msg)
	case strings.HasPrefix(msg, oldTriggeredPrefix):
		return oldTriggered(msg)
	}
	for _, e := range autoscalerNotices {
		if e.re.MatchString(msg) {
			return &Autoscaling{Component: ComponentClusterAutoscaler, Reason: e.reason, Message: msg, State: e.state, Meaning: e.meaning, Fix: e.fix}
		}
	}
	return nil
}

// oldTriggeredPrefix starts the cluster autoscaler's first wording of
// TriggeredScaleUp (0.x): "pod triggered scale-up, group: G, sizes
// (current/new): 3/4".
const oldTriggeredPrefix = "pod triggered scale-up, group: "

var oldTriggeredRE = regexp.MustCompile(`^pod triggered scale-up, group: (\S+), sizes \(current/new\): (\d+)/(\d+)`)

func oldTriggered(msg string) *Autoscaling {
	a := &Autoscaling{Component: ComponentClusterAutoscaler, Reason: EventTriggeredScaleUp, Message: msg, State: ScaleUpTriggered}
	if m := oldTriggeredRE.FindStringSubmatch(msg); m != nil {
		g := ScaleUpGroup{Name: m[1]}
		g.From, _ = strconv.Atoi(m[2])
		g.To, _ = strconv.Atoi(m[3])
		a.Groups = []ScaleUpGroup{g}
		a.Meaning = fmt.Sprintf("The cluster autoscaler is adding nodes for this pod: node group %s from %d to %d. The pod stays Pending until a new node has joined and is Ready, usually a few minutes.", g.Name, g.From, g.To)
	} else {
		a.Meaning = "The cluster autoscaler is adding nodes for this pod. The pod stays Pending until a new node has joined and is Ready, usually a few minutes."
	}
	a.Fix = "Wait for the new node. If none joins within about 15 minutes, look at the node group's instances and the autoscaler's events."
	return a
}

// autoscalerNotices are the cluster autoscaler's events about nodes and
// node groups (on the Node, or on the kube-system/cluster-autoscaler-status
// ConfigMap), by their wordings across its releases.
var autoscalerNotices = []struct {
	re           *regexp.Regexp
	reason       string
	state        ScaleUpState
	meaning, fix string
}{
	{regexp.MustCompile(`^Scale-down: (removing empty node|empty node) \S+`), "ScaleDownEmpty", ScaleDownNode,
		"The cluster autoscaler removes a node that runs no pods it needs to keep: the node is deleted and its cloud instance released.", ""},
	{regexp.MustCompile(`^Scale-down: removing node \S+`), "ScaleDown", ScaleDownNode,
		"The cluster autoscaler removes a node it finds underused, after moving its pods elsewhere.", ""},
	{regexp.MustCompile(`^node removed by cluster autoscaler`), "ScaleDown", ScaleDownNode,
		"The cluster autoscaler removed this node: it was underused and its pods could run elsewhere.", ""},
	{regexp.MustCompile(`^marked the node as toBeDeleted/unschedulable`), "ScaleDown", ScaleDownNode,
		"The cluster autoscaler is about to remove this node: it tainted it ToBeDeletedByClusterAutoscaler so no new pods go there, and drains it.", ""},
	{regexp.MustCompile(`^failed to drain the node`), "ScaleDownFailed", ScaleDownNode,
		"The cluster autoscaler wanted to remove this node but could not evict all its pods (a PodDisruptionBudget, a pod with local storage or without a controller), so it gave up and keeps the node.", "Look at the pods left on the node and what protects them; the autoscaler's log names the pod it could not evict."},
	{regexp.MustCompile(`^Scale-up: (setting group \S+ size to \d+|group \S+ size set to \d+)`), "ScaledUpGroup", ScaleUpTriggered,
		"The cluster autoscaler grows a node group: new nodes are on their way.", ""},
	{regexp.MustCompile(`^Scale-up failed for group \S+`), "FailedToScaleUpGroup", ScaleUpGroupFailed,
		"The cluster autoscaler tried to grow a node group and the cloud provider refused; the rest of the message gives the provider's reason. The group is left alone for a while (backoff) before the next try.", "Fix what the provider's error names (the group's size limits, quota, instance capacity); the autoscaler tries again after its backoff."},
}

// notTriggered reads "pod didn't trigger scale-up: 2 reason, 1 reason" and
// its older form "pod didn't trigger scale-up (it wouldn't fit if a new node
// is added): …". The counts are node groups, not nodes.
func notTriggered(msg string) *Autoscaling {
	a := &Autoscaling{Component: ComponentClusterAutoscaler, Reason: EventNotTriggerScaleUp, Message: msg, State: ScaleUpNotTriggered}
	rest := strings.TrimPrefix(msg, notTriggeredPrefix)
	if strings.HasPrefix(rest, " (") {
		if i := strings.Index(rest, ")"); i >= 0 {
			rest = rest[i+1:]
		}
	}
	rest = strings.TrimRight(strings.TrimSpace(strings.TrimPrefix(rest, ":")), ".")
	groups := 0
	for _, part := range splitReasons(rest) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n := 0
		if cm := countRE.FindStringSubmatch(part); cm != nil {
			n, part = atoi(cm[1]), cm[2]
		}
		groups += n
		a.Reasons = append(a.Reasons, autoscalerReason(part, n))
	}
	sort.SliceStable(a.Reasons, func(i, j int) bool { return a.Reasons[i].Count > a.Reasons[j].Count })
	a.Meaning = "The cluster autoscaler looked for a node group to grow for this pod and found none: a new node of any group it manages would not let the pod run either."
	if len(a.Reasons) > 0 {
		a.Meaning += " The counts below are node groups, not nodes."
	} else {
		a.Meaning += " This autoscaler does not say why; its log does (`kubectl -n kube-system logs deploy/cluster-autoscaler | grep POD`)."
	}
	a.Fix = "Fix what keeps the pod off the node groups (below), or add a node group whose nodes the pod fits; nothing will be added for it as things are."
	return a
}

// triggered reads "pod triggered scale-up: [{group 1->2 (max: 5)}]".
func triggered(msg string) *Autoscaling {
	a := &Autoscaling{Component: ComponentClusterAutoscaler, Reason: EventTriggeredScaleUp, Message: msg, State: ScaleUpTriggered}
	var grows []string
	for _, m := range scaleUpGroupRE.FindAllStringSubmatch(msg, -1) {
		g := ScaleUpGroup{Name: m[1]}
		g.From, _ = strconv.Atoi(m[2])
		g.To, _ = strconv.Atoi(m[3])
		g.Max, _ = strconv.Atoi(m[4])
		a.Groups = append(a.Groups, g)
		grows = append(grows, fmt.Sprintf("%s from %d to %d (max %d)", shortGroup(g.Name), g.From, g.To, g.Max))
	}
	a.Meaning = "The cluster autoscaler is adding nodes for this pod"
	if len(grows) > 0 {
		a.Meaning += ": node group " + phrase.List(grows, 5, ", ")
	}
	a.Meaning += ". The pod stays Pending until a new node has joined and is Ready, usually a few minutes."
	a.Fix = "Wait for the new node. If none joins within about 15 minutes, look at the node group's instances and the autoscaler's events: the cloud may have refused the scale-up (quota, no capacity in the zone)."
	return a
}

// shortGroup shortens a node group's id to its name: GKE's groups are
// instance group URLs.
func shortGroup(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 && strings.HasPrefix(id, "https://") {
		return id[i+1:]
	}
	return id
}

// karpenterCauses are the phrases of Karpenter's scheduling errors
// (pkg/controllers/provisioning/scheduling), each explained.
var karpenterCauses = []struct {
	phrase, meaning, fix string
}{
	{"did not tolerate", "The NodePool's nodes carry a taint the pod does not tolerate.", "Tolerate the NodePool's taint only if the pod belongs on its nodes; otherwise let another NodePool serve it."},
	{"incompatible requirements", "The pod's node selector or affinity asks for labels (zone, architecture, instance type, capacity type) the NodePool's requirements rule out.", "Compare the pod's nodeSelector and affinity with the NodePool's spec.template.spec.requirements; change one of them."},
	{"does not have known values", "The pod asks for a label the NodePool does not set on its nodes, so no node it makes could match.", "Add the label to the NodePool's template, or drop it from the pod's selector."},
	{"no instance type", "No instance type the NodePool allows has room for the pod (with its daemonset overhead) and meets its requirements.", "Lower the pod's requests, or allow larger or other instance types in the NodePool's requirements."},
	{"exceed limits", "The NodePool has reached its limits (spec.limits), so Karpenter may not launch another node for it.", "Raise the NodePool's spec.limits, or free room on its nodes."},
	{"limits have been exhausted", "The NodePool has reached its limits (spec.limits), so Karpenter may not launch another node for it.", "Raise the NodePool's spec.limits, or free room on its nodes."},
	{"incompatible volume requirements", "A volume of the pod can only be used in a zone the NodePool does not launch nodes in.", "Let the NodePool launch nodes in the volume's zone."},
	{"not yet supported by Karpenter", "The pod uses dynamic resource allocation, which this Karpenter cannot provision for.", "Provide nodes for such pods by other means."},
}

// karpenterFailure reads Karpenter's "Failed to schedule pod, …" event (and
// its older log line "Could not schedule pod, …"): one part a NodePool,
// "incompatible with nodepool "a", …; incompatible with nodepool "b", …".
func karpenterFailure(msg string) *Autoscaling {
	a := &Autoscaling{Component: ComponentKarpenter, Reason: EventFailedScheduling, Message: msg, State: ScaleUpFailed}
	for _, part := range strings.Split(msg, "; ") {
		pool := ""
		if m := nodePoolRE.FindStringSubmatch(part); m != nil {
			pool = m[1]
			a.NodePools = append(a.NodePools, pool)
		}
		for _, c := range karpenterCauses {
			if !strings.Contains(part, c.phrase) {
				continue
			}
			r := ReasonExplained{Reason: c.phrase, Meaning: c.meaning, Fix: c.fix}
			if pool != "" {
				r.Reason = "NodePool " + pool + ": " + c.phrase
			}
			a.Reasons = append(a.Reasons, r)
		}
	}
	a.Meaning = "Karpenter could not find a node to launch for this pod"
	if len(a.NodePools) > 0 {
		a.Meaning += ": no NodePool of those it tried (" + phrase.List(a.NodePools, 5, ", ") + ") can make a node the pod fits"
	}
	a.Meaning += "."
	if len(a.Reasons) == 0 {
		a.Meaning += " The rest of the message says why, in Karpenter's words."
	}
	a.Fix = "Change the pod or a NodePool so that some NodePool can make a node the pod fits."
	return a
}

// nominated reads Karpenter's "Pod should schedule on: nodeclaim/X, node/Y".
func nominated(msg string) *Autoscaling {
	a := &Autoscaling{Component: ComponentKarpenter, Reason: EventKarpenterNominated, Message: msg, State: ScaleUpNominated}
	rest := strings.TrimPrefix(msg, karpenterNominated)
	rest = strings.TrimPrefix(strings.TrimSpace(rest), "node")
	rest = strings.TrimSpace(strings.TrimPrefix(rest, ":"))
	for _, f := range strings.Split(rest, ",") {
		if f = strings.TrimSpace(f); f != "" {
			a.Nominated = append(a.Nominated, f)
		}
	}
	a.Meaning = "Karpenter has picked a node for this pod"
	if len(a.Nominated) > 0 {
		a.Meaning += " (" + strings.Join(a.Nominated, ", ") + ")"
	}
	a.Meaning += ", new or still starting; the pod stays Pending until that node is Ready, usually a minute or two."
	a.Fix = "Wait for the node. If it does not become Ready, look at the NodeClaim (`kubectl describe nodeclaim NAME`) for launch errors."
	return a
}

// latestAutoscaling finds the node autoscalers' latest word on a pod in its
// events, or nil.
func latestAutoscaling(events []corev1.Event) *Autoscaling {
	var latest *corev1.Event
	for i := range events {
		e := &events[i]
		if !fromAutoscaler(e) {
			continue
		}
		if latest == nil || eventTime(e).After(eventTime(latest)) {
			latest = e
		}
	}
	if latest == nil {
		return nil
	}
	a := explainAutoscalerMessage(strings.TrimSpace(latest.Message))
	if a == nil {
		return nil
	}
	a.Reason, a.At = latest.Reason, eventTime(latest).UTC()
	if c := latest.Source.Component; c != "" {
		a.Component = c
	}
	return a
}

// fromAutoscaler says whether an event is a node autoscaler's word on a
// pending pod.
func fromAutoscaler(e *corev1.Event) bool {
	switch e.Reason {
	case EventTriggeredScaleUp, EventNotTriggerScaleUp:
		return true
	case EventFailedScheduling, EventKarpenterNominated:
		return isKarpenterEvent(e)
	}
	return false
}

// isKarpenterEvent tells Karpenter's events from the scheduler's: they share
// the reason FailedScheduling.
func isKarpenterEvent(e *corev1.Event) bool {
	return e.Source.Component == ComponentKarpenter || e.ReportingController == ComponentKarpenter ||
		strings.HasPrefix(e.Message, karpenterFailed) || strings.HasPrefix(e.Message, karpenterNominated)
}

// Short says in a clause what the autoscaler does for the pod, for a line
// of its own: "the cluster autoscaler is adding a node (group ng-1 from 1
// to 2, max 5)".
func (a *Autoscaling) Short() string {
	switch a.State {
	case ScaleUpTriggered:
		var gs []string
		for _, g := range a.Groups {
			gs = append(gs, fmt.Sprintf("%s from %d to %d, max %d", shortGroup(g.Name), g.From, g.To, g.Max))
		}
		s := "the cluster autoscaler is adding a node"
		if len(gs) > 0 {
			s += " (group " + phrase.List(gs, 3, "; ") + ")"
		}
		return s
	case ScaleUpNominated:
		s := "Karpenter is launching a node for it"
		if len(a.Nominated) > 0 {
			s += " (" + strings.Join(a.Nominated, ", ") + ")"
		}
		return s
	case ScaleUpNotTriggered:
		s := "the cluster autoscaler will not add a node for it"
		if len(a.Reasons) > 0 {
			r := a.Reasons[0]
			s += fmt.Sprintf(" (%s: %s)", phrase.Plural(r.Count, "node group"), r.Reason)
		}
		return s
	case ScaleUpFailed:
		s := "Karpenter cannot launch a node for it"
		if len(a.NodePools) > 0 {
			s += " (NodePool " + phrase.List(a.NodePools, 3, ", ") + ")"
		}
		return s
	}
	return a.Meaning
}

// Sentence says what the autoscaler does for the pod and when it said so,
// for the diagnosis's summary.
func (a *Autoscaling) Sentence(now time.Time) string {
	when := ""
	if !a.At.IsZero() {
		when = " (" + duration.HumanDuration(now.Sub(a.At)) + " ago)"
	}
	switch {
	case a.Stale(now):
		return capitalise(a.past()) + when + ", and the pod still waits: the new node has not come or has not taken the pod; look at the node group's instances (Karpenter: the NodeClaim) and the autoscaler's latest events."
	case a.State == ScaleUpTriggered || a.State == ScaleUpNominated:
		return capitalise(a.Short()) + when + ": the pod should run once the new node is Ready."
	case a.State == ScaleUpNotTriggered || a.State == ScaleUpFailed:
		return capitalise(a.Short()) + when + ", so the pod waits until what blocks it is fixed."
	}
	return capitalise(a.Short()) + when + "."
}

// past says Short of a scale-up that is over: "the cluster autoscaler was
// adding a node (…)".
func (a *Autoscaling) past() string { return strings.Replace(a.Short(), " is ", " was ", 1) }

// scaleUpPatience is how long a new node takes at most, as a rule, from
// the autoscaler's decision to Ready: the cluster autoscaler's default
// --max-node-provision-time is 15 minutes.
const scaleUpPatience = 15 * time.Minute

// Stale says a scale-up or nomination is older than a new node takes to
// come, so waiting for it is no longer the answer.
func (a *Autoscaling) Stale(now time.Time) bool {
	return (a.State == ScaleUpTriggered || a.State == ScaleUpNominated) && !a.At.IsZero() && now.Sub(a.At) > scaleUpPatience
}

// capitalise starts a sentence with a capital letter.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// withScaleUp places what a node autoscaler's word makes the fix among the
// remedies: waiting for the node it adds comes first; raising the size of
// node groups at their maximum restores ordinary capacity, so it comes
// before any change to the pod.
func withScaleUp(rs []Remedy, a *Autoscaling, now time.Time) []Remedy {
	if a == nil || a.Stale(now) {
		return rs
	}
	switch a.State {
	case ScaleUpTriggered, ScaleUpNominated:
		wait := Remedy{Text: capitalise(a.Short()) + ": wait for the new node to be Ready, and the scheduler places the pod on it; change nothing else unless the node does not come."}
		return append([]Remedy{wait}, rs...)
	case ScaleUpNotTriggered:
		atMax := 0
		for _, r := range a.Reasons {
			if r.Reason == "max node group size reached" || r.Reason == "max limit reached" {
				atMax += r.Count
			}
		}
		if atMax == 0 {
			return rs
		}
		raise := Remedy{Text: fmt.Sprintf("Raise the maximum size of the %s the cluster autoscaler found at their limit, so that it may add a node; it did not check whether their nodes would fit the pod, since it skips a group at its maximum.", phrase.Plural(atMax, "node group"))}
		i := 0
		for i < len(rs) && (len(rs[i].Changes) == 0 || !podChanges(rs[i].Changes)) {
			i++
		}
		return append(rs[:i:i], append([]Remedy{raise}, rs[i:]...)...)
	}
	return rs
}
