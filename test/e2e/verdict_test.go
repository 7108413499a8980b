//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
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
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// One pool of the cluster, selected with -l as kubectl selects nodes: the
// verdict comes first and names the node that is down, the nodes come most
// severe first, and the JSON carries the verdict and each node's severity.
func TestOverviewVerdictOfAPool(t *testing.T) {
	t.Parallel()
	pool := map[string]string{"explain-nodes.test/pool": "vd"}
	createNodes(t,
		fixture.Node{Name: "vd-a-ok", Labels: pool},
		fixture.Node{Name: "vd-b-disk", Labels: pool, State: fixture.DiskPressure},
		fixture.Node{Name: "vd-c-cordoned", Labels: pool, Unschedulable: true},
		fixture.Node{Name: "vd-d-notready", Labels: pool, State: fixture.NotReady},
		fixture.Node{Name: "vd-other"}, // not in the pool
	)
	const selector = "explain-nodes.test/pool=vd"
	r := kubectlRun(t, nil, "explain-nodes", "-l", selector)
	if r.Code != 0 {
		t.Fatalf("explain-nodes -l %s: %s", selector, r)
	}
	text := r.Stdout
	lines := strings.Split(text, "\n")
	lines[1] = verdictLine(text)
	// The pods waiting for a node are the cluster's, which other tests change.
	verdict := regexp.MustCompile(`^1 node down \(vd-d-notready NotReady \d+[sm]\), 2 degraded \(vd-b-disk DiskPressure, vd-c-cordoned cordoned\)(, \d+ pods? waiting for a node)?\.$`)
	if len(lines) < 2 || !verdict.MatchString(lines[1]) {
		t.Fatalf("the second line is not the verdict %s:\n%s", verdict, text)
	}
	if !strings.Contains(text, "\n4 nodes: 3 Ready, 1 NotReady; 1 cordoned.") {
		t.Errorf("the third line does not count the pool's nodes:\n%s", text)
	}
	for _, absent := range []string{"vd-other", "The front door of the cluster", "WORKER COMPONENTS"} {
		if strings.Contains(text, absent) {
			t.Errorf("the overview of the pool shows %q:\n%s", absent, text)
		}
	}
	order := []string{"CONTROL PLANE: ", "FINDINGS", "NODES"}
	last := 0
	for _, h := range order {
		i := strings.Index(text, "\n"+h)
		if i < last {
			t.Errorf("%q missing or out of order (want %q):\n%s", h, order, text)
		}
		last = i
	}
	var rows []string
	// After the heading, its newline and the header row.
	for _, l := range strings.Split(text[last:], "\n")[3:] {
		if l == "" {
			break
		}
		rows = append(rows, strings.Fields(l)[0])
	}
	if want := []string{"vd-d-notready", "vd-b-disk", "vd-c-cordoned", "vd-a-ok"}; !slices.Equal(rows, want) {
		t.Errorf("node rows %q, want the most severe first %q:\n%s", rows, want, text)
	}

	// -o wide: every node by its full name, with its pool; the pools by the
	// label asked for.
	wide := explainNodes(t, "-l", selector, "-o", "wide", "--group-by", "explain-nodes.test/pool").Stdout
	if !strings.Contains(wide, "POOLS (by explain-nodes.test/pool)\nPOOL  NODES  HEALTH") {
		t.Errorf("no POOLS section by the label asked for:\n%s", wide)
	}
	for _, n := range []string{"vd-a-ok", "vd-b-disk", "vd-c-cordoned", "vd-d-notready"} {
		if !regexp.MustCompile(`(?m)^` + n + ` .* vd +- +- +- +- +containerd://`).MatchString(wide) {
			t.Errorf("-o wide has no full row for %s with its pool:\n%s", n, wide)
		}
	}
	if r := kubectlRun(t, nil, "explain-nodes", "--group-by", "a b"); r.Code != 1 || !strings.Contains(r.Stderr, `--group-by "a b" is not a label key`) {
		t.Errorf("a bad --group-by: %s", r)
	}

	rep := reportJSON(t, "-l", selector)
	severities := map[string]string{}
	for _, n := range rep.Nodes {
		severities[n.Name] = n.Severity
	}
	want := map[string]string{"vd-a-ok": explain.SeverityNone, "vd-b-disk": explain.SeverityWarning,
		"vd-c-cordoned": explain.SeverityWarning, "vd-d-notready": explain.SeverityCritical}
	for name, sev := range want {
		if severities[name] != sev {
			t.Errorf("node %s: severity %q, want %q", name, severities[name], sev)
		}
	}
	if len(rep.Nodes) != 4 {
		t.Errorf("%d nodes in the JSON, want the pool's 4", len(rep.Nodes))
	}
	v := rep.Verdict
	if v.Severity != explain.SeverityCritical || len(v.Down) != 1 || v.Down[0].Name != "vd-d-notready" || v.Down[0].Since == nil ||
		!slices.Equal(v.Degraded, []string{"vd-b-disk", "vd-c-cordoned"}) || !verdict.MatchString(v.Text) {
		t.Errorf("verdict %+v, want vd-d-notready down, vd-b-disk and vd-c-cordoned degraded, and the text's line", v)
	}
}

// Bad selectors are refused with a clear message, as is a selector that
// matches no node; node names and -l do not go together; -o wide is the
// overview's.
func TestSelectorRefusals(t *testing.T) {
	t.Parallel()
	createNodes(t, fixture.Node{Name: "sel-any"}) // the cluster has nodes, none in the pool asked for
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-l", "a=(b"}, `-l "a=(b" is not a label selector`},
		{[]string{"-l", "explain-nodes.test/pool=no-such-pool"}, `no node matches the selector "explain-nodes.test/pool=no-such-pool" (the cluster has`},
		{[]string{"some-node", "-l", "a=b"}, "give node names or -l, not both"},
		{[]string{"why-pending", "-A", "-l", "!!"}, `-l "!!" is not a label selector`},
		{[]string{"why-pending", "p", "-l", "a=b"}, "-l selects among the Pending pods"},
		{[]string{"why-pending", "-A", "-o", "wide"}, "-o wide is for the node overview"},
	} {
		r := kubectlRun(t, nil, append([]string{"explain-nodes"}, tc.args...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, tc.want) || strings.Contains(r.Stderr, "goroutine") {
			t.Errorf("explain-nodes %s: want exit 1 and %q, got %s", strings.Join(tc.args, " "), tc.want, r)
		}
	}
}

// why-pending without POD keeps the Pending pods whose labels match -l.
func TestWhyPendingSelector(t *testing.T) {
	t.Parallel()
	createNamespace(t, "wpsel")
	nowhere := map[string]string{"explain-nodes.test/nowhere": "x"}
	createPods(t,
		fixture.Pod{Name: "web-1", Namespace: "wpsel", Labels: map[string]string{"app": "web"}, NodeSelector: nowhere},
		fixture.Pod{Name: "web-2", Namespace: "wpsel", Labels: map[string]string{"app": "web"}, NodeSelector: nowhere},
		fixture.Pod{Name: "cache-1", Namespace: "wpsel", Labels: map[string]string{"app": "cache"}, NodeSelector: nowhere},
	)
	for _, p := range []string{"web-1", "web-2", "cache-1"} {
		if _, err := fixture.WaitForPod(context.Background(), client, "wpsel", p, fixture.Unschedulable); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-n", "wpsel", "-l", "app=web"}, []string{"wpsel/web-1", "wpsel/web-2"}},
		{[]string{"-A", "-l", "app=cache"}, []string{"wpsel/cache-1"}},
		{[]string{"-n", "wpsel", "-l", "app notin (web,cache)"}, nil},
	} {
		r := explainNodes(t, append([]string{"why-pending", "-o", "json"}, tc.args...)...)
		var list diagnose.PendingList
		if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
			t.Fatalf("decoding: %v\n%s", err, r)
		}
		var got []string
		for _, g := range list.Groups {
			got = append(got, g.Pods...)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) || list.Pods != len(tc.want) {
			t.Errorf("why-pending %s: pods %q (%d), want %q", strings.Join(tc.args, " "), got, list.Pods, tc.want)
		}
	}
}

// The JSON of the real cluster (with every scene the other tests leave on
// it), of a node view and of why-pending is valid against the checked-in
// schemas.
func TestJSONMatchesSchema(t *testing.T) {
	t.Parallel()
	createNodes(t, fixture.Node{Name: "js-disk", State: fixture.DiskPressure}, fixture.Node{Name: "js-cordoned", Unschedulable: true})
	createNamespace(t, "jsch")
	createPods(t, fixture.Pod{Name: "stuck", Namespace: "jsch", NodeSelector: map[string]string{"explain-nodes.test/nowhere": "x"}})
	if _, err := fixture.WaitForPod(context.Background(), client, "jsch", "stuck", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		args   []string
	}{
		{"report", []string{"-o", "json"}},
		{"report", []string{"js-disk", "js-cordoned", "-o", "json"}},
		{"diagnosis", []string{"why-pending", "stuck", "-n", "jsch", "-o", "json"}},
		{"pendinglist", []string{"why-pending", "-A", "-o", "json"}},
	} {
		r := explainNodes(t, tc.args...)
		plugintest.ValidateJSON(t, "../../docs/schema/"+tc.schema+".schema.json", []byte(r.Stdout))
	}
}

// Limits that add up to more than twice what a node has, on real pods: the
// memory warning with its numbers and what it risks.
func TestLimitsOvercommittedOnANode(t *testing.T) {
	t.Parallel()
	createNodes(t, fixture.Node{Name: "lim-1"})
	createNamespace(t, "lim")
	withLimits := func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("12Gi")}
	}
	for _, name := range []string{"a", "b", "c"} {
		createPods(t, fixture.Pod{Name: name, Namespace: "lim", NodeName: "lim-1", Requests: fixture.Resources("100m", "1Gi", ""), Modify: withLimits})
	}
	rep := reportJSON(t, "lim-1")
	var memory *explain.Finding
	for i, f := range rep.Findings {
		if f.Code == explain.CodeLimitsOvercommitted && f.Usage != nil && f.Usage.Resource == "memory" {
			memory = &rep.Findings[i]
		}
	}
	if memory == nil {
		t.Fatalf("no memory LimitsOvercommitted finding: %+v", rep.Findings)
	}
	want := explain.Usage{Resource: "memory", Of: "limits", Unit: explain.UnitBytes, Requested: 36 << 30, Allocatable: 16 << 30, Percent: 225}
	if *memory.Usage != want || memory.Severity != explain.SeverityWarning || !strings.Contains(memory.Meaning, "OOM-kills") {
		t.Errorf("finding %+v usage %+v, want a warning with %+v that names OOM kills", memory, *memory.Usage, want)
	}
	if n, _ := findNode(rep, "lim-1"); n.MemoryLimitsBytes != 36<<30 || n.CPULimitsMilli != 6000 {
		t.Errorf("node limits %d bytes, %dm; want 36Gi and 6", n.MemoryLimitsBytes, n.CPULimitsMilli)
	}
}

// A pool whose nodes run two kubelet versions, one of them cordoned, is
// mid-upgrade: a finding and the verdict say so.
func TestPoolMidUpgrade(t *testing.T) {
	t.Parallel()
	pool := map[string]string{"explain-nodes.test/pool": "mid"}
	createNodes(t,
		fixture.Node{Name: "mid-new", Labels: pool},
		fixture.Node{Name: "mid-old", Labels: pool, KubeletVersion: "v1.36.4", Unschedulable: true},
	)
	args := []string{"-l", "explain-nodes.test/pool=mid", "--group-by", "explain-nodes.test/pool"}
	rep := reportJSON(t, args...)
	var titles []string
	for _, f := range rep.Findings {
		if f.Code == explain.CodePoolUpgrading {
			titles = append(titles, f.Title)
		}
	}
	want := "pool mid mid-upgrade: kubelet v1.36.4 on 1 node, v1.37.2 on 1 node; mid-old cordoned"
	if !slices.Equal(titles, []string{want}) {
		t.Errorf("PoolUpgrading findings %q, want %q", titles, want)
	}
	if !slices.Equal(rep.Verdict.PoolsUpgrading, []string{"mid"}) || !strings.Contains(rep.Verdict.Text, "1 pool upgrading (mid)") {
		t.Errorf("verdict %q, pools upgrading %q", rep.Verdict.Text, rep.Verdict.PoolsUpgrading)
	}
	if len(rep.Pools) != 1 || !slices.Equal(rep.Pools[0].KubeletVersions, []string{"v1.36.4", "v1.37.2"}) || rep.Pools[0].Cordoned != 1 {
		t.Errorf("pools %+v", rep.Pools)
	}
}

// A DaemonSet whose pod cannot land on a full node: the overview names it,
// with the why-pending command for its Pending pod, and that command, run
// as printed, explains the pod ("Too many pods").
func TestDaemonSetMissingOnAFullNode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := map[string]string{"explain-nodes.test/pool": "dsm"}
	createNodes(t,
		fixture.Node{Name: "dsm-1", Labels: pool},
		fixture.Node{Name: "dsm-2", Labels: pool},
		fixture.Node{Name: "dsm-full", Labels: pool, Capacity: fixture.Resources("4", "16Gi", "1")},
	)
	createNamespace(t, "dsm")
	createPods(t, fixture.Pod{Name: "filler", Namespace: "dsm", NodeName: "dsm-full"})
	labels := map[string]string{"app": "dsm-agent"}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "dsm"}, Spec: appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			NodeSelector: pool,
			Containers: []corev1.Container{{Name: "agent", Image: "registry.example/agent:1.0",
				Resources: corev1.ResourceRequirements{Requests: fixture.Resources("10m", "", "")}}}}}}}
	if _, err := client.AppsV1().DaemonSets("dsm").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.AppsV1().DaemonSets("dsm").Delete(context.Background(), "agent", metav1.DeleteOptions{})
	})
	err := wait.PollUntilContextTimeout(ctx, time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().DaemonSets("dsm").Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && d.Status.DesiredNumberScheduled == 3 && d.Status.NumberReady == 2, nil
	})
	if err != nil {
		t.Fatalf("the DaemonSet never had 2 of its 3 pods ready: %v", err)
	}
	rep := reportJSON(t)
	var found *explain.Finding
	for i, f := range rep.Findings {
		if f.Code == explain.CodeDaemonSetIncomplete && strings.HasPrefix(f.Title, "DaemonSet dsm/agent:") {
			found = &rep.Findings[i]
		}
	}
	const command = "kubectl explain-nodes why-pending -n dsm -l app=dsm-agent"
	if found == nil || found.Title != "DaemonSet dsm/agent: 2 of 3 pods ready, 1 pod not placed" || found.Severity != explain.SeverityWarning ||
		!strings.Contains(found.Fix, "`"+command+"`") {
		t.Fatalf("DaemonSetIncomplete for dsm/agent: %+v", found)
	}
	// The command the fix gives, as printed.
	r := explainNodes(t, append(strings.Fields(command)[2:], "-o", "json")...)
	var list diagnose.PendingList
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("decoding: %v\n%s", err, r)
	}
	if list.Pods != 1 || len(list.Groups) != 1 || !strings.Contains(list.Groups[0].Cause, "Too many pods") {
		t.Errorf("why-pending for the DaemonSet's pods: %+v", list)
	}
}

// verdictLine is the overview's verdict, its wrapped lines joined: from the
// second line to the one before the nodes are counted.
func verdictLine(text string) string {
	lines := strings.Split(text, "\n")
	var v []string
	for _, l := range lines[1:] {
		if regexp.MustCompile(`^\d+ nodes?: `).MatchString(l) {
			break
		}
		v = append(v, strings.TrimSpace(l))
	}
	return strings.Join(v, " ")
}
