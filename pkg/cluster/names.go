package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pendingSelector selects the pods in the Pending phase.
const pendingSelector = "status.phase=" + string(corev1.PodPending)

// The names behind suggestions: shell completion, and "did you mean" when a
// named node does not exist.

// NodeNames lists the names of all nodes, for suggestions when a named node
// does not exist.
func (r *Reader) NodeNames(ctx context.Context) ([]string, error) {
	nodes, err := r.listNodes(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return names, nil
}

// NamespaceNames lists the names of all namespaces, for completing -n.
func (r *Reader) NamespaceNames(ctx context.Context) ([]string, error) {
	list, err := r.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list.Items))
	for i, n := range list.Items {
		names[i] = n.Name
	}
	return names, nil
}

// PendingPodNames lists the names of the Pending pods of a namespace, for
// completing why-pending's POD.
func (r *Reader) PendingPodNames(ctx context.Context, namespace string) ([]string, error) {
	return r.podNames(ctx, namespace, pendingSelector)
}

// BoundPodNames lists the names of the namespace's pods that are on a node,
// for shell completion of why-here.
func (r *Reader) BoundPodNames(ctx context.Context, namespace string) ([]string, error) {
	return r.podNames(ctx, namespace, "spec.nodeName!=")
}

// podNames lists the names of the namespace's pods the field selector keeps.
func (r *Reader) podNames(ctx context.Context, namespace, fieldSelector string) ([]string, error) {
	list, err := r.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{FieldSelector: fieldSelector})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(list.Items))
	for i, p := range list.Items {
		names[i] = p.Name
	}
	return names, nil
}
