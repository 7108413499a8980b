// Package cluster reads what the tool needs from a live cluster into a
// Snapshot. It is the only package that talks to the API server. Reads that
// fail with an API error (forbidden, not found, timed out) do not stop the
// others: each is recorded as a Gap so the output can say what it could not see.
package cluster

import (
	corev1 "k8s.io/api/core/v1"
)

// Snapshot is what could be read of a cluster at one moment.
type Snapshot struct {
	// Server is the API server's address, as the client configuration names it.
	Server string
	// ServerVersion is the API server's /version gitVersion, empty when unread.
	ServerVersion string
	// Nodes are all nodes, sorted by name.
	Nodes []corev1.Node
	// Gaps lists what could not be read, and why.
	Gaps []Gap
}

// Gap is one read that failed.
type Gap struct {
	// What names what could not be read, e.g. "nodes" or "pods in all namespaces".
	What string `json:"what"`
	// Reason is a short machine-readable cause: Forbidden, Unauthorized,
	// NotFound, Timeout, ServerError or Error.
	Reason string `json:"reason"`
	// Message is the server's or client's error text.
	Message string `json:"message"`
}
