package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// Controller is a workload controller and the pods it should have.
type Controller struct {
	// Kind is Deployment, ReplicaSet, StatefulSet, DaemonSet or Job.
	Kind, Namespace, Name string
	UID                   types.UID
	// Desired is how many pods it wants: replicas, the nodes a DaemonSet
	// should run on, a Job's parallelism.
	Desired int32
	// Template is its pod template.
	Template corev1.PodTemplateSpec
	// Owners are it and, for a Deployment, its ReplicaSets: the objects
	// that own its pods and report failures to create them.
	Owners []ObjectRef
	// Failure is its status condition saying pods could not be created
	// (ReplicaFailure, or a Job's Failed), if any.
	Failure string
}

// ObjectRef names an object.
type ObjectRef struct {
	Kind, Name string
	UID        types.UID
}

// ControllerSnapshot is what why-pending reads about a controller.
type ControllerSnapshot struct {
	Controller Controller
	// Pods are the pods it owns, whole.
	Pods []*corev1.Pod
	// Events are the events about it and the objects it owns.
	Events []corev1.Event
	// Quotas and LimitRanges are those of its namespace; nil when unread.
	Quotas      []corev1.ResourceQuota
	LimitRanges []corev1.LimitRange
	// Around is what diagnosing its pods that do not run needs; nil when
	// they all run.
	Around *PendingSnapshot
	Gaps   []v1alpha1.Gap
}

// ControllerNotFoundError says the controller does not exist.
type ControllerNotFoundError struct {
	Kind, Namespace, Name string
}

func (e *ControllerNotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found in namespace %q", strings.ToLower(e.Kind), e.Name, e.Namespace)
}

// ControllerKinds maps what a user may type before the slash to a kind, as
// kubectl reads it.
var ControllerKinds = map[string]string{
	"deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
	"replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
	"statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
	"daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
	"job": "Job", "jobs": "Job",
}

// readController reads one controller into a Controller.
func (r *Reader) readController(ctx context.Context, kind, namespace, name string) (*Controller, error) {
	c := &Controller{Kind: kind, Namespace: namespace, Name: name}
	var err error
	var meta metav1.ObjectMeta
	var selector *metav1.LabelSelector
	switch kind {
	case "Deployment":
		d, e := r.Client.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			meta, selector, c.Template = d.ObjectMeta, d.Spec.Selector, d.Spec.Template
			c.Desired = replicas(d.Spec.Replicas)
			c.Failure = replicaFailure(d.Status.Conditions, func(c appsv1.DeploymentCondition) (string, corev1.ConditionStatus, string) {
				return string(c.Type), c.Status, c.Message
			})
		}
	case "ReplicaSet":
		rs, e := r.Client.AppsV1().ReplicaSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			meta, selector, c.Template = rs.ObjectMeta, rs.Spec.Selector, rs.Spec.Template
			c.Desired = replicas(rs.Spec.Replicas)
			c.Failure = replicaFailure(rs.Status.Conditions, func(c appsv1.ReplicaSetCondition) (string, corev1.ConditionStatus, string) {
				return string(c.Type), c.Status, c.Message
			})
		}
	case "StatefulSet":
		s, e := r.Client.AppsV1().StatefulSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			meta, selector, c.Template = s.ObjectMeta, s.Spec.Selector, s.Spec.Template
			c.Desired = replicas(s.Spec.Replicas)
		}
	case "DaemonSet":
		d, e := r.Client.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			meta, selector, c.Template = d.ObjectMeta, d.Spec.Selector, d.Spec.Template
			c.Desired = d.Status.DesiredNumberScheduled
		}
	case "Job":
		j, e := r.Client.BatchV1().Jobs(namespace).Get(ctx, name, metav1.GetOptions{})
		if err = e; err == nil {
			meta, selector, c.Template = j.ObjectMeta, j.Spec.Selector, j.Spec.Template
			c.Desired = replicas(j.Spec.Parallelism)
			if j.Status.Succeeded > 0 || j.Status.CompletionTime != nil {
				c.Desired = max(0, c.Desired-j.Status.Succeeded)
			}
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	if apierrors.IsNotFound(err) {
		return nil, &ControllerNotFoundError{Kind: kind, Namespace: namespace, Name: name}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s/%s: %w", strings.ToLower(kind), namespace, name, err)
	}
	c.UID = meta.UID
	c.Owners = []ObjectRef{{Kind: kind, Name: name, UID: meta.UID}}
	if kind == "Deployment" {
		sel, err := metav1.LabelSelectorAsSelector(selector)
		if err != nil {
			return nil, fmt.Errorf("deployment %s/%s: %w", namespace, name, err)
		}
		list, err := r.Client.AppsV1().ReplicaSets(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return nil, fmt.Errorf("listing the replica sets of deployment %s/%s: %w", namespace, name, err)
		}
		for _, rs := range list.Items {
			if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == meta.UID {
				c.Owners = append(c.Owners, ObjectRef{Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID})
			}
		}
	}
	return c, nil
}

// replicaFailure returns the message of the last true ReplicaFailure
// condition, the one Deployments and ReplicaSets share; fields gives a
// condition's type, status and message.
func replicaFailure[C any](conds []C, fields func(C) (string, corev1.ConditionStatus, string)) string {
	failure := ""
	for _, c := range conds {
		if typ, status, message := fields(c); typ == "ReplicaFailure" && status == corev1.ConditionTrue {
			failure = message
		}
	}
	return failure
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// ReadController reads a controller, its pods, the events about it and its
// ReplicaSets, the quotas and limit ranges of its namespace, and what
// diagnosing its pods that do not run needs.
func (r *Reader) ReadController(ctx context.Context, kind, namespace, name string) (*ControllerSnapshot, error) {
	c, err := r.readController(ctx, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	s := &ControllerSnapshot{Controller: *c}
	owners := map[types.UID]bool{}
	for _, o := range c.Owners {
		owners[o.UID] = true
	}
	reads := newGather(ctx, &s.Gaps)
	read := reads.read
	read(about("pods in namespace "+namespace, "pods").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("listing pods: %w", err)
		}
		for i := range list.Items {
			if ref := metav1.GetControllerOf(&list.Items[i]); ref != nil && owners[ref.UID] {
				s.Pods = append(s.Pods, &list.Items[i])
			}
		}
		sort.Slice(s.Pods, func(i, j int) bool { return s.Pods[i].Name < s.Pods[j].Name })
		return nil
	})
	read(about("events in namespace "+namespace, "events").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("listing events: %w", err)
		}
		for _, e := range list.Items {
			if owners[e.InvolvedObject.UID] {
				s.Events = append(s.Events, e)
			}
		}
		return nil
	})
	read(about("resource quotas in namespace "+namespace, "resourcequotas").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().ResourceQuotas(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("listing resource quotas: %w", err)
		}
		s.Quotas = list.Items
		return nil
	})
	read(about("limit ranges in namespace "+namespace, "limitranges").in(namespace), func(ctx context.Context) error {
		list, err := r.Client.CoreV1().LimitRanges(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return fmt.Errorf("listing limit ranges: %w", err)
		}
		s.LimitRanges = list.Items
		return nil
	})
	if err := reads.wait(); err != nil {
		return nil, err
	}
	var waiting []*corev1.Pod
	for _, p := range s.Pods {
		if p.Status.Phase == corev1.PodPending {
			waiting = append(waiting, p)
		}
	}
	if len(waiting) > 0 {
		around := &PendingSnapshot{Pending: waiting}
		if err := r.readAround(ctx, around, waiting, namespace, func(ctx context.Context) error {
			list, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod"})
			if err != nil {
				return fmt.Errorf("listing events: %w", err)
			}
			around.Events = list.Items
			return nil
		}); err != nil {
			return nil, err
		}
		s.Around = around
		s.Gaps = append(s.Gaps, around.Gaps...)
	}
	return s, nil
}

// CreateFailures are the latest FailedCreate events of controllers that
// could not create their pods, with those controllers.
type CreateFailures struct {
	Events []corev1.Event
	// Controllers maps each event's object (kind/name) to the controller
	// users know it by: a ReplicaSet to its Deployment.
	Controllers map[string]ObjectRef
}

// ReadCreateFailures reads the FailedCreate events of a namespace ("" for
// all) and, for those about ReplicaSets, the Deployment that owns each.
func (r *Reader) ReadCreateFailures(ctx context.Context, namespace string) (*CreateFailures, error) {
	list, err := r.Client.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedCreate"})
	if err != nil {
		return nil, fmt.Errorf("listing FailedCreate events: %w", err)
	}
	out := &CreateFailures{Controllers: map[string]ObjectRef{}}
	for _, e := range list.Items {
		o := e.InvolvedObject
		key := o.Namespace + "/" + o.Kind + "/" + o.Name
		if ref, ok := out.Controllers[key]; ok {
			if ref.Kind != "" {
				out.Events = append(out.Events, e)
			}
			continue
		}
		ref := ObjectRef{Kind: o.Kind, Name: o.Name, UID: o.UID}
		missing := true
		switch o.Kind {
		case "ReplicaSet":
			if rs, err := r.Client.AppsV1().ReplicaSets(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{}); err == nil {
				if owner := metav1.GetControllerOf(rs); owner != nil && owner.Kind == "Deployment" {
					ref = ObjectRef{Kind: owner.Kind, Name: owner.Name, UID: owner.UID}
				}
				missing = rs.Status.Replicas < replicas(rs.Spec.Replicas)
			} else if apierrors.IsNotFound(err) {
				missing = false
			}
		case "StatefulSet":
			if s, err := r.Client.AppsV1().StatefulSets(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{}); err == nil {
				missing = s.Status.Replicas < replicas(s.Spec.Replicas)
			} else if apierrors.IsNotFound(err) {
				missing = false
			}
		case "DaemonSet":
			if d, err := r.Client.AppsV1().DaemonSets(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{}); err == nil {
				missing = d.Status.CurrentNumberScheduled < d.Status.DesiredNumberScheduled
			} else if apierrors.IsNotFound(err) {
				missing = false
			}
		}
		if !missing {
			// An old event: the controller has its pods now, or is gone.
			out.Controllers[key] = ObjectRef{}
			continue
		}
		out.Controllers[key] = ref
		out.Events = append(out.Events, e)
	}
	return out, nil
}
