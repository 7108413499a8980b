package explain

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/klog/v2"

	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Options tune a report.
type Options struct {
	// Detail explains each node in depth: its pods, conditions and events.
	Detail bool
	// GroupBy, if set, is the label that groups nodes into pools, instead
	// of the first of PoolLabels that a node has.
	GroupBy string
	// Selector, if set, keeps the nodes whose labels match; the others
	// still count where the cluster as a whole is judged (how the control
	// plane is run, zones).
	Selector labels.Selector
}

// Explain builds the Report for a snapshot as of now.
func Explain(s *cluster.Snapshot, now time.Time, o Options) *Report {
	r := &Report{
		APIVersion:    v1alpha1.APIVersion,
		Kind:          v1alpha1.KindReport,
		Server:        s.Server,
		ServerVersion: s.ServerVersion,
		GeneratedAt:   now.UTC(),
		Nodes:         make([]Node, 0, len(s.Nodes)),
		Findings:      []Finding{},
		Unread:        s.Gaps,
	}
	kubeProxy := kubeProxyDeployed(s)
	var findings []Finding
	// The node view reads only the nodes named: it cannot weigh their zones.
	var zones map[string]zoneView
	if !o.Detail {
		zones = zoneViews(s.Nodes)
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if o.Selector != nil && !o.Selector.Matches(labels.Set(n.Labels)) {
			continue
		}
		var lease *coordinationv1.Lease
		if l, ok := s.NodeLeases[n.Name]; ok {
			lease = &l
		}
		key, _ := zoneKey(n)
		node, nf := explainNode(n, s.Pods[n.Name], s.PodsRead, lease, kubeProxy, s.ServerVersion, zones[key], now)
		if o.Detail {
			node.PodList = nodePods(s.Pods[n.Name])
			node.Events = nodeEvents(s.NodeEvents, n.Name)
		}
		r.Nodes = append(r.Nodes, node)
		findings = append(findings, nf...)
	}
	sort.Slice(r.Nodes, func(i, j int) bool { return r.Nodes[i].Name < r.Nodes[j].Name })
	r.Summary = summarize(r.Nodes, s, o.Selector != nil && !o.Selector.Empty())
	if o.Detail {
		// Only the named nodes were read: the control plane was not checked.
		r.ControlPlane = ControlPlane{Checked: false, Components: []Component{},
			Explanation: "Not checked when nodes are named: `kubectl explain-nodes` without node names checks the control plane."}
	} else {
		r.ControlPlane = explainControlPlane(s, now)
		findings = append(findings, controlPlaneFindings(r.ControlPlane)...)
		findings = append(findings, clusterFindings(s, kubeProxy)...)
		findings = append(findings, daemonSetFindings(s, r.Nodes)...)
	}
	r.Findings = groupFindings(findings)
	r.conclude(o)
	return r
}

// conclude judges the report once its nodes and findings are in: each
// node's severity, the pools, the pools mid-upgrade (overview only), the
// verdict, and the lists the JSON promises.
func (r *Report) conclude(o Options) {
	r.Verdict = judge(r)
	label := poolLabel(r.Nodes, o.GroupBy)
	r.Pools = pools(r.Nodes, label)
	for i := range r.Nodes {
		r.Nodes[i].Pool = r.Nodes[i].Labels[label]
	}
	if !o.Detail {
		upgrades, names := upgradeFindings(r)
		if len(upgrades) > 0 {
			r.Findings = append(r.Findings, upgrades...)
			sortFindings(r.Findings)
		}
		r.Verdict.PoolsUpgrading = append(r.Verdict.PoolsUpgrading, names...)
	}
	r.Verdict.Text = verdictText(r.Verdict, r)
	r.fillLists()
}

// fillLists makes every list the JSON promises an empty list where there
// is nothing, never an absent field.
func (r *Report) fillLists() {
	if r.Unread == nil {
		r.Unread = []v1alpha1.Gap{}
	}
	cp := &r.ControlPlane
	cp.Evidence = nonNil(cp.Evidence)
	for i := range cp.Components {
		cp.Components[i].Observed = nonNil(cp.Components[i].Observed)
	}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Roles, n.Taints, n.Conditions, n.Evictions = nonNil(n.Roles), nonNil(n.Taints), nonNil(n.Conditions), nonNil(n.Evictions)
	}
	for i := range r.Findings {
		r.Findings[i].Nodes = nonNil(r.Findings[i].Nodes)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// conditionFindings names the node's unhealthy conditions but Ready, each
// with its own code where the catalogue knows it.
func conditionFindings(n *Node) []nodeFinding {
	var out []nodeFinding
	for _, c := range n.Conditions {
		if c.Type == string(corev1.NodeReady) || c.Healthy || c.Status == string(corev1.ConditionUnknown) {
			continue
		}
		info := LookupCondition(corev1.NodeConditionType(c.Type))
		msg := ""
		if c.Message != "" {
			msg = ": " + c.Message
		}
		code := info.Code
		if code == "" {
			code = CodeNodeCondition
		}
		out = append(out, nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: code, Nodes: []string{n.Name}, Condition: c.Type,
			Title: c.Type + msg, Meaning: joinSentences(info.Meaning, info.WhenBad), Fix: info.Fix}, note: c.Type})
	}
	return out
}

// addPodTotals adds up what the node's pods request and may use, and counts
// those without a memory limit and those being deleted.
func addPodTotals(out *Node, pods []cluster.Pod) {
	for _, p := range pods {
		out.CPURequestedMilli += p.CPUMilli
		out.MemoryRequested += p.MemoryBytes
		out.CPULimitsMilli += p.CPULimitMilli
		out.MemoryLimitsBytes += p.MemoryLimitBytes
		if p.NoMemoryLimit {
			out.PodsWithoutMemoryLimit++
		}
		if p.Deletion != nil {
			out.TerminatingPods++
		}
	}
}

// summarize counts the nodes and pods; with selected, only the pods on the
// nodes selected.
func summarize(nodes []Node, s *cluster.Snapshot, selected bool) Summary {
	sum := Summary{Nodes: len(nodes), Pods: -1, Unscheduled: -1}
	for _, n := range nodes {
		switch n.Readiness {
		case Ready:
			sum.Ready++
		case NotReady:
			sum.NotReady++
		default:
			sum.Unknown++
		}
		if n.Cordoned {
			sum.Cordoned++
		}
	}
	if s.PodsRead {
		sum.Pods, sum.Unscheduled = 0, s.Unscheduled
		if selected {
			for _, n := range nodes {
				sum.Pods += n.Pods
			}
		} else {
			// Pods bound to a node that is gone count too: they are the
			// cluster's until the garbage collector removes them.
			for _, pods := range s.Pods {
				sum.Pods += len(pods)
			}
		}
	}
	return sum
}

// kubeProxyDeployed reports whether a kube-proxy DaemonSet runs in
// kube-system; nil when the DaemonSets could not be read.
func kubeProxyDeployed(s *cluster.Snapshot) *bool {
	if s.SystemDaemonSets == nil && hasGap(s, "daemonsets") {
		return nil
	}
	deployed := false
	for _, ds := range s.SystemDaemonSets {
		if ds.Name == "kube-proxy" || ds.Spec.Template.Labels["k8s-app"] == "kube-proxy" {
			deployed = true
		}
	}
	return &deployed
}

func hasGap(s *cluster.Snapshot, resource string) bool {
	return cluster.GapIn(s.Gaps, resource, "")
}

// nodeConditions explains the node's conditions, sets its readiness, and
// returns the Ready condition's last heartbeat.
func nodeConditions(out *Node, n *corev1.Node) time.Time {
	var readyHeartbeat time.Time
	for _, c := range n.Status.Conditions {
		info := LookupCondition(c.Type)
		out.Conditions = append(out.Conditions, Condition{
			Type: string(c.Type), Status: string(c.Status), Reason: c.Reason, Message: c.Message,
			Since: c.LastTransitionTime.UTC(), Healthy: c.Status == info.Healthy, Meaning: info.Meaning,
		})
		if c.Type != corev1.NodeReady {
			continue
		}
		switch c.Status {
		case corev1.ConditionTrue:
			out.Readiness = Ready
		case corev1.ConditionFalse:
			out.Readiness = NotReady
		}
		out.ReadyReason, out.ReadyMessage = c.Reason, c.Message
		readyHeartbeat = c.LastHeartbeatTime.Time
	}
	return readyHeartbeat
}

// heartbeat sets when the kubelet was last heard from: its lease's renewal,
// else the Ready condition's heartbeat; and, for the countdown, the later of
// the two and how often the lease is renewed.
func heartbeat(out *Node, in *nodeInput, lease *coordinationv1.Lease, readyHeartbeat time.Time) {
	if lease == nil || lease.Spec.RenewTime == nil {
		if !readyHeartbeat.IsZero() {
			t := readyHeartbeat.UTC()
			out.LastHeartbeat = &t
		}
		return
	}
	t := lease.Spec.RenewTime.UTC()
	out.LastHeartbeat = &t
	// The node controller counts from the later of the two signs of life.
	in.lastSeen = t
	if readyHeartbeat.After(t) {
		in.lastSeen = readyHeartbeat.UTC()
	}
	duration := defaultLeaseDuration
	if lease.Spec.LeaseDurationSeconds != nil && *lease.Spec.LeaseDurationSeconds > 0 {
		duration = time.Duration(*lease.Spec.LeaseDurationSeconds) * time.Second
	}
	in.renewEvery = duration / 4
}

// nodeTaints explains the node's taints, each with how many of its pods
// tolerate it.
func nodeTaints(n *corev1.Node, pods []cluster.Pod) []Taint {
	provider := nodeProvider(n)
	var out []Taint
	for i := range n.Spec.Taints {
		t := &n.Spec.Taints[i]
		info := LookupTaint(t.Key)
		tolerated := 0
		for _, p := range pods {
			if corev1helpers.TolerationsTolerateTaint(klog.Background(), p.Tolerations, t, false) {
				tolerated++
			}
		}
		taint := Taint{
			Key: t.Key, Value: t.Value, Effect: string(t.Effect),
			Title: info.Title, Meaning: info.MeaningFor(t.Effect), SetBy: info.SetByFor(provider), Fix: info.Fix, Known: info.Known,
			EffectMeaning: EffectMeaning(t.Effect), ToleratedBy: tolerated, Purpose: info.Purpose,
		}
		if t.TimeAdded != nil {
			at := t.TimeAdded.UTC()
			taint.TimeAdded = &at
		}
		taint.LeftOver, taint.LeftOverSince = leftOver(n, t)
		out = append(out, taint)
	}
	return out
}

func explainNode(n *corev1.Node, pods []cluster.Pod, podsRead bool, lease *coordinationv1.Lease, kubeProxy *bool, serverVersion string, zone zoneView, now time.Time) (Node, []Finding) {
	alloc, capacity := n.Status.Allocatable, n.Status.Capacity
	out := Node{
		Name:                n.Name,
		Labels:              n.Labels,
		Roles:               Roles(n),
		Readiness:           Unknown,
		Cordoned:            n.Spec.Unschedulable,
		CreatedAt:           n.CreationTimestamp.UTC(),
		KubeletVersion:      n.Status.NodeInfo.KubeletVersion,
		ContainerRuntime:    n.Status.NodeInfo.ContainerRuntimeVersion,
		OSImage:             n.Status.NodeInfo.OSImage,
		KernelVersion:       n.Status.NodeInfo.KernelVersion,
		Architecture:        n.Status.NodeInfo.Architecture,
		ProviderID:          n.Spec.ProviderID,
		Pods:                len(pods),
		PodsAllocatable:     alloc.Pods().Value(),
		CPUAllocatableMilli: alloc.Cpu().MilliValue(),
		CPUCapacityMilli:    capacity.Cpu().MilliValue(),
		MemoryAllocatable:   alloc.Memory().Value(),
		MemoryCapacity:      capacity.Memory().Value(),
	}
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP && out.InternalIP == "" {
			out.InternalIP = a.Address
		}
	}
	addPodTotals(&out, pods)
	out.Resources = nodeResources(n, pods, podsRead)
	out.Platform = platformOf(n)
	readyHeartbeat := nodeConditions(&out, n)
	in := nodeInput{pods: pods, podsRead: podsRead, kubeProxy: kubeProxy, serverVersion: serverVersion, now: now, taints: n.Spec.Taints, zone: zone}
	heartbeat(&out, &in, lease, readyHeartbeat)
	out.Taints = nodeTaints(n, pods)
	if kubeProxy == nil {
		// Its pod, if the pods were read, still tells.
		out.KubeProxy = "unread"
		for _, p := range pods {
			if podsRead && p.Component == "kube-proxy" {
				out.KubeProxy = podState(p)
			}
		}
	} else if *kubeProxy && !podsRead {
		out.KubeProxy = "unknown"
	} else if *kubeProxy {
		out.KubeProxy = "missing"
		for _, p := range pods {
			if p.Component == "kube-proxy" {
				out.KubeProxy = podState(p)
			}
		}
	}
	findings := nodeFindings(&out, in)
	for _, f := range findings {
		if f.note != "" {
			out.Note = f.note
			break
		}
	}
	plain := make([]Finding, len(findings))
	for i, f := range findings {
		plain[i] = f.Finding
	}
	return out, plain
}

func podState(p cluster.Pod) string {
	switch {
	case p.Waiting != "":
		return p.Waiting
	case p.Phase == corev1.PodRunning && p.Ready:
		return "Running"
	case p.Phase == corev1.PodRunning:
		return "Running, not ready"
	}
	return string(p.Phase)
}

// nodeFinding is a finding with the few words the node table shows for it.
type nodeFinding struct {
	Finding
	note string
}

// nodeInput is what the findings about one node are drawn from, besides
// the node's own explanation.
type nodeInput struct {
	pods          []cluster.Pod
	podsRead      bool
	kubeProxy     *bool
	serverVersion string
	now           time.Time
	taints        []corev1.Taint
	// lastSeen is the kubelet's latest sign of life the node controller
	// counts from: its lease renewal or its Ready heartbeat, whichever is
	// later. Zero without a renewed lease.
	lastSeen time.Time
	// renewEvery is how often the kubelet renews its lease; zero without one.
	renewEvery time.Duration
	// zone is the state of the node's zone, which decides whether the node
	// controller taints a failing node NoExecute.
	zone zoneView
}

// nodeFindings lists what deserves attention on one node, most severe first.
func nodeFindings(n *Node, in nodeInput) []nodeFinding {
	now := in.now
	var out []nodeFinding
	add := func(sev string, code Code, note, title, meaning, fix string) {
		out = append(out, nodeFinding{Finding: Finding{Severity: sev, Code: code, Nodes: []string{n.Name}, Title: title, Meaning: meaning, Fix: fix}, note: note})
	}
	silent := ""
	if n.LastHeartbeat != nil {
		silent = " " + shortDuration(now.Sub(*n.LastHeartbeat))
	}
	switch n.Readiness {
	case NotReady:
		why := n.ReadyMessage
		if why == "" {
			why = n.ReadyReason
		}
		heartbeat := ""
		if n.LastHeartbeat != nil {
			heartbeat = fmt.Sprintf(" (its last heartbeat was %s ago)", shortDuration(now.Sub(*n.LastHeartbeat)))
		}
		evict, evictions := taintedEvictions(in, corev1.TaintNodeNotReady)
		n.Evictions = append(evictions, terminatingEvictions(in.pods)...)
		meaning := joinSentences("The node's kubelet"+heartbeat+" reports that the node cannot run pods.", evict, controllerText(in.pods))
		add(SeverityCritical, CodeNodeNotReady, "NotReady",
			"NotReady: "+orNone(why, "the kubelet gave no reason"),
			meaning,
			"Look at the kubelet and the container runtime on the node (`journalctl -u kubelet`, `systemctl status containerd`); the message above is the kubelet's own.")
	case Unknown:
		title := "Unknown: its kubelet has never reported"
		if n.LastHeartbeat != nil {
			title = fmt.Sprintf("Unknown: its kubelet last reported %s ago (%s)", shortDuration(now.Sub(*n.LastHeartbeat)), n.LastHeartbeat.Format(time.RFC3339))
		}
		evict, evictions := taintedEvictions(in, corev1.TaintNodeUnreachable)
		n.Evictions = append(evictions, terminatingEvictions(in.pods)...)
		meaning := joinSentences("The control plane has not heard from the node's kubelet, so it cannot know whether the node or its pods are alive.", evict)
		if term := byName(in.pods, terminating); len(term) > 0 {
			meaning = joinSentences(meaning, fmt.Sprintf("%s Terminating: %s. With no kubelet to confirm that %s stopped, %s Terminating until the node returns or its Node object is deleted.",
				verb(len(term), "1 pod is", phrase.Plural(len(term), "pod")+" are"), deletionDetails(term, now), verb(len(term), "it", "they"), verb(len(term), "it stays", "they stay")))
		}
		meaning = joinSentences(meaning, controllerText(in.pods))
		add(SeverityCritical, CodeNodeUnknown, "silent"+silent,
			title, meaning,
			"Check that the machine is up and can reach the API server, and that the kubelet runs on it (`systemctl status kubelet`). If the machine is gone for good, `kubectl delete node NODE` lets its pods be deleted, and their controllers recreate them elsewhere.")
	}
	if f, evictions, ok := dyingFinding(n, in); ok {
		out = append(out, f)
		n.Evictions = append(evictions, terminatingEvictions(in.pods)...)
	}
	out = append(out, conditionFindings(n)...)
	if n.Cordoned {
		out = append(out, cordonFinding(n, in))
	} else if n.Readiness != Unknown {
		if f, ok := stuckTerminatingFinding(n, in); ok {
			out = append(out, f)
		}
	}
	if f, ok := taintsFinding(n); ok {
		out = append(out, f)
	}
	if f, ok := leftOverFinding(n, now); ok {
		out = append(out, f)
	}
	out = append(out, podFindings(n, in)...)
	if in.podsRead {
		out = append(out, capacityFindings(n)...)
	}
	if f, ok := skewFinding(n, in.serverVersion); ok {
		out = append(out, f)
	}
	if in.kubeProxy != nil && *in.kubeProxy && n.KubeProxy != "Running" && in.podsRead {
		state := "has no kube-proxy pod"
		if n.KubeProxy != "missing" {
			state = "has a kube-proxy pod that is " + n.KubeProxy
		}
		add(SeverityWarning, CodeKubeProxyMissing, "kube-proxy "+n.KubeProxy,
			"kube-proxy: the node "+state,
			"kube-proxy programs the node's network rules for Services; without it, pods on this node cannot reach Services by their cluster IP.",
			"Look at the kube-proxy DaemonSet (`kubectl -n kube-system get ds kube-proxy`) and its pod on this node.")
	}
	sort.SliceStable(out, func(i, j int) bool { return SeverityRank(out[i].Severity) < SeverityRank(out[j].Severity) })
	return out
}

// purposeText heads, in the finding on a node's taints, the taints of each
// purpose.
var purposeText = map[TaintPurpose]string{
	PurposeReserve: "Keeping the node for the pods that tolerate them",
	PurposeSetUp:   "Waiting for the node to be set up (the agent each names removes it once it has done its part)",
	PurposeRemoval: "Marking the node for removal or replacement",
	PurposeState:   "Reporting the node's state",
	PurposeUnknown: "Not known to this tool (their owners know what they are for)",
}

// purposeShort counts the taints of each purpose in the finding's title.
var purposeShort = map[TaintPurpose]string{
	PurposeReserve: "reserving it",
	PurposeSetUp:   "waiting for set-up",
	PurposeRemoval: "marking its removal",
	PurposeState:   "reporting its state",
	PurposeUnknown: "of unknown purpose",
}

var purposeOrder = []TaintPurpose{PurposeReserve, PurposeSetUp, PurposeRemoval, PurposeState, PurposeUnknown}

// effectsText says what taints of each effect present do, naming the effect.
var effectsText = []struct {
	effect corev1.TaintEffect
	text   string
}{
	{corev1.TaintEffectNoSchedule, "the NoSchedule ones keep new pods off the node but do not evict running ones"},
	{corev1.TaintEffectNoExecute, "the NoExecute ones keep new pods off and evict running ones, at once or after their tolerationSeconds"},
	{corev1.TaintEffectPreferNoSchedule, "the PreferNoSchedule ones only make the scheduler avoid the node while another fits"},
}

// taintsFinding explains the node's taints in one finding: the taints the
// node controller sets from a condition or the cordon are said with those,
// and the control-plane taint of a control-plane node is expected.
func taintsFinding(n *Node) (nodeFinding, bool) {
	var taints []Taint
	for _, t := range n.Taints {
		if conditionTaint(t.Key) || IsControlPlaneTaint(t.Key) && slices.Contains(n.Roles, RoleControlPlane) {
			continue
		}
		taints = append(taints, t)
	}
	if len(taints) == 0 {
		return nodeFinding{}, false
	}
	sev := SeverityInfo
	for _, t := range taints {
		if t.Effect == string(corev1.TaintEffectNoExecute) {
			sev = SeverityWarning
		}
	}
	if len(taints) == 1 {
		t := taints[0]
		return nodeFinding{Finding: Finding{Severity: sev, Code: CodeNodeTaint, Nodes: []string{n.Name},
			Title: "taint " + phrase.Taint(t.Key, t.Value, t.Effect) + " (" + t.Title + ")", Meaning: joinSentences(t.Meaning, t.EffectMeaning), Fix: t.Fix},
			note: "taint " + lastSegment(t.Key)}, true
	}
	groups := map[TaintPurpose][]string{}
	effects := map[string]bool{}
	for _, t := range taints {
		p := t.Purpose
		if _, ok := purposeText[p]; !ok {
			p = PurposeUnknown
		}
		groups[p] = append(groups[p], phrase.Taint(t.Key, t.Value, t.Effect)+" ("+t.Title+")")
		effects[t.Effect] = true
	}
	var titleParts, meaning []string
	for _, p := range purposeOrder {
		if g := groups[p]; len(g) > 0 {
			titleParts = append(titleParts, fmt.Sprintf("%d %s", len(g), purposeShort[p]))
			meaning = append(meaning, purposeText[p]+": "+strings.Join(g, ", ")+".")
		}
	}
	var does []string
	for _, e := range effectsText {
		if effects[string(e.effect)] {
			does = append(does, e.text)
			delete(effects, string(e.effect))
		}
	}
	if len(effects) > 0 {
		var odd []string
		for e := range effects {
			odd = append(odd, strconv.Quote(e))
		}
		sort.Strings(odd)
		does = append(does, "what "+strings.Join(odd, ", ")+" "+verb(len(odd), "does", "do")+" is not known, not being an effect Kubernetes defines")
	}
	meaning = append(meaning, "To pods without a matching toleration, "+strings.Join(does, "; ")+".")
	return nodeFinding{Finding: Finding{Severity: sev, Code: CodeNodeTaint, Nodes: []string{n.Name},
		Title:   fmt.Sprintf("%d taints: %s", len(taints), strings.Join(titleParts, ", ")),
		Meaning: strings.Join(meaning, " "),
		Fix:     "`kubectl explain-nodes NODE` explains each taint and what to do about it; add tolerations only to the pods meant for this node."},
		note: fmt.Sprintf("%d taints", len(taints))}, true
}

// TolerateCount says how many of a node's pods tolerate a taint, as a sentence.
func TolerateCount(n int) string {
	switch n {
	case 0:
		return "No pod on the node tolerates it."
	case 1:
		return "1 pod on the node tolerates it."
	}
	return fmt.Sprintf("%d pods on the node tolerate it.", n)
}

// IsControlPlaneTaint reports whether the key is the control plane's taint,
// under its name of today or its old one.
func IsControlPlaneTaint(key string) bool {
	return key == "node-role.kubernetes.io/control-plane" || key == "node-role.kubernetes.io/master"
}

func lastSegment(key string) string {
	if i := strings.LastIndex(key, "/"); i >= 0 {
		return key[i+1:]
	}
	return key
}

// conditionTaint reports whether the node controller sets this taint from a
// condition or the cordon, which the condition's own finding explains.
func conditionTaint(key string) bool {
	switch key {
	case corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable, corev1.TaintNodeUnschedulable,
		corev1.TaintNodeMemoryPressure, corev1.TaintNodeDiskPressure, corev1.TaintNodePIDPressure,
		corev1.TaintNodeNetworkUnavailable:
		return true
	}
	return false
}

func capacityFindings(n *Node) []nodeFinding {
	var out []nodeFinding
	add := func(sev string, code Code, note, title, meaning, fix string) {
		out = append(out, nodeFinding{Finding: Finding{Severity: sev, Code: code, Nodes: []string{n.Name}, Title: title, Meaning: meaning, Fix: fix}, note: note})
	}
	usage := func(resource, of, unit string, requested, allocatable int64) {
		out[len(out)-1].Usage = &Usage{Resource: resource, Of: of, Unit: unit, Requested: requested, Allocatable: allocatable,
			Percent: requested * 100 / allocatable}
	}
	check := func(what, resource, unit string, requested, allocatable int64, format func(int64) string) {
		if allocatable <= 0 {
			return
		}
		pct := requested * 100 / allocatable
		switch {
		case requested > allocatable:
			add(SeverityWarning, CodeRequestsOvercommitted, fmt.Sprintf("%s %d%%", what, pct),
				fmt.Sprintf("%s requests exceed allocatable: %s of %s (%d%%)", what, format(requested), format(allocatable), pct),
				"The pods on the node ask for more "+what+" than it offers; this happens when allocatable shrank or pods were bound directly. New pods that request "+what+" will not be placed here, and the ones there compete for it.",
				"Move some pods elsewhere or give the node more "+what+".")
			usage(resource, "requests", unit, requested, allocatable)
		case pct >= 90:
			add(SeverityInfo, CodeRequestsNearAllocatable, fmt.Sprintf("%s %d%%", what, pct),
				fmt.Sprintf("%s nearly all requested: %s of %s (%d%%)", what, format(requested), format(allocatable), pct),
				"Pods that request more "+what+" than is left will not be placed on this node.",
				"")
			usage(resource, "requests", unit, requested, allocatable)
		}
	}
	check("CPU", "cpu", UnitMilli, n.CPURequestedMilli, n.CPUAllocatableMilli, FormatCPU)
	check("memory", "memory", UnitBytes, n.MemoryRequested, n.MemoryAllocatable, phrase.Bytes)
	if n.PodsAllocatable > 0 && int64(n.Pods)*100 >= int64(n.PodsAllocatable)*90 {
		add(SeverityWarning, CodePodsNearLimit, fmt.Sprintf("pods %d/%d", n.Pods, n.PodsAllocatable),
			fmt.Sprintf("runs %d of its %d allowed pods", n.Pods, n.PodsAllocatable),
			"The kubelet accepts only so many pods (its pods allocatable, often 110); once full, the scheduler reports \"Too many pods\" for this node.",
			"Spread pods over more nodes, or raise the kubelet's maxPods if the machine can take it.")
		usage("pods", "pods", UnitCount, int64(n.Pods), n.PodsAllocatable)
	}
	return append(out, limitsFindings(n)...)
}

// limitsFindings says what limits past what the node has risk: OOM kills
// and evictions for memory, throttling for CPU.
func limitsFindings(n *Node) []nodeFinding {
	var out []nodeFinding
	add := func(sev string, note, title, meaning, fix string, u Usage) {
		u.Of, u.Percent = "limits", u.Requested*100/u.Allocatable
		out = append(out, nodeFinding{Finding: Finding{Severity: sev, Code: CodeLimitsOvercommitted, Nodes: []string{n.Name},
			Title: title, Meaning: meaning, Fix: fix, Usage: &u}, note: note})
	}
	if a := n.MemoryAllocatable; a > 0 && n.MemoryLimitsBytes > a {
		pct := n.MemoryLimitsBytes * 100 / a
		// Limits somewhat past allocatable are common (limits a little above
		// requests); at twice allocatable the pods need not all peak for
		// the node to run out.
		sev := SeverityInfo
		if pct > memoryLimitsWarnPercent {
			sev = SeverityWarning
		}
		add(sev, fmt.Sprintf("mem limits %d%%", pct),
			fmt.Sprintf("memory limits %d%% of allocatable: %s of %s", pct, phrase.Bytes(n.MemoryLimitsBytes), phrase.Bytes(a)),
			"The pods' memory limits add up to more than the node has. Each pod may grow to its limit, but not all at once: if they use their limits together, the node runs out of memory, the kernel OOM-kills containers, and the kubelet evicts pods, those using most beyond their requests first."+noLimit(n),
			"For the pods that matter, set memory limits close to their requests (requests equal to limits make a pod Guaranteed, evicted last), or spread the pods over more nodes.",
			Usage{Resource: "memory", Unit: UnitBytes, Requested: n.MemoryLimitsBytes, Allocatable: a})
	}
	if a := n.CPUAllocatableMilli; a > 0 && n.CPULimitsMilli > a {
		pct := n.CPULimitsMilli * 100 / a
		add(SeverityInfo, fmt.Sprintf("CPU limits %d%%", pct),
			fmt.Sprintf("CPU limits %d%% of allocatable: %s of %s", pct, FormatCPU(n.CPULimitsMilli), FormatCPU(a)),
			"The pods' CPU limits add up to more than the node has. Under load they compete for it: each gets CPU in proportion to its request and is throttled at its limit; none is killed for it.",
			"Nothing must be done; give pods CPU requests that match what they need under load, so that they get that share.",
			Usage{Resource: "cpu", Unit: UnitMilli, Requested: n.CPULimitsMilli, Allocatable: a})
	}
	return out
}

// memoryLimitsWarnPercent is how far past allocatable memory limits go
// before they are a warning.
const memoryLimitsWarnPercent = 200

// noLimit says how many of a node's pods have no memory limit, if any.
func noLimit(n *Node) string {
	if n.PodsWithoutMemoryLimit == 0 {
		return ""
	}
	return fmt.Sprintf(" Besides, %s no memory limit and may use all the node's memory.", verb(n.PodsWithoutMemoryLimit, "1 pod has", phrase.Plural(n.PodsWithoutMemoryLimit, "pod")+" have"))
}

// skewFinding checks the kubelet against the API server: a kubelet must not
// be newer than the API server, nor more than three minor versions older.
func skewFinding(n *Node, serverVersion string) (nodeFinding, bool) {
	kv, err1 := version.ParseGeneric(n.KubeletVersion)
	sv, err2 := version.ParseGeneric(serverVersion)
	if err1 != nil || err2 != nil || kv.Major() != sv.Major() {
		return nodeFinding{}, false
	}
	diff := int(sv.Minor()) - int(kv.Minor())
	var title, meaning, fix string
	switch {
	case diff < 0:
		title = fmt.Sprintf("kubelet %s is newer than the API server %s", n.KubeletVersion, serverVersion)
		meaning = "Kubernetes does not support a kubelet newer than the API server: it may use APIs the server does not have."
		fix = fmt.Sprintf("Upgrade the control plane to v%d.%d or later, one minor version at a time, or run a kubelet no newer than the API server's v%d.%d on this node.", kv.Major(), kv.Minor(), sv.Major(), sv.Minor())
	case diff > 3:
		title = fmt.Sprintf("kubelet %s is %d minor versions behind the API server %s", n.KubeletVersion, diff, serverVersion)
		meaning = "Kubernetes supports kubelets up to three minor versions older than the API server; this one is outside that skew and may misbehave."
		fix = fmt.Sprintf("The control plane is the newer side: drain the node and upgrade its kubelet to v%d.%d or later (the API server's v%d.%d is best), or replace the node with one built from a current image.", sv.Major(), sv.Minor()-3, sv.Major(), sv.Minor())
	default:
		return nodeFinding{}, false
	}
	return nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodeVersionSkew, Nodes: []string{n.Name}, Title: title, Meaning: meaning,
		Fix: fix}, note: "kubelet skew"}, true
}

func clusterFindings(s *cluster.Snapshot, kubeProxy *bool) []Finding {
	var out []Finding
	if len(s.Nodes) == 0 && !hasGap(s, "nodes") {
		out = append(out, Finding{Severity: SeverityWarning, Code: CodeNoNodes,
			Title:   "the cluster has no nodes",
			Meaning: "No node is registered with the API server, so no pod can run: every pod stays Pending until a node joins. On a managed cluster this usually means its node groups (node pools) are scaled to zero or their machines failed to join; elsewhere, that no kubelet has registered.",
			Fix:     "Add nodes: scale a node group up, or start a kubelet that registers with this API server; `kubectl get nodes` then lists them."})
	}
	if kubeProxy != nil && !*kubeProxy && len(s.Nodes) > 0 {
		out = append(out, Finding{Severity: SeverityInfo, Code: CodeNoKubeProxy,
			Title:   "no kube-proxy DaemonSet in kube-system",
			Meaning: "kube-proxy usually programs each node's rules for Services. Without it, a CNI plugin may do that job instead (Cilium and Calico in eBPF mode can); if none does, Services do not work.",
			Fix:     "If Services work, nothing to do. If not, check which CNI plugin runs (`kubectl -n kube-system get ds`)."})
	}
	if s.PodsRead && s.Unscheduled > 0 {
		out = append(out, Finding{Severity: SeverityInfo, Code: CodePodsWaitingForNode,
			Title:   fmt.Sprintf("%s waiting for a node", phrase.Plural(s.Unscheduled, "pod")),
			Meaning: "These pods have no node yet: the scheduler found none that fits, has not got to them, or they wait for a scheduling gate.",
			Fix:     "`kubectl explain-nodes why-pending -A` explains them all, grouped by cause; `kubectl explain-nodes why-pending POD -n NAMESPACE` explains one, node by node."})
	}
	return out
}

// groupFindings merges findings that say the same thing about several nodes,
// and sorts them most severe first, then by code and title.
func groupFindings(in []Finding) []Finding {
	index := map[string]int{}
	var out []Finding
	for _, f := range in {
		key := strings.Join([]string{f.Severity, string(f.Code), f.Title, f.Meaning, f.Fix}, "\x00")
		if i, ok := index[key]; ok {
			out[i].Nodes = append(out[i].Nodes, f.Nodes...)
			continue
		}
		index[key] = len(out)
		f.Nodes = append([]string(nil), f.Nodes...)
		out = append(out, f)
	}
	for i := range out {
		sort.Strings(out[i].Nodes)
	}
	sortFindings(out)
	if out == nil {
		out = []Finding{}
	}
	return out
}

// sortFindings puts findings most severe first, then by code and title.
func sortFindings(out []Finding) {
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if SeverityRank(a.Severity) != SeverityRank(b.Severity) {
			return SeverityRank(a.Severity) < SeverityRank(b.Severity)
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Title < b.Title
	})
}

// SeverityRank orders severities, most severe first: critical, warning,
// info, none.
func SeverityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityWarning:
		return 1
	case SeverityInfo:
		return 2
	}
	return 3
}

func nodePods(pods []cluster.Pod) []NodePod {
	out := make([]NodePod, 0, len(pods))
	for _, p := range pods {
		kind := PodKindWorkload
		switch {
		case p.Mirror || p.OwnerKind == "Node":
			kind = PodKindStatic
		case p.OwnerKind == "DaemonSet":
			kind = PodKindDaemon
		}
		np := NodePod{Namespace: p.Namespace, Name: p.Name, Kind: kind, Phase: string(p.Phase), Ready: p.Ready, Waiting: p.Waiting,
			Restarts: p.Restarts, CPUMilli: p.CPUMilli, MemoryBytes: p.MemoryBytes}
		if d := p.Deletion; d != nil {
			np.Terminating = &Termination{RequestedAt: d.RequestedAt().UTC(), Deadline: d.Deadline.UTC(), GracePeriodSeconds: d.GracePeriodSeconds, Finalizers: d.Finalizers}
		}
		out = append(out, np)
	}
	kindRank := map[string]int{PodKindStatic: 0, PodKindDaemon: 1, PodKindWorkload: 2}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return kindRank[out[i].Kind] < kindRank[out[j].Kind]
		}
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func nodeEvents(events []corev1.Event, node string) []Event {
	var out []Event
	for i := range events {
		e := &events[i]
		if e.InvolvedObject.Name != node {
			continue
		}
		out = append(out, Event{Reason: e.Reason, Message: e.Message, Count: e.Count, Last: cluster.EventTime(e).UTC()})
	}
	return out
}

// RoleControlPlane is the role of nodes that run the control plane.
const RoleControlPlane = "control-plane"

// Roles returns a node's roles, sorted, from its node-role.kubernetes.io/<role>
// and kubernetes.io/role labels. The legacy "master" role is reported as
// control-plane; a node without a role label is a "worker".
func Roles(n *corev1.Node) []string {
	seen := map[string]bool{}
	add := func(role string) {
		if role == "master" {
			role = RoleControlPlane
		}
		if role != "" {
			seen[role] = true
		}
	}
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok {
			add(role)
		} else if k == "kubernetes.io/role" {
			add(v)
		}
	}
	if len(seen) == 0 {
		return []string{"worker"}
	}
	roles := make([]string, 0, len(seen))
	for r := range seen {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}
