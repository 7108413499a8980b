//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// scenario is one pod the real scheduler cannot place, and what the plugin
// must say of it.
type scenario struct {
	pod fixture.Pod
	// want maps node names to the reason the scheduler counts them under.
	want map[string]string
	// state, when set, is the expected state for pods the scheduler does not
	// reject with a FitError (gates, unknown scheduler).
	state diagnose.State
}

func hostname(n string) map[string]string { return map[string]string{"kubernetes.io/hostname": n} }

// Every reason the test cluster can produce, each checked against the real
// scheduler's message. Not parallel: the scheduler counts every node.
func TestWhyPendingScenarios(t *testing.T) {
	ctx := context.Background()
	tiny := fixture.Resources("4", "8Gi", "1")
	createNodes(t,
		fixture.Node{Name: "sc-a1", Labels: map[string]string{"topology.kubernetes.io/zone": "a", "disktype": "hdd"}},
		fixture.Node{Name: "sc-a2", Labels: map[string]string{"topology.kubernetes.io/zone": "a"}},
		fixture.Node{Name: "sc-b1", Labels: map[string]string{"topology.kubernetes.io/zone": "b"},
			Taints: []corev1.Taint{{Key: "dedicated", Value: "infra", Effect: corev1.TaintEffectNoSchedule}}},
		fixture.Node{Name: "sc-exec", Taints: []corev1.Taint{{Key: "maintenance", Effect: corev1.TaintEffectNoExecute}}},
		fixture.Node{Name: "sc-cp", Roles: []string{"control-plane"}, Taints: []corev1.Taint{fixture.ControlPlaneTaint}},
		fixture.Node{Name: "sc-cordoned", Unschedulable: true},
		fixture.Node{Name: "sc-tiny", Capacity: tiny},
	)
	createNamespace(t, "sc")
	// Pods already placed: two spread-group pods in zone a, a database, a host port, and the tiny node's only pod.
	createPods(t,
		fixture.Pod{Name: "spread-1", Namespace: "sc", NodeName: "sc-a1", Labels: map[string]string{"app": "spread"}},
		fixture.Pod{Name: "spread-2", Namespace: "sc", NodeName: "sc-a2", Labels: map[string]string{"app": "spread"}},
		fixture.Pod{Name: "db", Namespace: "sc", NodeName: "sc-a2", Labels: map[string]string{"app": "db"}},
		fixture.Pod{Name: "web-port", Namespace: "sc", NodeName: "sc-a1", Modify: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
		}},
		fixture.Pod{Name: "only", Namespace: "sc", NodeName: "sc-tiny"},
	)
	for _, name := range []string{"spread-1", "spread-2", "db", "web-port", "only"} {
		if _, err := fixture.WaitForPod(ctx, client, "sc", name, fixture.Running); err != nil {
			t.Fatal(err)
		}
	}
	storageClass := ""
	claim := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "sc"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: &storageClass,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := client.CoreV1().PersistentVolumeClaims("sc").Create(ctx, claim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A class with no provisioner that waits for the first consumer, and no
	// volume for it.
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "sc-manual"}, Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &wffc}
	if _, err := client.StorageV1().StorageClasses().Create(ctx, class, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.StorageV1().StorageClasses().Delete(context.Background(), "sc-manual", metav1.DeleteOptions{})
	})
	waiting := claim.DeepCopy()
	waiting.Name, waiting.Spec.StorageClassName = "waiting", ptr("sc-manual")
	if _, err := client.CoreV1().PersistentVolumeClaims("sc").Create(ctx, waiting, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A volume in zone c, bound to its claim.
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "sc-zoned", Labels: map[string]string{"topology.kubernetes.io/zone": "c"}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "",
			ClaimRef:                      &corev1.ObjectReference{Namespace: "sc", Name: "zoned"},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/sc-zoned"}},
		},
	}
	if _, err := client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().PersistentVolumes().Delete(context.Background(), "sc-zoned", metav1.DeleteOptions{})
	})
	zoned := claim.DeepCopy()
	zoned.Name, zoned.Spec.VolumeName = "zoned", "sc-zoned"
	if _, err := client.CoreV1().PersistentVolumeClaims("sc").Create(ctx, zoned, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		c, err := client.CoreV1().PersistentVolumeClaims("sc").Get(ctx, "zoned", metav1.GetOptions{})
		return err == nil && c.Status.Phase == corev1.ClaimBound, nil
	})
	if err != nil {
		t.Fatalf("the zoned claim never bound: %v", err)
	}
	// A CSI driver that allows no volume on the zone a nodes, and a claim bound to one of its volumes.
	for _, node := range []string{"sc-a1", "sc-a2"} {
		csiNode := &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: node}, Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{
			Name: "csi.example.com", NodeID: node, Allocatable: &storagev1.VolumeNodeResources{Count: ptr(int32(0))},
		}}}}
		if _, err := client.StorageV1().CSINodes().Create(ctx, csiNode, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.StorageV1().CSINodes().Delete(context.Background(), node, metav1.DeleteOptions{}) })
	}
	csiPV := pv.DeepCopy()
	csiPV.Name, csiPV.Labels = "sc-csi", nil
	csiPV.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "sc", Name: "csi"}
	csiPV.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "csi.example.com", VolumeHandle: "vol-1"}}
	if _, err := client.CoreV1().PersistentVolumes().Create(ctx, csiPV, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().PersistentVolumes().Delete(context.Background(), "sc-csi", metav1.DeleteOptions{})
	})
	csiClaim := claim.DeepCopy()
	csiClaim.Name, csiClaim.Spec.VolumeName = "csi", "sc-csi"
	if _, err := client.CoreV1().PersistentVolumeClaims("sc").Create(ctx, csiClaim, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		c, err := client.CoreV1().PersistentVolumeClaims("sc").Get(ctx, "csi", metav1.GetOptions{})
		return err == nil && c.Status.Phase == corev1.ClaimBound, nil
	})
	if err != nil {
		t.Fatalf("the CSI claim never bound: %v", err)
	}
	claimVolume := func(name string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}}}
		}
	}

	const (
		taint  = diagnose.ReasonUntoleratedTaint
		cordon = diagnose.ReasonUnschedulable
		affin  = diagnose.ReasonNodeAffinity
	)
	// The reasons of the nodes a scenario does not aim at, for pods without a
	// node selector.
	plain := func(overrides map[string]string) map[string]string {
		m := map[string]string{"sc-b1": taint, "sc-exec": taint, "sc-cp": taint, "sc-cordoned": cordon, "sc-tiny": diagnose.ReasonTooManyPods}
		for k, v := range overrides {
			m[k] = v
		}
		return m
	}
	// For pods pinned to one node: every other node fails node affinity.
	// Taints are checked before node affinity, so tainted nodes fail on them.
	pinned := func(node, reason string) map[string]string {
		m := map[string]string{"sc-a1": affin, "sc-a2": affin, "sc-b1": taint, "sc-exec": taint, "sc-cp": taint, "sc-cordoned": cordon, "sc-tiny": affin}
		m[node] = reason
		return m
	}
	gpu := fixture.Resources("", "", "")
	gpu["example.com/widget"] = resource.MustParse("1")
	scenarios := []scenario{
		{pod: fixture.Pod{Name: "cpu", Requests: fixture.Resources("64", "", "")},
			want: plain(map[string]string{"sc-a1": "Insufficient cpu", "sc-a2": "Insufficient cpu", "sc-tiny": "Too many pods, Insufficient cpu"})},
		{pod: fixture.Pod{Name: "memory", Requests: fixture.Resources("", "1Ti", "")},
			want: plain(map[string]string{"sc-a1": "Insufficient memory", "sc-a2": "Insufficient memory", "sc-tiny": "Too many pods, Insufficient memory"})},
		{pod: fixture.Pod{Name: "widget", Requests: gpu},
			want: plain(map[string]string{"sc-a1": "Insufficient example.com/widget", "sc-a2": "Insufficient example.com/widget", "sc-tiny": "Too many pods, Insufficient example.com/widget"})},
		{pod: fixture.Pod{Name: "too-many", NodeSelector: hostname("sc-tiny")}, want: pinned("sc-tiny", diagnose.ReasonTooManyPods)},
		{pod: fixture.Pod{Name: "noschedule", NodeSelector: hostname("sc-b1")}, want: pinned("sc-b1", taint)},
		{pod: fixture.Pod{Name: "noexecute", NodeSelector: hostname("sc-exec")}, want: pinned("sc-exec", taint)},
		{pod: fixture.Pod{Name: "control-plane", NodeSelector: hostname("sc-cp")}, want: pinned("sc-cp", taint)},
		{pod: fixture.Pod{Name: "cordon", NodeSelector: hostname("sc-cordoned")}, want: pinned("sc-cordoned", cordon)},
		{pod: fixture.Pod{Name: "selector", NodeSelector: map[string]string{"disktype": "ssd"}, Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
			want: map[string]string{"sc-a1": affin, "sc-a2": affin, "sc-b1": affin, "sc-exec": affin, "sc-cp": affin, "sc-cordoned": affin, "sc-tiny": affin}},
		{pod: fixture.Pod{Name: "affinity", Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"c"}}}}}}}}},
			want: map[string]string{"sc-a1": affin, "sc-a2": affin, "sc-b1": taint, "sc-exec": taint, "sc-cp": taint, "sc-cordoned": cordon, "sc-tiny": affin}},
		{pod: fixture.Pod{Name: "port", NodeSelector: hostname("sc-a1"), Modify: func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
		}}, want: pinned("sc-a1", diagnose.ReasonNodePorts)},
		{pod: fixture.Pod{Name: "anti", NodeSelector: hostname("sc-a2"), Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}}}},
			want: pinned("sc-a2", diagnose.ReasonPodAntiAffinity)},
		{pod: fixture.Pod{Name: "spread", Labels: map[string]string{"app": "spread"}, Modify: func(p *corev1.Pod) {
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
				WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
		}}, want: plain(map[string]string{"sc-a1": diagnose.ReasonTopologySpread, "sc-a2": diagnose.ReasonTopologySpread})},
		{pod: fixture.Pod{Name: "unbound-claim", Modify: claimVolume("data")},
			want: map[string]string{"sc-a1": diagnose.ReasonUnboundImmediate, "sc-cp": diagnose.ReasonUnboundImmediate}},
		{pod: fixture.Pod{Name: "no-volume", Modify: claimVolume("waiting")},
			want: plain(map[string]string{"sc-a1": diagnose.ReasonBindConflict, "sc-a2": diagnose.ReasonBindConflict})},
		{pod: fixture.Pod{Name: "zone", Modify: claimVolume("zoned")},
			want: plain(map[string]string{"sc-a1": diagnose.ReasonVolumeZone, "sc-a2": diagnose.ReasonVolumeZone})},
		{pod: fixture.Pod{Name: "volume-limit", Modify: claimVolume("csi")},
			want: plain(map[string]string{"sc-a1": diagnose.ReasonMaxVolumes, "sc-a2": diagnose.ReasonMaxVolumes})},
		{pod: fixture.Pod{Name: "missing-claim", Modify: claimVolume("nope")},
			want: map[string]string{"sc-a1": `persistentvolumeclaim "nope" not found`}},
		{pod: fixture.Pod{Name: "gated", Modify: func(p *corev1.Pod) {
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/approval"}}
		}}, state: diagnose.StateSchedulingGated},
		{pod: fixture.Pod{Name: "other-scheduler", Modify: func(p *corev1.Pod) { p.Spec.SchedulerName = "my-scheduler" }}, state: diagnose.StateNoScheduler},
		{pod: fixture.Pod{Name: "missing-node", NodeName: "sc-gone"}, state: diagnose.StateBoundToMissingNode},
	}
	for i := range scenarios {
		scenarios[i].pod.Namespace = "sc"
		if scenarios[i].pod.Requests == nil {
			scenarios[i].pod.Requests = fixture.Resources("100m", "", "")
		}
		createPods(t, scenarios[i].pod)
	}

	agreed, compared := 0, 0
	for _, sc := range scenarios {
		t.Run(sc.pod.Name, func(t *testing.T) {
			if sc.state != "" {
				// No FitError to compare: the scheduler leaves these pods alone.
				time.Sleep(time.Second)
				d := diagnosisJSON(t, sc.pod.Name, "-n", "sc")
				if d.State != sc.state {
					t.Errorf("state %s, want %s: %s", d.State, sc.state, d.Summary)
				}
				return
			}
			compared++
			if _, err := fixture.WaitForPod(ctx, client, "sc", sc.pod.Name, fixture.Unschedulable); err != nil {
				t.Fatal(err)
			}
			// The scheduler retries when nodes or pods change; give its
			// message a few seconds to reflect the settled cluster.
			var d diagnose.Diagnosis
			_ = wait.PollUntilContextTimeout(ctx, time.Second, 20*time.Second, true, func(context.Context) (bool, error) {
				d = diagnosisJSON(t, sc.pod.Name, "-n", "sc")
				return d.Agrees != nil && *d.Agrees, nil
			})
			if d.Agrees == nil || !*d.Agrees {
				t.Errorf("disagrees with the scheduler:\n scheduler: %s\n computed:  %s\n why: %s", d.SchedulerMessage, d.ComputedMessage, d.Disagreement)
			} else {
				agreed++
			}
			for _, v := range d.Nodes {
				want, ok := sc.want[v.Node]
				if !ok {
					continue
				}
				if got := strings.Join(v.Reasons, ", "); got != want {
					t.Errorf("node %s: reasons %q, want %q (%+v)", v.Node, got, want, v.Failures)
				}
			}
		})
	}
	// Every Pending pod of the namespace, grouped by cause.
	var list diagnose.PendingList
	r := explainNodes(t, "why-pending", "-n", "sc", "-o", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("decoding the pending list: %v\n%s", err, r)
	}
	if list.Kind != v1alpha1.KindPendingList || list.Pods != len(scenarios) {
		t.Errorf("pending list: kind %s, %d pods; want %s, %d", list.Kind, list.Pods, v1alpha1.KindPendingList, len(scenarios))
	}
	grouped := 0
	for _, g := range list.Groups {
		grouped += len(g.Pods)
		if g.Cause == "" {
			t.Errorf("group without a cause: %+v", g)
		}
	}
	if grouped != len(scenarios) {
		t.Errorf("%d pods in groups, want %d", grouped, len(scenarios))
	}
	text := explainNodes(t, "why-pending", "-n", "sc")
	if !strings.Contains(text.Stdout, fmt.Sprintf("%d pods Pending in namespace sc, by cause:", len(scenarios))) ||
		!strings.Contains(text.Stdout, "sc/missing-node") {
		t.Errorf("pending list text:\n%s", text.Stdout)
	}

	t.Logf("%d of %d scheduler messages reproduced exactly", agreed, compared)
	if agreed != compared {
		t.Errorf("only %d of %d scenarios agree with the scheduler", agreed, compared)
	}
	fmt.Printf("why-pending scenarios: %d of %d agree with the real scheduler\n", agreed, compared)
}
