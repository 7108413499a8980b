// Package v1alpha1 is the schema of the documents the tool prints as JSON or
// YAML: the API version and kinds that head them, and the types every kind
// shares. The schema only ever gains fields; docs/findings.md lists the
// finding codes, which are as stable.
package v1alpha1

import (
	"fmt"
	"time"
)

// APIVersion heads every JSON or YAML document the tool prints.
const APIVersion = "explain-nodes.github.io/v1alpha1"

// The kinds of document, one per command output.
const (
	// KindReport is the overview and the named-node view.
	KindReport = "ClusterReport"
	// KindDiagnosis is why-pending about one pod.
	KindDiagnosis = "PendingDiagnosis"
	// KindPendingList is why-pending about every Pending pod of a scope.
	KindPendingList = "PendingPodList"
	// KindControllerDiagnosis is why-pending about a workload's pods.
	KindControllerDiagnosis = "ControllerDiagnosis"
	// KindMessage is why-pending --message: a scheduler message explained.
	KindMessage = "SchedulerMessage"
	// KindPlacement is why-here: why a pod is on its node.
	KindPlacement = "Placement"
)

// HealthCheck is one line of /readyz?verbose or /livez?verbose.
type HealthCheck struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Reason is the text after the check's name on a failed line.
	Reason string `json:"reason,omitempty"`
}

// Gap is one read that failed: what the output could not take into account.
type Gap struct {
	// What names what could not be read, in words: "nodes", "pods in all
	// namespaces".
	What string `json:"what"`
	// Resource is the kind of object or endpoint read: nodes, pods, events,
	// leases, daemonsets, version, readyz, …; Namespace and Node narrow it
	// when the read did.
	Resource string `json:"resource,omitempty"`
	// Namespace is the namespace the read was in, if any.
	Namespace string `json:"namespace,omitempty"`
	// Node is the node the read was about, if any.
	Node string `json:"node,omitempty"`
	// Reason is a short machine-readable cause: Forbidden, Unauthorized,
	// NotFound, Timeout, TooManyRequests, ServerError or Error.
	Reason string `json:"reason"`
	// Message is the server's or client's error text.
	Message string `json:"message"`
}

// DumpSource says the output was made from a dump (--from), not a live
// cluster.
type DumpSource struct {
	// Path is the dump's file or directory ("-" for standard input).
	Path string `json:"path"`
	// AsOf is the time of the dump, its newest timestamp: the "now" of the
	// output.
	AsOf time.Time `json:"asOf"`
}

// Text says it in words: "the dump DIR, as of 2026-12-01 14:03 UTC".
func (d *DumpSource) Text() string {
	path := d.Path
	if path == "-" {
		path = "read from standard input"
	}
	return fmt.Sprintf("the dump %s, as of %s", path, d.AsOf.UTC().Format("2006-01-02 15:04 MST"))
}
