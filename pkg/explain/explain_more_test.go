package explain

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Fixtures. Every node is Ready, runs kubelet v1.37.2 (the server's version)
// and offers 4 CPUs, 16Gi and 110 pods unless an option says otherwise.

type mkOpt func(*corev1.Node)

func mkNode(name string, opts ...mkOpt) corev1.Node {
	q := resource.MustParse
	n := corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}, CreationTimestamp: metav1.NewTime(now.Add(-48 * time.Hour))},
		Status: corev1.NodeStatus{
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"}},
			NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4"},
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: q("4"), corev1.ResourceMemory: q("16Gi"), corev1.ResourcePods: q("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: q("4"), corev1.ResourceMemory: q("16Gi"), corev1.ResourcePods: q("110")},
		},
	}
	for _, o := range opts {
		o(&n)
	}
	return n
}

func mkLabels(kv ...string) mkOpt {
	return func(n *corev1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func mkProviderID(id string) mkOpt { return func(n *corev1.Node) { n.Spec.ProviderID = id } }

func mkKubelet(v string) mkOpt { return func(n *corev1.Node) { n.Status.NodeInfo.KubeletVersion = v } }

func mkCordoned(n *corev1.Node) { n.Spec.Unschedulable = true }

var mkControlPlane = mkLabels("node-role.kubernetes.io/control-plane", "")

func mkTaints(taints ...corev1.Taint) mkOpt {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, taints...) }
}

// mkReady sets the Ready condition.
func mkReady(status corev1.ConditionStatus, reason, message string) mkOpt {
	return func(n *corev1.Node) {
		n.Status.Conditions[0].Status, n.Status.Conditions[0].Reason, n.Status.Conditions[0].Message = status, reason, message
	}
}

func mkCondition(typ corev1.NodeConditionType, status corev1.ConditionStatus, reason, message string) mkOpt {
	return func(n *corev1.Node) {
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ, Status: status, Reason: reason, Message: message,
			LastTransitionTime: metav1.NewTime(now.Add(-10 * time.Minute))})
	}
}

func mkAllocatable(cpu, memory, pods string) mkOpt {
	return func(n *corev1.Node) {
		n.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(memory), corev1.ResourcePods: resource.MustParse(pods)}
	}
}

// mkSnapshot is a snapshot whose pods, leases and DaemonSets were all read
// (and found empty); no kube-proxy DaemonSet.
func mkSnapshot(nodes ...corev1.Node) *cluster.Snapshot {
	return &cluster.Snapshot{
		Server:           "https://10.0.0.10:6443",
		ServerVersion:    "v1.37.2",
		Nodes:            nodes,
		Pods:             map[string][]cluster.Pod{},
		PodsRead:         true,
		NodeLeases:       map[string]coordinationv1.Lease{},
		LeaderLeases:     map[string]coordinationv1.Lease{},
		SystemDaemonSets: []appsv1.DaemonSet{},
	}
}

func mkLease(holder string, renewed time.Time, seconds int32) coordinationv1.Lease {
	rt := metav1.NewMicroTime(renewed)
	return coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, RenewTime: &rt, LeaseDurationSeconds: &seconds}}
}

func mkKubeProxyDS() appsv1.DaemonSet {
	ds := appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"}}
	ds.Spec.Template.Labels = map[string]string{"k8s-app": "kube-proxy"}
	return ds
}

func mkRunning(ns, name string) cluster.Pod {
	return cluster.Pod{Namespace: ns, Name: name, Phase: corev1.PodRunning, Ready: true, OwnerKind: "ReplicaSet"}
}

func mkComponentPod(component, node string) cluster.Pod {
	p := mkRunning("kube-system", component+"-"+node)
	p.OwnerKind, p.Mirror, p.Component = "Node", true, component
	return p
}

func mkKubeProxyPod(node string) cluster.Pod {
	p := mkRunning("kube-system", "kube-proxy-"+node)
	p.OwnerKind, p.Component = "DaemonSet", "kube-proxy"
	return p
}

func mkPodsWithCPU(n int, milli int64) []cluster.Pod {
	var pods []cluster.Pod
	for i := range n {
		p := mkRunning("default", "app-"+string(rune('a'+i)))
		p.CPUMilli = milli
		pods = append(pods, p)
	}
	return pods
}

func findComponent(t *testing.T, cp ControlPlane, name string) Component {
	t.Helper()
	for _, c := range cp.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %s in %+v", name, cp.Components)
	return Component{}
}

func findingsWithCode(r *Report, code string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if string(f.Code) == code {
			out = append(out, f)
		}
	}
	return out
}

func findNode(t *testing.T, r *Report, name string) Node {
	t.Helper()
	for _, n := range r.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no node %s in the report", name)
	return Node{}
}

func TestControlPlaneMode(t *testing.T) {
	tests := []struct {
		name     string
		server   string
		nodes    []corev1.Node
		pods     map[string][]cluster.Pod
		wantMode string
		wantDist string
		// wantEvidence must each be a substring of one evidence line.
		wantEvidence []string
	}{
		{
			name:     "kubeadm by control-plane role label",
			nodes:    []corev1.Node{mkNode("cp-1", mkControlPlane), mkNode("worker-1")},
			wantMode: ModeSelfHosted, wantDist: "kubeadm",
			wantEvidence: []string{"control-plane nodes: cp-1"},
		},
		{
			name:     "kubeadm by legacy master role label",
			nodes:    []corev1.Node{mkNode("master-1", mkLabels("node-role.kubernetes.io/master", "")), mkNode("worker-1")},
			wantMode: ModeSelfHosted, wantDist: "kubeadm",
			wantEvidence: []string{"control-plane nodes: master-1"},
		},
		{
			name:  "kubeadm by component pods alone",
			nodes: []corev1.Node{mkNode("node-1")},
			pods: map[string][]cluster.Pod{"node-1": {
				mkComponentPod("kube-apiserver", "node-1"), mkComponentPod("etcd", "node-1"), mkRunning("default", "web"),
			}},
			wantMode: ModeSelfHosted, wantDist: "kubeadm",
			wantEvidence: []string{"component pods in kube-system: etcd-node-1, kube-apiserver-node-1"},
		},
		{
			name:     "kind",
			nodes:    []corev1.Node{mkNode("kind-control-plane", mkControlPlane, mkProviderID("kind://docker/kind/kind-control-plane")), mkNode("kind-worker", mkProviderID("kind://docker/kind/kind-worker"))},
			wantMode: ModeSelfHosted, wantDist: "kind",
		},
		{
			name:     "minikube",
			nodes:    []corev1.Node{mkNode("minikube", mkControlPlane, mkLabels("minikube.k8s.io/name", "minikube"))},
			wantMode: ModeSelfHosted, wantDist: "minikube",
		},
		{
			name:     "k3s by instance-type label, though it has control-plane nodes",
			nodes:    []corev1.Node{mkNode("k3s-server", mkLabels("node-role.kubernetes.io/control-plane", "true", "node.kubernetes.io/instance-type", "k3s")), mkNode("k3s-agent", mkLabels("node.kubernetes.io/instance-type", "k3s"))},
			wantMode: ModeSingleBinary, wantDist: "k3s",
		},
		{
			name:     "k0s by label prefix",
			nodes:    []corev1.Node{mkNode("k0s-worker", mkLabels("node.k0sproject.io/role", "worker"))},
			wantMode: ModeSingleBinary, wantDist: "k0s",
		},
		{
			name:   "EKS",
			server: "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
			nodes: []corev1.Node{
				mkNode("ip-10-0-1-10.eu-west-1.compute.internal", mkProviderID("aws:///eu-west-1a/i-0a1b2c3d4e5f60001"), mkLabels("eks.amazonaws.com/nodegroup", "ng-1")),
				mkNode("ip-10-0-2-20.eu-west-1.compute.internal", mkProviderID("aws:///eu-west-1b/i-0a1b2c3d4e5f60002"), mkLabels("eks.amazonaws.com/nodegroup", "ng-1")),
			},
			wantMode: ModeManaged, wantDist: "EKS",
			wantEvidence: []string{"0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com", "node provider IDs and labels of EKS"},
		},
		{
			name:     "EKS by the API server's host alone, before any node joined",
			server:   "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
			wantMode: ModeManaged, wantDist: "EKS",
		},
		{
			name:     "GKE",
			server:   "https://34.78.1.2",
			nodes:    []corev1.Node{mkNode("gke-prod-default-pool-1a2b3c4d-x1y2", mkProviderID("gce://my-project/europe-west1-b/gke-prod-default-pool-1a2b3c4d-x1y2"), mkLabels("cloud.google.com/gke-nodepool", "default-pool"))},
			wantMode: ModeManaged, wantDist: "GKE",
		},
		{
			name:     "AKS by provider ID and API server host",
			server:   "https://prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io:443",
			nodes:    []corev1.Node{mkNode("aks-nodepool1-12345678-vmss000000", mkProviderID("azure:///subscriptions/0000/resourceGroups/mc_prod/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/0"))},
			wantMode: ModeManaged, wantDist: "AKS",
			wantEvidence: []string{"the API server's host name prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io"},
		},
		{
			name:     "not visible",
			nodes:    []corev1.Node{mkNode("node-1"), mkNode("node-2")},
			wantMode: ModeNotVisible, wantDist: "",
		},
		{
			name:     "no nodes at all",
			wantMode: ModeNotVisible, wantDist: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(tc.nodes...)
			if tc.server != "" {
				s.Server = tc.server
			}
			if tc.pods != nil {
				s.Pods = tc.pods
			}
			cp := Explain(s, now, Options{}).ControlPlane
			if cp.Mode != tc.wantMode || cp.Distribution != tc.wantDist {
				t.Errorf("mode, distribution = %q, %q; want %q, %q (evidence %q)", cp.Mode, cp.Distribution, tc.wantMode, tc.wantDist, cp.Evidence)
			}
			if cp.Explanation == "" {
				t.Error("no explanation")
			}
			for _, want := range tc.wantEvidence {
				if !slices.ContainsFunc(cp.Evidence, func(e string) bool { return strings.Contains(e, want) }) {
					t.Errorf("evidence %q does not mention %q", cp.Evidence, want)
				}
			}
			if tc.wantMode == ModeManaged {
				for _, c := range cp.Components {
					if c.State == StateUnhealthy || c.State == StateUnknown {
						t.Errorf("managed control plane with nothing wrong: %s is %s (%q)", c.Name, c.State, c.Observed)
					}
				}
				if got := findingsWithCode(Explain(s, now, Options{}), "ControlPlaneUnhealthy"); len(got) > 0 {
					t.Errorf("managed control plane with nothing wrong has findings %+v", got)
				}
			}
		})
	}
}

// A managed control plane whose API server reports every check passing, and
// whose leader leases are fresh, is healthy throughout.
func TestManagedControlPlaneHealthy(t *testing.T) {
	s := mkSnapshot(mkNode("ip-10-0-1-10.ec2.internal", mkProviderID("aws:///us-east-1a/i-01"), mkLabels("eks.amazonaws.com/nodegroup", "ng")))
	s.Server = "https://ABCDEF.yl4.us-east-1.eks.amazonaws.com"
	s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]etcd-readiness ok\n[+]informer-sync ok\nreadyz check passed\n")
	s.LeaderLeases = map[string]coordinationv1.Lease{
		"kube-scheduler":          mkLease("ip-172-16-1-1.ec2.internal_1b2c", now.Add(-4*time.Second), 15),
		"kube-controller-manager": mkLease("ip-172-16-1-2.ec2.internal_3d4e", now.Add(-2*time.Second), 15),
	}
	cp := Explain(s, now, Options{}).ControlPlane
	got := map[string]string{}
	for _, c := range cp.Components {
		got[c.Name] = c.State
	}
	want := map[string]string{
		"kube-apiserver": StateHealthy, "etcd": StateHealthy, "kube-scheduler": StateHealthy, "kube-controller-manager": StateHealthy,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("component states (-want +got):\n%s", diff)
	}
	if cp.Mode != ModeManaged || cp.Distribution != "EKS" {
		t.Errorf("mode %q %q, want managed EKS", cp.Mode, cp.Distribution)
	}
}

func TestComponentHealth(t *testing.T) {
	cpNode := mkNode("cp-1", mkControlPlane)
	type want struct {
		component string
		state     string
		// observed must be a substring of one Observed line.
		observed string
		// critical says a ControlPlaneUnhealthy finding must (or must not) name the component.
		critical bool
	}
	tests := []struct {
		name   string
		modify func(s *cluster.Snapshot)
		want   []want
	}{
		{
			name: "fresh leader lease",
			modify: func(s *cluster.Snapshot) {
				s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_0f9e8d7c", now.Add(-3*time.Second), 15)
			},
			want: []want{{component: "kube-scheduler", state: StateHealthy, observed: "leader cp-1_0f9e8d7c, lease renewed 3s ago"}},
		},
		{
			name: "lease renewed exactly twice its duration ago is still fresh",
			modify: func(s *cluster.Snapshot) {
				s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_0f9e8d7c", now.Add(-30*time.Second), 15)
			},
			want: []want{{component: "kube-scheduler", state: StateHealthy, observed: "leader cp-1_0f9e8d7c"}},
		},
		{
			name: "lease renewed just beyond twice its duration",
			modify: func(s *cluster.Snapshot) {
				s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_0f9e8d7c", now.Add(-31*time.Second), 15)
			},
			want: []want{{component: "kube-scheduler", state: StateUnhealthy, observed: "leader cp-1_0f9e8d7c, lease renewed 31s ago", critical: true}},
		},
		{
			name: "lease renewed long ago",
			modify: func(s *cluster.Snapshot) {
				s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_0f9e8d7c", now.Add(-2*time.Hour), 15)
				s.LeaderLeases["kube-controller-manager"] = mkLease("cp-1_aa", now.Add(-time.Second), 15)
			},
			want: []want{
				{component: "kube-scheduler", state: StateUnhealthy, observed: "lease renewed 2h ago", critical: true},
				{component: "kube-controller-manager", state: StateHealthy, observed: "leader cp-1_aa"},
			},
		},
		{
			name: "lease without a duration counts 15s",
			modify: func(s *cluster.Snapshot) {
				l := mkLease("cp-1_x", now.Add(-40*time.Second), 0)
				l.Spec.LeaseDurationSeconds = nil
				s.LeaderLeases["kube-controller-manager"] = l
			},
			want: []want{{component: "kube-controller-manager", state: StateUnhealthy, observed: "expires after 15s", critical: true}},
		},
		{
			name: "lease never renewed",
			modify: func(s *cluster.Snapshot) {
				l := mkLease("cp-1_x", now, 15)
				l.Spec.RenewTime = nil
				s.LeaderLeases["kube-scheduler"] = l
			},
			want: []want{{component: "kube-scheduler", state: StateUnhealthy, observed: "leader lease held by cp-1_x, never renewed", critical: true}},
		},
		{
			name: "failed etcd readiness check",
			modify: func(s *cluster.Snapshot) {
				s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\nreadyz check failed\n")
			},
			want: []want{
				{component: "etcd", state: StateUnhealthy, observed: "the API server's etcd checks fail: etcd", critical: true},
				{component: "kube-apiserver", state: StateHealthy, observed: "answers at https://10.0.0.10:6443, version v1.37.2"},
			},
		},
		{
			name: "failed etcd liveness check",
			modify: func(s *cluster.Snapshot) {
				s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]etcd ok\n")
				s.Livez = cluster.ParseHealthChecks("[+]ping ok\n[-]etcd failed: reason withheld\n")
			},
			want: []want{{component: "etcd", state: StateUnhealthy, observed: "etcd checks fail", critical: true}},
		},
		{
			name: "passing etcd check",
			modify: func(s *cluster.Snapshot) {
				s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]etcd ok\n[+]etcd-readiness ok\n")
			},
			want: []want{
				{component: "etcd", state: StateHealthy, observed: "the API server reaches it"},
				{component: "kube-apiserver", state: StateHealthy, observed: "all 3 readiness checks pass"},
			},
		},
		{
			name: "failed non-etcd check",
			modify: func(s *cluster.Snapshot) {
				s.Readyz = cluster.ParseHealthChecks("[+]ping ok\n[+]etcd ok\n[-]poststarthook/start-apiextensions-controllers failed: reason withheld\n")
			},
			want: []want{
				{component: "kube-apiserver", state: StateUnhealthy, observed: "failing checks: poststarthook/start-apiextensions-controllers", critical: true},
				{component: "etcd", state: StateHealthy, observed: "the API server reaches it"},
			},
		},
		{
			name: "component pod in CrashLoopBackOff",
			modify: func(s *cluster.Snapshot) {
				p := mkComponentPod("kube-scheduler", "cp-1")
				p.Ready, p.Waiting, p.Restarts = false, "CrashLoopBackOff", 7
				s.Pods["cp-1"] = []cluster.Pod{p, mkComponentPod("kube-controller-manager", "cp-1")}
			},
			want: []want{
				{component: "kube-scheduler", state: StateUnhealthy, observed: "pod kube-system/kube-scheduler-cp-1: CrashLoopBackOff, 7 restarts", critical: true},
				{component: "kube-controller-manager", state: StateHealthy, observed: "pod kube-system/kube-controller-manager-cp-1: Running, 0 restarts"},
			},
		},
		{
			name: "a pod named like a component outside kube-system does not count",
			modify: func(s *cluster.Snapshot) {
				p := mkComponentPod("kube-scheduler", "cp-1")
				p.Namespace, p.Waiting = "my-scheduler", "CrashLoopBackOff"
				s.Pods["cp-1"] = []cluster.Pod{p}
			},
			want: []want{{component: "kube-scheduler", state: StateUnknown, observed: "no leader-election lease kube-scheduler in kube-system"}},
		},
		{
			name: "cloud controller manager shown only where present",
			modify: func(s *cluster.Snapshot) {
				s.LeaderLeases["cloud-controller-manager"] = mkLease("cp-1_ccm", now.Add(-5*time.Minute), 15)
			},
			want: []want{{component: "cloud-controller-manager", state: StateUnhealthy, observed: "lease renewed 5m ago", critical: true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(cpNode)
			tc.modify(s)
			r := Explain(s, now, Options{})
			_, hasCCM := s.LeaderLeases["cloud-controller-manager"]
			if listed := slices.ContainsFunc(r.ControlPlane.Components, func(c Component) bool { return c.Name == "cloud-controller-manager" }); listed != hasCCM {
				t.Errorf("cloud-controller-manager listed = %v, want %v (only where it has a lease or a pod)", listed, hasCCM)
			}
			for _, w := range tc.want {
				c := findComponent(t, r.ControlPlane, w.component)
				if c.State != w.state {
					t.Errorf("%s state = %s, want %s (observed %q)", w.component, c.State, w.state, c.Observed)
				}
				if !slices.ContainsFunc(c.Observed, func(o string) bool { return strings.Contains(o, w.observed) }) {
					t.Errorf("%s observed %q, want a line containing %q", w.component, c.Observed, w.observed)
				}
				if (c.State == StateUnhealthy) != (c.Impact != "" && c.Check != "") {
					t.Errorf("%s: Impact %q and Check %q should be set exactly when unhealthy", w.component, c.Impact, c.Check)
				}
				var named []Finding
				for _, f := range findingsWithCode(r, "ControlPlaneUnhealthy") {
					if strings.Contains(f.Title, "("+w.component+")") {
						named = append(named, f)
					}
				}
				switch {
				case w.critical && len(named) != 1:
					t.Errorf("want one ControlPlaneUnhealthy finding for %s, got %+v", w.component, r.Findings)
				case w.critical && (named[0].Severity != SeverityCritical || named[0].Meaning != c.Impact || len(named[0].Nodes) != 0):
					t.Errorf("ControlPlaneUnhealthy finding for %s: %+v", w.component, named[0])
				case !w.critical && len(named) != 0:
					t.Errorf("unexpected ControlPlaneUnhealthy finding for %s: %+v", w.component, named)
				}
			}
		})
	}
}

func TestStaleSchedulerLeaseImpact(t *testing.T) {
	s := mkSnapshot(mkNode("cp-1", mkControlPlane))
	s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_0f9e8d7c", now.Add(-10*time.Minute), 15)
	r := Explain(s, now, Options{})
	c := findComponent(t, r.ControlPlane, "kube-scheduler")
	if c.State != StateUnhealthy {
		t.Fatalf("scheduler %s, want Unhealthy", c.State)
	}
	if !strings.Contains(c.Impact, "No new pods will be scheduled") {
		t.Errorf("Impact %q does not say no new pods will be scheduled", c.Impact)
	}
	want := []string{"leader cp-1_0f9e8d7c, lease renewed 10m ago (it should be renewed every few seconds and expires after 15s: the leader has stopped)"}
	if diff := cmp.Diff(want, c.Observed); diff != "" {
		t.Errorf("Observed (-want +got):\n%s", diff)
	}
	f := findingsWithCode(r, "ControlPlaneUnhealthy")
	if len(f) != 1 {
		t.Fatalf("ControlPlaneUnhealthy findings: %+v", f)
	}
	if f[0].Severity != SeverityCritical || f[0].Title != "the scheduler (kube-scheduler) is unhealthy; see CONTROL PLANE above" || !strings.HasPrefix(f[0].Fix, "Check the scheduler's logs") {
		t.Errorf("finding %+v", f[0])
	}
	if r.Findings[0].Code != "ControlPlaneUnhealthy" {
		t.Errorf("critical finding is not first: %+v", r.Findings)
	}
}

// nodeCodes lists the severity and code of every finding naming node.
func nodeCodes(r *Report, node string) []string {
	var out []string
	for _, f := range r.Findings {
		if slices.Contains(f.Nodes, node) {
			out = append(out, f.Severity+" "+string(f.Code))
		}
	}
	return out
}

func TestNodeFindings(t *testing.T) {
	notReadyTaints := mkTaints(
		corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute})
	unreachableTaints := mkTaints(
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
		corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute})
	crashingProxy := mkKubeProxyPod("n")
	crashingProxy.Ready, crashingProxy.Waiting = false, "CrashLoopBackOff"

	tests := []struct {
		name        string
		node        corev1.Node
		pods        []cluster.Pod
		lease       *coordinationv1.Lease
		kubeProxyDS bool
		podsUnread  bool
		want        []string // severity and code of the node's findings, in order
		wantTitle   string   // the first finding's title, when set
		wantNote    string
	}{
		{name: "healthy", node: mkNode("n"), want: nil},
		{
			name: "NotReady, its taints folded in",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"), notReadyTaints),
			want: []string{"critical NodeNotReady"}, wantNote: "NotReady",
			wantTitle: "NotReady: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady",
		},
		{
			name: "NotReady without a message gives the reason",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "")),
			want: []string{"critical NodeNotReady"}, wantTitle: "NotReady: KubeletNotReady", wantNote: "NotReady",
		},
		{
			name:  "Unknown, last heard from through its lease",
			node:  mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."), unreachableTaints),
			lease: func() *coordinationv1.Lease { l := mkLease("n", now.Add(-12*time.Minute), 40); return &l }(),
			want:  []string{"critical NodeUnknown"}, wantNote: "silent 12m",
			wantTitle: "Unknown: its kubelet last reported 12m ago (2026-11-26T11:48:00Z)",
		},
		{
			name: "Unknown, never heard from",
			node: mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusNeverUpdated", "Kubelet never posted node status.")),
			want: []string{"critical NodeUnknown"}, wantTitle: "Unknown: its kubelet has never reported", wantNote: "silent",
		},
		{
			name: "Unknown conditions of an unreachable node are not findings",
			node: mkNode("n", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", ""), mkCondition(corev1.NodeDiskPressure, corev1.ConditionUnknown, "NodeStatusUnknown", "")),
			want: []string{"critical NodeUnknown"}, wantNote: "silent",
		},
		{
			name: "cordoned, its unschedulable taint folded in",
			node: mkNode("n", mkCordoned, mkTaints(corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"warning NodeCordoned"}, wantTitle: "cordoned (spec.unschedulable)", wantNote: "cordoned",
		},
		{
			name: "DiskPressure, its taint folded in",
			node: mkNode("n", mkCondition(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"),
				mkTaints(corev1.Taint{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"warning NodeCondition"}, wantTitle: "DiskPressure: kubelet has disk pressure", wantNote: "DiskPressure",
		},
		{
			name: "no DiskPressure",
			node: mkNode("n", mkCondition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure")),
			want: nil,
		},
		{
			name: "custom NoSchedule taint",
			node: mkNode("n", mkTaints(corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule})),
			want: []string{"info NodeTaint"}, wantTitle: "taint dedicated=batch:NoSchedule (dedicated node pool)", wantNote: "taint dedicated",
		},
		{
			name: "custom NoExecute taint is a warning",
			node: mkNode("n", mkTaints(corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectNoExecute})),
			want: []string{"warning NodeTaint"}, wantTitle: "taint example.com/maintenance:NoExecute (custom taint)", wantNote: "taint maintenance",
		},
		{
			name: "CPU requests over allocatable",
			node: mkNode("n", mkAllocatable("2", "16Gi", "110")),
			pods: mkPodsWithCPU(5, 500),
			want: []string{"warning RequestsOvercommitted"}, wantTitle: "CPU requests exceed allocatable: 2.5 of 2 (125%)", wantNote: "CPU 125%",
		},
		{
			name: "memory requests over allocatable",
			node: mkNode("n", mkAllocatable("4", "1Gi", "110")),
			pods: func() []cluster.Pod {
				p := mkPodsWithCPU(2, 0)
				p[0].MemoryBytes, p[1].MemoryBytes = 1<<30, 512<<20
				return p
			}(),
			want: []string{"warning RequestsOvercommitted"}, wantTitle: "memory requests exceed allocatable: 1.5Gi of 1Gi (150%)", wantNote: "memory 150%",
		},
		{
			name: "CPU requests at 90% of allocatable",
			node: mkNode("n"),
			pods: mkPodsWithCPU(4, 900),
			want: []string{"info RequestsNearAllocatable"}, wantTitle: "CPU nearly all requested: 3.6 of 4 (90%)", wantNote: "CPU 90%",
		},
		{
			name: "CPU requests just under 90% of allocatable",
			node: mkNode("n"),
			pods: append(mkPodsWithCPU(3, 900), mkPodsWithCPU(1, 899)[0]),
			want: nil,
		},
		{
			name: "CPU requests exactly at allocatable are near, not over",
			node: mkNode("n"),
			pods: mkPodsWithCPU(4, 1000),
			want: []string{"info RequestsNearAllocatable"}, wantTitle: "CPU nearly all requested: 4 of 4 (100%)", wantNote: "CPU 100%",
		},
		{
			name: "pods near the limit",
			node: mkNode("n", mkAllocatable("4", "16Gi", "10")),
			pods: mkPodsWithCPU(9, 0),
			want: []string{"warning PodsNearLimit"}, wantTitle: "runs 9 of its 10 allowed pods", wantNote: "pods 9/10",
		},
		{
			name: "pods under 90% of the limit",
			node: mkNode("n", mkAllocatable("4", "16Gi", "10")),
			pods: mkPodsWithCPU(8, 0),
			want: nil,
		},
		{
			name:       "capacity not judged when pods are unread",
			node:       mkNode("n", mkAllocatable("2", "16Gi", "10")),
			pods:       mkPodsWithCPU(10, 500),
			podsUnread: true,
			want:       nil,
		},
		{
			name: "kubelet newer than the API server",
			node: mkNode("n", mkKubelet("v1.38.0")),
			want: []string{"warning VersionSkew"}, wantTitle: "kubelet v1.38.0 is newer than the API server v1.37.2", wantNote: "kubelet skew",
		},
		{
			name: "kubelet four minor versions older",
			node: mkNode("n", mkKubelet("v1.33.5")),
			want: []string{"warning VersionSkew"}, wantTitle: "kubelet v1.33.5 is 4 minor versions behind the API server v1.37.2", wantNote: "kubelet skew",
		},
		{
			name: "kubelet three minor versions older is supported",
			node: mkNode("n", mkKubelet("v1.34.9")),
			want: nil,
		},
		{
			name: "kubelet with a vendor suffix, same minor",
			node: mkNode("n", mkKubelet("v1.37.1-eks-5e0fdde")),
			want: nil,
		},
		{
			name:        "kube-proxy DaemonSet but no pod on the node",
			node:        mkNode("n"),
			pods:        []cluster.Pod{mkRunning("default", "web")},
			kubeProxyDS: true,
			want:        []string{"warning KubeProxyMissing"}, wantTitle: "kube-proxy: the node has no kube-proxy pod", wantNote: "kube-proxy missing",
		},
		{
			name:        "kube-proxy pod crashing",
			node:        mkNode("n"),
			pods:        []cluster.Pod{crashingProxy},
			kubeProxyDS: true,
			want:        []string{"warning KubeProxyMissing"}, wantTitle: "kube-proxy: the node has a kube-proxy pod that is CrashLoopBackOff", wantNote: "kube-proxy CrashLoopBackOff",
		},
		{
			name:        "kube-proxy pod running",
			node:        mkNode("n"),
			pods:        []cluster.Pod{mkKubeProxyPod("n")},
			kubeProxyDS: true,
			want:        nil,
		},
		{
			name:        "kube-proxy not judged when pods are unread",
			node:        mkNode("n"),
			kubeProxyDS: true,
			podsUnread:  true,
			want:        nil,
		},
		{
			name: "several findings, most severe first",
			node: mkNode("n", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy"), mkCordoned,
				mkCondition(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
				mkTaints(corev1.Taint{Key: "team", Value: "a", Effect: corev1.TaintEffectNoSchedule}), mkKubelet("v1.38.1")),
			want:     []string{"critical NodeNotReady", "warning NodeCondition", "warning NodeCordoned", "warning VersionSkew", "info NodeTaint"},
			wantNote: "NotReady",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(tc.node)
			if tc.pods != nil {
				s.Pods["n"] = tc.pods
			}
			if tc.lease != nil {
				s.NodeLeases["n"] = *tc.lease
			}
			if tc.kubeProxyDS {
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
			}
			if tc.podsUnread {
				s.PodsRead = false
			}
			r := Explain(s, now, Options{})
			if diff := cmp.Diff(tc.want, nodeCodes(r, "n")); diff != "" {
				t.Errorf("findings on the node (-want +got):\n%s\nall: %+v", diff, r.Findings)
			}
			if tc.wantTitle != "" {
				var first *Finding
				for i := range r.Findings {
					if slices.Contains(r.Findings[i].Nodes, "n") {
						first = &r.Findings[i]
						break
					}
				}
				if first == nil || first.Title != tc.wantTitle {
					t.Errorf("title = %+v, want %q", first, tc.wantTitle)
				}
			}
			if got := r.Nodes[0].Note; got != tc.wantNote {
				t.Errorf("Note = %q, want %q", got, tc.wantNote)
			}
			for _, f := range r.Findings {
				if f.Meaning == "" {
					t.Errorf("finding %s has no meaning", f.Code)
				}
			}
		})
	}
}

func TestClusterFindings(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *cluster.Snapshot)
		want   []string // codes of findings without nodes
		title  string   // title of the first, when set
	}{
		{
			name: "DaemonSets read, none is kube-proxy",
			modify: func(s *cluster.Snapshot) {
				s.SystemDaemonSets = []appsv1.DaemonSet{{ObjectMeta: metav1.ObjectMeta{Name: "cilium"}}}
			},
			want: []string{"NoKubeProxy"}, title: "no kube-proxy DaemonSet in kube-system",
		},
		{
			name: "kube-proxy DaemonSet found by its label",
			modify: func(s *cluster.Snapshot) {
				ds := mkKubeProxyDS()
				ds.Name = "kube-proxy-legacy"
				s.SystemDaemonSets = []appsv1.DaemonSet{ds}
				for _, n := range s.Nodes {
					s.Pods[n.Name] = []cluster.Pod{mkKubeProxyPod(n.Name)}
				}
			},
			want: nil,
		},
		{
			name: "DaemonSets unread",
			modify: func(s *cluster.Snapshot) {
				s.SystemDaemonSets = nil
				s.Gaps = []cluster.Gap{{What: "DaemonSets in kube-system", Resource: "daemonsets", Namespace: "kube-system", Reason: "Forbidden", Message: "forbidden"}}
			},
			want: nil,
		},
		{
			name: "pods waiting for a node",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled = 3
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
				for _, n := range s.Nodes {
					s.Pods[n.Name] = []cluster.Pod{mkKubeProxyPod(n.Name)}
				}
			},
			want: []string{"PodsWaitingForNode"}, title: "3 pods waiting for a node",
		},
		{
			name: "one pod waiting",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled = 1
			},
			want: []string{"NoKubeProxy", "PodsWaitingForNode"},
		},
		{
			name: "pods unread: nothing said of waiting pods",
			modify: func(s *cluster.Snapshot) {
				s.Unscheduled, s.PodsRead = 3, false
			},
			want: []string{"NoKubeProxy"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(mkNode("a"), mkNode("b"))
			tc.modify(s)
			r := Explain(s, now, Options{})
			var got []string
			var first *Finding
			for i, f := range r.Findings {
				if len(f.Nodes) == 0 {
					got = append(got, string(f.Code))
					if first == nil {
						first = &r.Findings[i]
					}
					if f.Severity != SeverityInfo {
						t.Errorf("%s is %s, want info", f.Code, f.Severity)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("cluster findings (-want +got):\n%s", diff)
			}
			if tc.title != "" && (first == nil || first.Title != tc.title) {
				t.Errorf("first cluster finding %+v, want title %q", first, tc.title)
			}
			if slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Code == "KubeProxyMissing" }) {
				t.Errorf("unexpected KubeProxyMissing: %+v", r.Findings)
			}
		})
	}
}

func TestFindingsSortedAndMerged(t *testing.T) {
	dedicated := mkTaints(corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule})
	s := mkSnapshot(
		// Not in name order, to check that merged nodes are sorted.
		mkNode("w-c", dedicated),
		mkNode("w-a", dedicated),
		mkNode("w-z", mkKubelet("v1.38.0")),
		mkNode("w-b", dedicated),
		mkNode("w-down", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy")),
		mkNode("w-old", mkKubelet("v1.38.0")),
	)
	s.Unscheduled = 2
	r := Explain(s, now, Options{})

	type short struct {
		Severity, Code string
		Nodes          []string
	}
	var got []short
	for _, f := range r.Findings {
		got = append(got, short{f.Severity, string(f.Code), f.Nodes})
	}
	want := []short{
		{SeverityCritical, "NodeNotReady", []string{"w-down"}},
		{SeverityWarning, "VersionSkew", []string{"w-old", "w-z"}},
		{SeverityInfo, "NoKubeProxy", nil},
		{SeverityInfo, "NodeTaint", []string{"w-a", "w-b", "w-c"}},
		{SeverityInfo, "PodsWaitingForNode", nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for i := 1; i < len(r.Findings); i++ {
		if severityRank(r.Findings[i-1].Severity) > severityRank(r.Findings[i].Severity) {
			t.Errorf("finding %d (%s) before a more severe one (%s)", i-1, r.Findings[i-1].Severity, r.Findings[i].Severity)
		}
	}
	// The snapshot's nodes are not reordered by merging.
	if s.Nodes[0].Name != "w-c" {
		t.Errorf("Explain reordered the snapshot's nodes")
	}
}

// Findings that differ in any word stay apart.
func TestFindingsNotMergedWhenDifferent(t *testing.T) {
	s := mkSnapshot(
		mkNode("a", mkReady(corev1.ConditionFalse, "KubeletNotReady", "PLEG is not healthy")),
		mkNode("b", mkReady(corev1.ConditionFalse, "KubeletNotReady", "container runtime is down")),
	)
	r := Explain(s, now, Options{})
	f := findingsWithCode(r, "NodeNotReady")
	if len(f) != 2 {
		t.Fatalf("want 2 NodeNotReady findings, got %+v", f)
	}
	// Same severity and code: ordered by title.
	if f[0].Title != "NotReady: PLEG is not healthy" || f[1].Title != "NotReady: container runtime is down" {
		t.Errorf("titles %q, %q", f[0].Title, f[1].Title)
	}
}

func TestNodeFields(t *testing.T) {
	leaseTime := now.Add(-7 * time.Second)
	readyBeat := now.Add(-25 * time.Second)
	withBeat := func(n *corev1.Node) { n.Status.Conditions[0].LastHeartbeatTime = metav1.NewTime(readyBeat) }
	dedicated := corev1.Taint{Key: "dedicated", Value: "batch", Effect: corev1.TaintEffectNoSchedule}
	cpTaint := corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}

	pod := func(name string, cpu, mem int64, tol ...corev1.Toleration) cluster.Pod {
		p := mkRunning("default", name)
		p.CPUMilli, p.MemoryBytes, p.Tolerations = cpu, mem, tol
		return p
	}
	s := mkSnapshot(
		mkNode("leased", withBeat),
		mkNode("no-lease", withBeat),
		mkNode("lease-unrenewed", withBeat),
		mkNode("no-heartbeat"),
		mkNode("tainted", mkTaints(dedicated)),
		mkNode("cordoned", mkCordoned, mkTaints(corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})),
		mkNode("cp-1", mkControlPlane, mkTaints(cpTaint)),
		mkNode("cp-legacy", mkLabels("node-role.kubernetes.io/master", ""), mkTaints(corev1.Taint{Key: "node-role.kubernetes.io/master", Effect: corev1.TaintEffectNoSchedule})),
		mkNode("worker-cp-taint", mkTaints(cpTaint)),
	)
	s.NodeLeases["leased"] = mkLease("leased", leaseTime, 40)
	unrenewed := mkLease("lease-unrenewed", now, 40)
	unrenewed.Spec.RenewTime = nil
	s.NodeLeases["lease-unrenewed"] = unrenewed
	s.Pods["leased"] = []cluster.Pod{pod("a", 100, 64<<20), pod("b", 250, 128<<20), pod("c", 500, 1<<30)}
	s.Pods["tainted"] = []cluster.Pod{
		pod("equal", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "batch", Effect: corev1.TaintEffectNoSchedule}),
		pod("exists-all", 0, 0, corev1.Toleration{Operator: corev1.TolerationOpExists}),
		pod("exists-key", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists}),
		pod("wrong-value", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule}),
		pod("wrong-effect", 0, 0, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "batch", Effect: corev1.TaintEffectNoExecute}),
		pod("none", 0, 0),
	}
	s.Pods["cp-1"] = []cluster.Pod{pod("tolerates-cp", 0, 0, corev1.Toleration{Key: cpTaint.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})}
	r := Explain(s, now, Options{})

	t.Run("sums of requests", func(t *testing.T) {
		n := findNode(t, r, "leased")
		if n.Pods != 3 || n.CPURequestedMilli != 850 || n.MemoryRequested != 64<<20+128<<20+1<<30 {
			t.Errorf("pods %d, CPU %d, memory %d", n.Pods, n.CPURequestedMilli, n.MemoryRequested)
		}
		if n.PodsAllocatable != 110 || n.CPUAllocatableMilli != 4000 || n.MemoryAllocatable != 16<<30 || n.CPUCapacityMilli != 4000 {
			t.Errorf("allocatable %d pods, %dm CPU, %d memory; capacity %dm", n.PodsAllocatable, n.CPUAllocatableMilli, n.MemoryAllocatable, n.CPUCapacityMilli)
		}
		if n.KubeletVersion != "v1.37.2" || n.ContainerRuntime != "containerd://2.1.4" || !n.CreatedAt.Equal(now.Add(-48*time.Hour)) {
			t.Errorf("node info %+v", n)
		}
	})
	heartbeats := []struct {
		node string
		want *time.Time
	}{
		{"leased", &leaseTime},
		{"no-lease", &readyBeat},
		{"lease-unrenewed", &readyBeat},
		{"no-heartbeat", nil},
	}
	for _, tc := range heartbeats {
		t.Run("heartbeat "+tc.node, func(t *testing.T) {
			got := findNode(t, r, tc.node).LastHeartbeat
			switch {
			case tc.want == nil && got != nil:
				t.Errorf("LastHeartbeat %v, want none", got)
			case tc.want != nil && (got == nil || !got.Equal(*tc.want)):
				t.Errorf("LastHeartbeat %v, want %v", got, *tc.want)
			}
		})
	}
	t.Run("tolerated by", func(t *testing.T) {
		n := findNode(t, r, "tainted")
		if len(n.Taints) != 1 {
			t.Fatalf("taints %+v", n.Taints)
		}
		tn := n.Taints[0]
		if tn.ToleratedBy != 3 {
			t.Errorf("ToleratedBy = %d, want 3 (equal, exists-all, exists-key)", tn.ToleratedBy)
		}
		if !tn.Known || tn.Title != "dedicated node pool" || tn.EffectMeaning != EffectMeaning(corev1.TaintEffectNoSchedule) || tn.Value != "batch" {
			t.Errorf("taint %+v", tn)
		}
		// The count varies from node to node, so it stays out of the
		// finding, which merges alike taints of several nodes.
		f := findingsWithCode(r, "NodeTaint")
		if !slices.ContainsFunc(f, func(f Finding) bool {
			return slices.Contains(f.Nodes, "tainted") && !strings.Contains(f.Meaning, TolerateCount(tn.ToleratedBy))
		}) {
			t.Errorf("NodeTaint finding: %+v", f)
		}
	})
	notes := []struct{ node, want string }{
		{"leased", ""},
		{"no-heartbeat", ""},
		{"tainted", "taint dedicated"},
		{"cordoned", "cordoned"},
		{"cp-1", ""},
		{"cp-legacy", ""},
		{"worker-cp-taint", "taint control-plane"},
	}
	for _, tc := range notes {
		t.Run("note "+tc.node, func(t *testing.T) {
			if got := findNode(t, r, tc.node).Note; got != tc.want {
				t.Errorf("Note = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("control-plane taint tolerated", func(t *testing.T) {
		if got := findNode(t, r, "cp-1").Taints[0].ToleratedBy; got != 1 {
			t.Errorf("ToleratedBy = %d, want 1", got)
		}
	})
	t.Run("nodes sorted by name", func(t *testing.T) {
		if !slices.IsSortedFunc(r.Nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) }) {
			t.Error("nodes not sorted")
		}
	})
}

// KubeProxy must not claim a pod is missing (or running) when pods could not
// be read: the report never claims more than it saw.
func TestKubeProxyStateWhenPodsUnread(t *testing.T) {
	s := mkSnapshot(mkNode("n"))
	s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
	s.PodsRead, s.Pods = false, nil
	s.Gaps = []cluster.Gap{{What: "pods in all namespaces", Resource: "pods", Reason: "Forbidden", Message: "forbidden"}}
	r := Explain(s, now, Options{})
	if f := findingsWithCode(r, "KubeProxyMissing"); len(f) != 0 {
		t.Errorf("KubeProxyMissing although pods are unread: %+v", f)
	}
	switch got := r.Nodes[0].KubeProxy; got {
	case "missing":
		t.Errorf(`KubeProxy = "missing" although pods are unread`)
	case "Running":
		t.Errorf("KubeProxy = %q although pods are unread", got)
	}
}

func TestKubeProxyState(t *testing.T) {
	crashing := mkKubeProxyPod("n")
	crashing.Ready, crashing.Waiting = false, "CrashLoopBackOff"
	notReady := mkKubeProxyPod("n")
	notReady.Ready = false
	tests := []struct {
		name string
		ds   bool
		pods []cluster.Pod
		want string
	}{
		{"not deployed", false, []cluster.Pod{mkKubeProxyPod("n")}, ""},
		{"running", true, []cluster.Pod{mkRunning("default", "web"), mkKubeProxyPod("n")}, "Running"},
		{"missing", true, []cluster.Pod{mkRunning("default", "web")}, "missing"},
		{"crashing", true, []cluster.Pod{crashing}, "CrashLoopBackOff"},
		{"running, not ready", true, []cluster.Pod{notReady}, "Running, not ready"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(mkNode("n"))
			if tc.ds {
				s.SystemDaemonSets = []appsv1.DaemonSet{mkKubeProxyDS()}
			}
			s.Pods["n"] = tc.pods
			if got := Explain(s, now, Options{}).Nodes[0].KubeProxy; got != tc.want {
				t.Errorf("KubeProxy = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDetail(t *testing.T) {
	pod := func(ns, name, owner string, mirror bool) cluster.Pod {
		p := mkRunning(ns, name)
		p.OwnerKind, p.Mirror, p.CPUMilli, p.MemoryBytes, p.Restarts = owner, mirror, 100, 128<<20, 1
		return p
	}
	s := mkSnapshot(mkNode("cp-1", mkControlPlane), mkNode("worker-1"))
	s.Pods["cp-1"] = []cluster.Pod{
		pod("default", "web-7d9f-x2x", "ReplicaSet", false),
		pod("kube-system", "kube-proxy-abcde", "DaemonSet", false),
		pod("batch", "report-29000000-q", "Job", false),
		pod("kube-system", "kube-apiserver-cp-1", "Node", true),
		pod("kube-system", "etcd-cp-1", "Node", true),
		pod("default", "debug", "", false),
		pod("kube-system", "static-without-owner", "", true),
		pod("kube-flannel", "kube-flannel-ds-x", "DaemonSet", false),
	}
	s.Pods["worker-1"] = []cluster.Pod{pod("default", "web-7d9f-y3y", "ReplicaSet", false)}
	s.Unscheduled = 4
	s.LeaderLeases["kube-scheduler"] = mkLease("cp-1_x", now.Add(-time.Hour), 15)
	last := now.Add(-3 * time.Minute)
	s.NodeEvents = []corev1.Event{
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "cp-1"}, Reason: "FreeDiskSpaceFailed", Message: "failed to garbage collect required amount of images", Count: 4, LastTimestamp: metav1.NewTime(last), Type: corev1.EventTypeWarning},
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "worker-1"}, Reason: "Rebooted", Message: "Node worker-1 has been rebooted", Count: 1, LastTimestamp: metav1.NewTime(last), Type: corev1.EventTypeWarning},
		{InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "cp-1"}, Reason: "InvalidDiskCapacity", Message: "invalid capacity 0 on image filesystem", Count: 1, EventTime: metav1.NewMicroTime(now.Add(-time.Hour)), Type: corev1.EventTypeWarning},
	}

	r := Explain(s, now, Options{Detail: true})
	cp := findNode(t, r, "cp-1")
	np := func(ns, name, kind string) NodePod {
		return NodePod{Namespace: ns, Name: name, Kind: kind, Phase: "Running", Ready: true, Restarts: 1, CPUMilli: 100, MemoryBytes: 128 << 20}
	}
	wantPods := []NodePod{
		np("kube-system", "etcd-cp-1", "static"),
		np("kube-system", "kube-apiserver-cp-1", "static"),
		np("kube-system", "static-without-owner", "static"),
		np("kube-flannel", "kube-flannel-ds-x", "DaemonSet"),
		np("kube-system", "kube-proxy-abcde", "DaemonSet"),
		np("batch", "report-29000000-q", "workload"),
		np("default", "debug", "workload"),
		np("default", "web-7d9f-x2x", "workload"),
	}
	if diff := cmp.Diff(wantPods, cp.PodList); diff != "" {
		t.Errorf("PodList (-want +got):\n%s", diff)
	}
	wantEvents := []Event{
		{Reason: "FreeDiskSpaceFailed", Message: "failed to garbage collect required amount of images", Count: 4, Last: last},
		{Reason: "InvalidDiskCapacity", Message: "invalid capacity 0 on image filesystem", Count: 1, Last: now.Add(-time.Hour)},
	}
	if diff := cmp.Diff(wantEvents, cp.Events); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}
	if w := findNode(t, r, "worker-1"); len(w.Events) != 1 || w.Events[0].Reason != "Rebooted" || len(w.PodList) != 1 {
		t.Errorf("worker-1 detail: events %+v, pods %+v", w.Events, w.PodList)
	}
	for _, code := range []string{"NoKubeProxy", "PodsWaitingForNode", "ControlPlaneUnhealthy"} {
		if f := findingsWithCode(r, code); len(f) != 0 {
			t.Errorf("detail report has cluster-level finding %s: %+v", code, f)
		}
	}

	// Without Detail: no pod list or events, and the cluster-level findings are there.
	r = Explain(s, now, Options{})
	for _, n := range r.Nodes {
		if n.PodList != nil || n.Events != nil {
			t.Errorf("%s: PodList or Events filled without Detail", n.Name)
		}
	}
	for _, code := range []string{"NoKubeProxy", "PodsWaitingForNode", "ControlPlaneUnhealthy"} {
		if f := findingsWithCode(r, code); len(f) != 1 {
			t.Errorf("overview has %d %s findings, want 1", len(f), code)
		}
	}
}

func TestSummary(t *testing.T) {
	nodes := []corev1.Node{
		mkNode("ready-1"),
		mkNode("ready-cordoned", mkCordoned),
		mkNode("notready", mkReady(corev1.ConditionFalse, "KubeletNotReady", "")),
		mkNode("unknown", mkReady(corev1.ConditionUnknown, "NodeStatusUnknown", "")),
		mkNode("no-condition", func(n *corev1.Node) { n.Status.Conditions = nil }),
	}
	tests := []struct {
		name     string
		podsRead bool
		want     Summary
	}{
		{"pods read", true, Summary{Nodes: 5, Ready: 2, NotReady: 1, Unknown: 2, Cordoned: 1, Pods: 6, Unscheduled: 3}},
		{"pods unread", false, Summary{Nodes: 5, Ready: 2, NotReady: 1, Unknown: 2, Cordoned: 1, Pods: -1, Unscheduled: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mkSnapshot(nodes...)
			s.PodsRead = tc.podsRead
			s.Unscheduled = 3
			if tc.podsRead {
				s.Pods = map[string][]cluster.Pod{"ready-1": mkPodsWithCPU(4, 10), "notready": mkPodsWithCPU(2, 10)}
			} else {
				s.Pods = nil
			}
			if diff := cmp.Diff(tc.want, Explain(s, now, Options{}).Summary); diff != "" {
				t.Errorf("Summary (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no nodes", func(t *testing.T) {
		r := Explain(mkSnapshot(), now, Options{})
		if diff := cmp.Diff(Summary{Pods: 0, Unscheduled: 0}, r.Summary); diff != "" {
			t.Errorf("Summary (-want +got):\n%s", diff)
		}
		if r.Nodes == nil || r.Findings == nil {
			t.Error("Nodes and Findings must be empty, not nil, so JSON shows []")
		}
	})
}
