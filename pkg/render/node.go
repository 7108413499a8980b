package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// cores is a CPU capacity in words: "1 core", "2 cores", "0.5 cores".
func cores(milli int64) string {
	if c := explain.FormatCPU(milli); c != "1" {
		return c + " cores"
	}
	return "1 core"
}

// writeNodeDetail writes one node in depth.
func writeNodeDetail(b *page, n explain.Node, r *explain.Report, c Colour) {
	now := r.GeneratedAt
	status := string(n.Readiness)
	if n.Cordoned {
		status += ", cordoned"
	}
	fmt.Fprintf(b, "\n%s (%s) — %s, created %s ago\n", c.Bold("NODE "+Sanitize(n.Name)), Sanitize(strings.Join(n.Roles, ",")), status, age(n.CreatedAt, now))
	writeNodeComponents(b, n, now)
	if len(n.Conditions) > 0 {
		b.WriteString("\n  Conditions (reported by the kubelet and node agents):\n")
		rows := [][]cell{{{text: "    TYPE"}, {text: "STATUS"}, {text: "SINCE"}, {text: "REASON: MESSAGE"}}}
		for _, cond := range n.Conditions {
			style := c.Green
			if !cond.Healthy {
				style = c.Red
			}
			text := cond.Reason
			if cond.Message != "" {
				text += ": " + cond.Message
			}
			rows = append(rows, []cell{{text: "    " + cond.Type}, {text: cond.Status, style: style}, {text: age(cond.Since, now)}, {text: text}})
		}
		_ = table(b, rows)
	}
	b.WriteString("\n  Capacity and allocatable:\n")
	if r.Summary.Pods < 0 {
		wrap(b, 4, fmt.Sprintf("CPU %s, %s allocatable to pods. Memory %s, %s allocatable. Up to %d pods allowed. What the pods request is unknown (pods not read).",
			cores(n.CPUCapacityMilli), explain.FormatCPU(n.CPUAllocatableMilli),
			phrase.Bytes(n.MemoryCapacity), phrase.Bytes(n.MemoryAllocatable), n.PodsAllocatable))
	} else {
		wrap(b, 4, fmt.Sprintf("CPU %s, %s allocatable to pods, %s requested. Memory %s, %s allocatable, %s requested. Pods: %d of %d allowed.",
			cores(n.CPUCapacityMilli), explain.FormatCPU(n.CPUAllocatableMilli), explain.FormatCPU(n.CPURequestedMilli),
			phrase.Bytes(n.MemoryCapacity), phrase.Bytes(n.MemoryAllocatable), phrase.Bytes(n.MemoryRequested),
			n.Pods, n.PodsAllocatable))
	}
	for _, r := range n.Resources {
		wrapLabelled(b, 4, "- ", resourceLine(r))
	}
	if n.Pods > 0 {
		wrap(b, 4, limitsLine(n))
	}
	wrap(b, 4, "Allocatable is the capacity minus what the kubelet reserves for the operating system and for Kubernetes' own daemons, and a margin before it starts evicting pods; the scheduler only hands out allocatable, by the pods' requests.")
	if len(n.Taints) > 0 {
		b.WriteString("\n  Taints (and what each does to pods without a matching toleration):\n")
		for _, t := range n.Taints {
			meaning := t.Meaning
			if t.LeftOver != "" {
				// The catalogue's meaning says the cause holds; here it does not.
				meaning = "The node lifecycle controller sets it while " + explain.TaintSetWhile(t.Key) + ", and removes it within seconds once that ends."
			}
			text := fmt.Sprintf("%s — %s. %s %s %s", phrase.Taint(t.Key, t.Value, t.Effect), t.Title, meaning, t.EffectMeaning, explain.TolerateCount(t.ToleratedBy))
			switch {
			case t.LeftOverStale(now):
				text += " It outlives its cause: " + t.LeftOverText(now) + ". What to do: check kube-controller-manager, which should have removed it (see FINDINGS)."
			case t.LeftOver != "":
				text += " It outlives its cause: " + t.LeftOverText(now) + ". What to do: nothing if it goes within seconds; if it stays a minute or more, check kube-controller-manager."
			case t.Fix != "":
				text += " What to do: " + t.Fix
			}
			wrapLabelled(b, 4, "- ", text)
		}
	}
	writeNodePods(b, n, now)
	if len(n.Events) > 0 {
		b.WriteString("\n  Recent warning events:\n")
		for _, e := range n.Events {
			wrapLabelled(b, 4, "- ", fmt.Sprintf("%s ago, %s (×%d): %s", age(e.Last, now), e.Reason, e.Count, e.Message))
		}
	} else if !unread(r, "events") {
		b.WriteString("\n  No recent warning events.\n")
	}
}

// writeNodeComponents writes the machine and what runs on it for
// Kubernetes: the kubelet, kube-proxy and the container runtime.
func writeNodeComponents(b *page, n explain.Node, now time.Time) {
	machine := []string{}
	for _, s := range []string{n.OSImage, n.KernelVersion, n.Architecture} {
		if s != "" {
			machine = append(machine, s)
		}
	}
	if n.InternalIP != "" {
		machine = append(machine, "internal IP "+n.InternalIP)
	}
	if n.ProviderID != "" {
		machine = append(machine, "provider ID "+n.ProviderID)
	}
	if len(machine) > 0 {
		wrapLabelled(b, 2, "Machine: ", strings.Join(machine, ", ")+".")
	}
	if p := platformLine(n); p != "" {
		wrapLabelled(b, 2, "Platform: ", p)
	}
	heartbeat := "no heartbeat seen"
	if n.LastHeartbeat != nil {
		heartbeat = "last heartbeat " + age(*n.LastHeartbeat, now) + " ago"
	}
	wrapLabelled(b, 2, "kubelet: ", fmt.Sprintf("%s, %s. The node's agent: it starts the pods assigned to the node, reports their state, and renews the node's lease every few seconds as a heartbeat.", orDash(n.KubeletVersion), heartbeat))
	proxy := "not deployed as a DaemonSet in kube-system (a CNI plugin may do its job)"
	switch n.KubeProxy {
	case "":
	case "missing":
		proxy = "no kube-proxy pod on this node, although the DaemonSet exists"
	case "unknown":
		proxy = "deployed, but its pod on this node could not be read"
	case "unread":
		proxy = "whether it is deployed is unknown (the DaemonSets in kube-system were not read)"
	default:
		proxy = "its pod is " + n.KubeProxy
	}
	wrapLabelled(b, 2, "kube-proxy: ", proxy+". It programs the node's network rules so that Services reach their pods.")
	wrapLabelled(b, 2, "container runtime: ", orDash(n.ContainerRuntime)+". It pulls images and runs containers on the kubelet's orders.")
}

// writeNodePods writes the table of the node's pods.
func writeNodePods(b *page, n explain.Node, now time.Time) {
	if len(n.PodList) == 0 {
		return
	}
	fmt.Fprintf(b, "\n  Pods (%d):\n", len(n.PodList))
	rows := [][]cell{{{text: "    KIND"}, {text: "NAMESPACE/NAME"}, {text: "STATE"}, {text: "RESTARTS"}, {text: "CPU"}, {text: "MEMORY"}}}
	for _, p := range n.PodList {
		state := p.Phase
		switch {
		case p.Terminating != nil:
			state = "Terminating for " + age(p.Terminating.RequestedAt, now)
			if now.After(p.Terminating.Deadline) {
				state += ", past its grace period"
			}
		case p.Waiting != "":
			state = p.Waiting
		case p.Phase == "Running" && !p.Ready:
			state += ", not ready"
		}
		rows = append(rows, []cell{{text: "    " + p.Kind}, {text: p.Namespace + "/" + p.Name}, {text: state},
			{text: fmt.Sprint(p.Restarts)}, {text: explain.FormatCPU(p.CPUMilli)}, {text: phrase.Bytes(p.MemoryBytes)}})
	}
	_ = table(b, rows)
	wrap(b, 4, "static: run by the kubelet from files on the node (the control plane's own pods, on kubeadm); daemon: a DaemonSet's, one per node, for the node itself (networking, logs, monitoring); workload: placed by the scheduler.")
}

// unread reports whether a read of the resource failed.
func unread(r *explain.Report, resource string) bool {
	return cluster.GapIn(r.Unread, resource, "")
}

// limitsLine says what the node's pods may use at most: their limits added
// up, against allocatable, and how many have no memory limit.
func limitsLine(n explain.Node) string {
	pct := func(v, of int64) string {
		if of <= 0 {
			return ""
		}
		return fmt.Sprintf(" (%d%% of allocatable)", v*100/of)
	}
	line := fmt.Sprintf("Limits: CPU %s%s, memory %s%s.", explain.FormatCPU(n.CPULimitsMilli), pct(n.CPULimitsMilli, n.CPUAllocatableMilli),
		phrase.Bytes(n.MemoryLimitsBytes), pct(n.MemoryLimitsBytes, n.MemoryAllocatable))
	switch n.PodsWithoutMemoryLimit {
	case 0:
	case 1:
		line += " 1 pod has no memory limit."
	default:
		line += fmt.Sprintf(" %d pods have no memory limit.", n.PodsWithoutMemoryLimit)
	}
	return line + " A pod may use up to its limits, so limits past 100% are safe only while the pods do not use them all at once."
}

// resourceLine words one of a node's other resources: "nvidia.com/gpu
// (accelerator): 2, 2 allocatable, 1 requested, 1 free."
func resourceLine(r explain.NodeResource) string {
	name := Sanitize(r.Name)
	if r.Accelerator {
		name += " (accelerator)"
	}
	line := fmt.Sprintf("%s: %s, %s allocatable", name, r.Format(r.Capacity), r.Format(r.Allocatable))
	if r.Requested < 0 {
		return line + "; what pods request of it is unknown (pods not read)."
	}
	return line + fmt.Sprintf(", %s requested, %s free.", r.Format(r.Requested), r.Format(r.Free()))
}

// platformLine words what a node's labels and provider ID say of its
// machine, and what spot capacity means for its pods.
func platformLine(n explain.Node) string {
	p := n.Platform
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+Sanitize(v))
		}
	}
	add("", p.Cloud)
	add("", p.Distribution)
	if n.Pool == "" || !strings.HasSuffix(p.Provisioner, " "+n.Pool) {
		add("pool ", n.Pool)
	}
	add("", p.Provisioner)
	add("region ", p.Region)
	add("zone ", p.Zone)
	add("instance type ", p.InstanceType)
	if p.Capacity != "" {
		parts = append(parts, Sanitize(p.Capacity)+" capacity ("+Sanitize(p.CapacityLabel)+")")
	}
	if len(parts) == 0 {
		return ""
	}
	line := strings.Join(parts, ", ") + "."
	if p.Reclaimable() {
		notice := "at short notice"
		switch p.Cloud {
		case "AWS":
			notice = "with two minutes' notice"
		case "Google Cloud", "Azure":
			notice = "with about 30 seconds' notice"
		}
		line += fmt.Sprintf(" The cloud may take this machine back at any time %s, stopping its %s: only pods that can be stopped and started elsewhere at any moment belong here.", notice, phrase.Plural(n.Pods, "pod"))
	}
	return line
}
