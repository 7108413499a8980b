//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// The production-like scene: EKS-style node names in three zones, on-demand
// and spot groups, GPU nodes, a node with six taints, a cordoned, a NotReady
// and a disk-pressured node, full nodes, and pending pods with many causes
// at once.
const (
	odA1     = "ip-10-0-1-11.eu-west-1.compute.internal"
	odA2     = "ip-10-0-1-12.eu-west-1.compute.internal"
	odB1     = "ip-10-0-2-21.eu-west-1.compute.internal"
	odC1     = "ip-10-0-3-31.eu-west-1.compute.internal" // cordoned
	spotA1   = "ip-10-0-1-41.eu-west-1.compute.internal"
	spotB1   = "ip-10-0-2-42.eu-west-1.compute.internal"
	gpuA1    = "ip-10-0-1-51.eu-west-1.compute.internal"
	gpuB1    = "ip-10-0-2-52.eu-west-1.compute.internal"
	sixTaint = "ip-10-0-3-61.eu-west-1.compute.internal"
	notReady = "ip-10-0-3-71.eu-west-1.compute.internal"
	diskFull = "ip-10-0-2-81.eu-west-1.compute.internal"
	smallC2  = "ip-10-0-3-91.eu-west-1.compute.internal"
	odC3     = "ip-10-0-3-33.eu-west-1.compute.internal"

	messyNS = "messy"
)

func eksNode(name, zone, group, capacityType string) fixture.Node {
	return fixture.Node{Name: name, Labels: map[string]string{
		corev1.LabelTopologyZone:            "eu-west-1" + zone,
		corev1.LabelTopologyRegion:          "eu-west-1",
		"eks.amazonaws.com/nodegroup":       group,
		"eks.amazonaws.com/capacityType":    capacityType,
		corev1.LabelInstanceTypeStable:      "m6i.xlarge",
		"node.kubernetes.io/lifecycle":      strings.ToLower(capacityType),
		"k8s.io/cloud-provider-aws":         "a1b2c3",
		"topology.k8s.aws/zone-id":          "euw1-az" + zone,
		"alpha.eksctl.io/nodegroup-name":    group,
		"eks.amazonaws.com/nodegroup-image": "ami-0abcdef1234567890",
	}, ProviderID: "aws:///eu-west-1" + zone + "/i-0" + strings.ReplaceAll(name[3:12], "-", "")}
}

func withCapacity(n fixture.Node, cpu, memory, pods string, extra map[string]string) fixture.Node {
	n.Capacity = fixture.Resources(cpu, memory, pods)
	for k, v := range extra {
		n.Capacity[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	return n
}

func taintsOf(ts ...string) []corev1.Taint {
	var out []corev1.Taint
	for _, s := range ts {
		i := strings.LastIndex(s, ":")
		kv, effect := s[:i], s[i+1:]
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, corev1.Taint{Key: k, Value: v, Effect: corev1.TaintEffect(effect)})
	}
	return out
}

func messyNodes() []fixture.Node {
	spot := taintsOf("lifecycle=spot:NoSchedule")
	gpu := taintsOf("nvidia.com/gpu=present:NoSchedule")
	nodes := []fixture.Node{
		eksNode(odA1, "a", "general-od", "ON_DEMAND"),
		eksNode(odA2, "a", "general-od", "ON_DEMAND"),
		withCapacity(eksNode(odB1, "b", "general-od", "ON_DEMAND"), "8", "32Gi", "110", nil),
		withCapacity(eksNode(odC1, "c", "general-od", "ON_DEMAND"), "8", "32Gi", "110", nil),
		eksNode(spotA1, "a", "batch-spot", "SPOT"),
		eksNode(spotB1, "b", "batch-spot", "SPOT"),
		withCapacity(eksNode(gpuA1, "a", "gpu", "ON_DEMAND"), "8", "32Gi", "110", map[string]string{"nvidia.com/gpu": "1"}),
		withCapacity(eksNode(gpuB1, "b", "gpu", "ON_DEMAND"), "16", "64Gi", "110", map[string]string{"nvidia.com/gpu": "4"}),
		withCapacity(eksNode(sixTaint, "c", "db", "ON_DEMAND"), "8", "32Gi", "110", nil),
		eksNode(notReady, "c", "general-od", "ON_DEMAND"),
		eksNode(diskFull, "b", "general-od", "ON_DEMAND"),
		withCapacity(eksNode(smallC2, "c", "tiny", "ON_DEMAND"), "2", "4Gi", "3", nil),
		eksNode(odC3, "c", "general-od", "ON_DEMAND"),
	}
	for i := range nodes {
		switch nodes[i].Name {
		case odC1:
			nodes[i].Unschedulable = true
		case spotA1, spotB1:
			nodes[i].Taints = spot
		case gpuA1, gpuB1:
			nodes[i].Taints = gpu
			nodes[i].Labels["node.kubernetes.io/instance-type"] = "g5.2xlarge"
		case sixTaint:
			nodes[i].Labels["workload"] = "db"
			nodes[i].Taints = taintsOf("dedicated=db:NoSchedule", "team=payments:NoSchedule", "CriticalAddonsOnly=true:NoSchedule",
				"node.cilium.io/agent-not-ready=true:NoSchedule", "example.com/maintenance=true:NoExecute", "compliance=pci:NoSchedule")
		case notReady:
			nodes[i].State = fixture.NotReady
		case diskFull:
			nodes[i].State = fixture.DiskPressure
		case odC3:
			nodes[i].Labels["disktype"] = "hdd"
		}
	}
	return nodes
}

// messyPods are the pods placed by hand (nodeName) that fill the nodes.
func messyPlaced() []fixture.Pod {
	cache := map[string]string{"app": "cache"}
	spread := map[string]string{"app": "spread"}
	gpu2 := fixture.Resources("1", "", "")
	gpu2["nvidia.com/gpu"] = resource.MustParse("2")
	return []fixture.Pod{
		{Name: "cache-a1", NodeName: odA1, Labels: cache, Requests: fixture.Resources("1", "1Gi", "")},
		{Name: "batch-a1", NodeName: odA1, Labels: spread, Requests: fixture.Resources("2", "2Gi", "")},
		{Name: "cache-a2", NodeName: odA2, Labels: cache, Requests: fixture.Resources("500m", "1Gi", "")},
		{Name: "batch-a2", NodeName: odA2, Labels: spread, Requests: fixture.Resources("3", "2Gi", ""), Modify: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
		}},
		{Name: "cache-b1", NodeName: odB1, Labels: cache, Requests: fixture.Resources("1", "1Gi", "")},
		{Name: "batch-b1", NodeName: odB1, Requests: fixture.Resources("6", "8Gi", "")},
		{Name: "batch-spot-b1", NodeName: spotB1, Requests: fixture.Resources("2", "2Gi", "")},
		{Name: "train-b1", NodeName: gpuB1, Requests: gpu2},
		{Name: "tiny-1", NodeName: smallC2, Requests: fixture.Resources("100m", "", "")},
		{Name: "tiny-2", NodeName: smallC2, Requests: fixture.Resources("100m", "", "")},
		{Name: "tiny-3", NodeName: smallC2, Requests: fixture.Resources("100m", "", "")},
		{Name: "cache-c3", NodeName: odC3, Labels: cache, Requests: fixture.Resources("1", "1Gi", "")},
		{Name: "batch-c3", NodeName: odC3, Requests: fixture.Resources("1", "2Gi", "")},
	}
}

func gpuRequest(n string, tolerate bool) fixture.Pod {
	r := fixture.Resources("1", "", "")
	r["nvidia.com/gpu"] = resource.MustParse(n)
	p := fixture.Pod{Requests: r}
	if tolerate {
		p.Tolerations = []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	}
	return p
}

func named(p fixture.Pod, name string) fixture.Pod {
	p.Name = name
	return p
}

// messyPending are the pods left to the scheduler, each blocked by several
// causes at once.
func messyPending() []fixture.Pod {
	var pods []fixture.Pod
	// Eleven web pods with three different requests.
	for i, cpu := range []string{"3", "3", "3", "3", "1400m", "1400m", "1400m", "1400m", "6", "6", "6"} {
		pods = append(pods, fixture.Pod{Name: fmt.Sprintf("web-%02d", i), Labels: map[string]string{"app": "web"}, Requests: fixture.Resources(cpu, "512Mi", "")})
	}
	zone := func(z string) map[string]string { return map[string]string{corev1.LabelTopologyZone: z} }
	for i := range 3 {
		pods = append(pods, fixture.Pod{Name: fmt.Sprintf("zone-typo-%d", i), NodeSelector: zone("eu-west-1d"), Requests: fixture.Resources("100m", "", "")})
		pods = append(pods, fixture.Pod{Name: fmt.Sprintf("ssd-%d", i), NodeSelector: map[string]string{"disktype": "ssd"}, Requests: fixture.Resources("100m", "", "")})
	}
	antiCache := &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
		TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cache"}}}}}}
	joinMissing := &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
		TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "missing"}}}}}}
	pods = append(pods,
		fixture.Pod{Name: "huge", Requests: fixture.Resources("200", "", "")},
		named(gpuRequest("4", true), "train-4gpu"),
		named(gpuRequest("1", false), "infer-1gpu"),
		fixture.Pod{Name: "cache-new", Labels: map[string]string{"app": "cache"}, Affinity: antiCache, Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "db-agent", NodeSelector: map[string]string{"workload": "db"}, Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "port-8080", NodeSelector: hostname(odA2), Requests: fixture.Resources("100m", "", ""), Modify: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
		}},
		fixture.Pod{Name: "missing-claim", Requests: fixture.Resources("100m", "", ""), Modify: func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "nope"}}}}
		}},
		fixture.Pod{Name: "spread-od", Labels: map[string]string{"app": "spread"}, NodeSelector: map[string]string{"eks.amazonaws.com/capacityType": "ON_DEMAND"},
			Requests: fixture.Resources("2500m", "", ""), Modify: func(p *corev1.Pod) {
				p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone,
					WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
			}},
		fixture.Pod{Name: "migrate-init", Requests: fixture.Resources("100m", "", ""), Modify: func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "registry.example/migrate:1.0",
				Resources: corev1.ResourceRequirements{Requests: fixture.Resources("6", "", "")}}}
		}},
		fixture.Pod{Name: "fat", Requests: fixture.Resources("3", "40Gi", "")},
		fixture.Pod{Name: "tiny-pinned", NodeSelector: hostname(smallC2), Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "join-missing", Affinity: joinMissing, Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "on-notready", NodeSelector: hostname(notReady), Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "on-disk", NodeSelector: hostname(diskFull), Requests: fixture.Resources("100m", "", "")},
		fixture.Pod{Name: "spot-only", NodeSelector: map[string]string{"eks.amazonaws.com/capacityType": "SPOT"}, Requests: fixture.Resources("1", "", "")},
	)
	return pods
}

// waitNodeTaint waits until the node has (or lacks) a taint with the key.
func waitNodeTaint(t *testing.T, node, key string, present bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		has := slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == key })
		return has == present, nil
	})
	if err != nil {
		t.Fatalf("node %s: taint %s present=%v never came: %v", node, key, present, err)
	}
}

// TestMessyCluster checks every pending pod of a production-like scene
// against the real scheduler's message, and then every "this alone would
// let the pod run on" claim (and every combination named) by applying
// exactly that change to a copy of the pod or to the node and letting the
// real scheduler place the copy.
func TestMessyCluster(t *testing.T) {
	ctx := context.Background()
	createNodes(t, messyNodes()...)
	waitNodeTaint(t, notReady, corev1.TaintNodeNotReady, true)
	waitNodeTaint(t, diskFull, corev1.TaintNodeDiskPressure, true)
	createNamespace(t, messyNS)
	placed := messyPlaced()
	for i := range placed {
		placed[i].Namespace = messyNS
	}
	createPods(t, placed...)
	for _, p := range placed {
		if _, err := fixture.WaitForPod(ctx, client, messyNS, p.Name, fixture.Running); err != nil {
			t.Fatal(err)
		}
	}
	// A DaemonSet: its pods are pinned to their nodes by matchFields; the
	// one for the full odA2 and the one for smallC2 cannot run.
	ds := nodeAgent()
	if _, err := client.AppsV1().DaemonSets(messyNS).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Its pods take their room before the other pods come.
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := client.AppsV1().DaemonSets(messyNS).Get(ctx, ds.Name, metav1.GetOptions{})
		if err != nil || got.Status.DesiredNumberScheduled == 0 {
			return false, nil
		}
		list, err := client.CoreV1().Pods(messyNS).List(ctx, metav1.ListOptions{LabelSelector: "app=node-agent"})
		if err != nil || len(list.Items) != int(got.Status.DesiredNumberScheduled) {
			return false, nil
		}
		for _, p := range list.Items {
			if p.Spec.NodeName == "" && !fixture.Unschedulable(&p) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("the DaemonSet's pods never settled: %v", err)
	}
	pending := messyPending()
	for i := range pending {
		pending[i].Namespace = messyNS
	}
	createPods(t, pending...)

	// Every pod the scheduler cannot place, the DaemonSet's included.
	var names []string
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods(messyNS).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName="})
		if err != nil {
			return false, nil
		}
		names = names[:0]
		for _, p := range list.Items {
			if !fixture.Unschedulable(&p) {
				return false, nil
			}
			names = append(names, p.Name)
		}
		return len(list.Items) >= len(pending)+2, nil
	})
	if err != nil {
		t.Fatalf("the scene's pods never all became unschedulable: %v (%v)", err, names)
	}
	sort.Strings(names)

	// Each pod: the tool agrees with the scheduler, and its claims are kept
	// for the check below.
	diagnoses := map[string]diagnose.Diagnosis{}
	for _, name := range names {
		var d diagnose.Diagnosis
		_ = wait.PollUntilContextTimeout(ctx, time.Second, 20*time.Second, true, func(context.Context) (bool, error) {
			d = diagnosisJSON(t, name, "-n", messyNS)
			return d.Agrees != nil && *d.Agrees, nil
		})
		if d.Agrees == nil || !*d.Agrees {
			t.Errorf("%s: disagrees with the scheduler:\n scheduler: %s\n computed:  %s\n why: %s", name, d.SchedulerMessage, d.ComputedMessage, d.Disagreement)
		}
		diagnoses[name] = d
	}
	checkMessyStatements(t, diagnoses)

	// why-pending -n groups the pods by cause and fix.
	checkMessyGroups(t, diagnoses)

	// What each pod was, to copy: as created, or as its DaemonSet made it.
	originals := map[string]*corev1.Pod{}
	for _, p := range pending {
		originals[p.Name] = p.Object()
	}
	for _, name := range names {
		if originals[name] != nil {
			continue
		}
		p, err := client.CoreV1().Pods(messyNS).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		originals[name] = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels}, Spec: p.Spec}
	}

	// The claims, checked by the real scheduler once the scene's pending
	// pods are gone, one change at a time. The DaemonSet goes without its
	// pods, so those running keep their room.
	orphan := metav1.DeletePropagationOrphan
	if err := client.AppsV1().DaemonSets(messyNS).Delete(ctx, ds.Name, metav1.DeleteOptions{PropagationPolicy: &orphan}); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		_ = client.CoreV1().Pods(messyNS).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	}
	waitNoPending(t, messyNS)
	checked := verifyClaims(t, diagnoses, originals)
	t.Logf("%d claims checked by the real scheduler", checked)
	if checked < 20 {
		t.Errorf("only %d claims were checked; the scene should make many", checked)
	}
}

// nodeAgent is a DaemonSet that asks 1 cpu on every node.
func nodeAgent() *appsv1.DaemonSet {
	labels := map[string]string{"app": "node-agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "node-agent", Namespace: messyNS},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "registry.example/agent:1.0",
					Resources: corev1.ResourceRequirements{Requests: fixture.Resources("1", "", "")}}}},
			},
		},
	}
}

// checkMessyStatements checks the statements the issue found false.
func checkMessyStatements(t *testing.T, ds map[string]diagnose.Diagnosis) {
	t.Helper()
	all := func(d diagnose.Diagnosis) string { return strings.Join(d.Fixes, "\n") }
	claimed := func(d diagnose.Diagnosis) []string {
		var out []string
		for _, r := range d.Remedies {
			out = append(out, r.Enough...)
		}
		return out
	}
	if d := ds["missing-claim"]; len(claimed(d)) > 0 {
		t.Errorf("missing-claim: a missing claim makes no node fit, yet the fixes claim %v:\n%s", claimed(d), all(d))
	}
	if d := ds["db-agent"]; !strings.Contains(all(d), "No single change lets the pod run on any node") || strings.Contains(all(d), "this alone") {
		t.Errorf("db-agent: the node with six taints needs them all dealt with at once:\n%s", all(d))
	}
	if d := ds["huge"]; len(d.Fixes) == 0 || !strings.HasPrefix(d.Fixes[0], "No node is big enough: the pod requests 200 cpu") {
		t.Errorf("huge: the first fix should say no node is big enough:\n%s", all(d))
	}
	if d := ds["train-4gpu"]; slices.ContainsFunc(claimed(d), func(n string) bool { return n != gpuB1 }) {
		t.Errorf("train-4gpu: only %s has GPUs to spare, yet the fixes claim %v:\n%s", gpuB1, claimed(d), all(d))
	}
	if d := ds["migrate-init"]; !strings.Contains(all(d), "set by init container migrate") {
		t.Errorf("migrate-init: the fix should name the init container that sets the request:\n%s", all(d))
	}
	if d := ds["zone-typo-0"]; !strings.Contains(all(d), "the values nodes have are eu-west-1a, eu-west-1b, eu-west-1c") || strings.Contains(all(d), "kubectl label") {
		t.Errorf("zone-typo-0: the zones that exist, not a label to add:\n%s", all(d))
	}
	for name, d := range ds {
		if strings.Contains(d.Tolerations, "CriticalAddonsOnly") || strings.Contains(d.Tolerations, "agent-not-ready") || strings.Contains(d.Tolerations, "control-plane") {
			t.Errorf("%s: tolerations offered for a reserved or start-up taint:\n%s", name, d.Tolerations)
		}
		if strings.HasPrefix(name, "node-agent-") {
			if !strings.Contains(d.ComputedMessage, "12 node(s) didn't satisfy plugin(s) [NodeAffinity]") {
				t.Errorf("%s: a DaemonSet pod is checked on its node only: %s", name, d.ComputedMessage)
			}
			if strings.Contains(all(d), "Relax the pod's required node affinity") {
				t.Errorf("%s: a DaemonSet pod is told to relax its pin:\n%s", name, all(d))
			}
			if d.Nodes[0].Failures[0].Plugin == "NodeResourcesFit" && !strings.Contains(all(d), "what takes the room") {
				t.Errorf("%s: the fixes should say what takes the room on its node:\n%s", name, all(d))
			}
		}
	}
	if d := ds["infer-1gpu"]; !strings.Contains(d.Tolerations, "nvidia.com/gpu") {
		t.Errorf("infer-1gpu asks for a GPU: the GPU toleration is the fix and belongs in the YAML:\n%s\n%s", all(d), d.Tolerations)
	}
	if d := ds["web-00"]; strings.Contains(d.Tolerations, "nvidia.com/gpu") || strings.Contains(d.Tolerations, "dedicated") {
		t.Errorf("web-00 asks for no GPU and belongs on no reserved node: %s", d.Tolerations)
	}
}

// checkMessyGroups runs why-pending -n and checks that a group's one fix is
// every member's own first fix, and that fixes that differ are given pod by
// pod.
func checkMessyGroups(t *testing.T, ds map[string]diagnose.Diagnosis) {
	t.Helper()
	r := explainNodes(t, "why-pending", "-n", messyNS, "-o", "json")
	var list diagnose.PendingList
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatal(err)
	}
	if list.Pods != len(ds) {
		t.Errorf("the pending list has %d pods, want %d", list.Pods, len(ds))
	}
	first := func(pod string) string {
		d := ds[strings.TrimPrefix(pod, messyNS+"/")]
		if len(d.Fixes) == 0 {
			return ""
		}
		return d.Fixes[0]
	}
	for _, g := range list.Groups {
		// A zone typo and a disktype selector are different causes with
		// different fixes.
		if slices.Contains(g.Pods, messyNS+"/zone-typo-0") && slices.Contains(g.Pods, messyNS+"/ssd-0") {
			t.Errorf("the zone typo and the disktype selector share a group: %+v", g)
		}
		if g.Fix != "" {
			for _, p := range g.Pods {
				if f := first(p); f != g.Fix {
					t.Errorf("group %q gives one fix for all, but %s's own is different:\n group: %s\n own:   %s", g.Cause, p, g.Fix, f)
				}
			}
		}
		for _, f := range g.PodFixes {
			if own := first(f.Pod); own != f.Fix {
				t.Errorf("%s: fix in the group %q, own %q", f.Pod, f.Fix, own)
			}
		}
	}
}

func waitNoPending(t *testing.T, ns string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName="})
		return err == nil && len(list.Items) == 0, nil
	})
	if err != nil {
		t.Fatalf("pending pods of %s never went: %v", ns, err)
	}
}

// claim is one statement to check: with these changes, the pod runs on one
// of these nodes.
type claim struct {
	pod     string
	text    string
	changes []diagnose.Change
	nodes   []string
}

// verifyClaims checks every claim with the real scheduler: a copy of the
// pod with the pod changes, the node changes made to the nodes, and the
// copy must land on one of the nodes claimed. It returns how many it checked.
func verifyClaims(t *testing.T, ds map[string]diagnose.Diagnosis, originals map[string]*corev1.Pod) int {
	t.Helper()
	var claims []claim
	seen := map[string]bool{}
	names := make([]string, 0, len(ds))
	for n := range ds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		d := ds[name]
		for _, r := range d.Remedies {
			if r.Together {
				claims = append(claims, claim{pod: name, text: r.Text, changes: r.Changes, nodes: r.Enough})
				continue
			}
			for _, c := range r.Changes {
				if len(c.Enough) > 0 {
					claims = append(claims, claim{pod: name, text: r.Text, changes: []diagnose.Change{c}, nodes: c.Enough})
				}
			}
		}
	}
	checked := 0
	for i, c := range claims {
		orig := originals[c.pod]
		if orig == nil {
			t.Errorf("%s: no original to copy", c.pod)
			continue
		}
		// Pods of the same spec make the same claims: check one.
		key := specKey(orig) + fmt.Sprint(c.changes)
		if seen[key] {
			continue
		}
		seen[key] = true
		checked++
		t.Run(fmt.Sprintf("claim-%02d-%s", i, c.pod), func(t *testing.T) {
			copyPod := orig.DeepCopy()
			copyPod.Name = fmt.Sprintf("check-%02d", i)
			copyPod.ResourceVersion, copyPod.UID = "", ""
			undo := applyClaim(t, copyPod, c.changes)
			defer undo()
			ctx := context.Background()
			if _, err := client.CoreV1().Pods(copyPod.Namespace).Create(ctx, copyPod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			defer deletePodNow(t, copyPod.Namespace, copyPod.Name)
			got, err := fixture.WaitForPod(ctx, client, copyPod.Namespace, copyPod.Name, func(p *corev1.Pod) bool { return p.Spec.NodeName != "" })
			if err != nil {
				msg := ""
				if got != nil {
					for _, cond := range got.Status.Conditions {
						msg += cond.Message
					}
				}
				t.Fatalf("%s: with %v the scheduler does not place the pod (%s); the tool claimed %v:\n%s", c.pod, c.changes, msg, c.nodes, c.text)
			}
			if !slices.Contains(c.nodes, got.Spec.NodeName) {
				t.Errorf("%s: with %v the scheduler placed the pod on %s; the tool claimed %v:\n%s", c.pod, c.changes, got.Spec.NodeName, c.nodes, c.text)
			}
		})
	}
	return checked
}

func specKey(p *corev1.Pod) string {
	b, _ := json.Marshal(struct {
		L map[string]string
		S corev1.PodSpec
	}{p.Labels, p.Spec})
	return string(b)
}

func deletePodNow(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	_ = client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

// applyClaim applies the changes: those to the pod on the copy, those to
// nodes on the cluster, and returns what undoes the node changes.
func applyClaim(t *testing.T, p *corev1.Pod, changes []diagnose.Change) func() {
	t.Helper()
	var undo []func()
	for _, c := range changes {
		switch c.Kind {
		case diagnose.ChangeTolerate:
			i := strings.LastIndex(c.Taint, ":")
			k, v, _ := strings.Cut(c.Taint[:i], "=")
			tol := corev1.Toleration{Key: k, Operator: corev1.TolerationOpEqual, Value: v, Effect: corev1.TaintEffect(c.Taint[i+1:])}
			if v == "" {
				tol.Operator = corev1.TolerationOpExists
			}
			p.Spec.Tolerations = append(p.Spec.Tolerations, tol)
		case diagnose.ChangeLowerRequest:
			found := false
			for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
				for i := range cs {
					if cs[i].Name == c.Container {
						cs[i].Resources.Requests[c.Resource] = *c.Quantity
						if _, ok := cs[i].Resources.Limits[c.Resource]; ok {
							cs[i].Resources.Limits[c.Resource] = *c.Quantity
						}
						found = true
					}
				}
			}
			if !found {
				t.Fatalf("no container %q in the pod", c.Container)
			}
		case diagnose.ChangeSetNodeSelector:
			p.Spec.NodeSelector[c.Key] = c.Value
		case diagnose.ChangeDropNodeAffinity:
			p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
		case diagnose.ChangeDropHostPorts:
			for i := range p.Spec.Containers {
				for j := range p.Spec.Containers[i].Ports {
					p.Spec.Containers[i].Ports[j].HostPort = 0
				}
			}
		case diagnose.ChangeDropPodAffinity:
			p.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
		case diagnose.ChangeDropPodAntiAffinity:
			p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
		case diagnose.ChangeScheduleAnyway:
			for i := range p.Spec.TopologySpreadConstraints {
				p.Spec.TopologySpreadConstraints[i].WhenUnsatisfiable = corev1.ScheduleAnyway
			}
		case diagnose.ChangeUncordon:
			setUnschedulable(t, c.Node, false)
			undo = append(undo, func() { setUnschedulable(t, c.Node, true) })
		case diagnose.ChangeLabelNode:
			old, had := patchLabel(t, c.Node, c.Key, &c.Value)
			undo = append(undo, func() {
				if had {
					patchLabel(t, c.Node, c.Key, &old)
				} else {
					patchLabel(t, c.Node, c.Key, nil)
				}
			})
		case diagnose.ChangeTaintCleared:
			undo = append(undo, clearTaint(t, c.Node, c.Taint))
		default:
			t.Fatalf("the test cannot apply a change of kind %s", c.Kind)
		}
	}
	return func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
}

func updateNode(t *testing.T, name string, f func(*corev1.Node), status bool) {
	t.Helper()
	ctx := context.Background()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		f(n)
		if status {
			_, err = client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		} else {
			_, err = client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
		}
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("updating node %s: %v", name, err)
	}
}

func setUnschedulable(t *testing.T, node string, on bool) {
	updateNode(t, node, func(n *corev1.Node) { n.Spec.Unschedulable = on }, false)
	waitNodeTaint(t, node, corev1.TaintNodeUnschedulable, on)
}

func patchLabel(t *testing.T, node, key string, value *string) (string, bool) {
	var old string
	var had bool
	updateNode(t, node, func(n *corev1.Node) {
		old, had = n.Labels[key]
		if value == nil {
			delete(n.Labels, key)
		} else {
			n.Labels[key] = *value
		}
	}, false)
	return old, had
}

// clearTaint makes a node's taint go as it would in life: a condition's
// taint by healing the condition (the node controller then removes it),
// any other by removing it. It returns what brings it back.
func clearTaint(t *testing.T, node, taint string) func() {
	t.Helper()
	i := strings.LastIndex(taint, ":")
	key, _, _ := strings.Cut(taint[:i], "=")
	conditions := map[string]corev1.NodeConditionType{
		corev1.TaintNodeNotReady: corev1.NodeReady, corev1.TaintNodeDiskPressure: corev1.NodeDiskPressure,
		corev1.TaintNodeMemoryPressure: corev1.NodeMemoryPressure, corev1.TaintNodePIDPressure: corev1.NodePIDPressure,
	}
	if cond, ok := conditions[key]; ok {
		healthy := corev1.ConditionFalse
		if cond == corev1.NodeReady {
			healthy = corev1.ConditionTrue
		}
		var before corev1.NodeCondition
		setCondition := func(status corev1.ConditionStatus, keep *corev1.NodeCondition) {
			updateNode(t, node, func(n *corev1.Node) {
				for j := range n.Status.Conditions {
					if n.Status.Conditions[j].Type == cond {
						if keep != nil {
							*keep = n.Status.Conditions[j]
						}
						n.Status.Conditions[j].Status = status
						n.Status.Conditions[j].LastHeartbeatTime = metav1.Now()
						n.Status.Conditions[j].LastTransitionTime = metav1.Now()
					}
				}
			}, true)
		}
		setCondition(healthy, &before)
		waitNodeTaint(t, node, key, false)
		return func() {
			setCondition(before.Status, nil)
			waitNodeTaint(t, node, key, true)
		}
	}
	var removed []corev1.Taint
	updateNode(t, node, func(n *corev1.Node) {
		removed = nil
		var keep []corev1.Taint
		for _, tt := range n.Spec.Taints {
			s := tt.Key + ":" + string(tt.Effect)
			if tt.Value != "" {
				s = tt.Key + "=" + tt.Value + ":" + string(tt.Effect)
			}
			if s == taint {
				removed = append(removed, tt)
				continue
			}
			keep = append(keep, tt)
		}
		n.Spec.Taints = keep
	}, false)
	return func() {
		updateNode(t, node, func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, removed...) }, false)
	}
}
