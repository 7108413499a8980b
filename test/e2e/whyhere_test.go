//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
)

// schedulerLog is the test cluster's kube-scheduler log, which kwokctl
// writes next to the kubeconfig; the scheduler logs every plugin's score at
// verbosity 10 of schedule_one.go (test/cluster/kwok.yaml).
func schedulerLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(filepath.Dir(kubeconfig), "logs", "kube-scheduler.log")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the scheduler's log, why-here's oracle, is not where kwokctl writes it: %v", err)
	}
	return path
}

// loggedScores are the scheduler's scores of one pod: per node, each
// plugin's weighted score and the total, from its last scoring cycle.
type loggedScores struct {
	plugins map[string]map[string]int64 // node → plugin → weighted score
	totals  map[string]int64
}

var (
	pluginScoredRE = regexp.MustCompile(`"Plugin scored node for pod" pod="([^"]+)" plugin="([^"]+)" node="([^"]+)" score=(-?\d+)`)
	finalScoreRE   = regexp.MustCompile(`"Calculated node's final score for pod" pod="([^"]+)" node="([^"]+)" score=(-?\d+)`)
)

// readScores reads the scheduler's log lines about pod (namespace/name).
// A pod scored in several cycles keeps the last one's.
func readScores(t *testing.T, path, pod string) loggedScores {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := loggedScores{plugins: map[string]map[string]int64{}, totals: map[string]int64{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	final := false
	for sc.Scan() {
		line := sc.Text()
		if m := pluginScoredRE.FindStringSubmatch(line); m != nil && m[1] == pod {
			if final { // a new cycle
				got = loggedScores{plugins: map[string]map[string]int64{}, totals: map[string]int64{}}
				final = false
			}
			v, _ := strconv.ParseInt(m[4], 10, 64)
			if got.plugins[m[3]] == nil {
				got.plugins[m[3]] = map[string]int64{}
			}
			got.plugins[m[3]][m[2]] = v
		}
		if m := finalScoreRE.FindStringSubmatch(line); m != nil && m[1] == pod {
			v, _ := strconv.ParseInt(m[3], 10, 64)
			got.totals[m[2]] = v
			final = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func placementJSON(t *testing.T, args ...string) diagnose.Placement {
	t.Helper()
	r := explainNodes(t, append([]string{"why-here", "-o", "json"}, args...)...)
	plugintest.ValidateJSON(t, "../../docs/schema/placement.schema.json", []byte(r.Stdout))
	var p diagnose.Placement
	if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
		t.Fatalf("decoding JSON: %v\n%s", err, r)
	}
	return p
}

// compareWithLog fails the test unless why-here's scores equal the
// scheduler's, number for number: the same nodes, the same plugins, each
// weighted score and each total.
func compareWithLog(t *testing.T, p diagnose.Placement, logged loggedScores) {
	t.Helper()
	if len(logged.totals) == 0 {
		t.Fatalf("the scheduler's log has no scores for %s/%s", p.Namespace, p.Pod)
	}
	if len(p.Scores) != len(logged.totals) {
		t.Errorf("why-here scored %d nodes, the scheduler %d: %v", len(p.Scores), len(logged.totals), logged.totals)
	}
	for _, n := range p.Scores {
		total, ok := logged.totals[n.Node]
		if !ok {
			t.Errorf("why-here scored %s, the scheduler did not", n.Node)
			continue
		}
		if n.Total != total {
			t.Errorf("%s: why-here's total is %d, the scheduler's %d", n.Node, n.Total, total)
		}
		mine := map[string]int64{}
		for _, ps := range n.Plugins {
			mine[ps.Plugin] = ps.Weighted
		}
		theirs := logged.plugins[n.Node]
		for plugin, v := range theirs {
			if got, ok := mine[plugin]; !ok {
				t.Errorf("%s: the scheduler scored plugin %s (%d), why-here did not", n.Node, plugin, v)
			} else if got != v {
				t.Errorf("%s: %s scores %d for why-here, %d for the scheduler", n.Node, plugin, got, v)
			}
		}
		for plugin, v := range mine {
			if _, ok := theirs[plugin]; !ok {
				t.Errorf("%s: why-here scored plugin %s (%d), the scheduler did not", n.Node, plugin, v)
			}
		}
	}
}

// waitBound waits until the scheduler has bound the pod and returns its node.
func waitBound(t *testing.T, namespace, name string) string {
	t.Helper()
	p, err := fixture.WaitForPod(context.Background(), client, namespace, name, func(p *corev1.Pod) bool { return p.Spec.NodeName != "" })
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec.NodeName
}

// The real scheduler is the oracle: for pods it placed, why-here's score of
// every node by every plugin must equal what the scheduler logged. Each
// scene has its own nodes, which only its pods select; not parallel, so
// that nothing changes between the scheduler's decision and why-here's.
func TestWhyHereAgreesWithScheduler(t *testing.T) {
	logPath := schedulerLog(t)
	createNamespace(t, "wh")
	busy := func(node string) fixture.Pod {
		return fixture.Pod{Name: "busy-" + node, Namespace: "wh", NodeName: node, Requests: fixture.Resources("2", "4Gi", "")}
	}
	withImage := func(n *corev1.Node) {
		n.Status.Images = []corev1.ContainerImage{{Names: []string{"registry.example/app:1.0"}, SizeBytes: 500 << 20}}
	}
	cpuOnly := func(cpu string) fixture.Pod {
		return fixture.Pod{Namespace: "wh", Modify: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
		}}
	}
	scenes := []struct {
		name   string
		nodes  []fixture.Node
		before []fixture.Pod
		pod    fixture.Pod
		// want is the node the pod must land on ("" when a tie leaves it
		// to chance), decided the plugin that must decide it ("tie" for a tie).
		want, decided string
		// filtered are the scene's nodes the filters reject.
		filtered []string
	}{
		{name: "least", nodes: []fixture.Node{{Name: "wh-least-a"}, {Name: "wh-least-b"}},
			before: []fixture.Pod{busy("wh-least-a")},
			pod:    fixture.Pod{Namespace: "wh", Requests: fixture.Resources("1", "1Gi", "")},
			want:   "wh-least-b", decided: diagnose.PluginNodeResourcesFit},
		{name: "balanced", nodes: []fixture.Node{{Name: "wh-balanced-a"}, {Name: "wh-balanced-b"}},
			before: []fixture.Pod{
				{Name: "explicit-mem", Namespace: "wh", NodeName: "wh-balanced-a", Requests: fixture.Resources("1", "200Mi", "")},
				func() fixture.Pod {
					p := cpuOnly("1")
					p.Name, p.NodeName = "default-mem", "wh-balanced-b"
					return p
				}(),
			},
			pod:  fixture.Pod{Namespace: "wh", Requests: fixture.Resources("1", "2Gi", "")},
			want: "wh-balanced-b", decided: diagnose.PluginBalancedAllocation},
		{name: "image", nodes: []fixture.Node{{Name: "wh-image-a"}, {Name: "wh-image-b", Modify: withImage}},
			pod:  fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", "")},
			want: "wh-image-b", decided: diagnose.PluginImageLocality},
		{name: "prefernoschedule", nodes: []fixture.Node{
			{Name: "wh-prefer-a", Taints: []corev1.Taint{{Key: "maintenance", Value: "soon", Effect: corev1.TaintEffectPreferNoSchedule}}},
			{Name: "wh-prefer-b"}},
			pod:  fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", "")},
			want: "wh-prefer-b", decided: diagnose.PluginTaintToleration},
		{name: "nodeaffinity", nodes: []fixture.Node{
			{Name: "wh-naff-ssd", Labels: map[string]string{"disk": "ssd"}},
			{Name: "wh-naff-hdd", Labels: map[string]string{"disk": "hdd"}}},
			pod: fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", ""),
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
					{Weight: 80, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}},
					{Weight: 20, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"hdd"}}}}},
				}}}},
			want: "wh-naff-ssd", decided: diagnose.PluginNodeAffinity},
		{name: "podaffinity", nodes: []fixture.Node{{Name: "wh-paff-a"}, {Name: "wh-paff-b"}},
			before: []fixture.Pod{{Name: "cache", Namespace: "wh", NodeName: "wh-paff-b", Labels: map[string]string{"app": "cache"}, Requests: fixture.Resources("100m", "128Mi", "")}},
			pod: fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", ""),
				Affinity: &corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
					{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cache"}}}},
				}}}},
			want: "wh-paff-b", decided: diagnose.PluginInterPodAffinity},
		{name: "podantiaffinity", nodes: []fixture.Node{{Name: "wh-panti-a"}, {Name: "wh-panti-b"}},
			before: []fixture.Pod{{Name: "noisy", Namespace: "wh", NodeName: "wh-panti-a", Labels: map[string]string{"app": "noisy"}, Requests: fixture.Resources("100m", "128Mi", "")}},
			pod: fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", ""),
				Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
					{Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "noisy"}}}},
				}}}},
			want: "wh-panti-b", decided: diagnose.PluginInterPodAffinity},
		// Several causes at once, and nodes the filters reject.
		{name: "messy", nodes: []fixture.Node{
			{Name: "wh-messy-busy", Modify: withImage, Labels: map[string]string{"disk": "ssd"}},
			{Name: "wh-messy-tainted", Labels: map[string]string{"disk": "ssd"},
				Taints: []corev1.Taint{{Key: "maintenance", Value: "soon", Effect: corev1.TaintEffectPreferNoSchedule}}},
			{Name: "wh-messy-noisy", Labels: map[string]string{"disk": "hdd"}},
			{Name: "wh-messy-cordoned", Unschedulable: true},
			{Name: "wh-messy-small", Capacity: fixture.Resources("1", "2Gi", "110")}},
			before: []fixture.Pod{busy("wh-messy-busy"),
				{Name: "noisy-messy", Namespace: "wh", NodeName: "wh-messy-noisy", Labels: map[string]string{"app": "noisy"}, Requests: fixture.Resources("100m", "128Mi", "")}},
			pod: fixture.Pod{Namespace: "wh", Requests: fixture.Resources("1500m", "1Gi", ""),
				Affinity: &corev1.Affinity{
					NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
						{Weight: 30, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}}}},
					PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
						{Weight: 50, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "noisy"}}}}}},
				}},
			filtered: []string{"wh-messy-cordoned", "wh-messy-small"}},
		{name: "tie", nodes: []fixture.Node{{Name: "wh-tie-a"}, {Name: "wh-tie-b"}},
			pod:     fixture.Pod{Namespace: "wh", Requests: fixture.Resources("500m", "512Mi", "")},
			decided: "tie"},
	}
	for _, sc := range scenes {
		t.Run(sc.name, func(t *testing.T) {
			for i := range sc.nodes {
				if sc.nodes[i].Labels == nil {
					sc.nodes[i].Labels = map[string]string{}
				}
				sc.nodes[i].Labels["wh-scene"] = sc.name
			}
			createNodes(t, sc.nodes...)
			createPods(t, sc.before...)
			for _, b := range sc.before {
				if _, err := fixture.WaitForPod(context.Background(), client, b.Namespace, b.Name, fixture.Running); err != nil {
					t.Fatal(err)
				}
			}
			pod := sc.pod
			pod.Name = "pod-" + sc.name
			pod.NodeSelector = map[string]string{"wh-scene": sc.name}
			createPods(t, pod)
			node := waitBound(t, "wh", pod.Name)
			if sc.want != "" && node != sc.want {
				t.Fatalf("the scheduler put %s on %s, the scene expects %s", pod.Name, node, sc.want)
			}
			p := placementJSON(t, pod.Name, "-n", "wh")
			compareWithLog(t, p, readScores(t, logPath, "wh/"+pod.Name))
			if p.Node != node || !p.Scored {
				t.Errorf("why-here says node %q, scored %v; the pod is on %s", p.Node, p.Scored, node)
			}
			rejected := map[string]string{}
			for _, v := range p.Filtered {
				rejected[v.Node] = strings.Join(v.Reasons, ", ")
			}
			for _, n := range sc.filtered {
				if rejected[n] == "" {
					t.Errorf("%s fails the filters and should be listed among the filtered: %v", n, rejected)
				}
			}
			if len(sc.filtered) > 0 && !strings.Contains(p.FilterSummary, "1 node(s) were unschedulable") {
				t.Errorf("the filter summary should count the cordoned node: %q", p.FilterSummary)
			}
			switch {
			case sc.decided == "":
				if len(p.Decided) == 0 {
					t.Errorf("why-here should say what decided it: %q", p.Summary)
				}
			case sc.decided == "tie":
				if len(p.Tied) != 2 || !strings.Contains(p.Summary, "tie") {
					t.Errorf("a tie should be said: tied %v, summary %q", p.Tied, p.Summary)
				}
			case len(p.Decided) == 0 || !strings.HasPrefix(p.Decided[0], sc.decided+":"):
				t.Errorf("%s should decide, why-here says %q", sc.decided, p.Decided)
			}
			text := explainNodes(t, "why-here", pod.Name, "-n", "wh").Stdout
			if !strings.Contains(text, "Pod wh/"+pod.Name+" is on "+node) || !strings.Contains(text, "* "+node) {
				t.Errorf("the text should name the pod's node and mark it in the table:\n%s", text)
			}
		})
	}
}

// A Deployment's replicas spread over the nodes by the scheduler's default
// topology spread constraints: the second replica goes to the node without
// the first, and why-here says PodTopologySpread decided it.
func TestWhyHereDefaultSpread(t *testing.T) {
	logPath := schedulerLog(t)
	createNamespace(t, "whs")
	createNodes(t, fixture.Node{Name: "wh-spread-a", Labels: map[string]string{"wh-scene": "spread"}},
		fixture.Node{Name: "wh-spread-b", Labels: map[string]string{"wh-scene": "spread"}})
	ctx := context.Background()
	labels := map[string]string{"app": "web"}
	template := fixture.Pod{Namespace: "whs", Labels: labels, NodeSelector: map[string]string{"wh-scene": "spread"},
		Requests: fixture.Resources("500m", "512Mi", "")}.Object()
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "whs"},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: template.Spec},
		},
	}
	*d.Spec.Replicas = 1
	if _, err := client.AppsV1().Deployments("whs").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first := waitReplicas(t, "whs", labels, 1)
	scale, err := client.AppsV1().Deployments("whs").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 2
	if _, err := client.AppsV1().Deployments("whs").UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	both := waitReplicas(t, "whs", labels, 2)
	var second corev1.Pod
	for _, p := range both {
		if p.Name != first[0].Name {
			second = p
		}
	}
	if second.Spec.NodeName == first[0].Spec.NodeName {
		t.Fatalf("both replicas are on %s; the default spread should have put the second on the other node", second.Spec.NodeName)
	}
	p := placementJSON(t, second.Name, "-n", "whs")
	compareWithLog(t, p, readScores(t, logPath, "whs/"+second.Name))
	if len(p.Decided) == 0 || !strings.HasPrefix(p.Decided[0], diagnose.PluginPodTopologySpread+":") {
		t.Errorf("PodTopologySpread should decide, why-here says %q", p.Decided)
	}
}

// waitReplicas waits until n pods with these labels are bound, and returns them.
func waitReplicas(t *testing.T, namespace string, labels map[string]string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	sel := metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: labels})
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, nil
		}
		pods = pods[:0]
		for _, p := range list.Items {
			if p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
				pods = append(pods, p)
			}
		}
		return len(pods) == n, nil
	})
	if err != nil {
		t.Fatalf("waiting for %d bound replicas: %v", n, err)
	}
	return pods
}

// why-here on a pod that is not placed yet, on a pod placed by spec.nodeName,
// and on a pod that does not exist.
func TestWhyHereNotScored(t *testing.T) {
	createNamespace(t, "whn")
	createPods(t,
		fixture.Pod{Name: "huge", Namespace: "whn", Requests: fixture.Resources("500", "", "")},
	)
	r := explainNodes(t, "why-here", "huge", "-n", "whn")
	if !strings.Contains(r.Stdout, "is not on a node yet") || !strings.Contains(r.Stdout, "why-pending huge -n whn") {
		t.Errorf("a pending pod should point to why-pending:\n%s", r.Stdout)
	}
	createNodes(t, fixture.Node{Name: "wh-direct"})
	createPods(t, fixture.Pod{Name: "direct", Namespace: "whn", NodeName: "wh-direct", Requests: fixture.Resources("100m", "", "")})
	r = explainNodes(t, "why-here", "direct", "-n", "whn")
	if !strings.Contains(r.Stdout, "named its node in spec.nodeName") {
		t.Errorf("a pod created with spec.nodeName was never scored, and should say so:\n%s", r.Stdout)
	}
	bad := kubectlRun(t, nil, "explain-nodes", "why-here", "nosuch", "-n", "whn")
	if bad.Code == 0 || !strings.Contains(bad.Stderr, "nosuch") || strings.Contains(bad.Stderr, "goroutine") {
		t.Errorf("a missing pod should fail with a clear message:\n%s", bad)
	}
	bad = kubectlRun(t, nil, "explain-nodes", "why-here")
	if bad.Code == 0 || !strings.Contains(bad.Stderr, "one argument") {
		t.Errorf("why-here without a pod should fail with a clear message:\n%s", bad)
	}
}

// schedulerConfig is a KubeSchedulerConfiguration that changes scoring: a
// profile of its own name that packs pods (MostAllocated) with
// NodeResourcesFit weighing 5, and without ImageLocality.
const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %s
leaderElection:
  leaderElect: false
profiles:
- schedulerName: packing-scheduler
  plugins:
    score:
      enabled:
      - name: NodeResourcesFit
        weight: 5
      disabled:
      - name: ImageLocality
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - name: cpu
          weight: 1
        - name: memory
          weight: 1
`

// A second, real kube-scheduler runs with a configuration of its own; for a
// pod it placed, why-here --scheduler-config with the same file must give
// its scores, number for number, and without the file it must say the
// scores follow the default profile.
func TestWhyHereSchedulerConfig(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(schedulerConfig, kubeconfig)), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "scheduler.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	sched := exec.Command(filepath.Join(filepath.Dir(kubectl), "kube-scheduler"), "--config", config, "--vmodule", "schedule_one=10", "--secure-port", "0")
	sched.Stdout, sched.Stderr = logFile, logFile
	if err := sched.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sched.Process.Kill()
		_ = sched.Wait()
	})

	createNamespace(t, "whc")
	createNodes(t, fixture.Node{Name: "wh-pack-busy", Labels: map[string]string{"wh-scene": "pack"}},
		fixture.Node{Name: "wh-pack-empty", Labels: map[string]string{"wh-scene": "pack"}})
	createPods(t, fixture.Pod{Name: "busy", Namespace: "whc", NodeName: "wh-pack-busy", Requests: fixture.Resources("2", "4Gi", "")})
	if _, err := fixture.WaitForPod(context.Background(), client, "whc", "busy", fixture.Running); err != nil {
		t.Fatal(err)
	}
	createPods(t, fixture.Pod{Name: "packed", Namespace: "whc", NodeSelector: map[string]string{"wh-scene": "pack"},
		Requests: fixture.Resources("1", "1Gi", ""), Modify: func(p *corev1.Pod) { p.Spec.SchedulerName = "packing-scheduler" }})
	node := waitBound(t, "whc", "packed")
	if node != "wh-pack-busy" {
		logged, _ := os.ReadFile(logPath)
		t.Fatalf("the packing scheduler put the pod on %s, not on the busy node\n%s", node, logged)
	}
	p := placementJSON(t, "packed", "-n", "whc", "--scheduler-config", config)
	compareWithLog(t, p, readScores(t, logPath, "whc/packed"))
	if !strings.Contains(p.Profile, "packing-scheduler") || len(p.Decided) == 0 || !strings.HasPrefix(p.Decided[0], diagnose.PluginNodeResourcesFit+":") {
		t.Errorf("the packing profile should be named and NodeResourcesFit decide: profile %q, decided %q", p.Profile, p.Decided)
	}
	plain := placementJSON(t, "packed", "-n", "whc")
	if !strings.Contains(strings.Join(plain.Caveats, " "), `asks for scheduler "packing-scheduler"`) {
		t.Errorf("without its configuration, why-here should say the pod's scheduler may score differently: %q", plain.Caveats)
	}
	for _, bad := range []struct{ content, want string }{
		{"kind: Pod\napiVersion: v1\n", "is not a KubeSchedulerConfiguration"},
		{"apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled:\n      - name: MyPlugin\n", "MyPlugin"},
		{"{{{", "is not a KubeSchedulerConfiguration"},
	} {
		f := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(f, []byte(bad.content), 0o600); err != nil {
			t.Fatal(err)
		}
		r := kubectlRun(t, nil, "explain-nodes", "why-here", "packed", "-n", "whc", "--scheduler-config", f)
		if r.Code == 0 || !strings.Contains(r.Stderr, bad.want) || strings.Contains(r.Stderr, "goroutine") {
			t.Errorf("a bad --scheduler-config should fail with %q:\n%s", bad.want, r)
		}
	}
	r := kubectlRun(t, nil, "explain-nodes", "why-here", "packed", "-n", "whc", "--scheduler-config", filepath.Join(dir, "missing.yaml"))
	if r.Code == 0 || !strings.Contains(r.Stderr, "missing.yaml") {
		t.Errorf("a missing --scheduler-config should be named:\n%s", r)
	}
}

// why-pending says where a pod kept off every node would go once the taints
// that alone keep it from some nodes were lifted; the real scheduler then
// lifts them (the pod gains a toleration, one change) and must place the pod
// there, with the scores why-pending gave. A control-plane node is never a
// candidate.
func TestWhyPendingLikelyNode(t *testing.T) {
	logPath := schedulerLog(t)
	createNamespace(t, "whl")
	scene := map[string]string{"wh-scene": "likely"}
	rollout := func(wave string) []corev1.Taint {
		return []corev1.Taint{{Key: "example.com/rollout", Value: wave, Effect: corev1.TaintEffectNoSchedule}}
	}
	createNodes(t,
		fixture.Node{Name: "wh-likely-wave1", Labels: scene, Taints: rollout("wave-1")},
		fixture.Node{Name: "wh-likely-wave2", Labels: scene, Taints: rollout("wave-2"), Modify: func(n *corev1.Node) {
			n.Status.Images = []corev1.ContainerImage{{Names: []string{"registry.example/app:1.0"}, SizeBytes: 800 << 20}}
		}},
		fixture.Node{Name: "wh-likely-cp", Labels: scene, Roles: []string{"control-plane"}, Taints: []corev1.Taint{fixture.ControlPlaneTaint}},
	)
	createPods(t, fixture.Pod{Name: "waiting", Namespace: "whl", NodeSelector: scene, Requests: fixture.Resources("500m", "512Mi", "")})
	if _, err := fixture.WaitForPod(context.Background(), client, "whl", "waiting", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	d := diagnosisJSON(t, "waiting", "-n", "whl")
	if d.Likely == nil || d.Likely.Node != "wh-likely-wave2" || len(d.Likely.Candidates) != 2 {
		t.Fatalf("why-pending should name wh-likely-wave2 among 2 candidates: %+v", d.Likely)
	}
	text := explainNodes(t, "why-pending", "waiting", "-n", "whl").Stdout
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "the pod would most likely go to wh-likely-wave2") {
		t.Errorf("the text should say where the pod would go:\n%s", text)
	}
	ctx := context.Background()
	pod, err := client.CoreV1().Pods("whl").Get(ctx, "waiting", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Key: "example.com/rollout", Operator: corev1.TolerationOpExists})
	if _, err := client.CoreV1().Pods("whl").Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if node := waitBound(t, "whl", "waiting"); node != d.Likely.Node {
		t.Fatalf("the scheduler put the pod on %s; why-pending said %s", node, d.Likely.Node)
	}
	compareWithLog(t, diagnose.Placement{Namespace: "whl", Pod: "waiting", Scores: d.Likely.Candidates}, readScores(t, logPath, "whl/waiting"))
}

// For a pod kept off its nodes by resources only, why-pending says where the
// first fix (a lower request) would send it; a pod with that request then
// goes there, with the scores why-pending gave.
func TestWhyPendingLikelyNodeLowerRequest(t *testing.T) {
	logPath := schedulerLog(t)
	createNamespace(t, "whr")
	scene := map[string]string{"wh-scene": "lower"}
	createNodes(t,
		fixture.Node{Name: "wh-lower-a", Labels: scene},
		fixture.Node{Name: "wh-lower-b", Labels: scene, Modify: func(n *corev1.Node) {
			n.Status.Images = []corev1.ContainerImage{{Names: []string{"registry.example/app:1.0"}, SizeBytes: 800 << 20}}
		}},
	)
	createPods(t,
		fixture.Pod{Name: "filler-a", Namespace: "whr", NodeName: "wh-lower-a", Requests: fixture.Resources("2", "1Gi", "")},
		fixture.Pod{Name: "filler-b", Namespace: "whr", NodeName: "wh-lower-b", Requests: fixture.Resources("2", "1Gi", "")},
		fixture.Pod{Name: "big", Namespace: "whr", NodeSelector: scene, Requests: fixture.Resources("3", "1Gi", "")},
	)
	if _, err := fixture.WaitForPod(context.Background(), client, "whr", "big", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	d := diagnosisJSON(t, "big", "-n", "whr")
	if d.Likely == nil || d.Likely.Node != "wh-lower-b" || len(d.Likely.Candidates) != 2 || !strings.Contains(d.Likely.Text, "at most 2 cpu") {
		t.Fatalf("why-pending should send the lowered pod to wh-lower-b among 2 nodes: %+v", d.Likely)
	}
	createPods(t, fixture.Pod{Name: "lowered", Namespace: "whr", NodeSelector: scene, Requests: fixture.Resources("2", "1Gi", "")})
	if node := waitBound(t, "whr", "lowered"); node != d.Likely.Node {
		t.Fatalf("the scheduler put the lowered pod on %s; why-pending said %s", node, d.Likely.Node)
	}
	compareWithLog(t, diagnose.Placement{Namespace: "whr", Pod: "lowered", Scores: d.Likely.Candidates}, readScores(t, logPath, "whr/lowered"))
}
