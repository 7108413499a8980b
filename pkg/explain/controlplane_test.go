package explain

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

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

// From a dump of a managed cluster nothing of the control plane was seen:
// the dump was taken through the API server, which says nothing of its
// health, so the verdict does not call the control plane healthy. A
// self-hosted control plane's pods in the dump still tell.
func TestControlPlaneFromDump(t *testing.T) {
	notInDump := func(resources ...string) []v1alpha1.Gap {
		var out []v1alpha1.Gap
		for _, r := range resources {
			out = append(out, v1alpha1.Gap{What: r, Resource: r, Reason: cluster.DumpReason, Message: "a dump does not hold them"})
		}
		return out
	}
	s := mkSnapshot(mkNode("ip-10-0-1-10.ec2.internal", mkProviderID("aws:///us-east-1a/i-01"), mkLabels("eks.amazonaws.com/nodegroup", "ng")))
	s.Server, s.ServerVersion, s.LeaderLeases = "the dump ci-dump", "", nil
	s.Gaps = notInDump("version", "readyz", "livez")
	r := Explain(s, now, Options{})
	for _, c := range r.ControlPlane.Components {
		if c.State == StateHealthy {
			t.Errorf("%s is healthy from a dump: %v", c.Name, c.Observed)
		}
	}
	if strings.Contains(r.Verdict.Text, "control plane healthy") {
		t.Errorf("verdict from a dump of a managed cluster: %q", r.Verdict.Text)
	}

	self := mkSnapshot(mkNode("cp", mkControlPlane))
	self.Server, self.ServerVersion = "the dump ci-dump", ""
	self.Gaps = notInDump("version", "readyz", "livez")
	for _, name := range []string{"kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"} {
		self.Pods["cp"] = append(self.Pods["cp"], mkComponentPod(name, "cp"))
	}
	if r := Explain(self, now, Options{}); !strings.Contains(r.Verdict.Text, "control plane healthy") {
		t.Errorf("verdict from a dump with the control plane's pods running: %q", r.Verdict.Text)
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
