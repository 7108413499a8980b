package explain

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Defaults of the node controller and the kubelet that a client cannot read
// from the cluster: what is said with them is said "by default".
const (
	// defaultNodeMonitorGrace is kube-controller-manager's
	// --node-monitor-grace-period (50 s since v1.32, 40 s before): how long
	// a kubelet may stay silent before its node is marked Unknown.
	defaultNodeMonitorGrace = 50 * time.Second
	// defaultLeaseDuration is the kubelet's nodeLeaseDurationSeconds, used
	// when a lease does not say; the kubelet renews it every quarter of it.
	defaultLeaseDuration = 40 * time.Second
	// lateAfterRenewals is how many lease renewals a kubelet may miss before
	// its silence is reported.
	lateAfterRenewals = 2
)

// The node controller's defaults for failing zones (kube-controller-manager
// --unhealthy-zone-threshold, --large-cluster-size-threshold,
// --node-eviction-rate, --secondary-node-eviction-rate).
const (
	unhealthyZoneThreshold = 0.55
	largeZone              = 50
)

// zoneView is what the node controller weighs before it taints a failing
// node NoExecute: how many nodes of the node's zone, and of the cluster, are
// Ready. Known is false when only some nodes were read.
type zoneView struct {
	known               bool
	name                string
	ready, notReady     int
	clusterReady, nodes int
}

// zoneKey names a node's zone as the node controller does: region and zone.
func zoneKey(n *corev1.Node) (key, name string) {
	label := func(keys ...string) string {
		for _, k := range keys {
			if v := n.Labels[k]; v != "" {
				return v
			}
		}
		return ""
	}
	region := label(corev1.LabelTopologyRegion, corev1.LabelFailureDomainBetaRegion)
	zone := label(corev1.LabelTopologyZone, corev1.LabelFailureDomainBetaZone)
	switch {
	case zone == "" && region == "":
		name = "the nodes without a zone label"
	case region == "":
		name = "zone " + zone
	default:
		name = "zone " + region + "/" + zone
	}
	return region + ":\x00:" + zone, name
}

func nodeIsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// zoneViews counts Ready nodes per zone and in the whole cluster.
func zoneViews(nodes []corev1.Node) map[string]zoneView {
	out := map[string]zoneView{}
	clusterReady := 0
	for i := range nodes {
		key, name := zoneKey(&nodes[i])
		z := out[key]
		z.known, z.name = true, name
		if nodeIsReady(&nodes[i]) {
			z.ready++
			clusterReady++
		} else {
			z.notReady++
		}
		out[key] = z
	}
	for k, z := range out {
		z.clusterReady, z.nodes = clusterReady, len(nodes)
		out[k] = z
	}
	return out
}

// How the node controller taints a zone's failing nodes NoExecute.
type tainting int

const (
	taintingUnknown tainting = iota // only some nodes were read
	taintingNormal                  // at the normal rate
	taintingReduced                 // at a reduced rate: a large zone mostly failing
	taintingStopped                 // not at all: a small zone mostly failing
	taintingNone                    // not at all: no node of the cluster is Ready
)

func (z zoneView) tainting() tainting {
	total := z.notReady + z.ready
	partial := z.notReady > 2 && float64(z.notReady) >= unhealthyZoneThreshold*float64(total)
	switch {
	case !z.known:
		return taintingUnknown
	case z.clusterReady == 0:
		return taintingNone
	case partial && total <= largeZone:
		return taintingStopped
	case partial:
		return taintingReduced
	}
	return taintingNormal
}

// holdBack says, from the zone's state, whether and how fast the node
// controller taints failing nodes of the zone NoExecute.
func (z zoneView) holdBack() string {
	switch z.tainting() {
	case taintingUnknown:
		return "It adds the taint at a limited rate, and not at all while no node of the cluster is Ready or, by default, while more than two and at least 55% of the nodes of a zone of up to 50 nodes are not Ready."
	case taintingNone:
		return "No node of the cluster is Ready: the node controller then takes the fault for its own, adds no NoExecute taint and evicts nothing until a node is Ready again."
	case taintingStopped:
		return fmt.Sprintf("%d of the %d nodes in %s are not Ready: by default (--unhealthy-zone-threshold 0.55, --large-cluster-size-threshold 50) the node controller then stops tainting the zone's nodes NoExecute, so their pods are not evicted until more of the zone is Ready again.",
			z.notReady, z.notReady+z.ready, z.name)
	case taintingReduced:
		return fmt.Sprintf("%d of the %d nodes in %s are not Ready: by default the node controller then taints the zone's nodes NoExecute at a reduced rate (--secondary-node-eviction-rate, one node every 100 s).",
			z.notReady, z.notReady+z.ready, z.name)
	}
	return "It adds the taint at a limited rate: by default one node every 10 s in a zone (--node-eviction-rate)."
}

// down is the zone as it would be with one more of its Ready nodes failing.
func (z zoneView) down() zoneView {
	if z.known && z.ready > 0 {
		z.ready--
		z.notReady++
		z.clusterReady--
	}
	return z
}

// podEviction is when one pod leaves the node by its NoExecute taints.
type podEviction struct {
	pod   cluster.Pod
	taint string
	// delay is the time from the taint to the eviction; never when the pod
	// tolerates the taints without a time limit.
	delay time.Duration
	never bool
	// at is delay after the taint's time, when that time is known.
	at *time.Time
}

// evictions works out when each pod on a node is evicted, as the
// taint-eviction controller does: a pod that does not tolerate every
// NoExecute taint goes at once; one that does stays for the shortest
// tolerationSeconds among the tolerations it uses, or for good when none
// sets one. taints are the node's NoExecute taints, with the one the node
// controller is about to add; start is when the controller began counting
// (the earliest time a taint was added), nil when not known. Pods being
// deleted already are left out.
func evictions(pods []cluster.Pod, taints []corev1.Taint, start *time.Time) []podEviction {
	var out []podEviction
	for _, p := range pods {
		if p.Deletion != nil {
			continue
		}
		e := podEviction{pod: p}
		var used []corev1.Toleration
		untolerated := ""
		for i := range taints {
			t := &taints[i]
			matched := false
			for _, tol := range p.Tolerations {
				if tol.ToleratesTaint(klog.Background(), t, false) {
					used = append(used, tol)
					matched = true
				}
			}
			if !matched && untolerated == "" {
				untolerated = t.Key + ":" + string(t.Effect)
			}
		}
		switch {
		case untolerated != "":
			e.taint = untolerated
		default:
			e.taint = taints[0].Key + ":" + string(taints[0].Effect)
			e.delay, e.never = minTolerationSeconds(used)
		}
		if start != nil && !e.never {
			at := start.Add(e.delay)
			e.at = &at
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.never != b.never {
			return b.never
		}
		if a.delay != b.delay {
			return a.delay < b.delay
		}
		return lessPod(&a.pod, &b.pod)
	})
	return out
}

// minTolerationSeconds is the taint-eviction controller's rule: the shortest
// tolerationSeconds among the tolerations (zero or less: at once); never when
// none sets one.
func minTolerationSeconds(tols []corev1.Toleration) (time.Duration, bool) {
	least, set := int64(0), false
	for _, t := range tols {
		if t.TolerationSeconds == nil {
			continue
		}
		s := *t.TolerationSeconds
		if s <= 0 {
			return 0, false
		}
		if !set || s < least {
			least, set = s, true
		}
	}
	if !set {
		return 0, true
	}
	return time.Duration(least) * time.Second, false
}

// noExecuteTaints returns the node's NoExecute taints and the earliest time
// one was added, if recorded.
func noExecuteTaints(taints []corev1.Taint) ([]corev1.Taint, *time.Time) {
	var out []corev1.Taint
	var start *time.Time
	for _, t := range taints {
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		out = append(out, t)
		if t.TimeAdded != nil && (start == nil || t.TimeAdded.Time.Before(*start)) {
			at := t.TimeAdded.UTC()
			start = &at
		}
	}
	return out, start
}

func hasTaint(taints []corev1.Taint, key string, effect corev1.TaintEffect) bool {
	for _, t := range taints {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}

// evictionText says, group by group, when the pods leave the node. timed is
// true when the taint is there and its time known, so that times can be
// given; otherwise delays count from when the taint is (or was) added.
func evictionText(plan []podEviction, timed bool, now time.Time) string {
	type group struct {
		key   string
		names []string
		e     podEviction
	}
	var groups []*group
	index := map[string]*group{}
	for _, e := range plan {
		key := "never"
		if !e.never {
			key = e.delay.String()
		}
		g, ok := index[key]
		if !ok {
			g = &group{key: key, e: e}
			index[key] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, podName(&e.pod))
	}
	var parts []string
	for _, g := range groups {
		n := len(g.names)
		who := phrase.Plural(n, "pod") + " (" + phrase.List(g.names, 4, ", ") + ")"
		switch {
		case g.e.never:
			parts = append(parts, who+" "+verb(n, "tolerates", "tolerate")+" it without a time limit and "+verb(n, "stays", "stay"))
		case !timed && g.e.delay == 0:
			parts = append(parts, who+" "+verb(n, "goes", "go")+" at once, not tolerating it")
		case !timed:
			parts = append(parts, who+" "+verb(n, "goes", "go")+" "+shortDuration(g.e.delay)+" after it, by "+verb(n, "its", "their")+" tolerationSeconds")
		case g.e.at.After(now):
			parts = append(parts, fmt.Sprintf("%s %s at about %s, in %s (%s)", who, verb(n, "goes", "go"), clock(*g.e.at), shortDuration(g.e.at.Sub(now)), afterTaint(g.e.delay)))
		default:
			parts = append(parts, fmt.Sprintf("%s %s due at %s (%s) but %s not being deleted yet", who, verb(n, "was", "were"), clock(*g.e.at), afterTaint(g.e.delay), verb(n, "is", "are")))
		}
	}
	return strings.Join(parts, "; ")
}

func afterTaint(d time.Duration) string {
	if d == 0 {
		return "at once"
	}
	return shortDuration(d) + " after the taint, by tolerationSeconds"
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05") + " UTC" }

func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// controllerText says which of the pods no controller recreates elsewhere,
// and which StatefulSet pods wait for the old pod to be gone.
func controllerText(pods []cluster.Pod) string {
	var bare, sts []string
	for i := range pods {
		p := &pods[i]
		switch p.OwnerKind {
		case "":
			if !p.Mirror {
				bare = append(bare, podName(p))
			}
		case "StatefulSet":
			sts = append(sts, podName(p))
		}
	}
	sort.Strings(bare)
	sort.Strings(sts)
	var out []string
	if len(bare) > 0 {
		out = append(out, fmt.Sprintf("%s no controller, so nothing recreates %s elsewhere: %s.",
			verb(len(bare), "1 pod has", phrase.Plural(len(bare), "pod")+" have"), verb(len(bare), "it", "them"), phrase.List(bare, 4, ", ")))
	}
	if len(sts) > 0 {
		out = append(out, fmt.Sprintf("A StatefulSet recreates its pod only once the old one is gone, not while it is Terminating: %s.", phrase.List(sts, 4, ", ")))
	}
	return strings.Join(out, " ")
}

// dyingFinding reports a node whose kubelet has gone silent while the node
// is still marked Ready or NotReady: when the node controller will, by
// default, mark it Unknown and taint it unreachable, and what then happens
// to its pods.
func dyingFinding(n *Node, in nodeInput) (nodeFinding, []Eviction, bool) {
	if in.renewEvery <= 0 || in.lastSeen.IsZero() || n.Readiness == Unknown {
		return nodeFinding{}, nil, false
	}
	silent := in.now.Sub(in.lastSeen)
	if silent <= lateAfterRenewals*in.renewEvery {
		return nodeFinding{}, nil, false
	}
	markAt := in.lastSeen.Add(defaultNodeMonitorGrace)
	var b strings.Builder
	fmt.Fprintf(&b, "The node is still marked %s, but its kubelet has stopped renewing the node's lease, its heartbeat. ", n.Readiness)
	if markAt.After(in.now) {
		fmt.Fprintf(&b, "By default the node controller marks a node Unknown %s after its last heartbeat (kube-controller-manager --node-monitor-grace-period), so in about %s if the kubelet stays silent.",
			shortDuration(defaultNodeMonitorGrace), shortDuration(markAt.Sub(in.now)))
	} else {
		fmt.Fprintf(&b, "By default the node controller marks a node Unknown %s after its last heartbeat; it has not yet, so its --node-monitor-grace-period is longer here, or the controller manager is not running.",
			shortDuration(defaultNodeMonitorGrace))
	}
	taints, _ := noExecuteTaints(in.taints)
	if !hasTaint(taints, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) {
		taints = append([]corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}}, taints...)
	}
	plan := evictions(in.pods, taints, nil)
	after := in.zone
	if n.Readiness == Ready {
		after = after.down()
	}
	held := false
	switch after.tainting() {
	case taintingNone:
		held = true
		b.WriteString(" No other node of the cluster is Ready: once this one is Unknown too, the node controller takes the fault for its own and adds no NoExecute taint, so its pods are not evicted.")
	case taintingStopped:
		held = true
		fmt.Fprintf(&b, " Once it is Unknown, %d of the %d nodes in %s are not Ready, and by default the node controller then stops tainting the zone's nodes NoExecute, so its pods are not evicted.",
			after.notReady, after.notReady+after.ready, after.name)
	case taintingReduced:
		fmt.Fprintf(&b, " Once it is Unknown, %d of the %d nodes in %s are not Ready, and by default the node controller then taints the zone's nodes %s:NoExecute at a reduced rate (one node every 100 s).",
			after.notReady, after.notReady+after.ready, after.name, corev1.TaintNodeUnreachable)
	default:
		fmt.Fprintf(&b, " It then taints it %s:NoExecute.", corev1.TaintNodeUnreachable)
	}
	if len(plan) > 0 && !held {
		b.WriteString(" When that taint is added, its pods leave as their tolerations allow: " + evictionText(plan, false, in.now) + ".")
	}
	if c := controllerText(in.pods); c != "" && len(plan) > 0 && !held {
		b.WriteString(" " + c)
	}
	var out []Eviction
	if !held {
		estimate := markAt
		if !estimate.After(in.now) {
			estimate = in.now
		}
		for _, e := range plan {
			ev := Eviction{Namespace: e.pod.Namespace, Name: e.pod.Name, Taint: e.taint, Never: e.never, Controller: e.pod.OwnerKind, ByDefault: true}
			if !e.never {
				at := estimate.Add(e.delay)
				ev.At = &at
			}
			out = append(out, ev)
		}
	}
	f := nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodeNodeHeartbeatLate, Nodes: []string{n.Name},
		Title:   fmt.Sprintf("its kubelet has not renewed the node's lease for %s (it renews it every %s)", shortDuration(silent), shortDuration(in.renewEvery)),
		Meaning: b.String(),
		Fix:     "Check that the machine is up and can reach the API server, and that the kubelet runs on it (`systemctl status kubelet`, `journalctl -u kubelet`)."},
		note: "silent " + shortDuration(silent)}
	return f, out, true
}

// taintedEvictions says whether the node controller has tainted a failing
// node (not-ready or unreachable) NoExecute yet, and what that does to its
// pods, as things stand.
func taintedEvictions(in nodeInput, key string) (string, []Eviction) {
	taints, start := noExecuteTaints(in.taints)
	if !hasTaint(taints, key, corev1.TaintEffectNoExecute) {
		text := "The node controller has not tainted it " + key + ":NoExecute yet, so no pod is evicted for that. " + in.zone.holdBack()
		if t := in.zone.tainting(); t == taintingNone || t == taintingStopped {
			return text, nil
		}
		plan := evictions(in.pods, append([]corev1.Taint{{Key: key, Effect: corev1.TaintEffectNoExecute}}, taints...), nil)
		if len(plan) > 0 {
			text += " Once the taint is added, its pods leave as their tolerations allow: " + evictionText(plan, false, in.now) + "."
		}
		return text, toEvictions(plan, false)
	}
	plan := evictions(in.pods, taints, start)
	var text string
	switch {
	case start == nil && len(plan) > 0:
		text = "The node is tainted " + key + ":NoExecute, with no time recorded, so when is not known; counted from the taint, its pods leave as their tolerations allow: " + evictionText(plan, false, in.now) + "."
	case start == nil:
		text = "The node is tainted " + key + ":NoExecute: running pods that do not tolerate it are evicted."
	case len(plan) > 0:
		text = fmt.Sprintf("The node controller tainted it %s:NoExecute %s ago (%s); its pods leave as their tolerations allow: %s.",
			key, shortDuration(in.now.Sub(*start)), clock(*start), evictionText(plan, true, in.now))
	default:
		text = fmt.Sprintf("The node controller tainted it %s:NoExecute %s ago (%s): running pods that do not tolerate it are evicted.",
			key, shortDuration(in.now.Sub(*start)), clock(*start))
	}
	return text, toEvictions(plan, false)
}

func toEvictions(plan []podEviction, byDefault bool) []Eviction {
	var out []Eviction
	for _, e := range plan {
		out = append(out, Eviction{Namespace: e.pod.Namespace, Name: e.pod.Name, Taint: e.taint, At: e.at, Never: e.never,
			Controller: e.pod.OwnerKind, ByDefault: byDefault})
	}
	return out
}

// terminatingEvictions adds the pods being deleted to a node's evictions.
func terminatingEvictions(pods []cluster.Pod) []Eviction {
	var out []Eviction
	for _, p := range pods {
		if p.Deletion != nil {
			out = append(out, Eviction{Namespace: p.Namespace, Name: p.Name, Terminating: true, Controller: p.OwnerKind})
		}
	}
	return out
}
