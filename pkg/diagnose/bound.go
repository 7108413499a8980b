package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Problem is something that keeps a pod bound to a node from running, or
// keeps the scheduler away from it.
type Problem struct {
	// Source says where it was seen: "container app", "init container
	// migrate", "event", "pod".
	Source  string `json:"source"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`
	// Meaning and Fix are plain language.
	Meaning string `json:"meaning"`
	Fix     string `json:"fix,omitempty"`
}

// waitingReasons explains a container's waiting reason.
var waitingReasons = map[string][2]string{
	"ErrImagePull":               {"The node could not pull the container's image.", "Check the image name and tag, that the registry is reachable from the node, and the pod's imagePullSecrets."},
	"ImagePullBackOff":           {"Pulling the container's image failed, and the kubelet now waits longer and longer between attempts.", "Check the image name and tag, that the registry is reachable from the node, and the pod's imagePullSecrets; `kubectl describe pod` shows the pull error."},
	"InvalidImageName":           {"The image reference is not a valid image name.", "Fix the image field of the container."},
	"CrashLoopBackOff":           {"The container starts and exits again and again; the kubelet waits longer between restarts each time.", "Read why it exits: `kubectl logs POD -c CONTAINER --previous`."},
	"CreateContainerConfigError": {"The container cannot be created from its configuration, most often because a ConfigMap or Secret (or a key in it) it refers to does not exist.", "Create the missing ConfigMap or Secret, or fix the reference; the message names it."},
	"CreateContainerError":       {"The container runtime failed to create the container.", "Read the message; check the image's entrypoint and the container's security settings."},
	"RunContainerError":          {"The container runtime failed to start the container.", "Read the message; check the command, the image, and mounts."},
	"ContainerCreating":          {"The kubelet is still preparing the pod: pulling images, mounting volumes, setting up the network sandbox.", "If it lasts, the pod's events say what it waits for (volumes, network, images)."},
	"PodInitializing":            {"Init containers have finished; the main containers are being created.", "If it lasts, look at the pod's events."},
}

// eventReasons explains warning events that keep a bound pod from starting.
var eventReasons = map[string][2]string{
	"FailedMount":            {"A volume could not be mounted into the pod.", "Check that the volume's PersistentVolumeClaim, Secret or ConfigMap exists and that the storage is reachable from the node."},
	"FailedAttachVolume":     {"A volume could not be attached to the node (for cloud disks, another node may still hold it).", "Check the PersistentVolume's attachment (`kubectl get volumeattachments`) and the CSI driver's pods."},
	"FailedCreatePodSandBox": {"The runtime could not create the pod's sandbox, most often because the network (CNI) plugin failed to give it an address.", "Check the CNI plugin's pod on the node and its logs."},
	"FailedKillPod":          {"The kubelet could not stop the pod's containers.", "Look at the container runtime on the node."},
	"Failed":                 {"The kubelet reported a failure for the pod.", "Read the message."},
	"BackOff":                {"The kubelet is backing off restarting a container or pulling an image.", "Read the message, and the container's previous logs."},
	"FailedPostStartHook":    {"A container's postStart hook failed, so the container is killed.", "Fix the hook's command."},
	"Unhealthy":              {"A probe of the container fails.", "Check the probe's settings against what the application serves."},
}

// diagnoseBound explains a pod that is bound to a node but not running.
func diagnoseBound(d *Diagnosis, in input) {
	pod := in.Pod
	d.State = StateScheduled
	node := findNode(in.Nodes, pod.Spec.NodeName)
	switch {
	case node == nil && in.NodesRead:
		d.State = StateBoundToMissingNode
		d.Summary = fmt.Sprintf("The pod is bound to node %q, which does not exist. A pod whose spec.nodeName is set skips the scheduler entirely, so it will wait for that node forever.", pod.Spec.NodeName)
		d.Problems = append(d.Problems, Problem{Source: "pod", Reason: "NodeNotFound",
			Message: fmt.Sprintf("spec.nodeName names node %q, which does not exist", pod.Spec.NodeName),
			Meaning: "spec.nodeName names a node that is not in the cluster.",
			Fix:     "Delete the pod and create it without spec.nodeName (use a nodeSelector or node affinity to pick nodes), or with the name of an existing node."})
		return
	case node != nil && !nodeReady(node):
		d.Summary = fmt.Sprintf("The pod is bound to node %s, which is not Ready: the node's kubelet cannot start it until the node recovers. `kubectl explain-nodes %s` says why.", node.Name, node.Name)
	default:
		d.Summary = fmt.Sprintf("The scheduler has done its part: the pod is bound to node %s. The node's kubelet has not got it running yet; what holds it up follows.", pod.Spec.NodeName)
	}
	d.Problems = append(d.Problems, containerProblems(pod)...)
	d.Problems = append(d.Problems, eventProblems(in.Events)...)
	if len(d.Problems) == 0 && (node == nil || nodeReady(node)) {
		d.Summary += " Nothing is reported yet: the kubelet may simply not have started it."
	}
}

func containerProblems(pod *corev1.Pod) []Problem {
	var out []Problem
	for _, cs := range pod.Status.InitContainerStatuses {
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
			t := cs.State.Terminated
			out = append(out, Problem{Source: "init container " + cs.Name, Reason: orText(t.Reason, "Error"), Message: t.Message,
				Meaning: fmt.Sprintf("The init container exited with code %d; the main containers start only after every init container succeeds, so it will be retried.", t.ExitCode),
				Fix:     fmt.Sprintf("Read why it failed: `kubectl logs %s -c %s`.", pod.Name, cs.Name)})
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "PodInitializing":
			out = append(out, waitingProblem("init container "+cs.Name, cs.State.Waiting))
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil:
			p := waitingProblem("container "+cs.Name, cs.State.Waiting)
			if t := cs.LastTerminationState.Terminated; t != nil {
				lastExit(&p, pod, cs.Name, t, cs.State.Waiting.Reason == "CrashLoopBackOff")
			}
			out = append(out, p)
		case cluster.CrashLooping(pod, cs):
			// Between restarts a real kubelet shows the failed container's
			// terminated state, not CrashLoopBackOff.
			t := cs.State.Terminated
			p := Problem{Source: "container " + cs.Name, Reason: orText(t.Reason, "Error"), Message: t.Message,
				Meaning: fmt.Sprintf("The container keeps failing: it has been restarted %d times, and the kubelet waits longer before each new try (CrashLoopBackOff).", cs.RestartCount)}
			lastExit(&p, pod, cs.Name, t, true)
			out = append(out, p)
		}
	}
	return out
}

// lastExit adds to a container's problem how it last ended (t, from the
// kubelet's lastState or its current terminated state): a container that
// crash-loops because the kernel killed it past its memory limit says only
// CrashLoopBackOff in its waiting reason, and the cure differs from that of
// a failing command.
func lastExit(p *Problem, pod *corev1.Pod, name string, t *corev1.ContainerStateTerminated, crashLoop bool) {
	switch {
	case t.Reason == "OOMKilled":
		limit := "its memory limit"
		for _, c := range pod.Spec.Containers {
			if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok && c.Name == name {
				limit = "its memory limit (" + q.String() + ")"
			}
		}
		p.Meaning += fmt.Sprintf(" It last ended OOMKilled (exit code %d): the kernel killed it for using more memory than %s.", t.ExitCode, limit)
		p.Fix = fmt.Sprintf("Raise the container's resources.limits.memory above what it needs, or make it use less; `kubectl logs %s -c %s --previous` shows what it did before it was killed.", pod.Name, name)
	case t.ExitCode != 0:
		p.Meaning += fmt.Sprintf(" It last exited with code %d (%s).", t.ExitCode, orText(t.Reason, "Error"))
		if crashLoop {
			p.Fix = fmt.Sprintf("Read why it exits: `kubectl logs %s -c %s --previous`.", pod.Name, name)
		}
	}
}

func waitingProblem(source string, w *corev1.ContainerStateWaiting) Problem {
	p := Problem{Source: source, Reason: w.Reason, Message: w.Message}
	if known, ok := waitingReasons[w.Reason]; ok {
		p.Meaning, p.Fix = known[0], known[1]
	} else {
		p.Meaning = "The container is waiting: " + orText(w.Reason, "no reason given") + "."
	}
	return p
}

// latestEvents keeps, of the events key names (key returns "" to skip
// one), the latest for each key, and returns the keys sorted.
func latestEvents(events []corev1.Event, key func(*corev1.Event) string) (map[string]*corev1.Event, []string) {
	latest := map[string]*corev1.Event{}
	for i := range events {
		e := &events[i]
		k := key(e)
		if k == "" {
			continue
		}
		if old, ok := latest[k]; !ok || eventTime(e).After(eventTime(old)) {
			latest[k] = e
		}
	}
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return latest, keys
}

// eventProblems keeps the latest warning event of each reason about the pod.
func eventProblems(events []corev1.Event) []Problem {
	latest, reasons := latestEvents(events, func(e *corev1.Event) string {
		if e.Type != corev1.EventTypeWarning || e.Reason == "FailedScheduling" {
			return ""
		}
		return e.Reason
	})
	var out []Problem
	for _, r := range reasons {
		e := latest[r]
		p := Problem{Source: "event", Reason: r, Message: e.Message}
		if known, ok := eventReasons[r]; ok {
			p.Meaning, p.Fix = known[0], known[1]
		} else {
			p.Meaning = "A warning event about the pod."
		}
		out = append(out, p)
	}
	return out
}

// schedulerSigns lists what shows that the scheduler the pod names runs: a
// leader lease of its name, its pods, its events about the pod. known is
// false when the leases could not be read, so absence proves nothing.
func schedulerSigns(in input, e *env, now time.Time) (signs []string, known bool) {
	name := in.Pod.Spec.SchedulerName
	for _, l := range in.Leases {
		if l.Name != name && l.Name != name+"-scheduler" && !strings.HasPrefix(l.Holder, name+"-") {
			continue
		}
		sign := fmt.Sprintf("its leader lease %s/%s", l.Namespace, l.Name)
		switch {
		case l.Renewed.IsZero():
			sign += ", never renewed"
		case l.Duration > 0 && now.Sub(l.Renewed) > l.Duration:
			sign += fmt.Sprintf(", last renewed %s ago by %s (it has expired: the scheduler may have stopped)", now.Sub(l.Renewed).Round(time.Second), orText(l.Holder, "no one"))
		default:
			sign += fmt.Sprintf(", renewed %s ago by %s", now.Sub(l.Renewed).Round(time.Second), orText(l.Holder, "no one"))
		}
		signs = append(signs, sign)
	}
	var pods []string
	for _, info := range e.infos {
		for _, p := range info.podList {
			if strings.HasPrefix(p.Name, name+"-") || p.Labels["app"] == name || p.Labels["component"] == name || p.Labels["app.kubernetes.io/name"] == name {
				pods = append(pods, p.Namespace+"/"+p.Name)
			}
		}
	}
	sort.Strings(pods)
	if len(pods) > 0 {
		signs = append(signs, "pods named after it run: "+semicolonList(pods))
	}
	for _, ev := range in.Events {
		if ev.Source.Component == name || ev.ReportingController == name {
			signs = append(signs, "it has sent events about the pod")
			break
		}
	}
	return signs, in.Leases != nil
}

func findNode(nodes []corev1.Node, name string) *corev1.Node {
	for i := range nodes {
		if nodes[i].Name == name {
			return &nodes[i]
		}
	}
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func orText(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
