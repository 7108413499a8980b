package explain

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
)

// PoolLabels are the labels that name a node's pool, in the order they are
// tried: GKE's node pool, EKS's managed node group, AKS's agent pool,
// Karpenter's node pool (and its provisioner, before v1beta1), and the
// label kOps and Cluster API machine deployments set.
var PoolLabels = []string{
	"cloud.google.com/gke-nodepool",
	"eks.amazonaws.com/nodegroup",
	"kubernetes.azure.com/agentpool",
	"karpenter.sh/nodepool",
	"karpenter.sh/provisioner-name",
	"kops.k8s.io/instancegroup",
	"cluster.x-k8s.io/deployment-name",
}

// Pool is a group of nodes that share a pool label's value.
type Pool struct {
	// Name is the label's value; empty for the nodes without the label.
	Name string `json:"name"`
	// Label is the label that groups the nodes.
	Label string `json:"label"`
	// Nodes names the pool's nodes.
	Nodes []string `json:"nodes"`
	// Ready counts its nodes whose Ready condition is True.
	Ready int `json:"ready"`
	// NotReady counts its nodes whose kubelet reports Ready=False.
	NotReady int `json:"notReady"`
	// Unknown counts its nodes whose Ready condition is Unknown or missing.
	Unknown int `json:"unknown"`
	// Degraded counts its Ready nodes that a warning or critical finding
	// names.
	Degraded int `json:"degraded"`
	// Cordoned counts its nodes marked unschedulable.
	Cordoned int `json:"cordoned"`
	// KubeletVersions are the kubelet versions its nodes run, oldest first
	// by name.
	KubeletVersions []string `json:"kubeletVersions"`
	// CPUAllocatableMilli adds up the CPU its nodes offer to pods.
	CPUAllocatableMilli int64 `json:"cpuAllocatableMilli"`
	// CPURequestedMilli adds up the CPU their pods request.
	CPURequestedMilli int64 `json:"cpuRequestedMilli"`
	// MemoryAllocatableBytes adds up the memory its nodes offer to pods.
	MemoryAllocatableBytes int64 `json:"memoryAllocatableBytes"`
	// MemoryRequestedBytes adds up the memory their pods request.
	MemoryRequestedBytes int64 `json:"memoryRequestedBytes"`
	// Severity is the most severe of its nodes' severities.
	Severity string `json:"severity"`
}

// poolLabel returns the label that groups the nodes: by, when set, or the
// first of PoolLabels that some node has; empty when none has any.
func poolLabel(nodes []Node, by string) string {
	if by != "" {
		return by
	}
	for _, l := range PoolLabels {
		for _, n := range nodes {
			if _, ok := n.Labels[l]; ok {
				return l
			}
		}
	}
	return ""
}

// pools groups the nodes by their pool label, by name; the nodes without
// the label come last, in a pool with no name.
func pools(nodes []Node, label string) []Pool {
	if label == "" {
		return []Pool{}
	}
	index := map[string]int{}
	var out []Pool
	for _, n := range nodes {
		name := n.Labels[label]
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, Pool{Name: name, Label: label, Nodes: []string{}, KubeletVersions: []string{}, Severity: SeverityNone})
		}
		p := &out[i]
		p.Nodes = append(p.Nodes, n.Name)
		switch n.Readiness {
		case Ready:
			p.Ready++
			if n.Severity == SeverityCritical || n.Severity == SeverityWarning {
				p.Degraded++
			}
		case NotReady:
			p.NotReady++
		default:
			p.Unknown++
		}
		if n.Cordoned {
			p.Cordoned++
		}
		if v := n.KubeletVersion; v != "" && !slices.Contains(p.KubeletVersions, v) {
			p.KubeletVersions = append(p.KubeletVersions, v)
		}
		p.CPUAllocatableMilli += n.CPUAllocatableMilli
		p.CPURequestedMilli += n.CPURequestedMilli
		p.MemoryAllocatableBytes += n.MemoryAllocatable
		p.MemoryRequestedBytes += n.MemoryRequested
		if SeverityRank(n.Severity) < SeverityRank(p.Severity) {
			p.Severity = n.Severity
		}
	}
	for i := range out {
		sort.Strings(out[i].KubeletVersions)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Name == "") != (out[j].Name == "") {
			return out[j].Name == ""
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// upgradeFindings says which pools run more than one kubelet version, and
// calls those with cordoned nodes mid-upgrade, as a rolling upgrade does.
// Without pool labels, the cluster's nodes count as one pool, with no name.
// It returns the findings and the names of the pools mid-upgrade.
func upgradeFindings(r *Report) ([]Finding, []string) {
	groups := r.Pools
	if len(groups) == 0 && len(r.Nodes) > 0 {
		all := Pool{}
		for _, n := range r.Nodes {
			if v := n.KubeletVersion; v != "" && !slices.Contains(all.KubeletVersions, v) {
				all.KubeletVersions = append(all.KubeletVersions, v)
			}
		}
		if len(all.KubeletVersions) < 2 {
			return nil, nil
		}
		for _, n := range r.Nodes {
			all.Nodes = append(all.Nodes, n.Name)
		}
		sort.Strings(all.KubeletVersions)
		groups = []Pool{all}
	}
	if !slices.ContainsFunc(groups, func(p Pool) bool { return len(p.KubeletVersions) > 1 }) {
		return nil, nil
	}
	byName := map[string]*Node{}
	for i := range r.Nodes {
		byName[r.Nodes[i].Name] = &r.Nodes[i]
	}
	var out []Finding
	var names []string
	for _, p := range groups {
		if len(p.KubeletVersions) < 2 {
			continue
		}
		f, mid := upgradeFinding(p, byName)
		out = append(out, f)
		if mid {
			names = append(names, p.Name)
		}
	}
	return out, names
}

// upgradeFinding is the finding about one pool whose nodes run several
// kubelet versions; mid is true when some are cordoned, as in a rolling
// upgrade.
func upgradeFinding(p Pool, byName map[string]*Node) (f Finding, mid bool) {
	count := map[string]int{}
	var cordoned []string
	terminating := 0
	for _, name := range p.Nodes {
		n := byName[name]
		count[n.KubeletVersion]++
		if n.Cordoned {
			cordoned = append(cordoned, name)
			terminating += n.TerminatingPods
		}
	}
	var versions []string
	for _, v := range p.KubeletVersions {
		versions = append(versions, fmt.Sprintf("%s on %s", v, phrase.Plural(count[v], "node")))
	}
	pool, nodes := "pool "+p.Name, "the nodes of pool "+p.Name
	switch {
	case p.Name == "" && p.Label == "":
		pool, nodes = "the nodes", "the nodes"
	case p.Name == "":
		pool, nodes = "the nodes without "+p.Label, "the nodes without "+p.Label
	}
	title := fmt.Sprintf("%s run %d kubelet versions: %s", nodes, len(p.KubeletVersions), strings.Join(versions, ", "))
	if len(cordoned) > 0 {
		title = fmt.Sprintf("%s mid-upgrade: kubelet %s; %s cordoned", pool, strings.Join(versions, ", "), phrase.List(cordoned, 3, ", "))
		if terminating > 0 {
			title += fmt.Sprintf(", draining (%s terminating)", phrase.Plural(terminating, "pod"))
		}
	}
	return Finding{Severity: SeverityInfo, Code: CodePoolUpgrading, Nodes: p.Nodes, Title: title,
		Meaning: "The nodes run different kubelet versions, as while a pool is upgraded node by node: nodes on the new version join, and the old ones are cordoned, drained and removed or upgraded in place; their pods move as they are drained. Pods that cannot move (a PodDisruptionBudget, a finalizer, local storage) hold a drain back, and the findings about cordoned nodes name them.",
		Fix:     "If no upgrade is in progress, bring the older nodes to the same version (`kubectl explain-nodes -o wide` shows each node's kubelet); the API server's version bounds how old a kubelet may be."}, len(cordoned) > 0
}
