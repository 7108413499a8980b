package diagnose

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// MessageExplanation explains a message of the scheduler or of a node
// autoscaler without a cluster.
type MessageExplanation struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	// Recognised is false when the message is not one the tool knows.
	Recognised bool `json:"recognised"`
	// Source is the component that words messages this way:
	// kube-scheduler, cluster-autoscaler or karpenter.
	Source string `json:"source,omitempty"`
	// Releases are the scheduler releases that lay a message out this way,
	// when today's scheduler no longer does.
	Releases string `json:"releases,omitempty"`
	// Nodes is how many nodes the scheduler looked at, when it says.
	Nodes int `json:"nodes"`
	// CountsOf is what the reasons' counts count: nodes, or node groups
	// (the cluster autoscaler's).
	CountsOf string            `json:"countsOf,omitempty"`
	Reasons  []ReasonExplained `json:"reasons,omitempty"`
	// Preemption is the scheduler's note on preemption, if any, explained.
	Preemption        string `json:"preemption,omitempty"`
	PreemptionMeaning string `json:"preemptionMeaning,omitempty"`
	// Autoscaling explains a node autoscaler's event.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
	// Unrecognised is text of the message this tool could not place: a
	// note after the reasons that is not the preemption note.
	Unrecognised []string `json:"unrecognised,omitempty"`
	// CountMismatch, when set, says that the reasons' counts cannot add up
	// to the message's N.
	CountMismatch string `json:"countMismatch,omitempty"`
	// Cut, when set, says the message was cut short.
	Cut string `json:"cut,omitempty"`
	// Notes are the notes of PostFilter plugins other than preemption.
	Notes []Note `json:"notes,omitempty"`
}

// Note is a plugin's note in a message, explained.
type Note struct {
	Text    string `json:"text"`
	Meaning string `json:"meaning"`
	// Releases are the releases that printed it, if today's does not.
	Releases string `json:"releases,omitempty"`
}

// ReasonExplained is one reason of a scheduler message.
type ReasonExplained struct {
	Reason string `json:"reason"`
	// Count is how many nodes failed for it; for a PreFilter reason, all.
	Count   int    `json:"count"`
	Plugin  string `json:"plugin,omitempty"`
	Meaning string `json:"meaning"`
	Fix     string `json:"fix"`
	// Taint is the taint an older message names, if it names one.
	Taint string `json:"taint,omitempty"`
	// Releases are the releases whose scheduler printed this wording, and
	// Now what today's scheduler prints instead, when it is an older one.
	Releases string `json:"releases,omitempty"`
	Now      string `json:"now,omitempty"`
}

var namedTaintRE = regexp.MustCompile(`^node\(s\) had (?:untolerated taint|taint) \{(.*)\}`)

// The layouts of the scheduler's message over the releases
// (wordings.tsv's frames).
const (
	// Kubernetes 1.10 and later: "0/3 nodes are available: 1 reason, 2 reason."
	formCounted = "counted"
	// 1.7 to 1.9: "No nodes are available that match all of the
	// predicates: Insufficient cpu (3), MatchNodeSelector (2)."
	formPredicates = "predicates"
	// 1.5 and 1.6: "pod (web) failed to fit in any node\nfit failure
	// summary on nodes : Insufficient cpu (3)".
	formFitFailure = "fit-failure"
	// Before 1.5: "pod (web) failed to fit in any node\nfit failure on node
	// (n1): Insufficient cpu\nfit failure on node (n2): …", a line a node.
	formPerNode = "per-node"
)

var (
	countedRE       = regexp.MustCompile(`0/(\d+) nodes are available:`)
	predicatesRE    = regexp.MustCompile(`No nodes are available that match all of the (?:following )?predicates::?`)
	fitFailureRE    = regexp.MustCompile(`fit failure summary on nodes ?:`)
	trailingCountRE = regexp.MustCompile(`^(.+) \((\d+)\)$`)
)

// frame is a message's layout, found in it.
type frame struct {
	form string
	// head is the frame's text in wordings.tsv.
	head  string
	total int
	// body is the reasons and what follows them.
	body string
}

// findFrame finds the scheduler's layout in a message, wherever it starts:
// a pasted event line or GKE's "Cannot schedule pods: " may come first.
func findFrame(msg string) (frame, bool) {
	if loc := countedRE.FindStringSubmatchIndex(msg); loc != nil {
		return frame{form: formCounted, head: "0/%v nodes are available", total: atoi(msg[loc[2]:loc[3]]), body: msg[loc[1]:]}, true
	}
	if loc := predicatesRE.FindStringIndex(msg); loc != nil {
		head := "No nodes are available that match all of the predicates"
		if strings.Contains(msg[loc[0]:loc[1]], "following") {
			head = "No nodes are available that match all of the following predicates:"
		}
		return frame{form: formPredicates, head: head, body: msg[loc[1]:]}, true
	}
	if loc := fitFailureRE.FindStringIndex(msg); loc != nil {
		return frame{form: formFitFailure, head: "fit failure summary on nodes : %v", body: msg[loc[1]:]}, true
	}
	if loc := perNodeRE.FindStringIndex(msg); loc != nil {
		return frame{form: formPerNode, head: "fit failure on node (%v): %v", body: msg[loc[0]:]}, true
	}
	return frame{}, false
}

// perNodeRE finds the oldest layout, one line a node: "fit failure on node
// (NAME): REASON".
var perNodeRE = regexp.MustCompile(`fit failure on node \(`)

// perNodeReasons counts the reasons of the oldest layout's lines, which
// may run together when pasted on one line.
func perNodeReasons(body string) []ReasonExplained {
	counts, order := map[string]int{}, []string{}
	for _, line := range perNodeRE.Split(body, -1) {
		_, reason, ok := strings.Cut(line, "): ")
		if !ok {
			continue
		}
		reason = strings.TrimSpace(reason)
		if counts[reason] == 0 {
			order = append(order, reason)
		}
		counts[reason]++
	}
	out := make([]ReasonExplained, 0, len(order))
	for _, r := range order {
		out = append(out, explainReason(r, counts[r]))
	}
	return out
}

// gkePrefix starts the scheduler's message as GKE's console shows it, one
// sentence at a time: it splits the message at every dot, even inside a
// resource's name ("Insufficient nvidia" and "com/gpu.").
const gkePrefix = "Cannot schedule pods: "

// domainTailRE matches what is left of a resource's name after a split at
// its dot: "com/gpu".
var domainTailRE = regexp.MustCompile(`^[a-z]{2,6}/[-a-z0-9_.]+\.?$`)

// pluginErrorRE matches a plugin's failure after Filter: "running Reserve
// plugin "DynamicResources": …".
var pluginErrorRE = regexp.MustCompile(`^running (\w+) plugin "(\w+)": (.+)$`)

// unframed explains a message with no "nodes are available" layout: one
// reason on its own, GKE's console line, a plugin's failure, or a PreFilter
// message with the PostFilter's notes after it.
func unframed(out *MessageExplanation, msg string) {
	text := strings.TrimPrefix(msg, gkePrefix)
	gke := text != msg
	if m := pluginErrorRE.FindStringSubmatch(text); m != nil {
		out.Recognised = true
		out.Reasons = []ReasonExplained{{Reason: text, Plugin: m[2],
			Meaning: "The scheduler had chosen a node, then the " + m[2] + " plugin failed at its " + m[1] + " step: " + m[3] + ". The pod goes back to the queue and is tried again." + pluginErrorMeaning(m[2], m[3]),
			Fix:     "If it keeps failing, look at what the " + m[2] + " plugin waits for; the scheduler's log has the details."}}
		return
	}
	first, rest, _ := strings.Cut(text, ". ")
	if rest != "" {
		rest = postFilterNotes(out, rest)
		if strings.TrimSpace(rest) != "" {
			return
		}
	}
	first = strings.TrimSuffix(strings.TrimSpace(first), ".")
	switch {
	case gke && domainTailRE.MatchString(first):
		out.Recognised = true
		out.Reasons = []ReasonExplained{{Reason: first,
			Meaning: "The end of a resource's name (such as nvidia.com/gpu): GKE's console splits the scheduler's message at every dot, so \"Insufficient nvidia.com/gpu\" shows as two lines, \"Insufficient nvidia\" and this one.",
			Fix:     "Read the whole message: `kubectl describe pod POD` or `kubectl explain-nodes why-pending POD`."}}
		return
	case gke:
		out.Recognised = true
		r := explainReason(first, 0)
		if res, ok := strings.CutPrefix(first, reasonInsufficientPrefix); ok && !strings.HasSuffix(msg, ".") && !strings.Contains(res, "/") {
			r.Meaning += " GKE's console cuts the message at the resource name's first dot, so \"" + res + "\" stands for a longer name such as " + res + ".com/gpu."
		}
		out.Reasons = []ReasonExplained{r}
		return
	}
	if _, ok := reasons[first]; ok || preFilterReason(first) {
		out.Recognised = true
		out.Reasons = []ReasonExplained{explainReason(first, 0)}
	}
}

// pluginErrorMeaning adds what a plugin's known failure means.
func pluginErrorMeaning(plugin, text string) string {
	if plugin == "DynamicResources" && strings.Contains(text, "waiting for resource driver") {
		return " The claim is allocated by its resource driver's controller (classic dynamic resource allocation, Kubernetes 1.26 to 1.31), which has not done it yet."
	}
	return ""
}

// postFilterNotes takes the PostFilter plugins' notes that follow a
// message's reasons ("no new claims to deallocate, preemption: …" has gone
// to the preemption field by then), explains those it knows, and returns
// the message before them with anything it does not know.
func postFilterNotes(out *MessageExplanation, body string) string {
	i := strings.Index(body, ". ")
	if i < 0 {
		return body
	}
	rest := strings.TrimSpace(body[i+2:])
	body = body[:i+1]
	var unknown []string
	for _, note := range strings.Split(rest, ",") {
		note = strings.TrimSpace(note)
		if note == "" {
			continue
		}
		if m, ok := postFilterMeanings[note]; ok {
			n := Note{Text: note, Meaning: m}
			if w := lookupWording(note, wordingPreemption); w != nil && !w.current() {
				n.Releases = w.releases
			}
			out.Notes = append(out.Notes, n)
			continue
		}
		unknown = append(unknown, note)
	}
	if len(unknown) > 0 {
		out.Unrecognised = append(out.Unrecognised, strings.Join(unknown, ", "))
	}
	return body
}

// postFilterMeanings explains the PostFilter plugins' notes other than
// preemption's: the DynamicResources plugin's (1.26 to 1.31).
var postFilterMeanings = map[string]string{
	"no new claims to deallocate": "The DynamicResources plugin looked for a claim of the pod it could release so that the pod might fit elsewhere, and found none: it changed nothing.",
	"still not schedulable":       "The DynamicResources plugin released what it could, and the pod still cannot be placed.",
}

// preFilterReason reports whether a message is a PreFilter plugin's message
// on its own, which the scheduler prints without the nodes count.
func preFilterReason(text string) bool {
	for _, prefix := range []string{"persistentvolumeclaim ", "waiting for dynamic resource controller to create the resourceclaim", "resourceclaim ", reasonInsufficientPrefix} {
		if strings.HasPrefix(text, prefix) {
			return true
		}
	}
	return false
}

// ExplainMessage explains a scheduler message, as found in a pod's condition,
// an event, a log or CI output, with no cluster: any release's wording, and
// the node autoscalers' events about pending pods.
func ExplainMessage(msg string) *MessageExplanation {
	msg = strings.TrimSpace(msg)
	out := &MessageExplanation{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindMessage, Message: msg}
	if a := explainAutoscalerMessage(msg); a != nil {
		out.Recognised, out.Source, out.Autoscaling, out.Reasons = true, a.Component, a, a.Reasons
		if a.State == ScaleUpNotTriggered {
			out.CountsOf = "node groups"
		}
		return out
	}
	out.Source = "kube-scheduler"
	f, ok := findFrame(msg)
	if !ok {
		unframed(out, msg)
		return out
	}
	out.Recognised, out.Nodes, out.CountsOf = true, f.total, "nodes"
	if w := lookupWording(f.head, wordingFrame); w != nil && !w.current() {
		out.Releases = w.releases
	}
	body := f.body
	if i := strings.Index(body, " preemption: "); i >= 0 {
		out.Preemption = strings.TrimSpace(body[i+len(" preemption: "):])
		out.PreemptionMeaning = preemptionMeaning(out.Preemption)
		body = body[:i]
	}
	body = postFilterNotes(out, body)
	body = strings.TrimSpace(body)
	ended := strings.HasSuffix(body, ".") || f.form == formFitFailure || f.form == formPerNode
	body = strings.TrimRight(body, ".")
	switch f.form {
	case formCounted:
		for _, part := range splitReasons(body) {
			if part = strings.TrimSpace(part); part != "" {
				out.Reasons = append(out.Reasons, countedReason(part, f))
			}
		}
	case formPerNode:
		out.Reasons = perNodeReasons(body)
	default:
		for _, part := range strings.Split(body, "), ") {
			if !strings.HasSuffix(part, ")") && strings.Contains(part, " (") {
				part += ")"
			}
			if part = strings.TrimSpace(part); part != "" {
				out.Reasons = append(out.Reasons, countedReason(part, f))
			}
		}
	}
	if len(out.Reasons) == 0 {
		out.Recognised = false
		return out
	}
	if last := &out.Reasons[len(out.Reasons)-1]; !ended && last.Plugin == "" && last.Now == "" {
		out.Cut = "The message stops mid-reason: it was cut short (a log line limit, a console's width), so its last reason is incomplete and the counts may miss nodes."
		last.Meaning = "Cut off: the rest of this reason is missing from the message."
		last.Fix = "Read the whole message from the pod: `kubectl get pod POD -o jsonpath='{.status.conditions}'`."
	}
	sort.SliceStable(out.Reasons, func(i, j int) bool { return out.Reasons[i].Count > out.Reasons[j].Count })
	if f.form == formCounted && out.Cut == "" {
		out.CountMismatch = countMismatch(out.Reasons, f.total)
	}
	return out
}

// countedReason reads one reason of a message in its era's layout: "3
// Insufficient cpu" from 1.10 on, "Insufficient cpu (3)" before.
func countedReason(part string, f frame) ReasonExplained {
	count := f.total
	if f.form == formCounted {
		if cm := countRE.FindStringSubmatch(part); cm != nil {
			count, part = atoi(cm[1]), cm[2]
		}
	} else if cm := trailingCountRE.FindStringSubmatch(part); cm != nil {
		part, count = cm[1], atoi(cm[2])
	}
	return explainReason(part, count)
}

// explainReason explains one reason as printed by any release: today's
// words for it, the releases that printed an older wording, and, for a
// taint the message names, what the catalogue knows of it.
func explainReason(text string, count int) ReasonExplained {
	r := ReasonExplained{Reason: text, Count: count}
	now := canonicalReason(text)
	if w := lookupWording(text, wordingReason, wordingPredicate); w != nil {
		r.Plugin = w.plugin
		if !w.current() {
			r.Releases, r.Now = w.releases, w.now
		}
		if w.now != "" && !w.current() {
			now = w.now
		}
		if r.Now == "" && w.now == "" {
			r.Releases = w.releases
		}
	}
	if m := namedTaintRE.FindStringSubmatch(text); m != nil {
		r.Taint = m[1]
	}
	switch info, ok := reasons[now]; {
	case ok:
		r.Plugin, r.Meaning, r.Fix = info.plugin, info.meaning, info.fix
	case strings.HasPrefix(now, reasonInsufficientPrefix):
		res := strings.TrimPrefix(now, reasonInsufficientPrefix)
		r.Plugin = PluginNodeResourcesFit
		r.Meaning = "The pods already on these nodes request so much " + res + " that what is left is less than this pod requests (requests count, not actual use)."
		r.Fix = "Lower the pod's " + res + " request, free " + res + " by scaling other workloads down, or add nodes with more; `kubectl explain-nodes why-pending POD` shows how much each node has free."
	case strings.HasPrefix(now, "persistentvolumeclaim "):
		r.Plugin = PluginVolumeBinding
		r.Meaning = "A PersistentVolumeClaim the pod uses is missing, being deleted, or bound to a volume that is gone."
		r.Fix = "Create or fix the claim named in the message."
	default:
		retired(&r)
	}
	if r.Taint != "" {
		r.Meaning, r.Fix = namedTaint(r.Taint)
	}
	return r
}

// namedTaint explains a taint an older message names as {key: value}: from
// the taint catalogue where it knows the key.
func namedTaint(taint string) (meaning, fix string) {
	key, _, _ := strings.Cut(taint, ":")
	key = strings.TrimSpace(key)
	info := explain.LookupTaint(key)
	if !info.Known {
		return "These nodes carry the taint {" + taint + "} and the pod does not tolerate it.",
			"Add a toleration for that taint to the pod, or remove the taint from the nodes if it no longer serves a purpose."
	}
	meaning = "These nodes carry the taint {" + taint + "} (" + info.Title + ") and the pod does not tolerate it. " + info.Meaning
	if explain.IsControlPlaneTaint(key) {
		return meaning, "Nothing to change for an ordinary pod: it belongs on the worker nodes, and the reasons for those are the ones to fix. Tolerate the taint only in a pod meant to run on the control plane."
	}
	return meaning, info.Fix
}

// countMismatch says when the counts of a message's reasons cannot add up
// to its N nodes. Each node counts under the reasons of the first plugin it
// fails, so plugins' nodes do not overlap, while one plugin may give a node
// several reasons (Insufficient cpu and Insufficient memory). Older
// schedulers' GeneralPredicates gave resources, node selector, host ports
// and node name together, so those count as one. The counts then add up to
// at least N, and each group's largest count is at most its share of N,
// unless the message was cut or mixes several attempts or profiles.
func countMismatch(rs []ReasonExplained, total int) string {
	sum, largest := 0, map[string]int{}
	for i, r := range rs {
		sum += r.Count
		group := r.Plugin
		switch group {
		case PluginNodeResourcesFit, PluginNodeAffinity, PluginNodePorts, PluginNodeName:
			group = "general"
		case "":
			group = fmt.Sprint("unknown-", i)
		}
		largest[group] = max(largest[group], r.Count)
	}
	least := 0
	for _, n := range largest {
		least += n
	}
	switch {
	case len(rs) == 0:
		return ""
	case sum < total:
		return fmt.Sprintf("The reasons count %d nodes of the %d: the others are not accounted for. The message may be cut short (log line limits), or pieced together from more than one scheduling attempt.", sum, total)
	case least > total:
		return fmt.Sprintf("The reasons count at least %d different nodes, more than the %d the message names: the message may be pieced together from more than one scheduling attempt or scheduler profile.", least, total)
	}
	return ""
}

// preemptionMeaning explains the scheduler's preemption note, each of its
// counted reasons in turn: "0/N nodes are available: 32 No preemption
// victims found for incoming pod, 8 Preemption is not helpful for
// scheduling."
func preemptionMeaning(p string) string {
	switch {
	case strings.Contains(p, "terminating pod on the nominated node"):
		return "The scheduler already evicted lower-priority pods on the node it nominated for this pod, and waits for them to terminate before it tries to preempt again."
	case strings.Contains(p, "preemptionPolicy=Never"):
		return "The pod's priority class forbids it to evict other pods (preemptionPolicy: Never)."
	}
	body := p
	if _, rest, ok := strings.Cut(p, "are available:"); ok {
		body = rest
	}
	var parts []string
	for _, part := range splitReasons(strings.TrimRight(strings.TrimSpace(body), ".")) {
		part = strings.TrimSpace(part)
		n := ""
		if cm := countRE.FindStringSubmatch(part); cm != nil {
			n, part = cm[1], cm[2]
		}
		on := "On the nodes"
		if n != "" {
			on = "On " + n + " " + map[bool]string{true: "node", false: "nodes"}[n == "1"]
		}
		switch {
		case strings.Contains(part, "Preemption is not helpful"):
			parts = append(parts, on+", evicting lower-priority pods would not help: what blocks the pod there is not a lack of room (a taint, a selector, affinity, a port).")
		case strings.Contains(part, "No preemption victims found"):
			parts = append(parts, on+", the pod does not fit for lack of room, and evicting the lower-priority pods there would not make it fit: there are none, or too few to free enough.")
		case part != "":
			parts = append(parts, on+": "+part+".")
		}
	}
	if len(parts) == 0 {
		return "The scheduler's note on whether evicting lower-priority pods could make room."
	}
	return strings.Join(parts, " ")
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// PendingList is every Pending pod of a namespace, grouped by cause.
type PendingList struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Namespace is empty for all namespaces.
	Namespace   string       `json:"namespace"`
	GeneratedAt time.Time    `json:"generatedAt"`
	Pods        int          `json:"pods"`
	Groups      []CauseGroup `json:"groups"`
	// CreateFailures are controllers that could not create their pods, so
	// that no pod of theirs is pending.
	CreateFailures []CreateFailure `json:"createFailures,omitempty"`
	Unread         []v1alpha1.Gap  `json:"unread,omitempty"`
	// From is set when the list was made from a dump (--from).
	From *v1alpha1.DumpSource `json:"from,omitempty"`
}

// CauseGroup is the pods that share one main cause and the same kind of fix.
type CauseGroup struct {
	Cause string `json:"cause"`
	// Pods are namespace/name.
	Pods []string `json:"pods"`
	// Fix is the first suggested fix, when it is the same for every pod of
	// the group.
	Fix string `json:"fix,omitempty"`
	// PodFixes are each pod's first fix, when they differ (in the numbers,
	// say: what each pod requests).
	PodFixes []PodFix `json:"podFixes,omitempty"`
}

// PodFix is one pod's first fix.
type PodFix struct {
	Pod string `json:"pod"`
	Fix string `json:"fix"`
}

// numbersRE matches amounts in a text: 6, 2500m, 1.5Gi.
var numbersRE = regexp.MustCompile(`\d+(\.\d+)?[a-zA-Z]*`)

// firstFix is a diagnosis's first fix and the kind of change it makes, which
// groups pods: the same kinds of change to the same taints, labels and
// resources, whatever the amounts.
func (d *Diagnosis) firstFix() (text, kind string) {
	if len(d.Remedies) > 0 {
		r := d.Remedies[0]
		if len(r.Changes) == 0 {
			return r.Text, "advice:" + numbersRE.ReplaceAllString(r.Text, "#")
		}
		var parts []string
		for _, c := range r.Changes {
			parts = append(parts, string(c.Kind)+"|"+c.Taint+"|"+string(c.Resource)+"|"+c.Key+"|"+c.Node)
		}
		sort.Strings(parts)
		return r.Text, strings.Join(parts, ",")
	}
	if len(d.Fixes) > 0 {
		return d.Fixes[0], "fix:" + d.Fixes[0]
	}
	if len(d.Problems) > 0 {
		return d.Problems[0].Fix, "problem:" + d.Problems[0].Reason
	}
	return "", ""
}

// Group groups diagnoses by cause and kind of fix, the largest group first.
func Group(ds []*Diagnosis, namespace string, gaps []v1alpha1.Gap, now time.Time) *PendingList {
	out := &PendingList{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindPendingList, Namespace: namespace, GeneratedAt: now.UTC(), Pods: len(ds), Groups: []CauseGroup{}, Unread: gaps}
	index := map[string]int{}
	var fixes [][]PodFix
	for _, d := range ds {
		cause := d.Cause()
		text, kind := d.firstFix()
		key := cause + "\x00" + kind
		i, ok := index[key]
		if !ok {
			i = len(out.Groups)
			index[key] = i
			out.Groups = append(out.Groups, CauseGroup{Cause: cause})
			fixes = append(fixes, nil)
		}
		pod := d.Namespace + "/" + d.Pod
		out.Groups[i].Pods = append(out.Groups[i].Pods, pod)
		fixes[i] = append(fixes[i], PodFix{Pod: pod, Fix: text})
	}
	for i := range out.Groups {
		same := true
		for _, f := range fixes[i] {
			same = same && f.Fix == fixes[i][0].Fix
		}
		if same {
			out.Groups[i].Fix = fixes[i][0].Fix
		} else {
			out.Groups[i].PodFixes = fixes[i]
		}
	}
	sort.SliceStable(out.Groups, func(i, j int) bool { return len(out.Groups[i].Pods) > len(out.Groups[j].Pods) })
	return out
}

// retiredChecks explains, by words of the reason in its predicate or
// sentence form, the reasons the scheduler table has no row for: the
// node-condition checks older schedulers made themselves
// (CheckNodeCondition, CheckNodeMemoryPressure, …; today the node lifecycle
// controller taints such nodes and the taint check keeps pods off them),
// the older policies' checks, and the rarer reasons of DRA, volumes, pod
// groups and in-place resizes.
var retiredChecks = []struct {
	words        []string
	meaning, fix string
}{
	{[]string{"not ready", "NotReady"}, "These nodes were not Ready (their kubelet did not report healthy). Today's scheduler no longer checks this itself: such nodes carry the node.kubernetes.io/not-ready taint, and the taint check keeps pods off.", "Find why the nodes are not Ready: `kubectl explain-nodes NODE`."},
	{[]string{"out of disk", "OutOfDisk"}, "These nodes reported OutOfDisk, a condition kubelets no longer report (replaced by DiskPressure).", "Free disk space on the nodes: `kubectl explain-nodes NODE` shows their conditions."},
	{[]string{"memory pressure", "MemoryPressure"}, "These nodes were under memory pressure, so best-effort pods were kept off. Today the node.kubernetes.io/memory-pressure taint does this.", "Free memory on the nodes, or give the pod requests so it is not best-effort."},
	{[]string{"disk pressure", "DiskPressure"}, "These nodes were under disk pressure (little free disk or inodes). Today the node.kubernetes.io/disk-pressure taint keeps pods off them.", "Free disk space on the nodes: images, logs, emptyDir volumes."},
	{[]string{"pid pressure", "PIDPressure"}, "These nodes were running short of process IDs. Today the node.kubernetes.io/pid-pressure taint keeps pods off them.", "Find the pods forking many processes on those nodes."},
	{[]string{"network unavailable", "unavailable network", "NetworkUnavailable"}, "These nodes' network was not configured (NetworkUnavailable). Today the node.kubernetes.io/network-unavailable taint keeps pods off them.", "Check the network plugin (CNI) on those nodes."},
	{[]string{"unknown condition", "UnknownCondition"}, "These nodes had a condition in an unknown state: their kubelet had stopped reporting. Today the node.kubernetes.io/unreachable taint keeps pods off them.", "Find why the kubelet stopped reporting: `kubectl explain-nodes NODE`."},
	{[]string{"pod affinity/anti-affinity", "MatchInterPodAffinity"}, "The pod's required pod affinity or anti-affinity rules rule these nodes out, or pods already on them have anti-affinity against it. Older schedulers did not say which; today's say \"didn't match pod affinity rules\", \"didn't match pod anti-affinity rules\" or \"didn't satisfy existing pods anti-affinity rules\".", "Check that the pods it wants to join run, and relax required anti-affinity (preferred instead of required), or add nodes in other topology domains."},
	{[]string{"requested labels", "CheckNodeLabelPresence"}, "The scheduler's policy (a CheckNodeLabelPresence predicate, configured in the scheduler policy file) required labels these nodes lacked, or forbade labels they had. Scheduler policies were removed in Kubernetes 1.23.", "Label the nodes as the scheduler policy requires, or change the policy."},
	{[]string{"service affinity", "CheckServiceAffinity"}, "The scheduler's policy (a CheckServiceAffinity predicate) wanted the pods of one service on nodes with the same values of a label, and these nodes had other values. Scheduler policies were removed in Kubernetes 1.23.", "Change the policy, or run the service's pods where its other pods run."},
	{[]string{"resource driver", "resourceclaim", "resource class", "device class", "claim parameters", "class parameters", "structured parameters", "DRAControlPlaneController", "resource claim", "allocate devices"}, "The pod's ResourceClaims (dynamic resource allocation: GPUs and other devices) cannot be satisfied on these nodes, in the words of the DynamicResources plugin.", "Check the pod's ResourceClaims (`kubectl describe resourceclaim`), their device classes and the drivers' ResourceSlices (`kubectl get resourceslices`)."},
	{[]string{"unschedulable", "NodeUnschedulable"}, "These nodes were cordoned (spec.unschedulable).", "`kubectl uncordon NODE` once the node is fit for work."},
	{[]string{"allocating devices", "cannot fit resource", "DRA"}, "The pod's device requests (dynamic resource allocation) cannot be met on these nodes, in the words of the DynamicResources plugin.", "Check the pod's ResourceClaims and its pod-level requests and limits against the devices the drivers publish (`kubectl get resourceslices`)."},
	{[]string{"resize fits, waiting for Kubelet"}, "The pod's in-place resize fits its node; the scheduler waits for the kubelet to apply it.", "Wait; if it stays, look at the pod's resize conditions (PodResizePending, PodResizeInProgress)."},
	{[]string{"resize preemption disabled"}, "Making room for the pod's in-place resize on this node would mean evicting other pods, and the node does not allow that for resizes.", "Resize within the node's free room, or let the pod be recreated elsewhere."},
	{[]string{"pod assigned to different node"}, "The pod is bound to another node, so this one is not considered for it.", "Explain the node the pod is on: `kubectl explain-nodes NODE`."},
	{[]string{"PersistentVolume had no name", "PersistentVolumeClaim had no", "VolumeBindingMode not set"}, "A volume of the pod is incomplete: its claim names no volume or storage class, its volume has no name, or its storage class has no volumeBindingMode.", "Fix the claim, volume or storage class the message names (`kubectl describe pvc`)."},
	{[]string{"didn't satisfy plugin"}, "PreFilter plugins narrowed the pod to other nodes (the plugins named in brackets; NodeAffinity pins a pod by name, as DaemonSets do), so these were not checked; with several plugins, their sets of nodes do not overlap.", "Look at the nodes the named plugins allow the pod: `kubectl explain-nodes why-pending POD`."},
	{[]string{"minCount", "feasible placements", "for PodGroup"}, "The pod belongs to a pod group scheduled together (gang scheduling), which needs at least a minimum number of its pods placed at once, and there is no placement for enough of them.", "Add room for the whole group, or lower the group's minimum count."},
	{[]string{"parsing pod"}, "The scheduler could not read a field of the pod's spec.", "Check the pod's spec; the scheduler's log has the error."},
	{[]string{"required features"}, "The pod uses features that these nodes' kubelets do not declare (node declared features): an older kubelet, or a feature turned off there.", "Upgrade those nodes' kubelets, or run the pod where the feature is declared."},
	{[]string{"SidecarContainers feature is disabled"}, "The pod has a sidecar (an init container with restartPolicy: Always), and the scheduler's SidecarContainers feature gate was off.", "Turn the feature gate on, or drop the sidecar."},
}

// retired explains a reason today's scheduler has no row for: one of the
// older schedulers' own checks, or a reason this tool does not know.
func retired(r *ReasonExplained) {
	for _, c := range retiredChecks {
		for _, w := range c.words {
			if strings.Contains(r.Reason, w) {
				r.Meaning, r.Fix = c.meaning, c.fix
				return
			}
		}
	}
	if r.Releases != "" {
		r.Meaning = "A check of older schedulers (" + ReleasesText(r.Releases) + ") that today's scheduler no longer makes."
		r.Fix = "Read the scheduler's documentation for those releases; on today's clusters the check does not apply."
		return
	}
	r.Meaning = "A reason this tool does not know: it comes from another plugin, a scheduler extender or a newer Kubernetes version."
	r.Fix = "Look up the plugin that words it this way in the scheduler's configuration."
}
