package explain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
)

// SeverityNone is the severity of a node no finding names.
const SeverityNone = "none"

// Verdict is what is wrong with the cluster now, in one line and in fields
// for alerts: the nodes that are down, the nodes that are degraded, the
// control-plane components that fail and the pods that wait for a node.
type Verdict struct {
	// Text is the verdict in one sentence.
	Text string `json:"text"`
	// Severity is the most severe finding's, or none.
	Severity string `json:"severity"`
	// Down are the nodes that cannot run pods: NotReady or Unknown.
	Down []DownNode `json:"down"`
	// Degraded are the other nodes that a warning or critical finding names.
	Degraded []string `json:"degraded"`
	// ControlPlaneFailing are the control-plane components found unhealthy,
	// by binary name.
	ControlPlaneFailing []string `json:"controlPlaneFailing"`
	// PodsWaiting counts the pods waiting for a node; -1 when pods could not
	// be read.
	PodsWaiting int `json:"podsWaiting"`
	// PoolsUpgrading names the pools whose nodes run more than one kubelet
	// version; "" stands for the cluster's nodes when there are no pools.
	PoolsUpgrading []string `json:"poolsUpgrading"`
}

// DownNode is a node that cannot run pods.
type DownNode struct {
	// Name is the node's name.
	Name string `json:"name"`
	// Readiness is NotReady or Unknown.
	Readiness Readiness `json:"readiness"`
	// Since is when it went down, as far as is known: for a NotReady node
	// the last change of its Ready condition, for an Unknown one its last
	// heartbeat. Nil when not known (a kubelet that never reported).
	Since *time.Time `json:"since,omitempty"`
}

// verdictNamesAtMost is how many down nodes the verdict's text names.
const verdictNamesAtMost = 3

// judge sets every node's severity, the worst of the findings that name it,
// and returns the report's verdict, but for its text (verdictText).
func judge(r *Report) Verdict {
	worst := map[string]string{}
	v := Verdict{Severity: SeverityNone, Down: []DownNode{}, Degraded: []string{}, ControlPlaneFailing: []string{},
		PodsWaiting: r.Summary.Unscheduled, PoolsUpgrading: []string{}}
	for _, f := range r.Findings {
		if SeverityRank(f.Severity) < SeverityRank(v.Severity) {
			v.Severity = f.Severity
		}
		for _, n := range f.Nodes {
			if s, ok := worst[n]; !ok || SeverityRank(f.Severity) < SeverityRank(s) {
				worst[n] = f.Severity
			}
		}
	}
	for i := range r.Nodes {
		n := &r.Nodes[i]
		n.Severity = SeverityNone
		if s, ok := worst[n.Name]; ok {
			n.Severity = s
		}
		switch {
		case n.Readiness != Ready:
			v.Down = append(v.Down, DownNode{Name: n.Name, Readiness: n.Readiness, Since: downSince(n)})
		case n.Severity == SeverityCritical || n.Severity == SeverityWarning:
			v.Degraded = append(v.Degraded, n.Name)
		}
	}
	for _, c := range r.ControlPlane.Components {
		if c.State == StateUnhealthy {
			v.ControlPlaneFailing = append(v.ControlPlaneFailing, c.Name)
		}
	}
	return v
}

// downSince is when a node went down, if known.
func downSince(n *Node) *time.Time {
	if n.Readiness == Unknown {
		return n.LastHeartbeat
	}
	for _, c := range n.Conditions {
		if c.Type == "Ready" && !c.Since.IsZero() {
			t := c.Since
			return &t
		}
	}
	return nil
}

func verdictText(v Verdict, r *Report) string {
	if r.Summary.Nodes == 0 {
		return "No nodes: nothing can run."
	}
	var parts []string
	if len(v.Down) > 0 {
		named := phrase.ListOf(len(v.Down), verdictNamesAtMost, ", ", func(i int) string { return downPhrase(v.Down[i], r.GeneratedAt) })
		parts = append(parts, fmt.Sprintf("%s down (%s)", phrase.Plural(len(v.Down), "node"), named))
	}
	if len(v.Degraded) > 0 {
		parts = append(parts, degradedPhrase(v.Degraded, r.Nodes))
	}
	if len(v.ControlPlaneFailing) > 0 {
		var titles []string
		for _, c := range r.ControlPlane.Components {
			if c.State == StateUnhealthy {
				titles = append(titles, c.Title)
			}
		}
		parts = append(parts, "control plane: "+strings.Join(titles, ", ")+" failing")
	}
	switch {
	case len(v.PoolsUpgrading) == 1 && v.PoolsUpgrading[0] == "":
		parts = append(parts, "kubelets mid-upgrade")
	case len(v.PoolsUpgrading) > 0:
		parts = append(parts, fmt.Sprintf("%s upgrading (%s)", phrase.Plural(len(v.PoolsUpgrading), "pool"), strings.Join(v.PoolsUpgrading, ", ")))
	}
	switch {
	case v.PodsWaiting > 0:
		parts = append(parts, phrase.Plural(v.PodsWaiting, "pod")+" waiting for a node")
	case v.PodsWaiting < 0:
		parts = append(parts, "pods not read")
	}
	if len(v.Down) == 0 && len(v.Degraded) == 0 && len(v.ControlPlaneFailing) == 0 {
		healthy := "all " + phrase.Plural(r.Summary.Nodes, "node") + " Ready"
		if r.Summary.Nodes == 1 {
			healthy = "the only node Ready"
		}
		if controlPlaneWell(r.ControlPlane) {
			healthy += ", control plane healthy"
		}
		if v.PodsWaiting == 0 {
			healthy += ", no pod waiting for a node"
		}
		parts = append([]string{healthy}, parts...)
	}
	line := strings.Join(parts, ", ")
	return strings.ToUpper(line[:1]) + line[1:] + "."
}

// controlPlaneWell reports whether every control-plane component was seen
// healthy, or is run by the provider and answers for itself, and at least
// one was seen: a dump shows none of a managed control plane.
func controlPlaneWell(cp ControlPlane) bool {
	if !cp.Checked || len(cp.Components) == 0 {
		return false
	}
	seen := false
	for _, c := range cp.Components {
		if c.State != StateHealthy && c.State != StateManaged {
			return false
		}
		seen = seen || c.State == StateHealthy
	}
	return seen
}

// degradedPhrase is "N degraded (a NOTE, b NOTE, c NOTE and 2 more)": the
// first few, with their notes.
func degradedPhrase(degraded []string, nodes []Node) string {
	shown := degraded[:min(len(degraded), verdictNamesAtMost)]
	notes := make(map[string]string, len(shown))
	for _, n := range nodes {
		if slices.Contains(shown, n.Name) {
			notes[n.Name] = n.Note
		}
	}
	named := phrase.ListOf(len(degraded), verdictNamesAtMost, ", ", func(i int) string { return strings.TrimSpace(degraded[i] + " " + notes[degraded[i]]) })
	return fmt.Sprintf("%d degraded (%s)", len(degraded), named)
}

// downPhrase is "NAME NotReady 5m" or "NAME silent 2m".
func downPhrase(d DownNode, now time.Time) string {
	state := string(d.Readiness)
	if d.Readiness == Unknown {
		state = "silent"
	}
	if d.Since == nil {
		if d.Readiness == Unknown {
			return d.Name + " never reported"
		}
		return d.Name + " " + state
	}
	return d.Name + " " + state + " " + shortDuration(now.Sub(*d.Since))
}
