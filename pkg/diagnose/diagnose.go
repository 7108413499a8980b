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
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Diagnose explains why s.Pod is pending, as of now.
func Diagnose(s *cluster.PendingSnapshot, now time.Time) *Diagnosis {
	return diagnosePod(inputOf(s), now)
}

// DiagnoseAll diagnoses every pod of s.Pending against the same cluster,
// building the scheduler's view of the nodes once; s.Events may hold the
// events of all the pods. The diagnoses are for a list of causes and first
// fixes: they leave out Likely.
func DiagnoseAll(s *cluster.PendingSnapshot, now time.Time) []*Diagnosis {
	return diagnoseAll(inputOf(s), s.Pending, now)
}

// inputOf is what the filters read of a pending snapshot.
func inputOf(s *cluster.PendingSnapshot) input {
	return input{Pod: s.Pod, Nodes: s.Nodes, Bound: s.Assigned, Nominated: s.Nominated, NominatedNodePods: s.NominatedNodePods,
		Events: s.Events, Namespaces: s.Namespaces, Volumes: s.Volumes, Siblings: s.Siblings, NodesRead: s.NodesRead, AssignedUnread: !s.AssignedRead,
		Leases: s.Leases, Gaps: s.Gaps}
}

// diagnosePod explains why in.Pod is pending, as of now.
func diagnosePod(in input, now time.Time) *Diagnosis {
	pod := in.Pod
	d := &Diagnosis{
		APIVersion:  v1alpha1.APIVersion,
		Kind:        v1alpha1.KindDiagnosis,
		Namespace:   pod.Namespace,
		Pod:         pod.Name,
		Phase:       string(pod.Status.Phase),
		NodeName:    pod.Spec.NodeName,
		GeneratedAt: now.UTC(),
		Scheduler:   schedulerVerdict(pod, in.Events),
		Unread:      in.Gaps,
	}
	if notWaiting(d, in, now) {
		return d
	}
	if in.env == nil {
		in.env = newEnv(in)
	}
	other := pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName
	if other {
		if !otherScheduler(d, in, now) {
			return d
		}
	} else {
		d.State = StateWaitingForScheduler
		if d.Scheduler != nil && d.Scheduler.Reason == corev1.PodReasonUnschedulable {
			d.State = StateUnschedulable
		}
	}
	if !in.NodesRead && len(in.Nodes) == 0 {
		messageOnly(d)
		return d
	}
	if in.AssignedUnread {
		d.Caveats = append(d.Caveats, "The pods on the nodes could not be read: the resource, host-port and pod-affinity checks count no pods, so they may pass where the scheduler fails.")
	}
	d.Nodes, d.ComputedMessage = evaluate(pod, in)
	fits := 0
	for _, v := range d.Nodes {
		if v.Fits {
			fits++
		}
	}
	summarizeFit(d, fits)
	if w := provisioningWait(pod, in, now); w != nil {
		d.State, d.Provisioning = StateWaitingForVolume, w
		d.Summary, d.Remedies = w.text()
		d.Fixes = []string{d.Remedies[0].Text}
		return d
	}
	if d.Scheduler != nil && d.Scheduler.Message != "" {
		d.SchedulerMessage = d.Scheduler.Message
		agrees, why := compare(d.ComputedMessage, d.Scheduler, len(in.Nodes), now)
		d.Agrees, d.Disagreement = &agrees, why
	}
	if fits == 0 {
		d.Autoscaling = latestAutoscaling(in.Events)
		advise(d, in, now)
		if d.Autoscaling != nil {
			d.Summary += " " + d.Autoscaling.Sentence(now)
		}
	}
	return d
}

// notWaiting handles the pods that do not wait for the scheduler: finished,
// being deleted, running, bound to a node, or gated. It reports whether it
// did.
func notWaiting(d *Diagnosis, in input, now time.Time) bool {
	pod := in.Pod
	switch {
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		d.State = StateFinished
		d.Summary = fmt.Sprintf("The pod is not pending: it has finished (%s).", pod.Status.Phase)
	case pod.DeletionTimestamp != nil:
		d.State = StateTerminating
		d.Summary = "The pod is being deleted: " + DeletionText(pod.DeletionTimestamp.Time, pod.DeletionGracePeriodSeconds, now) + ". It will not be scheduled or started."
		if len(pod.Finalizers) > 0 {
			d.Summary += fmt.Sprintf(" It waits for its finalizers to be removed: %s.", strings.Join(pod.Finalizers, ", "))
		}
	case pod.Spec.NodeName != "" && pod.Status.Phase == corev1.PodRunning:
		d.State = StateRunning
		d.Summary = fmt.Sprintf("The pod is not pending: it runs on node %s.", pod.Spec.NodeName)
		d.Problems = containerProblems(pod)
		if len(d.Problems) > 0 {
			d.Summary = fmt.Sprintf("The pod is not pending: it was started on node %s, but not all of its containers run; what holds them up follows.", pod.Spec.NodeName)
		}
	case pod.Spec.NodeName != "":
		diagnoseBound(d, in)
	case len(pod.Spec.SchedulingGates) > 0:
		d.State = StateSchedulingGated
		gates := make([]string, 0, len(pod.Spec.SchedulingGates))
		for _, g := range pod.Spec.SchedulingGates {
			gates = append(gates, g.Name)
		}
		d.Summary = fmt.Sprintf("The scheduler will not consider the pod until its scheduling gates are removed: %s. The controller that added them removes them when it is ready; if none will, remove them by editing the pod's spec.schedulingGates.", strings.Join(gates, ", "))
	default:
		return false
	}
	return true
}

// otherScheduler says whether the scheduler the pod names shows signs of
// running. It returns false when it shows none: then there is nothing more
// to check.
func otherScheduler(d *Diagnosis, in input, now time.Time) bool {
	name := in.Pod.Spec.SchedulerName
	signs, known := schedulerSigns(in, in.env, now)
	switch {
	case known && len(signs) == 0:
		d.State = StateNoScheduler
		d.Summary = fmt.Sprintf("The pod asks for the scheduler %q (spec.schedulerName), and nothing suggests that scheduler runs: no leader lease of that name in any namespace this tool could read, no pod named after it, and no event from it about this pod. The default scheduler leaves pods for other schedulers alone, so the pod waits.", name)
		d.Fixes = []string{fmt.Sprintf("Deploy the %q scheduler, or recreate the pod without spec.schedulerName so the default scheduler places it.", name)}
		d.Remedies = []Remedy{{Text: d.Fixes[0]}}
		return false
	case known:
		d.State = StateOtherScheduler
		d.Summary = fmt.Sprintf("The pod asks for the scheduler %q (spec.schedulerName), which shows signs of running: %s. The default scheduler leaves the pod to it, so why it is not placed is for %q to say: its events about the pod and its logs.", name, strings.Join(signs, "; "), name)
	default:
		d.State = StateOtherScheduler
		d.Summary = fmt.Sprintf("The pod asks for the scheduler %q (spec.schedulerName); whether it runs could not be checked (the leases were not read). The default scheduler leaves the pod to it.", name)
	}
	d.Caveats = append(d.Caveats, fmt.Sprintf("The checks below are the default scheduler's filters; %q may apply other rules.", name))
	return true
}

// messageOnly explains the scheduler's own message when the nodes could not
// be read to check them one by one.
func messageOnly(d *Diagnosis) {
	if d.Scheduler == nil || d.Scheduler.Message == "" {
		d.Summary = "The nodes could not be read and the scheduler has said nothing about the pod yet, so there is nothing to go on."
		return
	}
	d.Summary = "The nodes could not be read, so they cannot be checked one by one; what follows rests on the scheduler's own message."
	d.SchedulerMessage = d.Scheduler.Message
	if e := ExplainMessage(d.Scheduler.Message); e.Recognised {
		d.MessageReasons = e.Reasons
	}
}

// summarizeFit says, in the summary, whether some node fits now.
func summarizeFit(d *Diagnosis, fits int) {
	switch {
	case d.State == StateOtherScheduler:
	case fits > 0:
		d.Summary = fmt.Sprintf("%s of %d fit the pod now; the scheduler should place it on its next attempt.", phrase.Plural(fits, "node"), len(d.Nodes))
	case d.State == StateUnschedulable:
		d.Summary = "No node can take the pod: the scheduler tried every node and each one failed a check. The reasons, node by node, follow."
	default:
		d.Summary = "No node can take the pod, and the scheduler has not yet said why."
	}
}

// advise fills in what would help a pod no node fits: the pods it waits
// for after preempting them, or the remedies, tolerations and preemption.
func advise(d *Diagnosis, in input, now time.Time) {
	pod, e := in.Pod, in.env
	if w := preemptionWait(pod, in, e, now); w != nil {
		d.Preempting = w
		d.Summary, d.Remedies = w.waitText()
	} else {
		d.Remedies = withScaleUp(remedies(pod, d.Nodes, e, in.Nodes), d.Autoscaling, now)
		d.Tolerations = tolerationsYAML(pod, d.Remedies)
		d.Preemption = preemptionAdvice(pod, d.Nodes, e, resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
		if !in.listed {
			d.Likely = likelyNode(pod, d.Nodes, e, in.Nodes, in.Siblings, d.Remedies)
		}
	}
	for _, r := range d.Remedies {
		d.Fixes = append(d.Fixes, r.Text)
	}
}

// DeletionText says when a pod's deletion was requested and where its grace
// period stands. The API server sets deletionTimestamp to the time of the
// request plus the grace period.
func DeletionText(deletion time.Time, graceSeconds *int64, now time.Time) string {
	if graceSeconds == nil || *graceSeconds == 0 {
		return fmt.Sprintf("deletion was requested %s ago with no grace period left", now.Sub(deletion).Round(time.Second))
	}
	grace := time.Duration(*graceSeconds) * time.Second
	requested := deletion.Add(-grace)
	text := fmt.Sprintf("deletion was requested %s ago with a grace period of %s", now.Sub(requested).Round(time.Second), grace)
	if left := deletion.Sub(now).Round(time.Second); left > 0 {
		return text + fmt.Sprintf(", which runs out in %s", left)
	}
	return text + fmt.Sprintf(", which ran out %s ago", now.Sub(deletion).Round(time.Second))
}

// evaluate runs the filters on every node and counts the verdicts as the
// scheduler does: a node counts once, under the first filter it fails.
func evaluate(pod *corev1.Pod, in input) ([]NodeVerdict, string) {
	nodes := in.Nodes
	e := in.env
	if e == nil {
		e = newEnv(in)
	}
	if len(nodes) == 0 {
		return nil, "no nodes available to schedule pods"
	}
	// A PreFilter failure rejects every node with the same reason.
	if pinned := e.pinnedFor(pod); pinned != nil && len(pinned) == 0 {
		return preFilterVerdicts(nodes, Failure{Plugin: PluginNodeAffinity, Reasons: []string{ReasonNodeAffinityConflict},
			Detail: "the pod's required node affinity terms name nodes by metadata.name, and together they name none"})
	}
	if plugin, msg, detail := volumePreFilter(pod, in.Volumes); msg != "" {
		return preFilterVerdicts(nodes, Failure{Plugin: plugin, Reasons: []string{msg}, Detail: detail})
	}
	req := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	verdicts := make([]NodeVerdict, 0, len(nodes))
	counts := map[string]int{}
	for i := range nodes {
		v := NodeVerdict{Node: nodes[i].Name}
		v.Failures = e.check(pod, req, e.infos[nodes[i].Name])
		v.Fits = len(v.Failures) == 0
		if !v.Fits {
			v.Reasons = v.Failures[0].Reasons
			for _, r := range v.Reasons {
				counts[r]++
			}
		}
		verdicts = append(verdicts, v)
	}
	sort.SliceStable(verdicts, func(i, j int) bool {
		if verdicts[i].Fits != verdicts[j].Fits {
			return verdicts[i].Fits
		}
		return verdicts[i].Node < verdicts[j].Node
	})
	if len(nodes) == 0 {
		return verdicts, "no nodes available to schedule pods"
	}
	if fitsAny(verdicts) {
		// The scheduler reports no FitError while a node fits.
		return verdicts, ""
	}
	return verdicts, FormatFitError(len(nodes), counts)
}

// preFilterVerdicts rejects every node for one PreFilter failure, which the
// scheduler reports once, not counted per node.
func preFilterVerdicts(nodes []corev1.Node, f Failure) ([]NodeVerdict, string) {
	verdicts := make([]NodeVerdict, 0, len(nodes))
	for i := range nodes {
		verdicts = append(verdicts, NodeVerdict{Node: nodes[i].Name, Reasons: f.Reasons, Failures: []Failure{f}})
	}
	sort.Slice(verdicts, func(i, j int) bool { return verdicts[i].Node < verdicts[j].Node })
	return verdicts, fmt.Sprintf("0/%d nodes are available: %s.", len(nodes), f.Reasons[0])
}

func fitsAny(verdicts []NodeVerdict) bool {
	for _, v := range verdicts {
		if v.Fits {
			return true
		}
	}
	return false
}

func newEnv(in input) *env {
	bound := in.Bound
	if bound == nil && in.Assigned != nil {
		bound = make([]cluster.BoundPod, len(in.Assigned))
		for i := range in.Assigned {
			bound[i] = cluster.Bind(&in.Assigned[i])
		}
	}
	e := &env{infos: newNodeInfos(in.Nodes, bound), namespaceLabels: in.Namespaces, volumes: in.Volumes}
	for i := range in.Nominated {
		p := &in.Nominated[i]
		if _, ok := e.infos[p.NodeName]; !ok {
			continue
		}
		if e.nominated == nil {
			e.nominated = map[string][]*cluster.BoundPod{}
		}
		e.nominated[p.NodeName] = append(e.nominated[p.NodeName], p)
	}
	return e
}

// diagnoseAll diagnoses several pods against the same cluster, building the
// scheduler's view of the nodes once. in.Pod is ignored; in.Events may hold
// the events of all the pods.
func diagnoseAll(in input, pods []*corev1.Pod, now time.Time) []*Diagnosis {
	in.env = newEnv(in)
	in.listed = true
	events := map[string][]corev1.Event{}
	for _, e := range in.Events {
		key := e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		events[key] = append(events[key], e)
	}
	out := make([]*Diagnosis, 0, len(pods))
	for _, p := range pods {
		one := in
		one.Pod = p
		one.Events = events[p.Namespace+"/"+p.Name]
		out = append(out, diagnosePod(one, now))
	}
	return out
}

// Cause is a pod's main cause in a line: the computed scheduler message for
// an unschedulable pod, else its state and first problem.
func (d *Diagnosis) Cause() string {
	switch a := d.Autoscaling; {
	case a != nil && a.Stale(d.GeneratedAt):
		return "A scale-up has not placed it: " + a.past() + ", " + duration.HumanDuration(d.GeneratedAt.Sub(a.At)) + " ago"
	case a != nil && (a.State == ScaleUpTriggered || a.State == ScaleUpNominated):
		return "Waiting for a new node: " + a.Short()
	case a != nil && d.ComputedMessage != "":
		return d.ComputedMessage + " " + capitalise(a.Short()) + "."
	case d.ComputedMessage != "":
		return d.ComputedMessage
	case d.SchedulerMessage != "" && d.State == StateUnschedulable:
		return d.SchedulerMessage
	case len(d.Problems) > 0:
		p := d.Problems[0]
		cause := fmt.Sprintf("%s: %s %s", d.State, p.Source, p.Reason)
		if p.Message != "" {
			cause += ": " + p.Message
		}
		return cause
	}
	return string(d.State) + ": " + d.Summary
}

// FormatFitError words reason counts as the scheduler's FitError does.
func FormatFitError(total int, counts map[string]int) string {
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return fmt.Sprintf("0/%d nodes are available: %s.", total, strings.Join(parts, ", "))
}

// schedulerVerdict finds the scheduler's latest word on the pod: its
// PodScheduled=False condition (whole message) or, failing that, the latest
// FailedScheduling event (cut at 1024 characters).
func schedulerVerdict(pod *corev1.Pod, events []corev1.Event) *SchedulerVerdict {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return &SchedulerVerdict{Source: "PodScheduled condition", Reason: c.Reason, Message: c.Message, At: c.LastTransitionTime.UTC()}
		}
	}
	var latest *corev1.Event
	for i := range events {
		e := &events[i]
		if e.Reason != EventFailedScheduling || isKarpenterEvent(e) {
			continue
		}
		if latest == nil || eventTime(e).After(eventTime(latest)) {
			latest = e
		}
	}
	if latest == nil {
		return nil
	}
	return &SchedulerVerdict{Source: "FailedScheduling event", Reason: corev1.PodReasonUnschedulable, Message: latest.Message, At: eventTime(latest).UTC()}
}

func eventTime(e *corev1.Event) time.Time { return cluster.EventTime(e).Time }

var (
	fitErrorRE = regexp.MustCompile(`^0/(\d+) nodes are available: (.*)$`)
	countRE    = regexp.MustCompile(`^(\d+) (.+)$`)
)

// ParseFitError reads a scheduler message of the form "0/N nodes are
// available: 2 reason, 1 reason. preemption: …" into N and the reason counts.
// Older wordings of a reason are folded into today's.
func ParseFitError(msg string) (int, map[string]int, bool) {
	msg = strings.TrimSpace(msg)
	// The PostFilter's words follow the reasons: "preemption: …", or a
	// short note such as "not found".
	if i := strings.Index(msg, " preemption:"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, ". "); i >= 0 {
		msg = msg[:i+1]
	}
	m := fitErrorRE.FindStringSubmatch(msg)
	if m == nil {
		return 0, nil, false
	}
	total, _ := strconv.Atoi(m[1])
	body := strings.TrimRight(m[2], ".")
	if strings.TrimSpace(body) == "" {
		return 0, nil, false // no reason at all: not a message the scheduler writes
	}
	counts := map[string]int{}
	for _, part := range splitReasons(body) {
		cm := countRE.FindStringSubmatch(strings.TrimSpace(part))
		if cm == nil {
			// A PreFilter message: one reason for every node, not counted.
			return total, map[string]int{body: total}, true
		}
		n, _ := strconv.Atoi(cm[1])
		counts[canonicalReason(cm[2])] += n
	}
	return total, counts, true
}

// splitReasons splits on ", " followed by a count, so a comma inside a
// reason (a taint's value) does not split it.
func splitReasons(body string) []string {
	var parts []string
	start := 0
	for i := 0; i+2 < len(body); i++ {
		if body[i] == ',' && body[i+1] == ' ' && body[i+2] >= '0' && body[i+2] <= '9' {
			parts = append(parts, body[start:i])
			start = i + 2
		}
	}
	return append(parts, body[start:])
}

// compare says whether the computed message reproduces the scheduler's, and
// if not, what may explain the difference.
func compare(computed string, s *SchedulerVerdict, nodes int, now time.Time) (bool, string) {
	total, theirs, ok := ParseFitError(s.Message)
	if !ok {
		return false, "the scheduler's message is not in the usual \"0/N nodes are available\" form, so it cannot be compared node by node"
	}
	ours := map[string]int{}
	if computed != "" {
		_, ours, _ = ParseFitError(computed)
	}
	if total == nodes && equalCounts(ours, theirs) {
		return true, ""
	}
	var why []string
	if total != nodes {
		why = append(why, fmt.Sprintf("the scheduler counted %d nodes and the cluster has %d now: nodes were added or removed since", total, nodes))
	}
	for reason := range theirs {
		if !knownReason(reason) {
			why = append(why, fmt.Sprintf("the scheduler reports %q, which comes from a check this tool does not evaluate (another plugin, a custom scheduler profile or an extender)", reason))
		}
	}
	age := now.Sub(s.At).Round(time.Second)
	if !s.At.IsZero() && age > 0 {
		why = append(why, fmt.Sprintf("the scheduler's message is %s old; the cluster may have changed since (pods finished or started, nodes changed), and the scheduler retries on such changes", age))
	}
	sort.Strings(why)
	return false, strings.Join(why, "; ")
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
