package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/pager"
)

// PendingSnapshot is what why-pending reads about one pod and the nodes it
// could run on.
type PendingSnapshot struct {
	Pod   *corev1.Pod
	Nodes []corev1.Node
	// Assigned are the non-terminal pods bound to nodes.
	Assigned []corev1.Pod
	// Events are the events about the pod.
	Events []corev1.Event
	// NodesRead is true when the node list was read.
	NodesRead bool
	// LeaseNames are the leases in kube-system (schedulers' leader leases);
	// nil when unread.
	LeaseNames []string
	// Namespaces maps namespace names to their labels, read only when the
	// pod's affinity terms select namespaces by label.
	Namespaces map[string]map[string]string
	// Volumes is read only when the pod uses PersistentVolumeClaims.
	Volumes *Volumes
	Gaps    []Gap
}

// Volumes is what the scheduler's volume checks read: the claims of the
// pod's namespace, the volumes and the storage classes. A nil map was not read.
type Volumes struct {
	Claims  map[string]*corev1.PersistentVolumeClaim
	Volumes map[string]*corev1.PersistentVolume
	Classes map[string]*storagev1.StorageClass
}

// PodNotFoundError says the pod does not exist in the namespace asked, and
// where pods of that name exist instead.
type PodNotFoundError struct {
	Namespace, Name string
	// Elsewhere lists other namespaces holding a pod of that name.
	Elsewhere []string
}

func (e *PodNotFoundError) Error() string {
	msg := fmt.Sprintf("pod %q not found in namespace %q", e.Name, e.Namespace)
	switch len(e.Elsewhere) {
	case 0:
		return msg
	case 1:
		return fmt.Sprintf("%s; a pod of that name exists in namespace %q: add -n %s", msg, e.Elsewhere[0], e.Elsewhere[0])
	}
	return fmt.Sprintf("%s; pods of that name exist in namespaces %s: pick one with -n", msg, strings.Join(e.Elsewhere, ", "))
}

// ReadPending reads the pod and, concurrently, the nodes, the pods bound to
// them, and the pod's events.
func (r *Reader) ReadPending(ctx context.Context, namespace, name string) (*PendingSnapshot, error) {
	pod, err := r.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, r.podNotFound(ctx, namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading pod %s/%s: %w", namespace, name, err)
	}
	s := &PendingSnapshot{Pod: pod}
	var mu sync.Mutex
	gap := func(what string, err error) error {
		if fatal(err) {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		s.Gaps = append(s.Gaps, gapFor(what, err))
		return nil
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		nodes, err := listNodes(ctx, r.Client)
		if err != nil {
			return gap("nodes", err)
		}
		s.Nodes, s.NodesRead = nodes, true
		return nil
	})
	g.Go(func() error {
		leases, err := r.Client.CoordinationV1().Leases(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return gap("leases in kube-system", fmt.Errorf("listing leases: %w", err))
		}
		names := make([]string, 0, len(leases.Items))
		for _, l := range leases.Items {
			names = append(names, l.Name)
		}
		s.LeaseNames = names
		return nil
	})
	g.Go(func() error {
		pods, err := listAssignedPods(ctx, r)
		if err != nil {
			return gap("pods in all namespaces", err)
		}
		s.Assigned = pods
		return nil
	})
	g.Go(func() error {
		sel := fields.Set{"involvedObject.kind": "Pod", "involvedObject.name": name, "involvedObject.namespace": namespace}.AsSelector().String()
		events, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return gap("events in namespace "+namespace, fmt.Errorf("listing events: %w", err))
		}
		s.Events = events.Items
		return nil
	})
	if selectsNamespaces(pod) {
		g.Go(func() error {
			list, err := r.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				return gap("namespaces", fmt.Errorf("listing namespaces: %w", err))
			}
			s.Namespaces = make(map[string]map[string]string, len(list.Items))
			for _, ns := range list.Items {
				s.Namespaces[ns.Name] = ns.Labels
			}
			return nil
		})
	}
	if usesClaims(pod) {
		s.Volumes = &Volumes{}
		g.Go(func() error {
			list, err := r.Client.CoreV1().PersistentVolumeClaims(namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				return gap("PersistentVolumeClaims in namespace "+namespace, fmt.Errorf("listing claims: %w", err))
			}
			claims := make(map[string]*corev1.PersistentVolumeClaim, len(list.Items))
			for i := range list.Items {
				claims[list.Items[i].Name] = &list.Items[i]
			}
			s.Volumes.Claims = claims
			return nil
		})
		g.Go(func() error {
			list, err := r.Client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				return gap("PersistentVolumes", fmt.Errorf("listing volumes: %w", err))
			}
			volumes := make(map[string]*corev1.PersistentVolume, len(list.Items))
			for i := range list.Items {
				volumes[list.Items[i].Name] = &list.Items[i]
			}
			s.Volumes.Volumes = volumes
			return nil
		})
		g.Go(func() error {
			list, err := r.Client.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				return gap("StorageClasses", fmt.Errorf("listing storage classes: %w", err))
			}
			classes := make(map[string]*storagev1.StorageClass, len(list.Items))
			for i := range list.Items {
				classes[list.Items[i].Name] = &list.Items[i]
			}
			s.Volumes.Classes = classes
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(s.Gaps, func(i, j int) bool { return s.Gaps[i].What < s.Gaps[j].What })
	return s, nil
}

func usesClaims(pod *corev1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil || v.Ephemeral != nil {
			return true
		}
	}
	return false
}

// selectsNamespaces reports whether the pod's affinity terms select
// namespaces by label, which needs the namespaces' labels.
func selectsNamespaces(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	var all []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		all = append(all, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
	}
	if a.PodAntiAffinity != nil {
		all = append(all, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
	}
	for _, t := range all {
		if t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}

// listAssignedPods lists the pods the scheduler counts on nodes: bound and
// not finished. The API server's cache serves them.
func listAssignedPods(ctx context.Context, r *Reader) ([]corev1.Pod, error) {
	var pods []corev1.Pod
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return r.Client.CoreV1().Pods("").List(ctx, opts)
	})
	p.PageSize = PageSize
	opts := metav1.ListOptions{
		ResourceVersion: "0",
		FieldSelector:   "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed",
	}
	err := p.EachListItem(ctx, opts, func(obj runtime.Object) error {
		pods = append(pods, *obj.(*corev1.Pod))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	return pods, nil
}

// podNotFound looks for pods of the same name in other namespaces, to
// suggest the right -n. If that lookup is not allowed, the plain error stays.
func (r *Reader) podNotFound(ctx context.Context, namespace, name string) error {
	e := &PodNotFoundError{Namespace: namespace, Name: name}
	list, err := r.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		return e
	}
	for _, p := range list.Items {
		if p.Namespace != namespace {
			e.Elsewhere = append(e.Elsewhere, p.Namespace)
		}
	}
	sort.Strings(e.Elsewhere)
	return e
}
