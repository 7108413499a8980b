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

// MessageExplanation explains a scheduler message without a cluster.
type MessageExplanation struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	// Recognised is false when the message is not a FitError the tool knows.
	Recognised bool `json:"recognised"`
	// Nodes is how many nodes the scheduler looked at.
	Nodes   int               `json:"nodes"`
	Reasons []ReasonExplained `json:"reasons,omitempty"`
	// Preemption is the scheduler's note on preemption, if any, explained.
	Preemption        string `json:"preemption,omitempty"`
	PreemptionMeaning string `json:"preemptionMeaning,omitempty"`
	// Unrecognised is text of the message this tool could not place: a
	// note after the reasons that is not the preemption note.
	Unrecognised []string `json:"unrecognised,omitempty"`
	// CountMismatch, when set, says that the reasons count fewer nodes than
	// the message's N.
	CountMismatch string `json:"countMismatch,omitempty"`
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
}

var (
	namedTaintRE = regexp.MustCompile(`^node\(s\) had (?:untolerated taint|taint) \{(.*)\}`)
)

// ExplainMessage explains a scheduler message, as found in a pod's condition,
// an event, a log or CI output, with no cluster.
func ExplainMessage(msg string) *MessageExplanation {
	msg = strings.TrimSpace(msg)
	out := &MessageExplanation{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindMessage, Message: msg}
	if i := strings.Index(msg, " preemption: "); i >= 0 {
		out.Preemption = strings.TrimSpace(msg[i+len(" preemption: "):])
		out.PreemptionMeaning = preemptionMeaning(out.Preemption)
	}
	if info, ok := reasons[strings.TrimSuffix(msg, ".")]; ok {
		out.Recognised = true
		out.Reasons = []ReasonExplained{{Reason: strings.TrimSuffix(msg, "."), Plugin: info.plugin, Meaning: info.meaning, Fix: info.fix}}
		return out
	}
	total, _, ok := ParseFitError(msg)
	if !ok {
		return out
	}
	out.Recognised, out.Nodes = true, total
	body := msg[strings.Index(msg, ":")+1:]
	if i := strings.Index(body, " preemption:"); i >= 0 {
		body = body[:i]
	}
	if i := strings.Index(body, ". "); i >= 0 {
		if rest := strings.TrimSpace(body[i+2:]); rest != "" {
			out.Unrecognised = append(out.Unrecognised, rest)
		}
		body = body[:i]
	}
	body = strings.TrimRight(strings.TrimSpace(body), ".")
	for _, part := range splitReasons(body) {
		r := ReasonExplained{Reason: strings.TrimSpace(part), Count: total}
		if cm := countRE.FindStringSubmatch(r.Reason); cm != nil {
			r.Reason = cm[2]
			r.Count = atoi(cm[1])
		}
		if m := namedTaintRE.FindStringSubmatch(r.Reason); m != nil {
			r.Taint = m[1]
		}
		canonical := canonicalReason(r.Reason)
		switch info, ok := reasons[canonical]; {
		case ok:
			r.Plugin, r.Meaning, r.Fix = info.plugin, info.meaning, info.fix
		case strings.HasPrefix(canonical, reasonInsufficientPrefix):
			res := strings.TrimPrefix(canonical, reasonInsufficientPrefix)
			r.Plugin = PluginNodeResourcesFit
			r.Meaning = "The pods already on these nodes request so much " + res + " that what is left is less than this pod requests (requests count, not actual use)."
			r.Fix = "Lower the pod's " + res + " request, free " + res + " by scaling other workloads down, or add nodes with more; `kubectl explain-nodes why-pending POD` shows how much each node has free."
		case strings.HasPrefix(canonical, "persistentvolumeclaim "):
			r.Plugin = PluginVolumeBinding
			r.Meaning = "A PersistentVolumeClaim the pod uses is missing, being deleted, or bound to a volume that is gone."
			r.Fix = "Create or fix the claim named in the message."
		default:
			r.Meaning = "A reason this tool does not know: it comes from another plugin, a scheduler extender or a newer Kubernetes version."
			r.Fix = "Look up the plugin that words it this way in the scheduler's configuration."
		}
		if r.Taint != "" {
			r.Meaning, r.Fix = namedTaint(r.Taint)
		}
		out.Reasons = append(out.Reasons, r)
	}
	sort.SliceStable(out.Reasons, func(i, j int) bool { return out.Reasons[i].Count > out.Reasons[j].Count })
	out.CountMismatch = countMismatch(out.Reasons, total)
	return out
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
// to its N nodes: each node counts once under its first failing plugin's
// reasons, so the counts add up to at least N unless the message was cut or
// mixes several scheduling cycles or profiles. A node may fail more than
// one reason of a plugin, so more than N is not a sign of trouble.
func countMismatch(rs []ReasonExplained, total int) string {
	sum := 0
	for _, r := range rs {
		sum += r.Count
	}
	if len(rs) == 0 || sum >= total {
		return ""
	}
	return fmt.Sprintf("The reasons count %d nodes of the %d: the others are not accounted for. The message may be cut short (log line limits), or pieced together from more than one scheduling attempt.", sum, total)
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
