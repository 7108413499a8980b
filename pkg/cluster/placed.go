package cluster

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Siblings are what the scheduler's default topology spread reads to tell a
// pod's siblings (k8s.io/kubernetes/pkg/scheduler/framework/plugins/helper
// DefaultSelector): the selectors of the services in its namespace that
// select it, and the selector of the ReplicaSet, StatefulSet or
// ReplicationController that controls it.
type Siblings struct {
	// Services are the selectors of the services that select the pod.
	Services []map[string]string
	// OwnerKind and OwnerName name the pod's controller; empty when it has
	// none the scheduler reads (a Job's or DaemonSet's pods, a bare pod).
	OwnerKind, OwnerName string
	// Owner is a ReplicaSet's or StatefulSet's selector; OwnerSet a
	// ReplicationController's. Both are nil when the owner was not found.
	Owner    *metav1.LabelSelector
	OwnerSet map[string]string
}

// ReadPlaced reads what explaining a pod's placement needs: all that
// ReadPending reads, and the namespaces' labels, which the scheduler's
// scoring of other pods' affinity terms reads.
func (r *Reader) ReadPlaced(ctx context.Context, namespace, name string) (*PendingSnapshot, error) {
	s, err := r.ReadPending(ctx, namespace, name)
	if err != nil || s.Namespaces != nil {
		return s, err
	}
	reads := newGather(ctx, &s.Gaps)
	r.readNamespaces(reads, s)
	if err := reads.wait(); err != nil {
		return nil, err
	}
	return s, nil
}

// readSiblings reads, alongside the other reads, the services of the pod's
// namespace that select it and the controller that owns it, into s.Siblings.
func (r *Reader) readSiblings(reads *gather, s *PendingSnapshot) {
	pod, namespace := s.Pod, s.Pod.Namespace
	sib := &Siblings{}
	s.Siblings = sib
	reads.read(about("services"+inNamespace(namespace), "services").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().Services(namespace).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("listing services: %w", err)
		}
		var selectors []map[string]string
		for _, svc := range list.Items {
			if svc.Spec.Selector != nil && selectorMatches(svc.Spec.Selector, pod.Labels) {
				selectors = append(selectors, svc.Spec.Selector)
			}
		}
		defer reads.lock()()
		sib.Services = selectors
		return nil
	})
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return
	}
	gv, _ := schema.ParseGroupVersion(owner.APIVersion)
	read := func(resource string, get func(context.Context) error) {
		sib.OwnerKind, sib.OwnerName = owner.Kind, owner.Name
		reads.read(about(fmt.Sprintf("%s %s/%s", resource, namespace, owner.Name), resource).in(namespace), get)
	}
	switch gv.WithKind(owner.Kind) {
	case schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}:
		read("replicasets", func(ctx context.Context) error {
			rs, err := r.Client.AppsV1().ReplicaSets(namespace).Get(ctx, owner.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			defer reads.lock()()
			sib.Owner = rs.Spec.Selector
			return nil
		})
	case schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}:
		read("statefulsets", func(ctx context.Context) error {
			ss, err := r.Client.AppsV1().StatefulSets(namespace).Get(ctx, owner.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			defer reads.lock()()
			sib.Owner = ss.Spec.Selector
			return nil
		})
	case schema.GroupVersionKind{Version: "v1", Kind: "ReplicationController"}:
		read("replicationcontrollers", func(ctx context.Context) error {
			rc, err := r.Client.CoreV1().ReplicationControllers(namespace).Get(ctx, owner.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			defer reads.lock()()
			sib.OwnerSet = rc.Spec.Selector
			return nil
		})
	}
}

// selectorMatches is a service's selector against a pod's labels.
func selectorMatches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
