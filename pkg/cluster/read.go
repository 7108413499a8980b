package cluster

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster/internal/wire"
)

// DefaultPageSize is how many objects one list request asks for.
const DefaultPageSize int64 = 500

// maxNodeEvents caps how many node events are kept, newest first.
const maxNodeEvents = 500

// Reader reads snapshots through a clientset.
type Reader struct {
	Client kubernetes.Interface
	// Server is copied into every Snapshot.
	Server string
	// PageSize is how many objects one list request asks for; 0 means
	// DefaultPageSize. Tests lower it to exercise paging on small clusters.
	PageSize int64
	// NoStreaming turns streamed lists off (see wire.List), so that the big
	// lists come in pages; tests use it to exercise the pages.
	NoStreaming bool
}

// pageSize is the page size lists ask for.
func (r *Reader) pageSize() int64 {
	if r.PageSize > 0 {
		return r.PageSize
	}
	return DefaultPageSize
}

// ReadOverview reads everything the cluster overview explains. Independent
// reads run concurrently; the number of requests depends on the number of
// pages, never on the number of nodes. It returns an error only when the API
// server cannot be reached or rejects the credentials; any other failed read
// becomes a Gap.
func (r *Reader) ReadOverview(ctx context.Context) (*Snapshot, error) {
	s := &Snapshot{Server: r.Server}
	if err := r.readVersion(s); err != nil {
		return nil, err
	}
	reads := newGather(ctx, &s.Gaps)
	read := reads.read
	read(about("nodes", "nodes"), func(ctx context.Context) (err error) {
		s.Nodes, err = r.listNodes(ctx)
		return err
	})
	read(about("pods in all namespaces", "pods"), func(ctx context.Context) error {
		pods, unscheduled, err := r.listPodsByNode(ctx)
		if err != nil {
			return err
		}
		s.Pods, s.Unscheduled, s.PodsRead = pods, unscheduled, true
		return nil
	})
	read(about("the kubelets' leases (kube-node-lease)", "leases").in(corev1.NamespaceNodeLease), func(ctx context.Context) error {
		leases, err := r.listLeases(ctx, corev1.NamespaceNodeLease)
		s.NodeLeases = leases
		return err
	})
	read(about("leader-election leases (kube-system)", "leases").in(metav1.NamespaceSystem), func(ctx context.Context) error {
		leases, err := r.listLeases(ctx, metav1.NamespaceSystem)
		s.LeaderLeases = leases
		return err
	})
	read(about("DaemonSets in all namespaces", "daemonsets"), func(ctx context.Context) error {
		list, err := r.Client.AppsV1().DaemonSets("").List(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return fmt.Errorf("listing DaemonSets: %w", err)
		}
		s.DaemonSets, s.SystemDaemonSets = list.Items, []appsv1.DaemonSet{}
		for _, ds := range list.Items {
			if ds.Namespace == metav1.NamespaceSystem {
				s.SystemDaemonSets = append(s.SystemDaemonSets, ds)
			}
		}
		return nil
	})
	read(about("events about nodes", "events"), func(ctx context.Context) (err error) {
		s.NodeEvents, err = r.listNodeEvents(ctx)
		return err
	})
	read(about("the API server's readiness checks (/readyz)", "readyz"), func(ctx context.Context) (err error) {
		s.Readyz, err = healthChecks(ctx, r.Client, "/readyz")
		return err
	})
	read(about("the API server's liveness checks (/livez)", "livez"), func(ctx context.Context) (err error) {
		s.Livez, err = healthChecks(ctx, r.Client, "/livez")
		return err
	})
	if err := reads.wait(); err != nil {
		return nil, err
	}
	return s, nil
}

// readVersion reads /version first: it tells at once whether the server can
// be reached at all.
func (r *Reader) readVersion(s *Snapshot) error {
	v, err := r.Client.Discovery().ServerVersion()
	switch {
	case err == nil:
		s.ServerVersion = v.GitVersion
	case fatal(err):
		return err
	default:
		s.Gaps = append(s.Gaps, gapFor(about("the server version (/version)", "version"), err))
	}
	return nil
}

// gather runs independent reads concurrently and records each failure as a
// Gap; only a fatal error (the server unreachable, the credentials refused)
// stops them all. A read that finds nothing (404) is not a gap: the caller
// sees what is missing.
type gather struct {
	g    *errgroup.Group
	ctx  context.Context
	mu   sync.Mutex
	gaps *[]v1alpha1.Gap
}

func newGather(ctx context.Context, gaps *[]v1alpha1.Gap) *gather {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	return &gather{g: g, ctx: ctx, gaps: gaps}
}

// read runs f; g says what it reads, for the gap if it fails.
func (r *gather) read(g target, f func(context.Context) error) {
	r.g.Go(func() error {
		err := f(r.ctx)
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		if fatal(err) {
			return err
		}
		r.mu.Lock()
		*r.gaps = append(*r.gaps, gapFor(g, err))
		r.mu.Unlock()
		return nil
	})
}

// lock guards the snapshot's shared fields while reads add to them.
func (r *gather) lock() func() {
	r.mu.Lock()
	return r.mu.Unlock
}

// wait waits for every read and sorts the gaps.
func (r *gather) wait() error {
	if err := r.g.Wait(); err != nil {
		return err
	}
	sort.Slice(*r.gaps, func(i, j int) bool { return (*r.gaps)[i].What < (*r.gaps)[j].What })
	return nil
}

// eachItem lists page by page, calling each for every item. When a continue
// token expires (410 Gone, the cluster changed too much between pages), it
// calls reset and starts the list again, once in pages and then whole.
func (r *Reader) eachItem(ctx context.Context, list func(context.Context, metav1.ListOptions) (runtime.Object, error), opts metav1.ListOptions, each func(runtime.Object) error, reset func()) error {
	for attempt := 0; ; attempt++ {
		p := pager.New(list)
		p.PageSize = r.pageSize()
		if attempt == 2 {
			p.PageSize = 0 // one whole list: no token to expire
		}
		err := p.EachListItem(ctx, opts, each)
		if err == nil || !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) || attempt == 2 {
			return err
		}
		reset()
	}
}

// listSystemDaemonSets lists the DaemonSets of kube-system (kube-proxy, CNI
// agents): a short list, served from the API server's cache.
func (r *Reader) listSystemDaemonSets(ctx context.Context) ([]appsv1.DaemonSet, error) {
	list, err := r.Client.AppsV1().DaemonSets(metav1.NamespaceSystem).List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return nil, fmt.Errorf("listing DaemonSets: %w", err)
	}
	return list.Items, nil
}

// listNodes lists every node: one list from the API server's cache, read as
// it arrives, or, where that fails, pages whose next page is asked for while
// the current one is decoded (wire.List).
func (r *Reader) listNodes(ctx context.Context) ([]corev1.Node, error) {
	var nodes []corev1.Node
	err := r.list("nodes", metav1.ListOptions{}, func() runtime.Object { return &corev1.NodeList{} }, wire.DecodeNode).Each(ctx,
		func(obj runtime.Object) error {
			nodes = append(nodes, *obj.(*corev1.Node))
			return nil
		}, func() { nodes = nodes[:0] })
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes, nil
}

// list is the list of a core/v1 resource in every namespace, streamed or in
// pages of the Reader's page size.
func (r *Reader) list(resource string, opts metav1.ListOptions, newList func() runtime.Object, decode func([]byte) (runtime.Object, error)) wire.List {
	return wire.List{
		Get:         func() *rest.Request { return r.Client.CoreV1().RESTClient().Get().Resource(resource) },
		Options:     opts,
		NewList:     newList,
		Decode:      decode,
		PageSize:    r.pageSize(),
		NoStreaming: r.NoStreaming,
	}
}

// listPodsByNode lists the non-terminal pods, as one list read as it arrives
// or page by page, and keeps, per node, only what the analysis needs: each
// pod is decoded from the fields Summarize reads.
func (r *Reader) listPodsByNode(ctx context.Context) (map[string][]Pod, int, error) {
	byNode := map[string][]Pod{}
	unscheduled := 0
	opts := metav1.ListOptions{FieldSelector: "status.phase!=Succeeded,status.phase!=Failed"}
	d := wire.NewPodDecoder(wire.PodSummary)
	err := r.list("pods", opts, func() runtime.Object { return &corev1.PodList{} }, d.Object).Each(ctx,
		func(obj runtime.Object) error {
			pod := obj.(*corev1.Pod)
			if pod.Spec.NodeName == "" {
				unscheduled++
				return nil
			}
			byNode[pod.Spec.NodeName] = append(byNode[pod.Spec.NodeName], Summarize(pod))
			return nil
		}, func() { byNode, unscheduled = map[string][]Pod{}, 0 })
	if err != nil {
		return nil, 0, fmt.Errorf("listing pods: %w", err)
	}
	return byNode, unscheduled, nil
}

// Summarize keeps what the analysis needs of a pod.
func Summarize(pod *corev1.Pod) Pod {
	req := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	out := Pod{
		Namespace:   pod.Namespace,
		Name:        pod.Name,
		Phase:       pod.Status.Phase,
		CPUMilli:    req.Cpu().MilliValue(),
		MemoryBytes: req.Memory().Value(),
		Tolerations: pod.Spec.Tolerations,
	}
	for name, q := range req {
		switch name {
		case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods:
			continue
		}
		if q.IsZero() {
			continue
		}
		if out.Extended == nil {
			out.Extended = map[corev1.ResourceName]int64{}
		}
		out.Extended[name] = q.Value()
	}
	limits := resourcehelper.PodLimits(pod, resourcehelper.PodResourcesOptions{})
	out.CPULimitMilli, out.MemoryLimitBytes = limits.Cpu().MilliValue(), limits.Memory().Value()
	if pod.Spec.Resources == nil || pod.Spec.Resources.Limits == nil {
		for _, c := range pod.Spec.Containers {
			_, cpu := c.Resources.Limits[corev1.ResourceCPU]
			_, mem := c.Resources.Limits[corev1.ResourceMemory]
			out.NoCPULimit, out.NoMemoryLimit = out.NoCPULimit || !cpu, out.NoMemoryLimit || !mem
		}
	}
	_, out.Mirror = pod.Annotations[corev1.MirrorPodAnnotationKey]
	if ref := metav1.GetControllerOf(pod); ref != nil {
		out.OwnerKind, out.OwnerName = ref.Kind, ref.Name
	}
	out.Component = pod.Labels["component"]
	if out.Component == "" {
		out.Component = pod.Labels["k8s-app"]
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			out.Ready = c.Status == corev1.ConditionTrue
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		out.Restarts += cs.RestartCount
		if cs.State.Waiting != nil && out.Waiting == "" {
			out.Waiting = cs.State.Waiting.Reason
		}
	}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, cs := range list {
			r := ContainerRestarts{Name: cs.Name, Restarts: cs.RestartCount}
			if last := cs.LastTerminationState.Terminated; last != nil {
				r.LastReason, r.LastExitCode, r.LastFinished = last.Reason, last.ExitCode, last.FinishedAt.UTC()
			}
			switch {
			case CrashLooping(pod, cs):
				out.CrashLoops = append(out.CrashLoops, r)
			case cs.RestartCount > 0 && !r.LastFinished.IsZero():
				out.Restarted = append(out.Restarted, r)
			}
		}
	}
	if pod.DeletionTimestamp != nil {
		out.Deletion = &Deletion{Deadline: pod.DeletionTimestamp.UTC(), GracePeriodSeconds: pod.DeletionGracePeriodSeconds, Finalizers: pod.Finalizers}
	}
	return out
}

// CrashLooping says whether a container keeps failing and being restarted:
// it waits in CrashLoopBackOff, or it has failed again after a restart and
// will be restarted. A real kubelet (v1.37) shows the second, the failed
// container's terminated state, for most of the back-off between restarts.
func CrashLooping(pod *corev1.Pod, cs corev1.ContainerStatus) bool {
	if w := cs.State.Waiting; w != nil {
		return w.Reason == "CrashLoopBackOff"
	}
	t := cs.State.Terminated
	return t != nil && t.ExitCode != 0 && cs.RestartCount > 0 && pod.Spec.RestartPolicy != corev1.RestartPolicyNever
}

func (r *Reader) listLeases(ctx context.Context, namespace string) (map[string]coordinationv1.Lease, error) {
	leases := map[string]coordinationv1.Lease{}
	err := r.eachItem(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return r.Client.CoordinationV1().Leases(namespace).List(ctx, opts)
	}, metav1.ListOptions{}, func(obj runtime.Object) error {
		l := obj.(*coordinationv1.Lease)
		leases[l.Name] = *l
		return nil
	}, func() { leases = map[string]coordinationv1.Lease{} })
	if err != nil {
		return nil, fmt.Errorf("listing leases in %s: %w", namespace, err)
	}
	return leases, nil
}

func (r *Reader) listNodeEvents(ctx context.Context) ([]corev1.Event, error) {
	var events []corev1.Event
	list := func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return r.Client.CoreV1().Events("").List(ctx, opts)
	}
	opts := metav1.ListOptions{FieldSelector: "involvedObject.kind=Node,type=Warning"}
	err := r.eachItem(ctx, list, opts, func(obj runtime.Object) error {
		events = append(events, *obj.(*corev1.Event))
		return nil
	}, func() { events = events[:0] })
	if err != nil {
		return nil, fmt.Errorf("listing events: %w", err)
	}
	sort.SliceStable(events, func(i, j int) bool { return EventTime(&events[j]).Time.Before(EventTime(&events[i]).Time) })
	if len(events) > maxNodeEvents {
		events = events[:maxNodeEvents]
	}
	return events, nil
}

// EventTime is when an event last happened.
func EventTime(e *corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.NewTime(e.EventTime.Time)
	}
	return e.FirstTimestamp
}

// healthChecks reads /readyz?verbose or /livez?verbose. A failing check makes
// the server answer 500 with the same body, which is what we want to read.
func healthChecks(ctx context.Context, c kubernetes.Interface, path string) ([]v1alpha1.HealthCheck, error) {
	body, err := c.Discovery().RESTClient().Get().AbsPath(path).Param("verbose", "true").DoRaw(ctx)
	checks := ParseHealthChecks(string(body))
	if len(checks) > 0 {
		return checks, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return nil, fmt.Errorf("reading %s: no checks in the answer", path)
}

// ParseHealthChecks reads the lines "[+]name ok" and "[-]name failed: reason"
// of a verbose health endpoint.
func ParseHealthChecks(body string) []v1alpha1.HealthCheck {
	var checks []v1alpha1.HealthCheck
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "[+]"):
			name, _, _ := strings.Cut(line[3:], " ")
			checks = append(checks, v1alpha1.HealthCheck{Name: name, OK: true})
		case strings.HasPrefix(line, "[-]"):
			name, reason, _ := strings.Cut(line[3:], " ")
			checks = append(checks, v1alpha1.HealthCheck{Name: name, Reason: strings.TrimSpace(reason)})
		}
	}
	return checks
}

// fatal reports whether err means nothing at all can be read: the API server
// could not be reached, did not answer as one, or rejected the credentials.
// Any other API error (a Status) concerns one read only.
func fatal(err error) bool {
	var status apierrors.APIStatus
	return !errors.As(err, &status) || apierrors.IsUnauthorized(err)
}

// target names a read, as the Gap it becomes when the read fails.
type target v1alpha1.Gap

// about names a read: in words, and by the resource it reads.
func about(what, resource string) target { return target{What: what, Resource: resource} }

// in narrows a read to a namespace; on, to a node.
func (t target) in(namespace string) target { t.Namespace = namespace; return t }
func (t target) on(node string) target      { t.Node = node; return t }

// gapFor fills in why the read t failed.
func gapFor(t target, err error) v1alpha1.Gap {
	g := v1alpha1.Gap(t)
	reason := "Error"
	switch {
	case apierrors.IsForbidden(err):
		reason = "Forbidden"
	case apierrors.IsUnauthorized(err):
		reason = "Unauthorized"
	case apierrors.IsNotFound(err):
		reason = "NotFound"
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		reason = "Timeout"
	case apierrors.IsTooManyRequests(err):
		reason = "TooManyRequests"
	case apierrors.IsResourceExpired(err), apierrors.IsGone(err):
		reason = "Expired"
	case apierrors.IsInternalError(err), apierrors.IsServiceUnavailable(err):
		reason = "ServerError"
	}
	msg := err.Error()
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		msg = status.Status().Message
	}
	g.Reason, g.Message = reason, msg
	return g
}

// ReadNodes reads what explaining the named nodes in depth needs: each node,
// the pods bound to it, its lease and its warning events, plus the server
// version and the DaemonSets of kube-system. The requests grow with the
// nodes named, not with the cluster. A node that does not exist is left out
// of Nodes; the caller says so. A node named twice is read once.
func (r *Reader) ReadNodes(ctx context.Context, names []string) (*Snapshot, error) {
	seen := map[string]bool{}
	unique := names[:0:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			unique = append(unique, n)
		}
	}
	names = unique
	s := &Snapshot{Server: r.Server, Pods: map[string][]Pod{}, NodeLeases: map[string]coordinationv1.Lease{}}
	if err := r.readVersion(s); err != nil {
		return nil, err
	}
	reads := newGather(ctx, &s.Gaps)
	read := reads.read
	podsRead := true
	for _, name := range names {
		read(about("node "+name, "nodes").on(name), func(ctx context.Context) error {
			n, err := r.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			defer reads.lock()()
			s.Nodes = append(s.Nodes, *n)
			return nil
		})
		read(about("pods on node "+name, "pods").on(name), func(ctx context.Context) error {
			var pods []Pod
			list := func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return r.Client.CoreV1().Pods("").List(ctx, opts)
			}
			opts := metav1.ListOptions{FieldSelector: "spec.nodeName=" + name + ",status.phase!=Succeeded,status.phase!=Failed"}
			err := r.eachItem(ctx, list, opts, func(obj runtime.Object) error {
				pods = append(pods, Summarize(obj.(*corev1.Pod)))
				return nil
			}, func() { pods = pods[:0] })
			defer reads.lock()()
			if err != nil {
				podsRead = false
				return fmt.Errorf("listing pods: %w", err)
			}
			s.Pods[name] = pods
			return nil
		})
		read(about("the lease of node "+name, "leases").in(corev1.NamespaceNodeLease).on(name), func(ctx context.Context) error {
			l, err := r.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			defer reads.lock()()
			s.NodeLeases[name] = *l
			return nil
		})
		read(about("events about node "+name, "events").on(name), func(ctx context.Context) error {
			list, err := r.Client.CoreV1().Events("").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Node,type=Warning,involvedObject.name=" + name})
			if err != nil {
				return fmt.Errorf("listing events: %w", err)
			}
			defer reads.lock()()
			s.NodeEvents = append(s.NodeEvents, list.Items...)
			return nil
		})
	}
	read(about("DaemonSets in kube-system", "daemonsets").in(metav1.NamespaceSystem), func(ctx context.Context) (err error) {
		s.SystemDaemonSets, err = r.listSystemDaemonSets(ctx)
		return err
	})
	if err := reads.wait(); err != nil {
		return nil, err
	}
	s.PodsRead = podsRead
	sort.Slice(s.Nodes, func(i, j int) bool { return s.Nodes[i].Name < s.Nodes[j].Name })
	sort.SliceStable(s.NodeEvents, func(i, j int) bool { return EventTime(&s.NodeEvents[j]).Time.Before(EventTime(&s.NodeEvents[i]).Time) })
	return s, nil
}
