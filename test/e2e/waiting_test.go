//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// removeFinalizers lets a pod held by finalizers go.
func removeFinalizers(ns, name string) {
	ctx := context.Background()
	p, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return
	}
	p.Finalizers = nil
	_, _ = client.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{})
}

func createPriorityClass(t *testing.T, name string, value int32) {
	t.Helper()
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: value}
	if _, err := client.SchedulingV1().PriorityClasses().Create(context.Background(), pc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.SchedulingV1().PriorityClasses().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

// A preemptor waits for the pods it preempted; a pod of lower priority
// counts the room the preemptor holds on its nominated node.
func TestPreemptorWaitsForItsVictims(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "pre-1"})
	createNamespace(t, "pre")
	createPriorityClass(t, "pre-low", 100)
	createPriorityClass(t, "pre-high", 1000)
	withClass := func(class string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.PriorityClassName = class }
	}
	victim := fixture.Pod{Name: "victim", Namespace: "pre", NodeSelector: hostname("pre-1"), Requests: fixture.Resources("3", "", ""),
		Modify: func(p *corev1.Pod) { withClass("pre-low")(p); p.Finalizers = []string{"example.com/hold"} }}
	createPods(t, victim)
	t.Cleanup(func() { removeFinalizers("pre", "victim") })
	if _, err := fixture.WaitForPod(ctx, client, "pre", "victim", fixture.Running); err != nil {
		t.Fatal(err)
	}
	createPods(t, fixture.Pod{Name: "preemptor", Namespace: "pre", NodeSelector: hostname("pre-1"), Requests: fixture.Resources("3", "", ""), Modify: withClass("pre-high")})
	// The scheduler preempts the victim, which stays Terminating behind its
	// finalizer, and nominates pre-1 for the preemptor.
	if _, err := fixture.WaitForPod(ctx, client, "pre", "preemptor", func(p *corev1.Pod) bool { return p.Status.NominatedNodeName == "pre-1" }); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.WaitForPod(ctx, client, "pre", "victim", func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil }); err != nil {
		t.Fatal(err)
	}
	d := diagnosisJSON(t, "preemptor", "-n", "pre")
	if d.Preempting == nil || d.Preempting.Node != "pre-1" || len(d.Preempting.Victims) != 1 || d.Preempting.Victims[0].Name != "victim" ||
		!d.Preempting.Victims[0].Preempted || !d.Preempting.FitsOnceGone {
		t.Fatalf("preemptor: %+v\n%s", d.Preempting, d.Summary)
	}
	all := strings.Join(d.Fixes, "\n")
	for _, want := range []string{"held by the finalizer example.com/hold", "kubectl -n pre patch pod victim"} {
		if !strings.Contains(all, want) {
			t.Errorf("preemptor: fixes lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "lower the request") {
		t.Errorf("preemptor: told to lower its request while it waits for its victim:\n%s", all)
	}
	// A pod of the victim's priority: the preemptor's nominated room counts.
	createPods(t, fixture.Pod{Name: "mid", Namespace: "pre", NodeSelector: hostname("pre-1"), Requests: fixture.Resources("1", "", ""), Modify: withClass("pre-low")})
	if _, err := fixture.WaitForPod(ctx, client, "pre", "mid", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	var mid diagnose.Diagnosis
	_ = wait.PollUntilContextTimeout(ctx, time.Second, 20*time.Second, true, func(context.Context) (bool, error) {
		mid = diagnosisJSON(t, "mid", "-n", "pre")
		return mid.Agrees != nil && *mid.Agrees, nil
	})
	if mid.Agrees == nil || !*mid.Agrees {
		t.Errorf("mid disagrees with the scheduler:\n scheduler: %s\n computed:  %s\n %s", mid.SchedulerMessage, mid.ComputedMessage, mid.Disagreement)
	}
	for _, v := range mid.Nodes {
		if v.Node == "pre-1" && (v.Fits || !strings.Contains(v.Failures[0].Detail, "held for pre/preemptor (priority 1000), nominated to run here")) {
			t.Errorf("mid on pre-1 should count the preemptor's room: %+v", v)
		}
	}
}

// A claim waiting for its first consumer: the scheduler picked a node and
// the volume controller waits for an external provisioner that does not run.
func TestWaitingForProvisioner(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "prov-1"}, fixture.Node{Name: "prov-2"})
	createNamespace(t, "prov")
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "prov-gp3"}, Provisioner: "ebs.csi.aws.com", VolumeBindingMode: &wffc}
	if _, err := client.StorageV1().StorageClasses().Create(ctx, class, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.StorageV1().StorageClasses().Delete(context.Background(), "prov-gp3", metav1.DeleteOptions{})
	})
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "prov"}, Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptr("prov-gp3"),
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}}}
	if _, err := client.CoreV1().PersistentVolumeClaims("prov").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createPods(t, fixture.Pod{Name: "db", Namespace: "prov", NodeSelector: hostname("prov-1"), Requests: fixture.Resources("100m", "", ""), Modify: func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
	}})
	// The scheduler names the node on the claim; the volume controller
	// hands the claim to the provisioner and says so in an event.
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		c, err := client.CoreV1().PersistentVolumeClaims("prov").Get(ctx, "data", metav1.GetOptions{})
		if err != nil || c.Annotations["volume.kubernetes.io/selected-node"] != "prov-1" {
			return false, nil
		}
		events, err := client.CoreV1().Events("prov").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=data,reason=ExternalProvisioning"})
		return err == nil && len(events.Items) > 0, nil
	})
	if err != nil {
		t.Fatalf("the claim was never handed to the provisioner: %v", err)
	}
	d := diagnosisJSON(t, "db", "-n", "prov")
	if d.State != diagnose.StateWaitingForVolume || d.Provisioning == nil || d.Provisioning.Node != "prov-1" || d.Provisioning.Provisioner != "ebs.csi.aws.com" || d.Provisioning.Running {
		t.Fatalf("state %s, provisioning %+v\n%s", d.State, d.Provisioning, d.Summary)
	}
	for _, want := range []string{"waits for the provisioner ebs.csi.aws.com", "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'", "no leader lease ebs-csi-aws-com"} {
		if !strings.Contains(d.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, d.Summary)
		}
	}
	if strings.Contains(d.Summary, "should place it on its next attempt") {
		t.Errorf("the pod waits for its volume, not for the scheduler:\n%s", d.Summary)
	}
	// With the provisioner's leader lease renewed, it seems to run.
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "ebs-csi-aws-com", Namespace: "kube-system"}, Spec: coordinationv1.LeaseSpec{
		HolderIdentity: ptr("ebs-csi-controller-7d9f8-abcde"), LeaseDurationSeconds: ptr(int32(3600)), RenewTime: &metav1.MicroTime{Time: time.Now()}}}
	if _, err := client.CoordinationV1().Leases("kube-system").Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoordinationV1().Leases("kube-system").Delete(context.Background(), "ebs-csi-aws-com", metav1.DeleteOptions{})
	})
	d = diagnosisJSON(t, "db", "-n", "prov")
	if d.Provisioning == nil || !d.Provisioning.Running || !strings.Contains(d.Summary, "renewed") || !strings.Contains(d.Summary, "ebs-csi-controller-7d9f8-abcde") {
		t.Errorf("with the lease, the provisioner seems to run: %+v\n%s", d.Provisioning, d.Summary)
	}
}

// A pod for another scheduler whose lease lives in its own namespace.
func TestOtherSchedulerWithLease(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "volc-1"})
	createNamespace(t, "volcano-system")
	createNamespace(t, "jobs")
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "volcano", Namespace: "volcano-system"}, Spec: coordinationv1.LeaseSpec{
		HolderIdentity: ptr("volcano-scheduler-5b7c9-xk2p4"), LeaseDurationSeconds: ptr(int32(3600)), RenewTime: &metav1.MicroTime{Time: time.Now()}}}
	if _, err := client.CoordinationV1().Leases("volcano-system").Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createPods(t, fixture.Pod{Name: "train", Namespace: "jobs", Modify: func(p *corev1.Pod) { p.Spec.SchedulerName = "volcano" }})
	time.Sleep(time.Second)
	d := diagnosisJSON(t, "train", "-n", "jobs")
	if d.State != diagnose.StateOtherScheduler || !strings.Contains(d.Summary, "its leader lease volcano-system/volcano") {
		t.Errorf("state %s:\n%s", d.State, d.Summary)
	}
	if strings.Contains(d.Summary, "nothing suggests that scheduler runs") || strings.Contains(d.Summary, "next attempt") {
		t.Errorf("the volcano scheduler runs, and places the pod, not the default one:\n%s", d.Summary)
	}
}

// The deletion time is when deletion was asked for: deletionTimestamp is
// that time plus the grace period.
func TestDeletionTimeIsTheRequest(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "del-silent", State: fixture.Silent})
	createNamespace(t, "del")
	createPods(t, fixture.Pod{Name: "stuck", Namespace: "del", NodeName: "del-silent", Modify: func(p *corev1.Pod) { p.Finalizers = []string{"example.com/hold"} }})
	t.Cleanup(func() { removeFinalizers("del", "stuck") })
	grace := int64(300)
	if err := client.CoreV1().Pods("del").Delete(ctx, "stuck", metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		t.Fatal(err)
	}
	d := diagnosisJSON(t, "stuck", "-n", "del")
	m := regexp.MustCompile(`deletion was requested (\d+)s ago with a grace period of 5m0s, which runs out in (\d+)m?`).FindStringSubmatch(d.Summary)
	if d.State != diagnose.StateTerminating || m == nil {
		t.Fatalf("state %s:\n%s", d.State, d.Summary)
	}
	if ago, _ := strconv.Atoi(m[1]); ago > 30 {
		t.Errorf("deletion was requested moments ago, the tool says %ss:\n%s", m[1], d.Summary)
	}
}

// A DaemonSet's pod that does not fit its own node: the scheduler checks
// that node only, and the tool says what takes the room and the taint it
// does not tolerate.
func TestDaemonSetPodOnItsOwnNode(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "dsn-full"}, fixture.Node{Name: "dsn-free"})
	createNamespace(t, "dsn")
	createPods(t, fixture.Pod{Name: "hog", Namespace: "dsn", NodeName: "dsn-full", Requests: fixture.Resources("3500m", "", "")})
	if _, err := fixture.WaitForPod(ctx, client, "dsn", "hog", fixture.Running); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "dsn-agent"}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "dsn"}, Spec: appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
			NodeSelector: map[string]string{"kubernetes.io/hostname": "dsn-full"},
			Containers: []corev1.Container{{Name: "agent", Image: "registry.example/agent:1.0",
				Resources: corev1.ResourceRequirements{Requests: fixture.Resources("1", "", "")}}}}}}}
	if _, err := client.AppsV1().DaemonSets("dsn").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var name string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := client.CoreV1().Pods("dsn").List(ctx, metav1.ListOptions{LabelSelector: "app=dsn-agent"})
		if err != nil || len(list.Items) != 1 || !fixture.Unschedulable(&list.Items[0]) {
			return false, nil
		}
		name = list.Items[0].Name
		return true, nil
	})
	if err != nil {
		t.Fatalf("the DaemonSet's pod never became unschedulable: %v", err)
	}
	check := func(wantFirst string, wants ...string) {
		t.Helper()
		var d diagnose.Diagnosis
		_ = wait.PollUntilContextTimeout(ctx, time.Second, 20*time.Second, true, func(context.Context) (bool, error) {
			d = diagnosisJSON(t, name, "-n", "dsn")
			return d.Agrees != nil && *d.Agrees, nil
		})
		if d.Agrees == nil || !*d.Agrees {
			t.Errorf("disagrees with the scheduler:\n scheduler: %s\n computed:  %s\n %s", d.SchedulerMessage, d.ComputedMessage, d.Disagreement)
		}
		if !strings.Contains(d.SchedulerMessage, "didn't satisfy plugin(s) [NodeAffinity]") {
			t.Errorf("the scheduler's message should count the other nodes under its PreFilter: %s", d.SchedulerMessage)
		}
		for _, v := range d.Nodes {
			if v.Node == "dsn-full" && v.Failures[0].Plugin != wantFirst {
				t.Errorf("on its node the first failure is %s, want %s: %+v", v.Failures[0].Plugin, wantFirst, v.Failures)
			}
		}
		all := strings.Join(d.Fixes, "\n")
		for _, want := range wants {
			if !strings.Contains(all, want) {
				t.Errorf("fixes lack %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, "Relax the pod's required node affinity") {
			t.Errorf("a DaemonSet's pod is told to drop its pin:\n%s", all)
		}
	}
	check("NodeResourcesFit", "On dsn-full, what takes the room: cpu requested by dsn/hog 3500m")
	// A taint the DaemonSet does not tolerate comes on its node.
	updateNode(t, "dsn-full", func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: "example.com/drain", Value: "true", Effect: corev1.TaintEffectNoSchedule})
	}, false)
	// A new taint cannot make the pod fit, so the scheduler does not try
	// it again for minutes; a pod leaving the node makes it try at once.
	createPods(t, fixture.Pod{Name: "poke", Namespace: "dsn", NodeName: "dsn-full", Requests: fixture.Resources("100m", "", "")})
	if _, err := fixture.WaitForPod(ctx, client, "dsn", "poke", fixture.Running); err != nil {
		t.Fatal(err)
	}
	deletePodNow(t, "dsn", "poke")
	check("TaintToleration", "(in the DaemonSet dsn/agent's pod template, for the pod's own changes): tolerate the taint example.com/drain=true:NoSchedule",
		"On dsn-full, what takes the room: cpu requested by dsn/hog 3500m")
}

// A Deployment whose pods a ResourceQuota or a LimitRange refuses has no
// pending pod at all: why-pending explains the controller, with numbers.
func TestControllersThatCannotCreatePods(t *testing.T) {
	ctx := context.Background()
	createNamespace(t, "quota")
	quota := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute", Namespace: "quota"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("1")}}}
	if _, err := client.CoreV1().ResourceQuotas("quota").Create(ctx, quota, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	limits := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "per-container", Namespace: "quota"}, Spec: corev1.LimitRangeSpec{
		Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}}}}}
	if _, err := client.CoreV1().LimitRanges("quota").Create(ctx, limits, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Wait for the quota controller to count the namespace's use.
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		q, err := client.CoreV1().ResourceQuotas("quota").Get(ctx, "compute", metav1.GetOptions{})
		return err == nil && q.Status.Hard != nil, nil
	})
	deployment := func(name, cpu, memory string) *appsv1.Deployment {
		labels := map[string]string{"app": name}
		five := int32(5)
		req := fixture.Resources(cpu, "", "")
		lim := corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memory)}
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "quota"}, Spec: appsv1.DeploymentSpec{
			Replicas: &five, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: "registry.example/app:1.0", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}}}}}
	}
	for _, d := range []*appsv1.Deployment{deployment("api", "2", "512Mi"), deployment("cache", "100m", "2Gi")} {
		if _, err := client.AppsV1().Deployments("quota").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		events, err := client.CoreV1().Events("quota").List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedCreate"})
		if err != nil {
			return false, nil
		}
		quotaSeen, limitSeen := false, false
		for _, e := range events.Items {
			quotaSeen = quotaSeen || strings.Contains(e.Message, "exceeded quota")
			limitSeen = limitSeen || strings.Contains(e.Message, "maximum memory usage per Container")
		}
		return quotaSeen && limitSeen, nil
	})
	if err != nil {
		t.Fatalf("the ReplicaSet controller never reported both failures: %v", err)
	}

	r := explainNodes(t, "why-pending", "deployment/api", "-n", "quota", "-o", "json")
	var d diagnose.ControllerDiagnosis
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatal(err)
	}
	if d.Kind != v1alpha1.KindControllerDiagnosis || d.Desired != 5 || d.Pods != 0 || len(d.CreateFailures) == 0 || d.CreateFailures[0].Cause != "ResourceQuota" {
		t.Fatalf("deployment/api: %+v", d)
	}
	for _, want := range []string{"Deployment/api wants 5 pods and has 0", "requests.cpu: a pod asks 2, 0 of the 1 allowed is in use, 1 left"} {
		if !strings.Contains(d.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, d.Summary)
		}
	}
	text := explainNodes(t, "why-pending", "deploy/cache", "-n", "quota")
	flat := strings.Join(strings.Fields(text.Stdout), " ")
	for _, want := range []string{"Deployment/cache in namespace quota: 5 wanted, 0 exist, 0 running", "the maximum memory per container is 1Gi, and the template's limit is 2Gi"} {
		if !strings.Contains(flat, want) {
			t.Errorf("deploy/cache text lacks %q:\n%s", want, text.Stdout)
		}
	}
	// The namespace has no pending pod, and says why.
	list := explainNodes(t, "why-pending", "-n", "quota")
	flat = strings.Join(strings.Fields(list.Stdout), " ")
	for _, want := range []string{"No Pending pods in namespace quota.", "Controllers that could not create their pods", "Deployment/api (ReplicaSet/api-", "Deployment/cache (ReplicaSet/cache-"} {
		if !strings.Contains(flat, want) {
			t.Errorf("why-pending -n quota lacks %q:\n%s", want, list.Stdout)
		}
	}
	// Bad input: an unknown kind, a missing controller.
	bad := kubectlRun(t, nil, "explain-nodes", "why-pending", "service/api", "-n", "quota")
	if bad.Code == 0 || !strings.Contains(bad.Stderr, `not "service"`) {
		t.Errorf("an unknown kind: %s", bad)
	}
	missing := kubectlRun(t, nil, "explain-nodes", "why-pending", "deployment/nope", "-n", "quota")
	if missing.Code != 1 || !strings.Contains(missing.Stderr, `deployment "nope" not found in namespace "quota"`) {
		t.Errorf("a missing deployment: %s", missing)
	}
	assertNoStackTrace(t, missing)
}
