package explain

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// componentInfo is what every report says of a control-plane component.
type componentInfo struct {
	name, title, job, impact, check string
	// lease is the component's leader-election lease in kube-system, if it has one.
	lease string
}

var components = []componentInfo{
	{name: "kube-apiserver", title: "API server",
		job:    "The front door of the cluster: every kubectl command, every node and every other component reads and writes the cluster's state through it.",
		impact: "Nothing can be read or changed: kubectl fails, nodes cannot report, controllers stall.",
		check:  "The API server's logs, and its failed checks: `kubectl get --raw '/readyz?verbose'`."},
	{name: "etcd", title: "etcd",
		job:    "The database behind the API server: it holds the desired state of every object (deployments, pods, nodes, secrets).",
		impact: "The API server cannot read or store objects: writes fail, and reads may fail or be stale.",
		check:  "etcd's logs and disk latency; `kubectl get --raw '/readyz/etcd'`."},
	{name: "kube-scheduler", title: "scheduler", lease: "kube-scheduler",
		job:    "Places pods that have no node yet: it filters out the nodes a pod cannot run on and picks the best of the rest.",
		impact: "No new pods will be scheduled: new and replacement pods stay Pending. Pods already running are not affected.",
		check:  "The scheduler's logs, and whether its process or pod runs."},
	{name: "kube-controller-manager", title: "controller manager", lease: "kube-controller-manager",
		job:    "Runs the controllers: each compares the desired state with the actual one and asks the API server to close the gap (replaces failed pods, notices dead nodes, rolls out deployments).",
		impact: "The cluster stops repairing itself: failed pods are not replaced, dead nodes are not noticed, rollouts do not progress.",
		check:  "The controller manager's logs, and whether its process or pod runs."},
	{name: "cloud-controller-manager", title: "cloud controller manager", lease: "cloud-controller-manager",
		job:    "Connects the cluster to its cloud: initialises new nodes, creates load balancers for Services, removes nodes whose machines are gone.",
		impact: "New nodes stay tainted as uninitialized and LoadBalancer Services get no address.",
		check:  "The cloud controller manager's logs and its cloud credentials."},
}

// leaseStaleAfter is how many lease durations without renewal mark a leader
// as gone.
const leaseStaleAfter = 2

func explainControlPlane(s *cluster.Snapshot, now time.Time) ControlPlane {
	cp := detectMode(s)
	cp.Checked = true
	pods := componentPods(s)
	for _, ci := range components {
		c := Component{Name: ci.name, Title: ci.title, Job: ci.job, State: StateUnknown}
		lease, hasLease := s.LeaderLeases[ci.lease]
		podList := pods[ci.name]
		if ci.name == "cloud-controller-manager" && !hasLease && len(podList) == 0 {
			continue // only where present
		}
		healthy, unhealthy := 0, 0
		switch ci.name {
		case "kube-apiserver":
			if dumped(s, "readyz") {
				// A dump was taken through it, which says nothing of now
				// and little of then.
				c.Observed = append(c.Observed, "its version and health checks are not in the dump")
				break
			}
			c.Observed = append(c.Observed, "answers at "+s.Server+orEmpty(", version ", s.ServerVersion))
			healthy++
			failed := failedChecks(s, func(name string) bool { return !strings.HasPrefix(name, "etcd") })
			if len(failed) > 0 {
				c.Observed = append(c.Observed, "failing checks: "+strings.Join(failed, ", "))
				unhealthy++
			} else if s.Readyz != nil {
				c.Observed = append(c.Observed, fmt.Sprintf("all %d readiness checks pass", len(s.Readyz)))
			}
		case "etcd":
			failed := failedChecks(s, func(name string) bool { return strings.HasPrefix(name, "etcd") })
			switch {
			case len(failed) > 0:
				c.Observed = append(c.Observed, "the API server's etcd checks fail: "+strings.Join(failed, ", "))
				unhealthy++
			case hasCheck(s, "etcd"):
				c.Observed = append(c.Observed, "the API server reaches it (its etcd checks pass)")
				healthy++
			}
		}
		for _, p := range podList {
			state := podState(p)
			c.Observed = append(c.Observed, fmt.Sprintf("pod %s/%s: %s, %s", p.Namespace, p.Name, state, phrase.Plural(int(p.Restarts), "restart")))
			if state == "Running" {
				healthy++
			} else {
				unhealthy++
			}
		}
		if hasLease {
			obs, fresh := describeLease(lease, now)
			c.Observed = append(c.Observed, obs)
			if fresh {
				healthy++
			} else {
				unhealthy++
			}
		} else if ci.lease != "" && s.LeaderLeases != nil {
			c.Observed = append(c.Observed, "no leader-election lease "+ci.lease+" in kube-system")
		}
		switch {
		case unhealthy > 0:
			c.State = StateUnhealthy
			c.Impact, c.Check = ci.impact, ci.check
		case healthy > 0:
			c.State = StateHealthy
		case cp.Mode == ModeManaged:
			c.State = StateManaged
			c.Observed = append(c.Observed, "run by the provider out of sight; nothing suggests a problem")
		}
		cp.Components = append(cp.Components, c)
	}
	return cp
}

// dumped reports whether the snapshot comes from a dump that does not hold
// resource.
func dumped(s *cluster.Snapshot, resource string) bool {
	for _, g := range s.Gaps {
		if g.Resource == resource && g.Reason == cluster.DumpReason {
			return true
		}
	}
	return false
}

func orEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func failedChecks(s *cluster.Snapshot, keep func(string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, checks := range [][]v1alpha1.HealthCheck{s.Readyz, s.Livez} {
		for _, c := range checks {
			if !c.OK && keep(c.Name) && !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, c.Name+orEmpty(" (", c.Reason)+parenClose(c.Reason))
			}
		}
	}
	sort.Strings(out)
	return out
}

func parenClose(s string) string {
	if s == "" {
		return ""
	}
	return ")"
}

func hasCheck(s *cluster.Snapshot, name string) bool {
	for _, c := range s.Readyz {
		if c.Name == name {
			return true
		}
	}
	return false
}

// describeLease says who holds a leader lease and how fresh it is.
func describeLease(l coordinationv1.Lease, now time.Time) (string, bool) {
	holder := "nobody"
	if l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
		holder = *l.Spec.HolderIdentity
	}
	if l.Spec.RenewTime == nil {
		return fmt.Sprintf("leader lease held by %s, never renewed", holder), false
	}
	age := now.Sub(l.Spec.RenewTime.Time)
	duration := 15 * time.Second
	if l.Spec.LeaseDurationSeconds != nil {
		duration = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
	}
	fresh := age <= leaseStaleAfter*duration
	obs := fmt.Sprintf("leader %s, lease renewed %s ago", holder, shortDuration(age))
	if !fresh {
		obs += fmt.Sprintf(" (it should be renewed every few seconds and expires after %s: the leader has stopped)", shortDuration(duration))
	}
	return obs, fresh
}

// componentPods finds the control-plane component pods in kube-system by
// kubeadm's component= label.
func componentPods(s *cluster.Snapshot) map[string][]cluster.Pod {
	out := map[string][]cluster.Pod{}
	for _, pods := range s.Pods {
		for _, p := range pods {
			if p.Namespace != metav1.NamespaceSystem {
				continue
			}
			switch p.Component {
			case "kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager", "cloud-controller-manager":
				out[p.Component] = append(out[p.Component], p)
			}
		}
	}
	for _, pods := range out {
		sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	}
	return out
}

// managedProviders recognises managed control planes by node providerID
// prefix and the API server's host name; their nodes' labels are among
// distributionMarks.
var managedProviders = []struct {
	name, providerPrefix, hostSuffix string
}{
	{"EKS", "aws://", ".eks.amazonaws.com"},
	{"GKE", "gce://", ""},
	{"AKS", "azure://", ".azmk8s.io"},
	{"DigitalOcean Kubernetes", "digitalocean://", ".k8s.ondigitalocean.com"},
	{"Linode Kubernetes Engine", "linode://", ".linodelke.net"},
	{"Oracle Kubernetes Engine", "oci://", ""},
	{"IBM Cloud Kubernetes Service", "ibm://", ""},
}

// nodeProvider names the managed platform a node's provider ID points to
// (aws:// for EKS, gce:// for GKE, azure:// for AKS, …), or "".
func nodeProvider(n *corev1.Node) string {
	for _, p := range managedProviders {
		if strings.HasPrefix(n.Spec.ProviderID, p.providerPrefix) {
			return p.name
		}
	}
	return ""
}

// nodeSigns is what the nodes say about who runs the control plane.
type nodeSigns struct {
	cpNodes                  []string
	k3s, k0s, kind, minikube bool
	// microk8s and rke2 and openshift are those distributions' marks.
	microk8s, rke2, openshift bool
	managed                   map[string]int // managed service -> votes
}

// selfManaged are distributions that run on clouds' machines without being
// the clouds' managed services: a gce:// provider ID on their nodes does not
// make the cluster GKE.
var selfManaged = map[string]bool{"OpenShift": true, "RKE2": true, "k3s": true, "MicroK8s": true, "kind": true, "k0s": true, "minikube": true}

// readNodeSigns reads the nodes' roles, labels, annotations and provider IDs.
func readNodeSigns(s *cluster.Snapshot) nodeSigns {
	signs := nodeSigns{managed: map[string]int{}}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		for _, r := range Roles(n) {
			if r == RoleControlPlane {
				signs.cpNodes = append(signs.cpNodes, n.Name)
			}
		}
		signs.k3s = signs.k3s || n.Labels["node.kubernetes.io/instance-type"] == "k3s" || hasPrefixKey(n.Annotations, "k3s.io/")
		signs.k0s = signs.k0s || hasPrefixKey(n.Labels, "node.k0sproject.io/") || hasPrefixKey(n.Annotations, "k0sproject.io/")
		signs.kind = signs.kind || strings.HasPrefix(n.Spec.ProviderID, "kind://")
		if _, ok := n.Labels["minikube.k8s.io/name"]; ok {
			signs.minikube = true
		}
		dist := distributionOf(n)
		signs.microk8s = signs.microk8s || dist == "MicroK8s"
		signs.rke2 = signs.rke2 || dist == "RKE2"
		signs.openshift = signs.openshift || dist == "OpenShift"
		if selfManaged[dist] {
			continue
		}
		if dist != "" {
			signs.managed[dist]++
		}
		for _, p := range managedProviders {
			if strings.HasPrefix(n.Spec.ProviderID, p.providerPrefix) {
				signs.managed[p.name]++
			}
		}
	}
	return signs
}

func detectMode(s *cluster.Snapshot) ControlPlane {
	signs := readNodeSigns(s)
	var evidence []string
	host := ""
	if u, err := url.Parse(s.Server); err == nil {
		host = u.Hostname()
	}
	for _, p := range managedProviders {
		if p.hostSuffix != "" && strings.HasSuffix(host, p.hostSuffix) {
			signs.managed[p.name] += 2
			evidence = append(evidence, "the API server's host name "+host)
		}
	}
	var podNames []string
	for _, list := range componentPods(s) {
		for _, p := range list {
			podNames = append(podNames, p.Name)
		}
	}
	sort.Strings(podNames)
	switch {
	case signs.k3s || signs.k0s || signs.microk8s:
		dist := "k3s"
		switch {
		case signs.k0s:
			dist = "k0s"
		case signs.microk8s:
			dist = "MicroK8s"
		}
		return ControlPlane{Mode: ModeSingleBinary, Distribution: dist,
			Explanation: "This is a " + dist + " cluster: one binary on each server runs the API server, scheduler and controllers (and the kubelet), with an embedded datastore; they do not show up as pods.",
			Evidence:    []string{dist + " labels and annotations on the nodes"}}
	case len(signs.cpNodes) > 0 || len(podNames) > 0:
		return selfHosted(signs, podNames, evidence)
	}
	best, score := "", 0
	for name, n := range signs.managed {
		if n > score || n == score && name < best {
			best, score = name, n
		}
	}
	if best != "" {
		evidence = append(evidence, "node provider IDs and labels of "+best+", and no control-plane nodes")
		return ControlPlane{Mode: ModeManaged, Distribution: best,
			Explanation: "The control plane is run by " + best + ", outside your nodes: its API server, etcd, scheduler and controllers are not visible as pods and are not yours to repair. What is shown below is what the API server itself reports.",
			Evidence:    evidence}
	}
	if signs.openshift {
		return ControlPlane{Mode: ModeNotVisible, Distribution: "OpenShift",
			Explanation: "This is an OpenShift cluster (its nodes carry OpenShift's labels and annotations), and none of the nodes read runs its control plane: OpenShift runs it as pods on its master nodes, in the openshift-kube-apiserver, openshift-etcd and related namespaces. What is shown below is what the API server reports and the leader-election leases.",
			Evidence:    []string{"OpenShift labels and annotations on the nodes, no control-plane nodes"}}
	}
	return ControlPlane{Mode: ModeNotVisible,
		Explanation: "No node of this cluster runs the control plane and no managed service is recognised: its components run elsewhere (separate machines, processes outside the cluster, or an unrecognised managed service). What is shown below is what the API server reports and the leader-election leases.",
		Evidence:    []string{"no control-plane nodes, no component pods in kube-system"}}
}

// selfHosted is a control plane that runs as pods on the cluster's own
// control-plane nodes.
func selfHosted(signs nodeSigns, podNames, evidence []string) ControlPlane {
	dist := "kubeadm"
	switch {
	case signs.kind:
		dist = "kind"
	case signs.minikube:
		dist = "minikube"
	case signs.rke2:
		dist = "RKE2"
	case signs.openshift:
		dist = "OpenShift"
	}
	if len(signs.cpNodes) > 0 {
		evidence = append(evidence, "control-plane nodes: "+phrase.List(signs.cpNodes, 4, ", "))
	}
	if len(podNames) > 0 {
		evidence = append(evidence, "component pods in kube-system: "+phrase.List(podNames, 4, ", "))
	}
	return ControlPlane{Mode: ModeSelfHosted, Distribution: dist,
		Explanation: "The control plane runs inside this cluster, as pods on its own control-plane nodes (the " + dist + " layout): you can see, and are responsible for, every part of it.",
		Evidence:    evidence}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func hasPrefixKey(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func controlPlaneFindings(cp ControlPlane) []Finding {
	var out []Finding
	for _, c := range cp.Components {
		if c.State != StateUnhealthy {
			continue
		}
		out = append(out, Finding{Severity: SeverityCritical, Code: CodeControlPlaneUnhealthy,
			Title:   "the " + c.Title + " (" + c.Name + ") is unhealthy; see CONTROL PLANE above",
			Meaning: c.Impact, Fix: "Check " + lowerFirst(c.Check)})
	}
	return out
}
