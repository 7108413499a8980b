//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// createNodesAtOnce creates fixture nodes side by side and deletes them when
// the test ends.
func createNodesAtOnce(t *testing.T, nodes ...fixture.Node) {
	t.Helper()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(4)
	for _, n := range nodes {
		t.Cleanup(func() {
			if err := fixture.DeleteNode(context.Background(), client, n.Name); err != nil {
				t.Error(err)
			}
		})
		g.Go(func() error {
			_, err := fixture.CreateNode(ctx, client, n)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

// setCrashLooping gives a held pod the status a kubelet reports for a
// container in CrashLoopBackOff after restarts restarts.
func setCrashLooping(t *testing.T, namespace, name string, restarts int32) {
	t.Helper()
	ctx := context.Background()
	crash, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crash.Status.Phase = corev1.PodRunning
	crash.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: metav1.Now()}}
	crash.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "registry.example/app:1.0", RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}}}}
	if _, err := client.CoreV1().Pods(namespace).UpdateStatus(ctx, crash, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// findingsFor returns the findings with the code that name the node.
func findingsFor(rep explain.Report, code, node string) []explain.Finding {
	var out []explain.Finding
	for _, f := range rep.Findings {
		if string(f.Code) == code && slices.Contains(f.Nodes, node) {
			out = append(out, f)
		}
	}
	return out
}

func findPod(n explain.Node, namespace, name string) (explain.NodePod, bool) {
	for _, p := range n.PodList {
		if p.Namespace == namespace && p.Name == name {
			return p, true
		}
	}
	return explain.NodePod{}, false
}

// A production-like scene: 25 nodes in three pools (general, GPU, spot) on
// EKS-style machines, one spot node being drained with pods held by a
// finalizer, a crash-looping pod, a kubelet four minor versions behind, GPU
// nodes with six taints each, and a pod no node can take. What the overview
// and the node views say of it must be true.
func TestOverviewProductionScene(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const ns = "prod"
	createNamespace(t, ns)
	eks := func(name, pool string, i int) fixture.Node {
		return fixture.Node{Name: name, Labels: map[string]string{"eks.amazonaws.com/nodegroup": pool, "pool": pool},
			ProviderID: fmt.Sprintf("aws:///eu-west-1a/i-0%s%04d", pool, i)}
	}
	gpuTaints := []corev1.Taint{
		{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule},
		{Key: "dedicated", Value: "ml", Effect: corev1.TaintEffectNoSchedule},
		{Key: "example.com/team", Value: "ml", Effect: corev1.TaintEffectPreferNoSchedule},
		{Key: "node.cilium.io/agent-not-ready", Effect: corev1.TaintEffectNoSchedule},
		{Key: "ebs.csi.aws.com/agent-not-ready", Effect: corev1.TaintEffectNoSchedule},
		{Key: "DeletionCandidateOfClusterAutoscaler", Value: "1767225600", Effect: corev1.TaintEffectPreferNoSchedule},
	}
	var nodes []fixture.Node
	for i := 1; i <= 12; i++ {
		nodes = append(nodes, eks(fmt.Sprintf("prod-general-%02d", i), "general", i))
	}
	for i := 1; i <= 3; i++ {
		n := eks(fmt.Sprintf("prod-gpu-%d", i), "gpu", i)
		n.Taints = gpuTaints
		nodes = append(nodes, n)
	}
	for i := 1; i <= 10; i++ {
		n := eks(fmt.Sprintf("prod-spot-%02d", i), "spot", i)
		switch i {
		case 2:
			n.KubeletVersion = "v1.33.4"
		case 10:
			n.Unschedulable = true
		}
		nodes = append(nodes, n)
	}
	createNodesAtOnce(t, nodes...)

	// The drain: three pods with a finalizer on the cordoned node, evicted
	// as `kubectl drain` does, with a grace period of one second.
	const hook = "explain-nodes.test/drain-hook"
	var draining []string
	for i := range 3 {
		name := fmt.Sprintf("batch-%d", i)
		draining = append(draining, name)
		createPods(t, fixture.Pod{Name: name, Namespace: ns, NodeName: "prod-spot-10", Requests: fixture.Resources("100m", "64Mi", ""),
			Modify: func(p *corev1.Pod) { p.Finalizers = []string{hook} }})
		t.Cleanup(func() {
			patch := []byte(`{"metadata":{"finalizers":null}}`)
			_, _ = client.CoreV1().Pods(ns).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{})
		})
	}
	for _, name := range draining {
		if _, err := fixture.WaitForPod(ctx, client, ns, name, fixture.Running); err != nil {
			t.Fatal(err)
		}
		eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(1))}}
		if err := client.PolicyV1().Evictions(ns).Evict(ctx, eviction); err != nil {
			t.Fatal(err)
		}
	}
	deleted := map[string]*corev1.Pod{}
	for _, name := range draining {
		p, err := fixture.WaitForPod(ctx, client, ns, name, func(p *corev1.Pod) bool {
			return p.DeletionTimestamp != nil && time.Now().After(p.DeletionTimestamp.Add(time.Second))
		})
		if err != nil {
			t.Fatalf("the evicted pod never outlived its grace period: %v", err)
		}
		deleted[name] = p
	}

	// A crash-looping pod: its status is the test's, as a kubelet would report it.
	createPods(t,
		fixture.Pod{Name: "api-crash", Namespace: ns, NodeName: "prod-spot-01", Hold: true},
		fixture.Pod{Name: "no-room", Namespace: ns, NodeSelector: map[string]string{"pool": "none"}},
	)
	setCrashLooping(t, ns, "api-crash", 17)
	if _, err := fixture.WaitForPod(ctx, client, ns, "no-room", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}

	rep := reportJSON(t)

	t.Run("the drain is stuck, not running", func(t *testing.T) {
		f := findingsFor(rep, "NodeCordoned", "prod-spot-10")
		want := "cordoned (spec.unschedulable); drain stuck: 3 pods terminating past their grace period, held by finalizer " + hook
		if len(f) != 1 || f[0].Title != want {
			t.Fatalf("cordon finding %+v, want the title %q", f, want)
		}
		if strings.Contains(f[0].Meaning, "keep running") {
			t.Errorf("meaning: %s", f[0].Meaning)
		}
		for _, name := range draining {
			if !strings.Contains(f[0].Meaning, ns+"/"+name) {
				t.Errorf("the meaning does not name %s: %s", name, f[0].Meaning)
			}
		}
		detail := reportJSON(t, "prod-spot-10")
		n, _ := findNode(detail, "prod-spot-10")
		for _, name := range draining {
			p, ok := findPod(n, ns, name)
			if !ok || p.Terminating == nil {
				t.Errorf("%s is not shown terminating: %+v", name, p)
				continue
			}
			api := deleted[name]
			grace := time.Duration(*api.DeletionGracePeriodSeconds) * time.Second
			if !p.Terminating.Deadline.Equal(api.DeletionTimestamp.Time) || !p.Terminating.RequestedAt.Equal(api.DeletionTimestamp.Add(-grace)) ||
				!slices.Equal(p.Terminating.Finalizers, []string{hook}) {
				t.Errorf("%s: %+v; the API says deletionTimestamp %v, grace %v", name, p.Terminating, api.DeletionTimestamp, grace)
			}
		}
		text := explainNodes(t, "prod-spot-10")
		if !strings.Contains(text.Stdout, "Terminating for") || strings.Contains(text.Stdout, "Nothing needs attention") {
			t.Errorf("the node view of the drained node:\n%s", text.Stdout)
		}
	})

	t.Run("crash loops are findings", func(t *testing.T) {
		f := findingsFor(rep, "PodsCrashLooping", "prod-spot-01")
		if len(f) != 1 || f[0].Title != "1 pod crash-looping: prod/api-crash (app: 17 restarts)" {
			t.Errorf("crash-loop finding %+v", f)
		}
		text := explainNodes(t, "prod-spot-01")
		if !strings.Contains(text.Stdout, "CrashLoopBackOff") || !strings.Contains(text.Stdout, "crash-looping") || strings.Contains(text.Stdout, "Nothing needs attention") {
			t.Errorf("the node view of the node with a crash-looping pod:\n%s", text.Stdout)
		}
	})

	t.Run("the node view checks no control plane and says so", func(t *testing.T) {
		r := explainNodes(t, "-o", "json", "prod-general-01")
		var raw struct {
			ControlPlane map[string]json.RawMessage `json:"controlPlane"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &raw); err != nil {
			t.Fatal(err)
		}
		if string(raw.ControlPlane["checked"]) != "false" || string(raw.ControlPlane["components"]) != "[]" {
			t.Errorf("the node view's control plane: %s", r.Stdout[:min(len(r.Stdout), 600)])
		}
		if strings.Contains(r.Stdout, `"state"`) {
			t.Error("the node view reports a state for a component it did not check")
		}
		if !rep.ControlPlane.Checked {
			t.Error("the overview says it did not check the control plane")
		}
	})

	t.Run("one taint finding per pool of alike nodes, by purpose", func(t *testing.T) {
		var gpu []explain.Finding
		for _, f := range rep.Findings {
			if f.Code == "NodeTaint" && slices.ContainsFunc(f.Nodes, func(n string) bool { return strings.HasPrefix(n, "prod-gpu-") }) {
				gpu = append(gpu, f)
			}
		}
		want := "6 taints: 2 reserving it, 2 waiting for set-up, 1 marking its removal, 1 of unknown purpose"
		if len(gpu) != 1 || gpu[0].Title != want || !slices.Equal(gpu[0].Nodes, []string{"prod-gpu-1", "prod-gpu-2", "prod-gpu-3"}) {
			t.Errorf("the GPU nodes' taint findings: %+v\nwant one titled %q for the three", gpu, want)
		}
		n, _ := findNode(rep, "prod-gpu-1")
		for _, tn := range n.Taints {
			if tn.Key == "nvidia.com/gpu" && strings.Contains(tn.SetBy, "GKE") {
				t.Errorf("on an EKS node the GPU taint is said to be set by %q", tn.SetBy)
			}
			if tn.Effect == string(corev1.TaintEffectPreferNoSchedule) && strings.Contains(tn.Meaning+tn.EffectMeaning, "kept off") {
				t.Errorf("a PreferNoSchedule taint is said to keep pods off: %+v", tn)
			}
		}
	})

	t.Run("version skew's fix follows the versions", func(t *testing.T) {
		f := findingsFor(rep, "VersionSkew", "prod-spot-02")
		if len(f) != 1 || strings.Contains(f[0].Fix, "control plane first") || !strings.Contains(f[0].Fix, "The control plane is the newer side") {
			t.Errorf("skew finding %+v", f)
		}
	})

	t.Run("waiting pods point to why-pending -A", func(t *testing.T) {
		var waiting *explain.Finding
		for i, f := range rep.Findings {
			if f.Code == "PodsWaitingForNode" {
				waiting = &rep.Findings[i]
			}
		}
		if waiting == nil || !strings.Contains(waiting.Fix, "`kubectl explain-nodes why-pending -A`") {
			t.Errorf("waiting finding %+v", waiting)
		}
	})

	t.Run("a node named twice is explained once", func(t *testing.T) {
		text := explainNodes(t, "prod-general-01", "prod-general-01")
		if n := strings.Count(text.Stdout, "NODE prod-general-01 "); n != 1 {
			t.Errorf("the node is explained %d times:\n%s", n, text.Stdout)
		}
		if got := reportJSON(t, "prod-general-01", "prod-general-01"); len(got.Nodes) != 1 {
			t.Errorf("%d nodes in the JSON, want 1", len(got.Nodes))
		}
	})
}

// A node whose kubelet dies, as it happens. First the kubelet's heartbeat is
// late while the node is still Ready: the test renews the node's lease as if
// the last renewal were 25 s old, which keeps the node controller from
// acting while the plugin sees a silent kubelet, and the plugin gives the
// countdown. Then the lease stops: the node controller marks the node
// Unknown and taints it unreachable, the taint-eviction controller evicts
// the pods whose tolerationSeconds run out, and they stay Terminating.
func TestNodeDiesAsItHappens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const ns, node = "dying", "dying-node"
	createNamespace(t, ns)
	// The node and a healthy peer in a zone of their own: with a Ready node
	// beside it, the node controller taints the failing one at its normal
	// rate, whatever other tests do to their nodes.
	zone := map[string]string{corev1.LabelTopologyZone: "dying-zone"}
	createNodes(t,
		fixture.Node{Name: "dying-peer", Labels: zone},
		fixture.Node{Name: node, State: fixture.Silent, Labels: zone, Modify: func(n *corev1.Node) {
			old := metav1.NewTime(time.Now().Add(-time.Minute))
			for i := range n.Status.Conditions {
				n.Status.Conditions[i].LastHeartbeatTime = old
			}
		}})

	// The lease, renewed every second as if 25 s ago: late for a 40 s lease
	// renewed every 10 s, and always newer for the node controller.
	renew := func() error {
		l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
		at := metav1.NewMicroTime(time.Now().Add(-25 * time.Second))
		if err != nil {
			_, err = client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr(node), LeaseDurationSeconds: ptr(int32(40)), RenewTime: &at},
			}, metav1.CreateOptions{})
			return err
		}
		l.Spec.RenewTime = &at
		_, err = client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(ctx, l, metav1.UpdateOptions{})
		return err
	}
	if err := renew(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				_ = renew()
			}
		}
	}()
	stopRenewing := func() {
		select {
		case <-stop:
		default:
			close(stop)
			<-stopped
		}
	}
	t.Cleanup(stopRenewing)
	t.Cleanup(func() {
		_ = client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(context.Background(), node, metav1.DeleteOptions{})
	})

	// A ReplicaSet's pod, and two bare pods, tolerating the unreachable
	// taint for 2 s, 2 s and an hour.
	toleration := func(seconds int64) []corev1.Toleration {
		return []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(seconds)}}
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"kubernetes.io/hostname": node},
					Tolerations:  toleration(2),
					Containers:   []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}},
				},
			},
		},
	}
	if _, err := client.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := context.Background()
		_ = client.AppsV1().ReplicaSets(ns).Delete(bg, "web", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)})
		pods, _ := client.CoreV1().Pods(ns).List(bg, metav1.ListOptions{LabelSelector: "app=web"})
		for _, p := range pods.Items {
			_ = client.CoreV1().Pods(ns).Delete(bg, p.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
		}
	})
	createPods(t,
		fixture.Pod{Name: "bare", Namespace: ns, NodeName: node, Tolerations: toleration(2)},
		fixture.Pod{Name: "stays", Namespace: ns, NodeName: node, Tolerations: toleration(3600)},
	)
	var web string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(pods.Items) != 1 || pods.Items[0].Spec.NodeName != node {
			return false, nil
		}
		web = pods.Items[0].Name
		return true, nil
	})
	if err != nil {
		t.Fatalf("the ReplicaSet's pod was never placed on %s: %v", node, err)
	}

	t.Run("silent, still Ready: the countdown", func(t *testing.T) {
		rep := reportJSON(t)
		n, ok := findNode(rep, node)
		if !ok || n.Readiness != explain.Ready || n.LastHeartbeat == nil {
			t.Fatalf("node %+v, want it Ready with a heartbeat", n)
		}
		f := findingsFor(rep, "NodeHeartbeatLate", node)
		if len(f) != 1 {
			t.Fatalf("no NodeHeartbeatLate finding: %+v", rep.Findings)
		}
		for _, w := range []string{"still marked Ready", "By default the node controller marks a node Unknown 50s after its last heartbeat",
			corev1.TaintNodeUnreachable + ":NoExecute", "2 pods (dying/bare, dying/" + web + ") go 2s after it", "1 pod (dying/stays) goes 1h after it",
			"nothing recreates them elsewhere: dying/bare, dying/stays"} {
			if !strings.Contains(f[0].Meaning, w) {
				t.Errorf("meaning lacks %q:\n%s", w, f[0].Meaning)
			}
		}
		markAt := n.LastHeartbeat.Add(50 * time.Second)
		want := map[string]struct {
			at         time.Time
			controller string
		}{
			web:     {markAt.Add(2 * time.Second), "ReplicaSet"},
			"bare":  {markAt.Add(2 * time.Second), ""},
			"stays": {markAt.Add(time.Hour), ""},
		}
		for _, e := range n.Evictions {
			w, ok := want[e.Name]
			if !ok {
				t.Errorf("unexpected eviction %+v", e)
				continue
			}
			delete(want, e.Name)
			if e.At == nil || !e.At.Equal(w.at) || !e.ByDefault || e.Controller != w.controller || e.Terminating {
				t.Errorf("eviction of %s: %+v, want at %v (by default), controller %q", e.Name, e, w.at, w.controller)
			}
		}
		if len(want) > 0 {
			t.Errorf("no eviction said for %v", want)
		}
	})

	stopRenewing()
	var added time.Time
	err = wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		i := slices.IndexFunc(n.Spec.Taints, func(t corev1.Taint) bool {
			return t.Key == corev1.TaintNodeUnreachable && t.Effect == corev1.TaintEffectNoExecute && t.TimeAdded != nil
		})
		if i < 0 {
			return false, nil
		}
		added = n.Spec.Taints[i].TimeAdded.Time
		for _, name := range []string{web, "bare"} {
			p, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil || p.DeletionTimestamp == nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the node controller never tainted the node unreachable, or its pods were not evicted: %v", err)
	}

	t.Run("dead: evicted pods stay Terminating, bare pods are named", func(t *testing.T) {
		rep := reportJSON(t)
		n, _ := findNode(rep, node)
		if n.Readiness != explain.Unknown {
			t.Errorf("readiness %s, want Unknown", n.Readiness)
		}
		f := findingsFor(rep, "NodeUnknown", node)
		if len(f) != 1 {
			t.Fatalf("no NodeUnknown finding: %+v", rep.Findings)
		}
		for _, w := range []string{
			"tainted it " + corev1.TaintNodeUnreachable + ":NoExecute",
			"1 pod (dying/stays) goes at about",
			"2 pods are Terminating", "dying/bare", "dying/" + web,
			"they stay Terminating until the node returns or its Node object is deleted",
			"nothing recreates them elsewhere: dying/bare, dying/stays",
		} {
			if !strings.Contains(f[0].Meaning, w) {
				t.Errorf("meaning lacks %q:\n%s", w, f[0].Meaning)
			}
		}
		if _, ok := findingFor(rep, "NodeHeartbeatLate", node); ok {
			t.Error("the countdown is still given for a node already Unknown")
		}
		got := map[string]explain.Eviction{}
		for _, e := range n.Evictions {
			got[e.Name] = e
		}
		if e := got["stays"]; e.At == nil || !e.At.Equal(added.Add(time.Hour)) || e.ByDefault || e.Terminating {
			t.Errorf("eviction of stays: %+v, want at %v (the taint's time plus 3600 s)", e, added.Add(time.Hour))
		}
		if e := got[web]; !e.Terminating || e.Controller != "ReplicaSet" {
			t.Errorf("eviction of %s: %+v, want terminating, controlled by a ReplicaSet", web, e)
		}
		if e := got["bare"]; !e.Terminating || e.Controller != "" {
			t.Errorf("eviction of bare: %+v, want terminating, no controller", e)
		}
	})
}

// A cluster without nodes: the API server answers the plugin's node list
// with none.
func TestNoNodes(t *testing.T) {
	t.Parallel()
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if r.URL.Path != "/api/v1/nodes" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`))
		return true
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
	r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes")
	if r.Code != 0 {
		t.Fatalf("exit %d:\n%s", r.Code, r)
	}
	if !strings.Contains(r.Stdout, "No nodes.") || !strings.Contains(r.Stdout, "the cluster has no nodes") || strings.Contains(r.Stdout, "Nothing needs attention") {
		t.Errorf("a cluster with no nodes:\n%s", r.Stdout)
	}
}
