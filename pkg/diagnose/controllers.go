package diagnose

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// ControllerDiagnosis explains why a controller does not have the pods it
// wants: pods it could not create, and its pods that wait.
type ControllerDiagnosis struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	Namespace   string    `json:"namespace"`
	Controller  string    `json:"controller"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Desired is how many pods the controller wants; Pods how many exist,
	// Running how many of them run.
	Desired int32  `json:"desired"`
	Pods    int    `json:"pods"`
	Running int    `json:"running"`
	Summary string `json:"summary"`
	// CreateFailures are why it could not create pods.
	CreateFailures []CreateFailure `json:"createFailures,omitempty"`
	// Waiting are its pods that do not run, grouped by cause.
	Waiting *PendingList   `json:"waiting,omitempty"`
	Unread  []v1alpha1.Gap `json:"unread,omitempty"`
}

// CreateFailure is one reason a controller could not create pods.
type CreateFailure struct {
	// Controller is the controller users know (Deployment/api); Object the
	// one that reported it (ReplicaSet/api-7d9f).
	Namespace  string    `json:"namespace"`
	Controller string    `json:"controller"`
	Object     string    `json:"object"`
	Message    string    `json:"message"`
	Count      int32     `json:"count"`
	LastSeen   time.Time `json:"lastSeen"`
	// Cause is ResourceQuota, LimitRange or Other.
	Cause   string `json:"cause"`
	Meaning string `json:"meaning"`
	Fix     string `json:"fix"`
}

var (
	quotaRE        = regexp.MustCompile(`exceeded quota: ([^,]+), requested: (\S*), used: (\S*), limited: (\S*)$`)
	quotaSpecifyRE = regexp.MustCompile(`failed quota: ([^:]+): must specify (.*)$`)
	limitRE        = regexp.MustCompile(`(maximum|minimum) (\S+) usage per (Container|Pod|PersistentVolumeClaim) is (\S+?)(?:, but (limit|request) is (\S+?)|\.  No (limit|request) is specified)(?:,|\]|$)`)
	ratioRE        = regexp.MustCompile(`(\S+) max limit to request ratio per (Container|Pod) is (\S+), but provided ratio is (\S+)`)
)

// ExplainCreateFailure explains a controller's FailedCreate message: a
// ResourceQuota or LimitRange that rejected the pod, with its numbers.
func ExplainCreateFailure(msg, namespace string, quotas []corev1.ResourceQuota, limits []corev1.LimitRange) (cause, meaning, fix string) {
	if m := quotaRE.FindStringSubmatch(msg); m != nil {
		name := m[1]
		requested, used, limited := quantities(m[2]), quantities(m[3]), quantities(m[4])
		var parts []string
		for _, k := range sortedKeys(requested) {
			req, u, lim := requested[k], used[k], limited[k]
			left := lim.DeepCopy()
			left.Sub(u)
			left = nonNegative(left)
			parts = append(parts, fmt.Sprintf("%s: a pod asks %s, %s of the %s allowed is in use, %s left", k, req.String(), u.String(), lim.String(), left.String()))
		}
		meaning = fmt.Sprintf("The ResourceQuota %s in namespace %s refuses the pod: %s. The API server rejects a pod that would take the namespace past its quota, so the pod is never created and no node is ever tried.", name, namespace, strings.Join(parts, "; "))
		fix = fmt.Sprintf("Raise the quota's hard limits (`kubectl -n %s edit resourcequota %s`), lower the requests in the pod template, or free quota by scaling down other workloads in the namespace (`kubectl -n %s describe resourcequota %s` shows its use)", namespace, name, namespace, name)
		return "ResourceQuota", meaning, fix
	}
	if m := quotaSpecifyRE.FindStringSubmatch(msg); m != nil {
		meaning = fmt.Sprintf("The ResourceQuota %s in namespace %s covers resources that every container must then state, and the pod template leaves some out: must specify %s.", m[1], namespace, m[2])
		fix = "Set those requests and limits in the pod template, or add a LimitRange with defaults for them to the namespace"
		return "ResourceQuota", meaning, fix
	}
	if ms := limitRE.FindAllStringSubmatch(msg, -1); ms != nil {
		var parts []string
		for _, m := range ms {
			bound, res, per, enforced := m[1], m[2], m[3], m[4]
			field, got := m[5], m[6]
			if field == "" {
				parts = append(parts, fmt.Sprintf("the %s %s per %s is %s, and the template sets no %s", bound, res, strings.ToLower(per), enforced, m[7]))
				continue
			}
			parts = append(parts, fmt.Sprintf("the %s %s per %s is %s, and the template's %s is %s", bound, res, strings.ToLower(per), enforced, field, got))
		}
		meaning = fmt.Sprintf("A LimitRange%s in namespace %s refuses the pod: %s. The API server rejects pods outside the namespace's limits, so the pod is never created.", limitRangeNames(limits), namespace, strings.Join(parts, "; "))
		fix = fmt.Sprintf("Bring the pod template's requests and limits within the range, or change the LimitRange (`kubectl -n %s describe limitrange`)", namespace)
		return "LimitRange", meaning, fix
	}
	if m := ratioRE.FindStringSubmatch(msg); m != nil {
		meaning = fmt.Sprintf("A LimitRange%s in namespace %s allows a %s limit at most %s times the request per %s; the template's is %s.", limitRangeNames(limits), namespace, m[1], m[3], strings.ToLower(m[2]), m[4])
		fix = "Bring the template's limit closer to its request, or change the LimitRange"
		return "LimitRange", meaning, fix
	}
	return "Other", "The controller could not create the pod; the message says why.", "Fix what the message names; the controller retries by itself"
}

func limitRangeNames(limits []corev1.LimitRange) string {
	if len(limits) == 0 {
		return ""
	}
	names := make([]string, len(limits))
	for i, l := range limits {
		names[i] = l.Name
	}
	sort.Strings(names)
	return " (" + strings.Join(names, ", ") + ")"
}

// quantities reads "requests.cpu=2,requests.memory=1Gi".
func quantities(s string) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		if q, err := resource.ParseQuantity(v); err == nil {
			out[k] = q
		}
	}
	return out
}

func sortedKeys(m map[string]resource.Quantity) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// createFailures explains the latest FailedCreate event of each object.
func createFailures(events []corev1.Event, controllerOf func(corev1.Event) string, quotas map[string][]corev1.ResourceQuota, limits map[string][]corev1.LimitRange) []CreateFailure {
	latest, keys := latestEvents(events, func(e *corev1.Event) string {
		if e.Reason != "FailedCreate" {
			return ""
		}
		return e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name
	})
	var out []CreateFailure
	for _, k := range keys {
		e := latest[k]
		ns := e.InvolvedObject.Namespace
		f := CreateFailure{Namespace: ns, Controller: controllerOf(*e), Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name,
			Message: e.Message, Count: max(e.Count, 1), LastSeen: eventTime(e).UTC()}
		f.Cause, f.Meaning, f.Fix = ExplainCreateFailure(e.Message, ns, quotas[ns], limits[ns])
		out = append(out, f)
	}
	return out
}

// DiagnoseController explains why a controller lacks running pods.
func DiagnoseController(s *cluster.ControllerSnapshot, now time.Time) *ControllerDiagnosis {
	c := s.Controller
	d := &ControllerDiagnosis{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.KindControllerDiagnosis, Namespace: c.Namespace,
		Controller: c.Kind + "/" + c.Name, GeneratedAt: now.UTC(), Desired: c.Desired, Pods: len(s.Pods), Unread: s.Gaps}
	for _, p := range s.Pods {
		if p.Status.Phase == corev1.PodRunning {
			d.Running++
		}
	}
	name := func(corev1.Event) string { return d.Controller }
	d.CreateFailures = createFailures(s.Events, name, map[string][]corev1.ResourceQuota{c.Namespace: s.Quotas}, map[string][]corev1.LimitRange{c.Namespace: s.LimitRanges})
	if a := s.Around; a != nil {
		around := *a
		around.Gaps = nil // said once, in d.Unread
		d.Waiting = Group(DiagnoseAll(&around, now), c.Namespace, nil, now)
	}
	missing := int(c.Desired) - d.Pods
	switch {
	case missing > 0 && len(d.CreateFailures) > 0:
		f := d.CreateFailures[0]
		d.Summary = fmt.Sprintf("%s wants %d pods and has %d: %s cannot create the others (%s, %s, last %s ago). %s", d.Controller, c.Desired, d.Pods, f.Object, f.Cause, TimesText(f.Count), now.Sub(f.LastSeen).Round(time.Second), f.Meaning)
	case missing > 0 && c.Failure != "":
		d.Summary = fmt.Sprintf("%s wants %d pods and has %d; its status says: %s", d.Controller, c.Desired, d.Pods, c.Failure)
	case missing > 0:
		d.Summary = fmt.Sprintf("%s wants %d pods and has %d, and no event says why: the controller may not have got to it yet (is kube-controller-manager running?).", d.Controller, c.Desired, d.Pods)
	case d.Running < d.Pods:
		d.Summary = fmt.Sprintf("%s has its %d pods; %d of them run. Those that do not are explained below.", d.Controller, d.Pods, d.Running)
	default:
		d.Summary = fmt.Sprintf("%s has its %d pods, and all of them run.", d.Controller, d.Pods)
	}
	return d
}

// NamespaceCreateFailures explains, for why-pending without a pod, the
// controllers of a namespace that could not create their pods.
func NamespaceCreateFailures(f *cluster.CreateFailures) []CreateFailure {
	if f == nil {
		return nil
	}
	controllerOf := func(e corev1.Event) string {
		o := e.InvolvedObject
		if ref, ok := f.Controllers[o.Namespace+"/"+o.Kind+"/"+o.Name]; ok {
			return ref.Kind + "/" + ref.Name
		}
		return o.Kind + "/" + o.Name
	}
	return createFailures(f.Events, controllerOf, nil, nil)
}
