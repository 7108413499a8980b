package cluster

import (
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster/internal/wire"
)

// fullPod sets every field Bind and Summarize read and many they do not.
func fullPod() *corev1.Pod {
	always := corev1.ContainerRestartPolicyAlways
	prio := int32(1000)
	now := metav1.Now()
	// Protobuf keeps whole seconds of a time.
	deadline := metav1.NewTime(now.Truncate(time.Second).Local())
	grace := int64(30)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-0", Namespace: "shop", UID: "u-1", ResourceVersion: "42", DeletionTimestamp: &deadline, DeletionGracePeriodSeconds: &grace,
			Labels:          map[string]string{"app": "web", "component": "frontend"},
			Annotations:     map[string]string{corev1.MirrorPodAnnotationKey: "x", "big": string(make([]byte, 4096))},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web", UID: "o", Controller: &[]bool{true}[0]}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: "Apply", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{}}`)}},
			Finalizers:      []string{"f"},
		},
		Spec: corev1.PodSpec{
			NodeName: "node-1", Priority: &prio, PriorityClassName: "high",
			NodeSelector: map[string]string{"disk": "ssd"},
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-web-0"}}},
				{Name: "scratch", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}},
				{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}},
			},
			InitContainers: []corev1.Container{
				{Name: "init", Image: "busybox", Command: []string{"sh"}, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi")}}},
				{Name: "sidecar", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
					Ports: []corev1.ContainerPort{{ContainerPort: 9000, HostPort: 9000, Protocol: corev1.ProtocolUDP}}},
			},
			Containers: []corev1.Container{
				{Name: "app", Image: "nginx", Env: []corev1.EnvVar{{Name: "A", Value: "b"}},
					Ports: []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080, HostIP: "10.0.0.1"}},
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("128Mi"), "nvidia.com/gpu": resource.MustParse("1")},
						Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi"), "nvidia.com/gpu": resource.MustParse("1")}},
					LivenessProbe: &corev1.Probe{PeriodSeconds: 3},
					VolumeMounts:  []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}},
				{Name: "log", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}},
			},
			Overhead:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")},
			Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
				{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue, Message: "ready"}},
			PodIP:      "10.1.1.1", HostIP: "10.0.0.1",
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "init", RestartCount: 17, Image: "busybox", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}}},
				{Name: "sidecar", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}},
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", RestartCount: 3, Image: "nginx", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}}},
				{Name: "log", RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", Message: "dropped", StartedAt: deadline, FinishedAt: deadline}}},
			},
		},
	}
}

func marshalPod(t testing.TB, p *corev1.Pod) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMaskedPodsKeepWhatBindAndSummarizeRead(t *testing.T) {
	plain := fullPod()
	plain.Spec.InitContainers, plain.Spec.Overhead, plain.DeletionTimestamp = nil, nil, nil
	plain.Spec.Containers = plain.Spec.Containers[:1]
	for name, p := range map[string]*corev1.Pod{"full": fullPod(), "plain": plain, "empty": {}} {
		raw := marshalPod(t, p)
		bound, err := wire.NewPodDecoder(wire.BoundPod).Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := Bind(bound), Bind(p); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Bind of the masked pod = %+v, want %+v", name, got, want)
		}
		summary, err := wire.NewPodDecoder(wire.PodSummary).Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := Summarize(summary), Summarize(p); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Summarize of the masked pod = %+v, want %+v", name, got, want)
		}
	}
}

// The summary keeps what explaining a node needs of a pod being deleted or
// crash-looping.
func TestSummarizeDeletionAndCrashLoops(t *testing.T) {
	p := fullPod()
	summary, err := wire.NewPodDecoder(wire.PodSummary).Decode(marshalPod(t, p))
	if err != nil {
		t.Fatal(err)
	}
	got := Summarize(summary)
	if got.Deletion == nil {
		t.Fatal("the deletion is lost")
	}
	if !got.Deletion.Deadline.Equal(p.DeletionTimestamp.Time) || got.Deletion.GracePeriodSeconds == nil || *got.Deletion.GracePeriodSeconds != 30 ||
		!reflect.DeepEqual(got.Deletion.Finalizers, []string{"f"}) {
		t.Errorf("deletion = %+v, want deadline %v, grace 30, finalizers [f]", got.Deletion, p.DeletionTimestamp)
	}
	if want := p.DeletionTimestamp.Add(-30 * time.Second); !got.Deletion.RequestedAt().Equal(want) {
		t.Errorf("requested at %v, want %v (the deadline minus the grace period)", got.Deletion.RequestedAt(), want)
	}
	want := []ContainerRestarts{{Name: "init", Restarts: 17}, {Name: "app", Restarts: 3}}
	if !reflect.DeepEqual(got.CrashLoops, want) {
		t.Errorf("crash loops = %+v, want %+v", got.CrashLoops, want)
	}
	wantRestarted := []ContainerRestarts{{Name: "log", Restarts: 1, LastReason: "OOMKilled", LastExitCode: 137, LastFinished: p.Status.ContainerStatuses[1].LastTerminationState.Terminated.FinishedAt.UTC()}}
	if !reflect.DeepEqual(got.Restarted, wantRestarted) {
		t.Errorf("restarted = %+v, want %+v", got.Restarted, wantRestarted)
	}
	if got.CPULimitMilli != 1010 || got.MemoryLimitBytes != 512<<20 || !got.NoCPULimit || !got.NoMemoryLimit {
		t.Errorf("limits %dm, %d bytes, none on some container: %v, %v; want 1010m (1 and the 10m overhead), 512Mi and the log container without limits",
			got.CPULimitMilli, got.MemoryLimitBytes, got.NoCPULimit, got.NoMemoryLimit)
	}
	if plain := Summarize(&corev1.Pod{}); plain.Deletion != nil || plain.CrashLoops != nil {
		t.Errorf("an empty pod summarised as %+v", plain)
	}
}

func TestMaskDropsWhatIsNotNeeded(t *testing.T) {
	p := fullPod()
	raw := marshalPod(t, p)
	bound, err := wire.NewPodDecoder(wire.BoundPod).Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if bound.Annotations != nil || bound.ManagedFields != nil || bound.Spec.Containers[0].Env != nil || bound.Status.Phase != "" {
		t.Errorf("the bound-pod mask kept fields Bind does not read: %+v", bound)
	}
	if bound.Spec.Volumes[2].Projected != nil || bound.Spec.Volumes[2].Name != "token" {
		t.Errorf("volume kept as %+v, want only its name", bound.Spec.Volumes[2])
	}
	summary, err := wire.NewPodDecoder(wire.PodSummary).Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{corev1.MirrorPodAnnotationKey: "x"}; !reflect.DeepEqual(summary.Annotations, want) {
		t.Errorf("annotations = %v, want only the mirror-pod one", summary.Annotations)
	}
	if m := summary.Status.ContainerStatuses[0].State.Waiting.Message; m != "" {
		t.Errorf("waiting message %q kept", m)
	}
	masked, err := bound.Marshal()
	if err != nil || len(masked)*4 > len(raw) {
		t.Errorf("masked pod is %d of %d bytes (%v), want under a quarter", len(masked), len(raw), err)
	}
}

func TestMaskRejectsMalformedInput(t *testing.T) {
	raw := marshalPod(t, fullPod())
	for _, cut := range []int{1, 7, len(raw) / 2, len(raw) - 1} {
		if _, err := wire.NewPodDecoder(wire.BoundPod).Decode(raw[:cut]); err == nil {
			t.Errorf("a pod cut after %d of %d bytes decoded without error", cut, len(raw))
		}
	}
	// A nested message where a varint is found.
	bad := protowire.AppendTag(nil, 1, protowire.VarintType)
	bad = protowire.AppendVarint(bad, 5)
	if _, err := wire.NewPodDecoder(wire.BoundPod).Decode(bad); err == nil {
		t.Error("a varint metadata field decoded without error")
	}
}

// typicalPod is a pod as the benchmark cluster holds it: one container with
// requests, the service-account volume, the default tolerations, a running
// status and the managed fields of its creator and of the kubelet.
func typicalPod() *corev1.Pod {
	t := metav1.Now()
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "app-000000", Namespace: "bench-00", UID: "475369b4-fac4-4a4e-b6ac-8c4a967f3c29", ResourceVersion: "9143",
			Generation: 1, CreationTimestamp: t, Labels: map[string]string{"app": "app-0"},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "bench", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &t, FieldsType: "FieldsV1",
					FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{".":{},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:nodeName":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}`)},
				{Manager: "kwok", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &t, FieldsType: "FieldsV1", Subresource: "status",
					FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Initialized\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:phase":{},"f:podIP":{},"f:podIPs":{".":{},"k:{\"ip\":\"10.0.0.46\"}":{".":{},"f:ip":{}}},"f:startTime":{}}}`)},
			}},
		Spec: corev1.PodSpec{
			NodeName: "bench-00000", Priority: new(int32), SchedulerName: "default-scheduler", RestartPolicy: corev1.RestartPolicyAlways,
			ServiceAccountName: "default", DNSPolicy: corev1.DNSClusterFirst, SecurityContext: &corev1.PodSecurityContext{},
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0", ImagePullPolicy: corev1.PullIfNotPresent,
				Resources:              corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
				TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-bnfp9", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}}}},
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64)},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64)}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-bnfp9", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}}}}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.46", PodIPs: []corev1.PodIP{{IP: "10.0.0.46"}}, QOSClass: corev1.PodQOSBurstable, StartTime: &t,
			Conditions: []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: t},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: t}, {Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: t}},
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "init", RestartCount: 17, Image: "busybox", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}}},
				{Name: "sidecar", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "registry.example/app:1.0", Ready: true,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: t}}}}},
	}
}

// BenchmarkDecodePod compares decoding whole pods with decoding only what
// Bind and Summarize read.
func BenchmarkDecodePod(b *testing.B) {
	for _, pod := range []struct {
		name string
		pod  *corev1.Pod
	}{{"typical", typicalPod()}, {"full", fullPod()}} {
		raw := marshalPod(b, pod.pod)
		b.Run(pod.name+"/whole", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := &corev1.Pod{}
				if err := p.Unmarshal(raw); err != nil {
					b.Fatal(err)
				}
				_ = Bind(p)
			}
		})
		for _, m := range []struct {
			name   string
			fields wire.PodFields
		}{{"bound", wire.BoundPod}, {"summary", wire.PodSummary}} {
			b.Run(pod.name+"/"+m.name, func(b *testing.B) {
				b.ReportAllocs()
				d := wire.NewPodDecoder(m.fields)
				for b.Loop() {
					p, err := d.Decode(raw)
					if err != nil {
						b.Fatal(err)
					}
					_ = Bind(p)
				}
			})
		}
	}
}

// A real kubelet shows a crash-looping container mostly in its terminated
// state between restarts, not waiting in CrashLoopBackOff: the summary,
// decoded through its mask, must count both.
func TestSummarizeCrashLoopsBetweenRestarts(t *testing.T) {
	ended := func(code int32, reason string) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
	}
	tests := []struct {
		name   string
		policy corev1.RestartPolicy
		status corev1.ContainerStatus
		want   bool
	}{
		{"waiting in CrashLoopBackOff", corev1.RestartPolicyAlways, corev1.ContainerStatus{Name: "c", RestartCount: 2, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}, true},
		{"failed again after restarts, between restarts", corev1.RestartPolicyAlways, corev1.ContainerStatus{Name: "c", RestartCount: 3, State: ended(1, "Error")}, true},
		{"OOM-killed again after restarts", corev1.RestartPolicyOnFailure, corev1.ContainerStatus{Name: "c", RestartCount: 1, State: ended(137, "OOMKilled")}, true},
		{"failed once, not restarted yet", corev1.RestartPolicyAlways, corev1.ContainerStatus{Name: "c", State: ended(1, "Error")}, false},
		{"failed, and never restarted by policy", corev1.RestartPolicyNever, corev1.ContainerStatus{Name: "c", RestartCount: 1, State: ended(1, "Error")}, false},
		{"completed", corev1.RestartPolicyAlways, corev1.ContainerStatus{Name: "c", RestartCount: 1, State: ended(0, "Completed")}, false},
		{"waiting for its image", corev1.RestartPolicyAlways, corev1.ContainerStatus{Name: "c", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
				Spec:   corev1.PodSpec{RestartPolicy: tc.policy, Containers: []corev1.Container{{Name: "c"}}},
				Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{tc.status}}}
			summary, err := wire.NewPodDecoder(wire.PodSummary).Decode(marshalPod(t, p))
			if err != nil {
				t.Fatal(err)
			}
			got := Summarize(summary)
			if (len(got.CrashLoops) == 1) != tc.want {
				t.Errorf("crash loops = %+v, want crash-looping %v", got.CrashLoops, tc.want)
			}
		})
	}
}
