package explain

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

func podName(p *cluster.Pod) string { return p.Namespace + "/" + p.Name }

func lessPod(a, b *cluster.Pod) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// byName returns the pods that keep holds, sorted by namespace and name. It
// points into pods: a node's pods are many, the ones a finding names few.
func byName(pods []cluster.Pod, keep func(*cluster.Pod) bool) []*cluster.Pod {
	var out []*cluster.Pod
	for i := range pods {
		if keep(&pods[i]) {
			out = append(out, &pods[i])
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessPod(out[i], out[j]) })
	return out
}

// filter returns the pods that keep holds, in their order.
func filter(pods []*cluster.Pod, keep func(*cluster.Pod) bool) []*cluster.Pod {
	var out []*cluster.Pod
	for _, p := range pods {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// listPods names pods as listNames does, describing only those it shows.
func listPods(pods []*cluster.Pod, describe func(*cluster.Pod) string) string {
	shown := pods
	if len(pods) > 4 {
		shown = pods[:4]
	}
	names := make([]string, len(shown))
	for i, p := range shown {
		names[i] = describe(p)
	}
	if len(pods) > 4 {
		return fmt.Sprintf("%s and %d more", strings.Join(names, ", "), len(pods)-4)
	}
	return strings.Join(names, ", ")
}

func terminating(p *cluster.Pod) bool { return p.Deletion != nil }

// overdue reports whether a pod being deleted has outlived its grace period.
func overdue(p *cluster.Pod, now time.Time) bool {
	return p.Deletion != nil && now.After(p.Deletion.Deadline)
}

// finalizersOf lists the finalizers of the pods, each once, sorted.
func finalizersOf(pods []*cluster.Pod) []string {
	var out []string
	for _, p := range pods {
		if p.Deletion == nil {
			continue
		}
		for _, f := range p.Deletion.Finalizers {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out
}

// deletionDetail describes one pod's deletion: "shop/web-1 (requested 12m
// ago, grace 30s, finalizer example.com/hold)".
func deletionDetail(p *cluster.Pod, now time.Time) string {
	d := p.Deletion
	parts := []string{"requested " + shortDuration(now.Sub(d.RequestedAt())) + " ago"}
	if d.GracePeriodSeconds != nil {
		parts = append(parts, "grace "+shortDuration(time.Duration(*d.GracePeriodSeconds)*time.Second))
	}
	if len(d.Finalizers) > 0 {
		parts = append(parts, verb(len(d.Finalizers), "finalizer ", "finalizers ")+strings.Join(d.Finalizers, ", "))
	}
	return podName(p) + " (" + strings.Join(parts, ", ") + ")"
}

// deletionDetails describes the deletion of several pods, pods alike in it
// together: "shop/a, shop/b (requested 12m ago, grace 30s)".
func deletionDetails(pods []*cluster.Pod, now time.Time) string {
	var order []string
	names := map[string][]string{}
	for _, p := range pods {
		full := deletionDetail(p, now)
		detail := strings.TrimPrefix(full, podName(p))
		if _, ok := names[detail]; !ok {
			order = append(order, detail)
		}
		names[detail] = append(names[detail], podName(p))
	}
	parts := make([]string, len(order))
	for i, d := range order {
		parts[i] = phrase.List(names[d], 4, ", ") + d
	}
	return strings.Join(parts, "; ")
}

// heldBy says what keeps overdue pods from going: their finalizers, or the
// kubelet that has not confirmed that their containers stopped.
func heldBy(pods []*cluster.Pod) string {
	if f := finalizersOf(pods); len(f) > 0 {
		return "held by " + verb(len(f), "finalizer ", "finalizers ") + strings.Join(f, ", ")
	}
	return "waiting for the kubelet to confirm that they stopped"
}

// holdFix says what to do about pods that outlived their grace period.
func holdFix(pods []*cluster.Pod) string {
	if f := finalizersOf(pods); len(f) > 0 {
		return fmt.Sprintf("Find out why the controller that owns %s has not removed it (its logs and events); remove it by hand (`kubectl patch pod POD -n NAMESPACE --type=merge -p '{\"metadata\":{\"finalizers\":null}}'`) only if that controller is gone for good.", strings.Join(f, ", "))
	}
	return "Look at the kubelet on the node (`journalctl -u kubelet`) to see why the containers do not stop."
}

// holdMeaning explains what keeps pods being deleted from going.
func holdMeaning(pods []*cluster.Pod) string {
	if len(finalizersOf(pods)) > 0 {
		return "A finalizer keeps the pod object until the controller that set it removes it; until then the pod stays Terminating, whatever the kubelet does."
	}
	return "They have no finalizer: only the kubelet's confirmation that their containers stopped is missing."
}

// cordonFinding explains a cordoned node, and the drain under way on it.
func cordonFinding(n *Node, in nodeInput) nodeFinding {
	f := nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodeNodeCordoned, Nodes: []string{n.Name},
		Title:   "cordoned (spec.unschedulable)",
		Meaning: "Someone or something (a drain, an upgrade, an autoscaler) marked the node unschedulable: new pods avoid it, and cordoning alone does not stop or move the pods already there.",
		Fix:     "When the work on it is done: `kubectl uncordon NODE`."}, note: "cordoned"}
	term := byName(in.pods, terminating)
	if len(term) == 0 {
		return f
	}
	late := filter(term, func(p *cluster.Pod) bool { return overdue(p, in.now) })
	base := "Someone or something (a drain, an upgrade, an autoscaler) marked the node unschedulable, so new pods avoid it"
	if len(late) == 0 {
		f.Title = fmt.Sprintf("cordoned (spec.unschedulable); drain in progress: %s terminating", phrase.Plural(len(term), "pod"))
		f.Meaning = fmt.Sprintf("%s, and %s being deleted, as in a drain, all within their grace period: %s.", base, verb(len(term), "1 of its pods is", phrase.Plural(len(term), "of its pod")+" are"), deletionDetails(term, in.now))
		f.Fix = "Let the drain finish; when the work on the node is done: `kubectl uncordon NODE`."
		f.note = "draining"
		return f
	}
	f.Title = fmt.Sprintf("cordoned (spec.unschedulable); drain stuck: %s terminating past %s grace period, %s", phrase.Plural(len(late), "pod"), verb(len(late), "its", "their"), heldBy(late))
	f.Meaning = fmt.Sprintf("%s, and %s being deleted, as in a drain, but %s outlived %s grace period: %s.", base, verb(len(term), "1 of its pods is", phrase.Plural(len(term), "of its pod")+" are"),
		outlived(len(late), len(term)), verb(len(late), "its", "their"), deletionDetails(late, in.now))
	if n.Readiness != Unknown {
		f.Meaning += " " + holdMeaning(late)
		f.Fix = holdFix(late) + " Then the drain can go on."
	} else {
		f.Meaning += " The node's kubelet is silent (see the finding on it), so nothing confirms that they stopped."
		f.Fix = "See the finding on the node's silence; when the work on it is done: `kubectl uncordon NODE`."
	}
	f.note = "drain stuck"
	return f
}

// outlived says which of the pods being deleted outlived their grace period.
func outlived(late, all int) string {
	switch {
	case late == all && all == 1:
		return "it has"
	case late == all:
		return "they have"
	}
	return verb(late, "1 has", fmt.Sprintf("%d have", late))
}

// stuckTerminatingFinding reports pods that outlived their grace period on
// a node that is neither cordoned (cordonFinding tells) nor silent.
func stuckTerminatingFinding(n *Node, in nodeInput) (nodeFinding, bool) {
	late := byName(in.pods, func(p *cluster.Pod) bool { return overdue(p, in.now) })
	if len(late) == 0 {
		return nodeFinding{}, false
	}
	return nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodePodsStuckTerminating, Nodes: []string{n.Name},
		Title:   fmt.Sprintf("%s terminating past %s grace period, %s", phrase.Plural(len(late), "pod"), verb(len(late), "its", "their"), heldBy(late)),
		Meaning: fmt.Sprintf("Their deletion was requested and their grace period is over, yet the pod %s still there: %s. %s", verb(len(late), "object is", "objects are"), deletionDetails(late, in.now), holdMeaning(late)),
		Fix:     holdFix(late)}, note: "stuck terminating"}, true
}

// notStarting are the waiting reasons of a container the kubelet keeps
// failing to start; ContainerCreating and PodInitializing are steps, not
// failures.
var notStarting = []string{"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull",
	"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}

// podFindings reports the pods on a node that need attention: crash loops,
// containers that cannot start, pods that run but are not ready. Their
// status comes from the node's kubelet, so a silent node's pods are left
// to the finding on the node.
func podFindings(n *Node, in nodeInput) []nodeFinding {
	if n.Readiness == Unknown || !in.podsRead {
		return nil
	}
	var out []nodeFinding
	alive := func(p *cluster.Pod) bool { return p.Deletion == nil }
	if crashing := byName(in.pods, func(p *cluster.Pod) bool { return alive(p) && len(p.CrashLoops) > 0 }); len(crashing) > 0 {
		names := listPods(crashing, func(p *cluster.Pod) string {
			var cs []string
			for _, c := range p.CrashLoops {
				cs = append(cs, fmt.Sprintf("%s: %s", c.Name, phrase.Plural(int(c.Restarts), "restart")))
			}
			return podName(p) + " (" + strings.Join(cs, "; ") + ")"
		})
		out = append(out, nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodePodsCrashLooping, Nodes: []string{n.Name},
			Title:   fmt.Sprintf("%s crash-looping: %s", phrase.Plural(len(crashing), "pod"), names),
			Meaning: verb(len(crashing), "The pod's", "Their") + " containers keep exiting, and the kubelet restarts them with a growing delay, up to five minutes between tries (CrashLoopBackOff). The cause is usually in the container: its command, its configuration, a dependency it cannot reach, or a memory limit it exceeds.",
			Fix:     "`kubectl logs POD -n NAMESPACE --previous` shows how the last run ended; `kubectl describe pod POD -n NAMESPACE` shows the exit code and the events."},
			note: "crash loops"})
	}
	if f, ok := restartingFinding(n, in); ok {
		out = append(out, f)
	}
	if stuck := byName(in.pods, func(p *cluster.Pod) bool { return alive(p) && slices.Contains(notStarting, p.Waiting) }); len(stuck) > 0 {
		names := listPods(stuck, func(p *cluster.Pod) string { return podName(p) + " (" + p.Waiting + ")" })
		out = append(out, nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodePodsNotStarting, Nodes: []string{n.Name},
			Title:   fmt.Sprintf("%s cannot start: %s", phrase.Plural(len(stuck), "pod"), names),
			Meaning: "The kubelet keeps failing to start a container of " + verb(len(stuck), "the pod", "these pods") + ", for the reason given: an image it cannot pull, a configuration it cannot build (a missing ConfigMap, Secret or key), or a container the runtime refuses.",
			Fix:     "`kubectl explain-nodes why-pending POD -n NAMESPACE` explains a pod that is placed but does not start; `kubectl describe pod POD -n NAMESPACE` shows its events."},
			note: "pods not starting"})
	}
	if n.Readiness == Ready {
		unready := byName(in.pods, func(p *cluster.Pod) bool {
			return alive(p) && p.Phase == corev1.PodRunning && !p.Ready && p.Waiting == "" && len(p.CrashLoops) == 0
		})
		if len(unready) > 0 {
			out = append(out, nodeFinding{Finding: Finding{Severity: SeverityInfo, Code: CodePodsNotReady, Nodes: []string{n.Name},
				Title:   fmt.Sprintf("%s running but not ready: %s", phrase.Plural(len(unready), "pod"), listPods(unready, podName)),
				Meaning: verb(len(unready), "Its containers run, but the pod is", "Their containers run, but the pods are") + " not ready (a readiness probe fails or has not passed yet, or a readiness gate is not met), so Services send " + verb(len(unready), "it", "them") + " no traffic.",
				Fix:     "`kubectl describe pod POD -n NAMESPACE` shows which probe fails, and why."},
				note: "pods not ready"})
		}
	}
	return out
}

// Restarts count as repeated when a container was restarted at least
// restartsAtLeast times and its last run ended within restartedWithin.
const (
	restartsAtLeast = 3
	restartedWithin = time.Hour
)

// restartingFinding names the pods whose containers run now but were
// restarted again and again lately: not in CrashLoopBackOff at the moment,
// but not stable either. An OOMKilled container is said so.
func restartingFinding(n *Node, in nodeInput) (nodeFinding, bool) {
	recent := func(c cluster.ContainerRestarts) bool {
		return c.Restarts >= restartsAtLeast && in.now.Sub(c.LastFinished) <= restartedWithin
	}
	restarting := byName(in.pods, func(p *cluster.Pod) bool {
		return p.Deletion == nil && len(p.CrashLoops) == 0 && slices.ContainsFunc(p.Restarted, recent)
	})
	if len(restarting) == 0 {
		return nodeFinding{}, false
	}
	oom := false
	names := listPods(restarting, func(p *cluster.Pod) string {
		var cs []string
		for _, c := range p.Restarted {
			if !recent(c) {
				continue
			}
			how := c.LastReason
			if how == "" || how == "Error" {
				how = fmt.Sprintf("exit code %d", c.LastExitCode)
			}
			oom = oom || c.LastReason == "OOMKilled"
			cs = append(cs, fmt.Sprintf("%s: %s, the last %s %s ago", c.Name, phrase.Plural(int(c.Restarts), "restart"), how, shortDuration(in.now.Sub(c.LastFinished))))
		}
		return podName(p) + " (" + strings.Join(cs, "; ") + ")"
	})
	meaning := verb(len(restarting), "The pod's", "Their") + " containers run now, but they have ended and been restarted again and again, the last time within the hour: whatever they serve is interrupted each time."
	fix := "`kubectl logs POD -n NAMESPACE -c CONTAINER --previous` shows how the last run ended; `kubectl describe pod POD -n NAMESPACE` shows the exit codes and the events."
	if oom {
		meaning += " OOMKilled means the container used more memory than its limit and the kernel killed it."
		fix = "Raise the memory limit of the OOMKilled containers to what they use at their peak, or find what makes them grow. " + fix
	}
	return nodeFinding{Finding: Finding{Severity: SeverityWarning, Code: CodePodsRestarting, Nodes: []string{n.Name},
		Title:   fmt.Sprintf("%s restarting: %s", phrase.Plural(len(restarting), "pod"), names),
		Meaning: meaning, Fix: fix}, note: "restarts"}, true
}
