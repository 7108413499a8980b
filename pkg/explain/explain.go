package explain

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Explain builds the Report for a snapshot as of now.
func Explain(s *cluster.Snapshot, now time.Time) *Report {
	r := &Report{
		APIVersion:    APIVersion,
		Kind:          KindReport,
		Server:        s.Server,
		ServerVersion: s.ServerVersion,
		GeneratedAt:   now.UTC(),
		Nodes:         make([]Node, 0, len(s.Nodes)),
		Unread:        s.Gaps,
	}
	for i := range s.Nodes {
		r.Nodes = append(r.Nodes, explainNode(&s.Nodes[i]))
	}
	sort.Slice(r.Nodes, func(i, j int) bool { return r.Nodes[i].Name < r.Nodes[j].Name })
	return r
}

func explainNode(n *corev1.Node) Node {
	out := Node{
		Name:           n.Name,
		Roles:          Roles(n),
		Readiness:      Unknown,
		Cordoned:       n.Spec.Unschedulable,
		CreatedAt:      n.CreationTimestamp.UTC(),
		KubeletVersion: n.Status.NodeInfo.KubeletVersion,
	}
	for _, c := range n.Status.Conditions {
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
