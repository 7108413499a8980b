//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// The overview as an engineer on call reads it: 25 nodes in three pools,
// two down, several degraded in different ways (pressure, a kernel deadlock
// from node-problem-detector, memory limits at 600%, a crash-looping pod, a
// full node, a cordon), a DaemonSet missing on the full node, and a pool
// mid-upgrade. The verdict comes first, the nodes most
// severe first, every node is in -o wide by its name, each blind spot has
// its code, and the JSON matches the schema.
func TestOnCallOverview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	node := func(name, pool string, mod func(*fixture.Node)) fixture.Node {
		n := fixture.Node{Name: name, Labels: map[string]string{"explain-nodes.test/scene": "oncall", "explain-nodes.test/pool": pool}}
		switch pool {
		case "gen":
			n.Capacity = fixture.Resources("4", "16Gi", "110")
		case "batch":
			n.Capacity = fixture.Resources("16", "64Gi", "110")
		default:
			n.Capacity = fixture.Resources("8", "32Gi", "110")
		}
		if mod != nil {
			mod(&n)
		}
		return n
	}
	kernelDeadlock := func(n *fixture.Node) {
		n.Modify = func(o *corev1.Node) {
			// As node-problem-detector's kernel monitor reports it.
			o.Status.Conditions = append(o.Status.Conditions, corev1.NodeCondition{Type: "KernelDeadlock", Status: corev1.ConditionTrue,
				Reason: "DockerHung", Message: "kernel: INFO: task docker:20744 blocked for more than 120 seconds.",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()})
		}
	}
	var nodes []fixture.Node
	for i := 1; i <= 8; i++ {
		var mod func(*fixture.Node)
		switch i {
		case 3:
			mod = func(n *fixture.Node) { n.State = fixture.NotReady }
		case 4:
			mod = func(n *fixture.Node) { n.State = fixture.Silent }
		case 5:
			mod = func(n *fixture.Node) { n.State = fixture.DiskPressure }
		case 6:
			mod = func(n *fixture.Node) { n.State = fixture.MemoryPressure }
		case 7:
			mod = kernelDeadlock
		}
		nodes = append(nodes, node(fmt.Sprintf("oc-gen-%02d", i), "gen", mod))
	}
	for i := 1; i <= 9; i++ {
		var mod func(*fixture.Node)
		if i == 9 {
			mod = func(n *fixture.Node) { n.Capacity = fixture.Resources("16", "64Gi", "1") }
		}
		nodes = append(nodes, node(fmt.Sprintf("oc-batch-%02d", i), "batch", mod))
	}
	for i := 1; i <= 8; i++ {
		nodes = append(nodes, node(fmt.Sprintf("oc-up-%02d", i), "up", func(n *fixture.Node) {
			if i <= 4 {
				n.KubeletVersion = "v1.36.4"
			}
			n.Unschedulable = i == 2
		}))
	}
	createNodesAtOnce(t, nodes...)

	createNamespace(t, "oncall")
	bigLimits := func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Gi")}
	}
	createPods(t,
		fixture.Pod{Name: "greedy-1", Namespace: "oncall", NodeName: "oc-batch-02", Requests: fixture.Resources("1", "4Gi", ""), Modify: bigLimits},
		fixture.Pod{Name: "greedy-2", Namespace: "oncall", NodeName: "oc-batch-02", Requests: fixture.Resources("1", "4Gi", ""), Modify: bigLimits},
		fixture.Pod{Name: "greedy-3", Namespace: "oncall", NodeName: "oc-batch-02", Requests: fixture.Resources("1", "4Gi", ""), Modify: bigLimits},
		fixture.Pod{Name: "trainer", Namespace: "oncall", NodeName: "oc-batch-03", Hold: true},
		fixture.Pod{Name: "filler", Namespace: "oncall", NodeName: "oc-batch-09"},
	)
	// A log shipper on every batch node: the full one has no room for it.
	agent := map[string]string{"app": "oc-agent"}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "log-agent", Namespace: "oncall"}, Spec: appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: agent},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: agent}, Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"explain-nodes.test/scene": "oncall", "explain-nodes.test/pool": "batch"},
			Containers: []corev1.Container{{Name: "agent", Image: "registry.example/log-agent:2.1",
				Resources: corev1.ResourceRequirements{Requests: fixture.Resources("10m", "32Mi", "")}}}}}}}
	if _, err := client.AppsV1().DaemonSets("oncall").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.AppsV1().DaemonSets("oncall").Delete(context.Background(), "log-agent", metav1.DeleteOptions{})
	})
	setCrashLooping(t, "oncall", "trainer", 9)
	// The node controller marks the silent node Unknown after its grace
	// period.
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "oc-gen-04", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionUnknown, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("the node controller never marked oc-gen-04 Unknown: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().DaemonSets("oncall").Get(ctx, "log-agent", metav1.GetOptions{})
		return err == nil && d.Status.DesiredNumberScheduled == 9 && d.Status.NumberReady == 8, nil
	})
	if err != nil {
		t.Fatalf("the DaemonSet never had 8 of its 9 pods ready: %v", err)
	}

	scene := []string{"-l", "explain-nodes.test/scene=oncall", "--group-by", "explain-nodes.test/pool"}
	r := kubectlRun(t, nil, append([]string{"explain-nodes"}, scene...)...)
	if r.Code != 0 {
		t.Fatal(r)
	}
	lines := []string{"", verdictLine(r.Stdout)}
	verdict := regexp.MustCompile(`^2 nodes down \(oc-gen-03 NotReady \d+[sm], oc-gen-04 silent \d+[sm]\), 7 degraded \(oc-batch-02 mem limits 600%, oc-batch-03 [^,]+, oc-batch-09 [^,]+ and 4 more\), 1 pool upgrading \(up\), \d+ pods? waiting for a node\.$`)
	if !verdict.MatchString(lines[1]) {
		t.Errorf("the verdict line\n %q\ndoes not match %s", lines[1], verdict)
	}
	for _, want := range []string{
		"POOLS (by explain-nodes.test/pool)",
		"batch  9      3 degraded",
		"gen    8      2 down, 3 degraded",
		"up     8      1 degraded, 1 cordoned  v1.36.4,v1.37.2",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the overview lacks %q:\n%s", want, r.Stdout)
		}
	}

	// -o wide: every node by its name, most severe first.
	wide := explainNodes(t, append(scene, "-o", "wide")...).Stdout
	table := wide[strings.Index(wide, "\nNODES\n"):]
	var rows []string
	for _, l := range strings.Split(table, "\n")[3:] {
		if l == "" {
			break
		}
		rows = append(rows, strings.Fields(l)[0])
	}
	if len(rows) != 25 {
		t.Errorf("-o wide shows %d node rows, want all 25:\n%s", len(rows), table)
	}
	for _, n := range nodes {
		if !slices.Contains(rows, n.Name) {
			t.Errorf("%s is not in -o wide by its name", n.Name)
		}
	}
	wantFirst := []string{"oc-gen-03", "oc-gen-04", "oc-batch-02", "oc-batch-03", "oc-batch-09", "oc-gen-05", "oc-gen-06", "oc-gen-07", "oc-up-02"}
	if len(rows) >= len(wantFirst) && !slices.Equal(rows[:len(wantFirst)], wantFirst) {
		t.Errorf("the first rows are %q, want the down nodes then the degraded: %q", rows[:len(wantFirst)], wantFirst)
	}

	// Each blind spot has its code, on its node.
	raw := explainNodes(t, append(scene, "-o", "json")...).Stdout
	plugintest.ValidateJSON(t, "../../docs/schema/report.schema.json", []byte(raw))
	rep := reportJSON(t, scene...)
	for _, want := range []struct{ code, node, severity string }{
		{"NodeNotReady", "oc-gen-03", explain.SeverityCritical},
		{"NodeUnknown", "oc-gen-04", explain.SeverityCritical},
		{"NodeDiskPressure", "oc-gen-05", explain.SeverityWarning},
		{"NodeMemoryPressure", "oc-gen-06", explain.SeverityWarning},
		{"NodeKernelDeadlock", "oc-gen-07", explain.SeverityWarning},
		{"LimitsOvercommitted", "oc-batch-02", explain.SeverityWarning},
		{"PodsCrashLooping", "oc-batch-03", explain.SeverityWarning},
		{"NodeCordoned", "oc-up-02", explain.SeverityWarning},
		{"PodsNearLimit", "oc-batch-09", explain.SeverityWarning},
		{"PoolUpgrading", "oc-up-05", explain.SeverityInfo},
	} {
		f := findingsFor(rep, want.code, want.node)
		if len(f) == 0 || f[0].Severity != want.severity {
			t.Errorf("%s on %s: %+v, want one %s", want.code, want.node, f, want.severity)
		}
	}
	if f := findingsFor(rep, "NodeKernelDeadlock", "oc-gen-07"); len(f) == 1 && f[0].Condition != "KernelDeadlock" {
		t.Errorf("the kernel deadlock finding names condition %q", f[0].Condition)
	}
	if f := findingsFor(rep, "LimitsOvercommitted", "oc-batch-02"); len(f) == 1 && (f[0].Usage == nil || f[0].Usage.Percent != 600) {
		t.Errorf("the limits finding's numbers: %+v", f[0].Usage)
	}
	var missing *explain.Finding
	for i, f := range rep.Findings {
		if f.Code == explain.CodeDaemonSetIncomplete && strings.HasPrefix(f.Title, "DaemonSet oncall/log-agent:") {
			missing = &rep.Findings[i]
		}
	}
	if missing == nil || missing.Title != "DaemonSet oncall/log-agent: 8 of 9 pods ready, 1 pod not placed" ||
		!strings.Contains(missing.Fix, "`kubectl explain-nodes why-pending -n oncall -l app=oc-agent`") {
		t.Errorf("the DaemonSet missing on the full node: %+v", missing)
	}
	if len(rep.Pools) != 3 || len(rep.Nodes) != 25 {
		t.Errorf("%d pools and %d nodes, want 3 and 25", len(rep.Pools), len(rep.Nodes))
	}
	for _, n := range rep.Nodes {
		if n.Labels["explain-nodes.test/pool"] != n.Pool || n.Taints == nil || n.Conditions == nil {
			t.Errorf("node %s: pool %q, labels %v, taints %v, conditions %v", n.Name, n.Pool, n.Labels, n.Taints, n.Conditions)
		}
	}
}
