// Package explain turns a cluster Snapshot into a Report: what each node is,
// the state it is in and what that means, in plain language. It is pure: no
// I/O, no clock but the one passed in, no colour.
package explain

import (
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// APIVersion and Kind head every JSON or YAML document the tool prints. The
// schema only ever gains fields.
const (
	APIVersion = "explain-nodes.github.io/v1alpha1"
	KindReport = "ClusterReport"
)

// Report is the explanation of a whole cluster.
type Report struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Server is the API server's address; ServerVersion its version.
	Server        string `json:"server"`
	ServerVersion string `json:"serverVersion,omitempty"`
	// GeneratedAt is the "now" the report was made for; ages are relative to it.
	GeneratedAt time.Time `json:"generatedAt"`
	Nodes       []Node    `json:"nodes"`
	// Unread lists what could not be read, so the report never claims more
	// than it saw.
	Unread []cluster.Gap `json:"unread,omitempty"`
}

// Readiness is a node's Ready condition, as the scheduler and node controller
// read it.
type Readiness string

// The three states of a node's Ready condition.
const (
	Ready    Readiness = "Ready"
	NotReady Readiness = "NotReady"
	Unknown  Readiness = "Unknown"
)

// Node is the explanation of one node.
type Node struct {
	Name string `json:"name"`
	// Roles come from node-role.kubernetes.io/<role> labels; a node with none
	// is a worker.
	Roles     []string  `json:"roles"`
	Readiness Readiness `json:"readiness"`
	// ReadyReason and ReadyMessage are the Ready condition's own words.
	ReadyReason  string `json:"readyReason,omitempty"`
	ReadyMessage string `json:"readyMessage,omitempty"`
	// Cordoned is true when spec.unschedulable is set: no new pods are placed.
	Cordoned       bool      `json:"cordoned"`
	CreatedAt      time.Time `json:"createdAt"`
	KubeletVersion string    `json:"kubeletVersion,omitempty"`
}
