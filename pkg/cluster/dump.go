package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// Source is where the tool reads a cluster from: the live API server
// (Reader) or a dump taken earlier (Dump).
type Source interface {
	ReadOverview(ctx context.Context) (*Snapshot, error)
	ReadNodes(ctx context.Context, names []string) (*Snapshot, error)
	NodeNames(ctx context.Context) ([]string, error)
	ReadPending(ctx context.Context, namespace, name string) (*PendingSnapshot, error)
	ReadAllPending(ctx context.Context, namespace, selector string) (*PendingSnapshot, error)
	ReadPlaced(ctx context.Context, namespace, name string) (*PendingSnapshot, error)
	ReadCreateFailures(ctx context.Context, namespace string) (*CreateFailures, error)
}

var (
	_ Source = (*Reader)(nil)
	_ Source = (*Dump)(nil)
)

// DumpReason is the Gap reason of what a dump does not hold.
const DumpReason = "NotInDump"

// Dump reads a cluster from a dump: the output of kubectl cluster-info dump
// (a directory, or one file), of kubectl get -o yaml|json, or the cluster
// resources of a troubleshoot or Sonobuoy bundle, as a directory or a
// .tar.gz archive. Each read makes one pass over the dump, keeping only what
// it needs.
type Dump struct {
	// Path is the dump's file or directory.
	Path string
	// AsOf is the time of the dump, the newest timestamp in it; set by the
	// first read.
	AsOf time.Time
}

// OpenDump returns the dump at path; "-" reads standard input, which is
// kept in a temporary file so that it can be read more than once. The
// returned function removes it.
func OpenDump(path string, stdin io.Reader) (*Dump, func(), error) {
	if path != "-" {
		if _, err := os.Stat(path); err != nil {
			return nil, nil, fmt.Errorf("reading the dump %s: %w", path, errors.Unwrap(err))
		}
		return &Dump{Path: path}, func() {}, nil
	}
	f, err := os.CreateTemp("", "explain-nodes-dump-*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("keeping the dump from standard input: %w", err)
	}
	remove := func() { os.Remove(f.Name()) }
	_, err = io.Copy(f, stdin)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return nil, nil, fmt.Errorf("reading the dump from standard input: %w", err)
	}
	return &Dump{Path: f.Name()}, remove, nil
}

// Server names the dump where a live read names the API server.
func (d *Dump) Server() string {
	return "the dump " + d.Path
}

// dumpPass is what one pass over a dump found, besides what its visitor kept.
type dumpPass struct {
	nodes      []corev1.Node
	events     []corev1.Event
	daemonSets []appsv1.DaemonSet
	leases     []coordinationv1.Lease
	namespaces map[string]map[string]string
	services   []corev1.Service
	owners     map[string]*metav1.LabelSelector // kind/namespace/name → selector
	rcs        map[string]map[string]string
	replicas   map[string][2]int32 // kind/namespace/name → desired, current
	// podLists are the namespaces whose pod list a per-namespace file held;
	// podFiles counts pods read from files that are not per-namespace.
	podLists map[string]bool
	podFree  bool
	// streamPodLists counts the pod lists of a stream, which do not say
	// their namespace; dumpStream is true for kubectl cluster-info dump's
	// stream (its ReplicationControllerLists give it away).
	streamPodLists int
	dumpStream     bool
	// daemonSetLists is true when the dump holds kube-system's DaemonSet
	// list, even an empty one: its DaemonSets were read.
	// streamDaemonSetLists is true when a stream holds DaemonSet lists,
	// whose namespace it does not say; kubeSystem is true when an object
	// of kube-system was read, which tells the stream covers it.
	daemonSetLists, streamDaemonSetLists, kubeSystem bool
	kinds                                            map[string]int
	asOf                                             time.Time
}

// pass reads the dump once: every object, the pods through pod.
func (d *Dump) pass(pod func(p *corev1.Pod)) (*dumpPass, error) {
	out := &dumpPass{namespaces: nil, owners: map[string]*metav1.LabelSelector{}, rcs: map[string]map[string]string{},
		replicas: map[string][2]int32{}, podLists: map[string]bool{}, kinds: map[string]int{}}
	err := eachDumpObject(d.Path, func(o *dumpObject) error {
		switch o.Kind {
		case listMarker + "PodList":
			if o.ListNamespace != "" {
				out.podLists[o.ListNamespace] = true
			} else {
				out.streamPodLists++
			}
			return nil
		case listMarker + "ReplicationControllerList":
			out.dumpStream = out.dumpStream || o.ListNamespace == ""
			return nil
		case listMarker + "DaemonSetList":
			switch o.ListNamespace {
			case metav1.NamespaceSystem:
				out.daemonSetLists = true
			case "":
				out.streamDaemonSetLists = true
			}
			return nil
		}
		if strings.HasPrefix(o.Kind, listMarker) {
			return nil
		}
		out.kinds[o.Kind]++
		decode := func(v any) error {
			if err := json.Unmarshal(o.Raw, v); err != nil {
				return &DumpError{File: o.File, Msg: fmt.Sprintf("a %s in it cannot be read: %v", o.Kind, err)}
			}
			return nil
		}
		switch o.Kind {
		case "Node":
			var n corev1.Node
			if err := decode(&n); err != nil {
				return err
			}
			out.seen(n.CreationTimestamp.Time)
			for _, c := range n.Status.Conditions {
				out.seen(c.LastHeartbeatTime.Time)
				out.seen(c.LastTransitionTime.Time)
			}
			out.nodes = append(out.nodes, n)
		case "Pod":
			var p corev1.Pod
			if err := decode(&p); err != nil {
				return err
			}
			out.seen(p.CreationTimestamp.Time)
			for _, c := range p.Status.Conditions {
				out.seen(c.LastTransitionTime.Time)
			}
			for _, cs := range p.Status.ContainerStatuses {
				if r := cs.State.Running; r != nil {
					out.seen(r.StartedAt.Time)
				}
				if t := cs.State.Terminated; t != nil {
					out.seen(t.FinishedAt.Time)
				}
			}
			if o.ListNamespace == "" {
				out.podFree = true
			}
			out.kubeSystem = out.kubeSystem || p.Namespace == metav1.NamespaceSystem
			pod(&p)
		case "Event":
			var e corev1.Event
			if err := decode(&e); err != nil {
				return err
			}
			out.seen(EventTime(&e).Time)
			out.kubeSystem = out.kubeSystem || e.Namespace == metav1.NamespaceSystem
			out.events = append(out.events, e)
		case "DaemonSet":
			var ds appsv1.DaemonSet
			if err := decode(&ds); err != nil {
				return err
			}
			out.seen(ds.CreationTimestamp.Time)
			out.daemonSets = append(out.daemonSets, ds)
			out.replicas["DaemonSet/"+ds.Namespace+"/"+ds.Name] = [2]int32{ds.Status.DesiredNumberScheduled, ds.Status.CurrentNumberScheduled}
		case "ReplicaSet":
			var rs appsv1.ReplicaSet
			if err := decode(&rs); err != nil {
				return err
			}
			out.owners["ReplicaSet/"+rs.Namespace+"/"+rs.Name] = rs.Spec.Selector
			out.replicas["ReplicaSet/"+rs.Namespace+"/"+rs.Name] = [2]int32{replicas(rs.Spec.Replicas), rs.Status.Replicas}
			if ref := metav1.GetControllerOf(&rs); ref != nil && ref.Kind == "Deployment" {
				out.owners["Deployment-of/"+rs.Namespace+"/"+rs.Name] = &metav1.LabelSelector{MatchLabels: map[string]string{"name": ref.Name}}
			}
		case "StatefulSet":
			var ss appsv1.StatefulSet
			if err := decode(&ss); err != nil {
				return err
			}
			out.owners["StatefulSet/"+ss.Namespace+"/"+ss.Name] = ss.Spec.Selector
			out.replicas["StatefulSet/"+ss.Namespace+"/"+ss.Name] = [2]int32{replicas(ss.Spec.Replicas), ss.Status.Replicas}
		case "ReplicationController":
			var rc corev1.ReplicationController
			if err := decode(&rc); err != nil {
				return err
			}
			out.rcs[rc.Namespace+"/"+rc.Name] = rc.Spec.Selector
		case "Service":
			var svc corev1.Service
			if err := decode(&svc); err != nil {
				return err
			}
			out.kubeSystem = out.kubeSystem || svc.Namespace == metav1.NamespaceSystem
			out.services = append(out.services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name}, Spec: corev1.ServiceSpec{Selector: svc.Spec.Selector}})
		case "Lease":
			var l coordinationv1.Lease
			if err := decode(&l); err != nil {
				return err
			}
			if l.Spec.RenewTime != nil {
				out.seen(l.Spec.RenewTime.Time)
			}
			out.leases = append(out.leases, l)
		case "Namespace":
			var ns corev1.Namespace
			if err := decode(&ns); err != nil {
				return err
			}
			if out.namespaces == nil {
				out.namespaces = map[string]map[string]string{}
			}
			out.namespaces[ns.Name] = ns.Labels
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.kinds["Node"] == 0 && out.kinds["Pod"] == 0 {
		return nil, &DumpError{File: d.Path, Msg: fmt.Sprintf("holds no nodes or pods (it holds %s): --from reads %s", kindList(out.kinds), dumpFormats)}
	}
	sort.Slice(out.nodes, func(i, j int) bool { return out.nodes[i].Name < out.nodes[j].Name })
	sort.SliceStable(out.events, func(i, j int) bool { return EventTime(&out.events[j]).Time.Before(EventTime(&out.events[i]).Time) })
	d.AsOf = out.asOf
	return out, nil
}

func kindList(kinds map[string]int) string {
	if len(kinds) == 0 {
		return "nothing"
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *dumpPass) seen(t time.Time) {
	if t.After(p.asOf) {
		p.asOf = t
	}
}

// gaps are what the dump does not hold, named as a refused read is.
func (p *dumpPass) gaps(d *Dump, wanted ...string) []v1alpha1.Gap {
	var out []v1alpha1.Gap
	gap := func(what, resource, namespace, msg string) {
		out = append(out, v1alpha1.Gap{What: what, Resource: resource, Namespace: namespace, Reason: DumpReason, Message: msg})
	}
	for _, w := range wanted {
		switch w {
		case "version":
			gap("the API server's version", "version", "", "a dump does not hold it")
		case "readyz":
			gap("the API server's readiness checks (/readyz)", "readyz", "", "a dump does not hold them")
		case "livez":
			gap("the API server's liveness checks (/livez)", "livez", "", "a dump does not hold them")
		case "node-leases":
			if !p.hasLeases(corev1.NamespaceNodeLease) {
				gap("the kubelets' leases (kube-node-lease)", "leases", corev1.NamespaceNodeLease, "the dump holds no leases; the nodes' heartbeats are read from their conditions only")
			}
		case "leader-leases":
			if !p.hasLeases(metav1.NamespaceSystem) {
				gap("leader-election leases (kube-system)", "leases", metav1.NamespaceSystem, "the dump holds no leases")
			}
		case "daemonsets":
			if p.kinds["DaemonSet"] == 0 && !p.daemonSetsListed() {
				gap("DaemonSets in all namespaces", "daemonsets", "", "the dump holds no DaemonSets")
			}
		case "pods":
			if p.kinds["Pod"] == 0 {
				gap("pods in all namespaces", "pods", "", "the dump holds no pods")
			} else if missing := p.unlistedNamespaces(); missing != "" {
				gap("pods in namespaces the dump does not cover", "pods", "", missing)
			}
		case "namespaces":
			if p.namespaces == nil {
				gap("namespaces", "namespaces", "", "the dump holds no namespaces, so their labels are not known")
			}
		}
	}
	return out
}

func (p *dumpPass) hasLeases(namespace string) bool {
	for _, l := range p.leases {
		if l.Namespace == namespace {
			return true
		}
	}
	return false
}

// daemonSetsListed reports whether the dump lists kube-system's DaemonSets,
// even none: its file of them, or a stream's lists when the stream covers
// kube-system (an object of it was read, or it lists the pods of every
// namespace, as --all-namespaces writes).
func (p *dumpPass) daemonSetsListed() bool {
	return p.daemonSetLists || p.streamDaemonSetLists && (p.kubeSystem || p.streamPodLists >= 4)
}

// hasLists reports whether the dump is kubectl cluster-info dump's per-namespace lists.
func (p *dumpPass) hasLists() bool { return len(p.podLists) > 0 }

// unlistedNamespaces says which namespaces the pods may be missing from: a
// kubectl cluster-info dump without --all-namespaces holds kube-system and
// one other namespace only. A dump that lists the namespaces tells exactly.
func (p *dumpPass) unlistedNamespaces() string {
	if p.dumpStream && !p.hasLists() && p.streamPodLists < 4 {
		// kube-system, default, kube-node-lease and kube-public at least with --all-namespaces.
		return fmt.Sprintf("the dump holds the pods of %d namespaces only, as kubectl cluster-info dump without --all-namespaces writes (kube-system and the current namespace); with --all-namespaces it holds them all", p.streamPodLists)
	}
	if !p.hasLists() || p.podFree {
		return ""
	}
	if p.namespaces != nil {
		var missing []string
		for ns := range p.namespaces {
			if !p.podLists[ns] {
				missing = append(missing, ns)
			}
		}
		sort.Strings(missing)
		if len(missing) == 0 {
			return ""
		}
		return "the dump holds no pod list for " + strings.Join(missing, ", ")
	}
	if p.podLists[corev1.NamespaceNodeLease] || p.podLists[metav1.NamespacePublic] {
		return "" // --all-namespaces: every namespace has its lists, empty ones too
	}
	covered := make([]string, 0, len(p.podLists))
	for ns := range p.podLists {
		covered = append(covered, ns)
	}
	sort.Strings(covered)
	return fmt.Sprintf("the dump holds the pods of %s only; kubectl cluster-info dump --all-namespaces holds them all", strings.Join(covered, " and "))
}

// ReadOverview reads the whole cluster from the dump.
func (d *Dump) ReadOverview(context.Context) (*Snapshot, error) {
	s := &Snapshot{Pods: map[string][]Pod{}}
	p, err := d.pass(func(pod *corev1.Pod) {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			return
		}
		if pod.Spec.NodeName == "" {
			s.Unscheduled++
			return
		}
		s.Pods[pod.Spec.NodeName] = append(s.Pods[pod.Spec.NodeName], Summarize(pod))
	})
	if err != nil {
		return nil, err
	}
	d.fill(s, p, nil)
	return s, nil
}

// fill sets what every snapshot of the dump holds; names, when set, keep
// the named nodes only.
func (d *Dump) fill(s *Snapshot, p *dumpPass, names map[string]bool) {
	s.Server = d.Server()
	s.PodsRead = p.kinds["Pod"] > 0
	for _, n := range p.nodes {
		if names == nil || names[n.Name] {
			s.Nodes = append(s.Nodes, n)
		}
	}
	if names != nil {
		for name := range s.Pods {
			if !names[name] {
				delete(s.Pods, name)
			}
		}
	}
	s.NodeLeases, s.LeaderLeases = map[string]coordinationv1.Lease{}, map[string]coordinationv1.Lease{}
	for _, l := range p.leases {
		switch l.Namespace {
		case corev1.NamespaceNodeLease:
			s.NodeLeases[l.Name] = l
		case metav1.NamespaceSystem:
			s.LeaderLeases[l.Name] = l
		}
	}
	s.DaemonSets, s.SystemDaemonSets = p.daemonSets, []appsv1.DaemonSet{}
	for _, ds := range p.daemonSets {
		if ds.Namespace == metav1.NamespaceSystem {
			s.SystemDaemonSets = append(s.SystemDaemonSets, ds)
		}
	}
	for _, e := range p.events {
		if e.InvolvedObject.Kind == "Node" && e.Type == corev1.EventTypeWarning && (names == nil || names[e.InvolvedObject.Name]) {
			s.NodeEvents = append(s.NodeEvents, e)
		}
	}
	if len(s.NodeEvents) > maxNodeEvents {
		s.NodeEvents = s.NodeEvents[:maxNodeEvents]
	}
	s.Gaps = p.gaps(d, "version", "readyz", "livez", "node-leases", "leader-leases", "daemonsets", "pods")
	sort.Slice(s.Gaps, func(i, j int) bool { return s.Gaps[i].What < s.Gaps[j].What })
	// What the dump lacks is unread, as a failed live read leaves it: not
	// "none in kube-system".
	unread := func(resource, namespace string) bool {
		return slices.ContainsFunc(s.Gaps, func(g v1alpha1.Gap) bool { return g.Resource == resource && g.Namespace == namespace })
	}
	if unread("daemonsets", "") {
		s.SystemDaemonSets = nil
	}
	if unread("leases", metav1.NamespaceSystem) {
		s.LeaderLeases = nil
	}
	if unread("leases", corev1.NamespaceNodeLease) {
		s.NodeLeases = nil
	}
}

// ReadNodes reads the named nodes from the dump; a node the dump does not
// hold is left out, as for a live read.
func (d *Dump) ReadNodes(_ context.Context, names []string) (*Snapshot, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	s := &Snapshot{Pods: map[string][]Pod{}}
	p, err := d.pass(func(pod *corev1.Pod) {
		if want[pod.Spec.NodeName] && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed {
			s.Pods[pod.Spec.NodeName] = append(s.Pods[pod.Spec.NodeName], Summarize(pod))
		}
	})
	if err != nil {
		return nil, err
	}
	d.fill(s, p, want)
	s.DaemonSets = nil
	return s, nil
}

// NodeNames lists the dump's nodes.
func (d *Dump) NodeNames(context.Context) ([]string, error) {
	p, err := d.pass(func(*corev1.Pod) {})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(p.nodes))
	for i, n := range p.nodes {
		names[i] = n.Name
	}
	return names, nil
}

// pendingPass reads what why-pending and why-here need: the nodes, the pods
// on them (compact), the pending pods keep selects (whole), the nominated
// pods, and the pods named.
func (d *Dump) pendingPass(keep func(p *corev1.Pod) bool) (*PendingSnapshot, *dumpPass, error) {
	s := &PendingSnapshot{}
	p, err := d.pass(func(pod *corev1.Pod) {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			if keep(pod) {
				s.Pending = append(s.Pending, pod)
			}
			return
		}
		if pod.Spec.NodeName != "" {
			s.Assigned = append(s.Assigned, Bind(pod))
		} else if pod.Status.NominatedNodeName != "" && pod.DeletionTimestamp == nil {
			b := Bind(pod)
			b.NodeName = pod.Status.NominatedNodeName
			s.Nominated = append(s.Nominated, b)
		}
		if keep(pod) {
			s.Pending = append(s.Pending, pod)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	s.Nodes, s.NodesRead, s.AssignedRead = p.nodes, true, p.kinds["Pod"] > 0
	for i := range p.leases {
		if p.leases[i].Namespace != corev1.NamespaceNodeLease {
			s.Leases = append(s.Leases, leaseInfo(&p.leases[i]))
		}
	}
	s.Namespaces = p.namespaces
	s.Gaps = p.gaps(d, "leader-leases", "pods")
	return s, p, nil
}

// around fills in, for one pod, what the live reader reads around it: its
// events, its siblings, and the gaps the dump leaves.
func (d *Dump) around(s *PendingSnapshot, p *dumpPass) {
	pod := s.Pod
	for _, e := range p.events {
		o := e.InvolvedObject
		if o.Kind == "Pod" && o.Namespace == pod.Namespace && o.Name == pod.Name {
			s.Events = append(s.Events, e)
		}
	}
	sib := &Siblings{}
	for _, svc := range p.services {
		if svc.Namespace == pod.Namespace && svc.Spec.Selector != nil && selectorMatches(svc.Spec.Selector, pod.Labels) {
			sib.Services = append(sib.Services, svc.Spec.Selector)
		}
	}
	if owner := metav1.GetControllerOfNoCopy(pod); owner != nil {
		switch owner.Kind {
		case "ReplicaSet", "StatefulSet":
			sib.OwnerKind, sib.OwnerName = owner.Kind, owner.Name
			sib.Owner = p.owners[owner.Kind+"/"+pod.Namespace+"/"+owner.Name]
		case "ReplicationController":
			sib.OwnerKind, sib.OwnerName = owner.Kind, owner.Name
			sib.OwnerSet = p.rcs[pod.Namespace+"/"+owner.Name]
		}
	}
	s.Siblings = sib
	if usesClaims(pod) {
		s.Gaps = append(s.Gaps, v1alpha1.Gap{What: "the pod's volumes (claims, volumes, storage classes, CSI nodes)", Resource: "persistentvolumeclaims", Namespace: pod.Namespace, Reason: DumpReason, Message: "a kubectl cluster-info dump does not hold them"})
	}
	if selectsNamespaces(pod) && s.Namespaces == nil {
		s.Gaps = append(s.Gaps, p.gaps(d, "namespaces")...)
	}
	sort.Slice(s.Gaps, func(i, j int) bool { return s.Gaps[i].What < s.Gaps[j].What })
}

// ReadPending reads one pod and what explaining it needs from the dump.
func (d *Dump) ReadPending(_ context.Context, namespace, name string) (*PendingSnapshot, error) {
	s, p, err := d.pendingPass(func(pod *corev1.Pod) bool { return pod.Namespace == namespace && pod.Name == name })
	if err != nil {
		return nil, err
	}
	if len(s.Pending) == 0 {
		return nil, d.podNotFound(namespace, name)
	}
	s.Pod, s.Pending = s.Pending[0], nil
	d.around(s, p)
	return s, nil
}

// ReadPlaced is ReadPending, with the namespaces' labels the dump holds.
func (d *Dump) ReadPlaced(ctx context.Context, namespace, name string) (*PendingSnapshot, error) {
	return d.ReadPending(ctx, namespace, name)
}

// ReadAllPending reads the Pending pods of a namespace ("" for all) whose
// labels match selector.
func (d *Dump) ReadAllPending(_ context.Context, namespace, selector string) (*PendingSnapshot, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	s, p, err := d.pendingPass(func(pod *corev1.Pod) bool {
		return pod.Status.Phase == corev1.PodPending && (namespace == "" || pod.Namespace == namespace) && sel.Matches(labels.Set(pod.Labels))
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(s.Pending, func(i, j int) bool {
		a, b := s.Pending[i], s.Pending[j]
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	if len(s.Pending) == 0 {
		return &PendingSnapshot{Gaps: s.Gaps}, nil
	}
	pending := map[string]bool{}
	for _, pod := range s.Pending {
		pending[pod.Namespace+"/"+pod.Name] = true
	}
	for _, e := range p.events {
		o := e.InvolvedObject
		if o.Kind == "Pod" && pending[o.Namespace+"/"+o.Name] {
			s.Events = append(s.Events, e)
		}
	}
	return s, nil
}

// ReadCreateFailures reads the FailedCreate events of a namespace ("" for
// all) from the dump, keeping those of controllers still short of pods.
func (d *Dump) ReadCreateFailures(_ context.Context, namespace string) (*CreateFailures, error) {
	p, err := d.pass(func(*corev1.Pod) {})
	if err != nil {
		return nil, err
	}
	out := &CreateFailures{Controllers: map[string]ObjectRef{}}
	for _, e := range p.events {
		o := e.InvolvedObject
		if e.Reason != "FailedCreate" || namespace != "" && o.Namespace != namespace {
			continue
		}
		key := o.Namespace + "/" + o.Kind + "/" + o.Name
		if ref, ok := out.Controllers[key]; ok {
			if ref.Kind != "" {
				out.Events = append(out.Events, e)
			}
			continue
		}
		ref := ObjectRef{Kind: o.Kind, Name: o.Name, UID: o.UID}
		if counts, ok := p.replicas[o.Kind+"/"+o.Namespace+"/"+o.Name]; ok && counts[1] >= counts[0] {
			out.Controllers[key] = ObjectRef{} // an old event: it has its pods now
			continue
		}
		if dep := p.owners["Deployment-of/"+o.Namespace+"/"+o.Name]; dep != nil {
			ref = ObjectRef{Kind: "Deployment", Name: dep.MatchLabels["name"]}
		}
		out.Controllers[key] = ref
		out.Events = append(out.Events, e)
	}
	return out, nil
}

// podNotFound says a pod is not in the dump, naming pods of the same name
// in other namespaces.
func (d *Dump) podNotFound(namespace, name string) error {
	var elsewhere, here []string
	_, err := d.pass(func(pod *corev1.Pod) {
		switch {
		case pod.Name == name && pod.Namespace != namespace:
			elsewhere = append(elsewhere, pod.Namespace)
		case pod.Namespace == namespace:
			here = append(here, pod.Name)
		}
	})
	if err != nil {
		return err
	}
	sort.Strings(elsewhere)
	return &PodNotFoundError{Namespace: namespace, Name: name, Elsewhere: elsewhere, Dump: d.Path, Near: phrase.Closest(name, here, 3)}
}
