// Package v1alpha1 is the schema of the documents the tool prints as JSON or
// YAML: the API version and kinds that head them, and the types every kind
// shares. The schema only ever gains fields; docs/findings.md lists the
// finding codes, which are as stable.
package v1alpha1

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
