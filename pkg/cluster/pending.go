package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster/internal/wire"
)

// PendingSnapshot is what why-pending reads about one pod and the nodes it
// could run on.
type PendingSnapshot struct {
	// Pod is the pod asked about; Pending lists every Pending pod when no
	// single pod was asked about.
	Pod     *corev1.Pod
	Pending []*corev1.Pod
	Nodes   []corev1.Node
	// Assigned are the non-terminal pods bound to nodes.
	Assigned []BoundPod
	// Nominated are the pods waiting for a node that the scheduler has
	// nominated one for, with NodeName set to that node.
	Nominated []BoundPod
	// NominatedNodePods are the pods on the nodes nominated for the pods
	// asked about, whole, by node name.
	NominatedNodePods map[string][]corev1.Pod
	// Events are the events about the pod.
	Events []corev1.Event
	// NodesRead and AssignedRead are true when the nodes and the pods bound
	// to them were read.
	NodesRead, AssignedRead bool
	// Leases are the leader-election leases of every namespace the user may
	// read but kube-node-lease (schedulers, provisioners); nil when unread.
	Leases []LeaseInfo
	// Namespaces maps namespace names to their labels, read only when the
	// pod's affinity terms select namespaces by label.
	Namespaces map[string]map[string]string
	// Volumes is read only when the pod uses PersistentVolumeClaims.
	Volumes *Volumes
	// Siblings are read only to explain a placement (ReadPlaced).
	Siblings *Siblings
	Gaps     []v1alpha1.Gap
}

// Volumes is what the scheduler's volume checks read: the claims (by
// namespace/name), the volumes and the storage classes. A nil map was not read.
type Volumes struct {
	Claims  map[string]*corev1.PersistentVolumeClaim
	Volumes map[string]*corev1.PersistentVolume
	Classes map[string]*storagev1.StorageClass
	// CSINodes are the CSI drivers' per-node volume limits, by node name.
	CSINodes map[string]*storagev1.CSINode
	// Attachments are the volumes attached to nodes.
	Attachments []storagev1.VolumeAttachment
	// Drivers are the CSI drivers registered (CSIDriver objects), by name;
	// nil when unread.
	Drivers map[string]bool
	// ClaimEvents are the events about claims in the namespace read: the
	// volume controller's and the provisioners' word on them.
	ClaimEvents []corev1.Event
}

// PodNotFoundError says the pod does not exist in the namespace asked, and
// where pods of that name exist instead.
type PodNotFoundError struct {
	Namespace, Name string
	// Elsewhere lists other namespaces holding a pod of that name.
	Elsewhere []string
	// Dump is the dump searched, when the pod was looked for in one; Near
	// are the names closest to Name among the namespace's pods there.
	Dump string
	Near []string
}

func (e *PodNotFoundError) Error() string {
	msg := fmt.Sprintf("pod %q not found in namespace %q", e.Name, e.Namespace)
	if e.Dump != "" {
		msg = fmt.Sprintf("pod %q not found in namespace %q of the dump %s", e.Name, e.Namespace, e.Dump)
	}
	switch len(e.Elsewhere) {
	case 0:
		if len(e.Near) > 0 {
			return fmt.Sprintf("%s; the closest names there are %s", msg, strings.Join(e.Near, ", "))
		}
		return msg
	case 1:
		return fmt.Sprintf("%s; a pod of that name exists in namespace %q: add -n %s", msg, e.Elsewhere[0], e.Elsewhere[0])
	}
	return fmt.Sprintf("%s; pods of that name exist in namespaces %s: pick one with -n", msg, strings.Join(e.Elsewhere, ", "))
}

// ReadPending reads the pod and, concurrently, the nodes, the pods bound to
// them, the pod's events, and what its volumes and affinity need.
func (r *Reader) ReadPending(ctx context.Context, namespace, name string) (*PendingSnapshot, error) {
	pod, err := r.Client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, r.podNotFound(ctx, namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading pod %s/%s: %w", namespace, name, err)
	}
	s := &PendingSnapshot{Pod: pod}
	err = r.readAround(ctx, s, []*corev1.Pod{pod}, namespace, func(ctx context.Context) error {
		sel := fields.Set{"involvedObject.kind": "Pod", "involvedObject.name": name, "involvedObject.namespace": namespace}.AsSelector().String()
		events, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return fmt.Errorf("listing events: %w", err)
		}
		s.Events = events.Items
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ReadAllPending reads every Pending pod of a namespace ("" for all) whose
// labels match selector ("" for every pod), and what diagnosing them needs.
func (r *Reader) ReadAllPending(ctx context.Context, namespace, selector string) (*PendingSnapshot, error) {
	s := &PendingSnapshot{}
	list := func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return r.Client.CoreV1().Pods(namespace).List(ctx, opts)
	}
	err := r.eachItem(ctx, list, metav1.ListOptions{FieldSelector: pendingSelector, LabelSelector: selector}, func(obj runtime.Object) error {
		s.Pending = append(s.Pending, obj.(*corev1.Pod))
		return nil
	}, func() { s.Pending = nil })
	if err != nil {
		return nil, fmt.Errorf("listing pending pods: %w", err)
	}
	sort.Slice(s.Pending, func(i, j int) bool {
		a, b := s.Pending[i], s.Pending[j]
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	if len(s.Pending) == 0 {
		return s, nil
	}
	if err := r.readAround(ctx, s, s.Pending, namespace, func(ctx context.Context) error {
		return r.readAutoscalerEvents(ctx, s, namespace)
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// autoscalerComponents are the source components of the node autoscalers'
// events about pods: the cluster autoscaler's and Karpenter's.
var autoscalerComponents = []string{"cluster-autoscaler", "karpenter"}

// readAutoscalerEvents reads the node autoscalers' events about pods, which
// say whether a node is being added for a pending pod: a list each,
// filtered by the API server.
func (r *Reader) readAutoscalerEvents(ctx context.Context, s *PendingSnapshot, namespace string) error {
	for _, component := range autoscalerComponents {
		sel := fields.Set{"involvedObject.kind": "Pod", "source": component}.AsSelector().String()
		list, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return fmt.Errorf("listing %s events: %w", component, err)
		}
		s.Events = append(s.Events, list.Items...)
	}
	return nil
}

// readAround reads, concurrently, what the scheduler's checks need for the
// given pods: nodes, pods bound to nodes, leases in kube-system, and, where
// the pods need them, namespaces and volumes; for one pod (s.Pod), its
// siblings, which the scheduler's default spread scores by. extra, if set,
// runs alongside; its failure is a gap named "events".
func (r *Reader) readAround(ctx context.Context, s *PendingSnapshot, pods []*corev1.Pod, namespace string, extra func(context.Context) error) error {
	reads := newGather(ctx, &s.Gaps)
	r.readCluster(reads, s)
	if extra != nil {
		reads.read(about("events"+inNamespace(namespace), "events").in(namespace), extra)
	}
	r.readNominatedNodes(reads, s, pods)
	if s.Pod != nil {
		r.readSiblings(reads, s)
	}
	needNamespaces, needClaims := false, false
	for _, p := range pods {
		needNamespaces = needNamespaces || selectsNamespaces(p)
		needClaims = needClaims || usesClaims(p)
	}
	if needNamespaces {
		r.readNamespaces(reads, s)
	}
	if needClaims {
		s.Volumes = &Volumes{}
		r.readVolumes(reads, s.Volumes, namespace)
	}
	return reads.wait()
}

// readNamespaces reads the namespaces' labels, for the namespace selectors
// of pod affinity terms.
func (r *Reader) readNamespaces(reads *gather, s *PendingSnapshot) {
	reads.read(about("namespaces", "namespaces"), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("listing namespaces: %w", err)
		}
		labels := make(map[string]map[string]string, len(list.Items))
		for _, ns := range list.Items {
			labels[ns.Name] = ns.Labels
		}
		defer reads.lock()()
		s.Namespaces = labels
		return nil
	})
}

// readCluster reads what every pod's check needs: the nodes, the pods bound
// to them or nominated to them, and the leader leases.
func (r *Reader) readCluster(reads *gather, s *PendingSnapshot) {
	reads.read(about("nodes", "nodes"), func(ctx context.Context) error {
		nodes, err := r.listNodes(ctx)
		s.Nodes, s.NodesRead = nodes, err == nil
		return err
	})
	reads.read(about("pods in all namespaces", "pods"), func(ctx context.Context) (err error) {
		s.Assigned, err = listAssignedPods(ctx, r)
		s.AssignedRead = err == nil
		return err
	})
	reads.read(about("pods nominated to nodes", "pods"), func(ctx context.Context) (err error) {
		s.Nominated, err = listNominatedPods(ctx, r)
		return err
	})
	reads.read(about("leases in all namespaces", "leases"), func(ctx context.Context) error {
		leases, err := listLeaderLeases(ctx, r)
		s.Leases = leases
		return err
	})
}

// readNominatedNodes reads, whole, the pods on each node nominated for one
// of the pods: the victims of a preemption are among them.
func (r *Reader) readNominatedNodes(reads *gather, s *PendingSnapshot, pods []*corev1.Pod) {
	nominated := map[string]bool{}
	for _, p := range pods {
		n := p.Status.NominatedNodeName
		if n == "" || nominated[n] {
			continue
		}
		nominated[n] = true
		reads.read(about("pods on node "+n, "pods").on(n), func(ctx context.Context) error {
			list, err := r.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + n})
			if err != nil {
				return fmt.Errorf("listing pods on node %s: %w", n, err)
			}
			defer reads.lock()()
			if s.NominatedNodePods == nil {
				s.NominatedNodePods = map[string][]corev1.Pod{}
			}
			s.NominatedNodePods[n] = list.Items
			return nil
		})
	}
}

// readVolumes reads what the scheduler's volume checks need, and what tells
// whether a claim's provisioner works: claims of every namespace (the volume
// limits count those of the pods already on each node), volumes, classes,
// CSI nodes and drivers, attachments, and the events about claims.
func (r *Reader) readVolumes(reads *gather, v *Volumes, namespace string) {
	cached := metav1.ListOptions{ResourceVersion: "0"}
	reads.read(about("PersistentVolumeClaims in all namespaces", "persistentvolumeclaims"), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().PersistentVolumeClaims("").List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing claims: %w", err)
		}
		v.Claims = byName(list.Items, func(c *corev1.PersistentVolumeClaim) string { return c.Namespace + "/" + c.Name })
		return nil
	})
	reads.read(about("PersistentVolumes", "persistentvolumes"), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().PersistentVolumes().List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing volumes: %w", err)
		}
		v.Volumes = byName(list.Items, func(pv *corev1.PersistentVolume) string { return pv.Name })
		return nil
	})
	reads.read(about("StorageClasses", "storageclasses"), func(ctx context.Context) error {
		list, err := r.Client.StorageV1().StorageClasses().List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing storage classes: %w", err)
		}
		v.Classes = byName(list.Items, func(c *storagev1.StorageClass) string { return c.Name })
		return nil
	})
	reads.read(about("CSINodes", "csinodes"), func(ctx context.Context) error {
		list, err := r.Client.StorageV1().CSINodes().List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing CSINodes: %w", err)
		}
		v.CSINodes = byName(list.Items, func(n *storagev1.CSINode) string { return n.Name })
		return nil
	})
	reads.read(about("CSIDrivers", "csidrivers"), func(ctx context.Context) error {
		list, err := r.Client.StorageV1().CSIDrivers().List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing CSI drivers: %w", err)
		}
		v.Drivers = make(map[string]bool, len(list.Items))
		for _, d := range list.Items {
			v.Drivers[d.Name] = true
		}
		return nil
	})
	reads.read(about("VolumeAttachments", "volumeattachments"), func(ctx context.Context) error {
		list, err := r.Client.StorageV1().VolumeAttachments().List(ctx, cached)
		if err != nil {
			return fmt.Errorf("listing VolumeAttachments: %w", err)
		}
		v.Attachments = list.Items
		return nil
	})
	reads.read(about("events about claims"+inNamespace(namespace), "events").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=PersistentVolumeClaim"})
		if err != nil {
			return fmt.Errorf("listing events about claims: %w", err)
		}
		v.ClaimEvents = list.Items
		return nil
	})
}

// byName indexes a list's items by the key given.
func byName[T any](items []T, key func(*T) string) map[string]*T {
	out := make(map[string]*T, len(items))
	for i := range items {
		out[key(&items[i])] = &items[i]
	}
	return out
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
func listAssignedPods(ctx context.Context, r *Reader) ([]BoundPod, error) {
	var pods []BoundPod
	opts := metav1.ListOptions{FieldSelector: "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"}
	d := wire.NewPodDecoder(wire.BoundPod)
	err := r.list("pods", opts, func() runtime.Object { return &corev1.PodList{} }, d.Object).Each(ctx,
		func(obj runtime.Object) error {
			pods = append(pods, Bind(obj.(*corev1.Pod)))
			return nil
		}, func() { pods = pods[:0] })
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	return pods, nil
}

// LeaseInfo is what why-pending reads of a leader-election lease.
type LeaseInfo struct {
	Namespace, Name string
	// Holder is the holder's identity, often its pod's name.
	Holder string
	// Renewed is when the holder last renewed it; zero when never.
	Renewed time.Time
	// Duration is how long the lease holds without renewal.
	Duration time.Duration
}

// leaseInfo keeps of a lease what why-pending reads.
func leaseInfo(l *coordinationv1.Lease) LeaseInfo {
	info := LeaseInfo{Namespace: l.Namespace, Name: l.Name}
	if l.Spec.HolderIdentity != nil {
		info.Holder = *l.Spec.HolderIdentity
	}
	if l.Spec.RenewTime != nil {
		info.Renewed = l.Spec.RenewTime.Time
	}
	if l.Spec.LeaseDurationSeconds != nil {
		info.Duration = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
	}
	return info
}

// listLeaderLeases lists the leases of every namespace but kube-node-lease,
// where the kubelets' heartbeats are. When the user may not list leases in
// all namespaces, it lists those of kube-system and returns the refusal, so
// the gap is recorded and the leases read still count.
func listLeaderLeases(ctx context.Context, r *Reader) ([]LeaseInfo, error) {
	opts := metav1.ListOptions{ResourceVersion: "0", FieldSelector: "metadata.namespace!=" + corev1.NamespaceNodeLease}
	list, err := r.Client.CoordinationV1().Leases("").List(ctx, opts)
	var refused error
	if apierrors.IsForbidden(err) {
		refused = fmt.Errorf("listing leases in all namespaces: %w", err)
		list, err = r.Client.CoordinationV1().Leases(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	}
	if err != nil {
		return nil, fmt.Errorf("listing leases: %w", err)
	}
	out := make([]LeaseInfo, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, leaseInfo(&list.Items[i]))
	}
	return out, refused
}

// listNominatedPods lists the pods that wait for a node the scheduler has
// nominated (status.nominatedNodeName), usually after preempting pods there;
// the scheduler counts them on that node. NodeName is set to that node.
func listNominatedPods(ctx context.Context, r *Reader) ([]BoundPod, error) {
	var pods []BoundPod
	list := func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return r.Client.CoreV1().Pods("").List(ctx, opts)
	}
	opts := metav1.ListOptions{FieldSelector: "spec.nodeName=,status.nominatedNodeName!=", ResourceVersion: "0"}
	err := r.eachItem(ctx, list, opts, func(obj runtime.Object) error {
		p := obj.(*corev1.Pod)
		if p.Status.NominatedNodeName == "" || p.DeletionTimestamp != nil {
			return nil
		}
		b := Bind(p)
		b.NodeName = p.Status.NominatedNodeName
		pods = append(pods, b)
		return nil
	}, func() { pods = nil })
	if err != nil {
		return nil, fmt.Errorf("listing nominated pods: %w", err)
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

// BoundPod is what the scheduler's checks read of a pod bound to a node: a
// few hundred bytes, where a decoded Pod takes several kilobytes, and a big
// cluster has 150,000 of them.
type BoundPod struct {
	Namespace, Name string
	UID             types.UID
	NodeName        string
	Labels          map[string]string
	Deleting        bool
	Priority        int32
	// Requests are the pod's requests as the scheduler counts them: cpu in
	// millicores, everything else in whole units.
	Requests []Amount
	// HostPorts are the host ports it holds, as "PROTO/IP:PORT".
	HostPorts []string
	// NonZero are its cpu (millicores) and memory (bytes) requests as the
	// scheduler's scoring counts them: a container that requests no cpu
	// counts 100m, one that requests no memory 200Mi.
	NonZero [2]int64
	// Created is when the pod was created.
	Created time.Time
	// AntiAffinity are its required pod anti-affinity terms.
	AntiAffinity []corev1.PodAffinityTerm
	// Affinity are its required pod affinity terms, and Preferred and
	// PreferredAnti its preferred pod affinity and anti-affinity terms: what
	// the scheduler's InterPodAffinity scoring reads of the pods in place.
	Affinity                 []corev1.PodAffinityTerm
	Preferred, PreferredAnti []corev1.WeightedPodAffinityTerm
	// Claims are the PersistentVolumeClaims it uses.
	Claims []string
}

// Amount is a quantity of one resource.
type Amount struct {
	Name  corev1.ResourceName
	Value int64
}

// Bind keeps of a pod what BoundPod holds.
func Bind(p *corev1.Pod) BoundPod {
	b := BoundPod{Namespace: p.Namespace, Name: p.Name, UID: p.UID, NodeName: p.Spec.NodeName, Labels: p.Labels,
		Deleting: p.DeletionTimestamp != nil}
	if p.Spec.Priority != nil {
		b.Priority = *p.Spec.Priority
	}
	for name, q := range podRequests(p) {
		v := q.Value()
		if name == corev1.ResourceCPU {
			v = q.MilliValue()
		}
		b.Requests = append(b.Requests, Amount{Name: name, Value: v})
	}
	// In name order, whatever the map's: a few entries, sorted in place.
	for i := 1; i < len(b.Requests); i++ {
		for j := i; j > 0 && b.Requests[j].Name < b.Requests[j-1].Name; j-- {
			b.Requests[j], b.Requests[j-1] = b.Requests[j-1], b.Requests[j]
		}
	}
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			for _, port := range c.Ports {
				if port.HostPort <= 0 {
					continue
				}
				ip, proto := port.HostIP, string(port.Protocol)
				if ip == "" {
					ip = "0.0.0.0"
				}
				if proto == "" {
					proto = "TCP"
				}
				b.HostPorts = append(b.HostPorts, fmt.Sprintf("%s/%s:%d", proto, ip, port.HostPort))
			}
		}
	}
	b.NonZero = NonZeroRequests(p)
	b.Created = p.CreationTimestamp.Time
	if a := p.Spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		b.AntiAffinity = a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		b.PreferredAnti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if a := p.Spec.Affinity; a != nil && a.PodAffinity != nil {
		b.Affinity = a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		b.Preferred = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	for _, v := range p.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			b.Claims = append(b.Claims, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			b.Claims = append(b.Claims, p.Name+"-"+v.Name)
		}
	}
	return b
}

// Defaults the scheduler's scoring counts for a container that requests no
// cpu or no memory (k8s.io/kubernetes/pkg/scheduler/util DefaultMilliCPURequest
// and DefaultMemoryRequest).
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// nonMissing are those defaults as the scheduler's resource helper takes them.
var nonMissing = corev1.ResourceList{
	corev1.ResourceCPU:    *resource.NewMilliQuantity(DefaultMilliCPURequest, resource.DecimalSI),
	corev1.ResourceMemory: *resource.NewQuantity(DefaultMemoryRequest, resource.DecimalSI),
}

// NonZeroRequests are a pod's cpu (millicores) and memory (bytes) requests
// as the scheduler's NodeResourcesFit scoring counts them, with the defaults
// for containers that request none.
func NonZeroRequests(p *corev1.Pod) [2]int64 {
	if len(p.Spec.InitContainers) == 0 && p.Spec.Overhead == nil && p.Spec.Resources == nil && len(p.Spec.Containers) == 1 {
		out := [2]int64{DefaultMilliCPURequest, DefaultMemoryRequest}
		r := p.Spec.Containers[0].Resources.Requests
		if q, ok := r[corev1.ResourceCPU]; ok {
			out[0] = q.MilliValue()
		}
		if q, ok := r[corev1.ResourceMemory]; ok {
			out[1] = q.Value()
		}
		return out
	}
	r := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{NonMissingContainerRequests: nonMissing})
	return [2]int64{r.Cpu().MilliValue(), r.Memory().Value()}
}

// podRequests sums a plain pod's container requests directly, and leaves
// init containers, sidecars, overhead and pod-level resources to the
// scheduler's own helper.
func podRequests(p *corev1.Pod) corev1.ResourceList {
	if len(p.Spec.InitContainers) == 0 && p.Spec.Overhead == nil && p.Spec.Resources == nil && len(p.Spec.Containers) == 1 {
		return p.Spec.Containers[0].Resources.Requests
	}
	return resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})
}

func inNamespace(ns string) string {
	if ns == "" {
		return " in all namespaces"
	}
	return " in namespace " + ns
}
