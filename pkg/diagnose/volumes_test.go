package diagnose

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

func pvcVolume(volume, claim string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
	}
}

func ephemeralVolume(volume string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{}}}})
	}
}

func newClaim(name string, mod ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	for _, m := range mod {
		m(c)
	}
	return c
}

// boundTo binds a claim as the PV controller does: volumeName, the
// bind-completed annotation and phase Bound.
func boundTo(pv string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		c.Spec.VolumeName = pv
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations["pv.kubernetes.io/bind-completed"] = "yes"
		c.Status.Phase = corev1.ClaimBound
	}
}

func withClass(name string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = &name }
}

func ownedBy(uid string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		yes := true
		c.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "p", UID: types.UID(uid), Controller: &yes}}
	}
}

// localPV is a volume usable only on the node named host.
func localPV(name, host string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: hostnameKey, Operator: corev1.NodeSelectorOpIn, Values: []string{host}},
			}}},
		}}},
	}
}

func storageClass(name string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "ebs.csi.aws.com", VolumeBindingMode: &mode}
}

func volumesOf(claims []*corev1.PersistentVolumeClaim, pvs []*corev1.PersistentVolume, classes []*storagev1.StorageClass) *cluster.Volumes {
	v := &cluster.Volumes{
		Claims:  map[string]*corev1.PersistentVolumeClaim{},
		Volumes: map[string]*corev1.PersistentVolume{},
		Classes: map[string]*storagev1.StorageClass{},
	}
	for _, c := range claims {
		v.Claims[c.Namespace+"/"+c.Name] = c
	}
	for _, pv := range pvs {
		v.Volumes[pv.Name] = pv
	}
	for _, sc := range classes {
		v.Classes[sc.Name] = sc
	}
	return v
}

func TestVolumes(t *testing.T) {
	nodes := []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a")}
	all := func(reason string) map[string][]string {
		return map[string][]string{"n1": {reason}, "n2": {reason}}
	}
	rwop := func(c *corev1.PersistentVolumeClaim) {
		c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}
	}
	tests := []struct {
		name     string
		pod      corev1.Pod
		nodes    []corev1.Node
		assigned []corev1.Pod
		volumes  *cluster.Volumes
		want     map[string][]string
		// computed is the expected message; anyComputed skips that check.
		computed    string
		anyComputed bool
	}{
		{
			name:     "a missing claim rejects every node in PreFilter",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf(nil, nil, nil),
			want:     all(`persistentvolumeclaim "x" not found`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" not found.`,
		},
		{
			name:     "a claim of that name in another namespace does not count",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) { c.Namespace = "other" }, boundTo("pv1"))}, nil, nil),
			want:     all(`persistentvolumeclaim "x" not found`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" not found.`,
		},
		{
			name: "a claim being deleted",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"), func(c *corev1.PersistentVolumeClaim) {
				ts := metav1.NewTime(now.Add(-time.Minute))
				c.DeletionTimestamp = &ts
			})}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all(`persistentvolumeclaim "x" is being deleted`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" is being deleted.`,
		},
		{
			name: "a lost claim",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("gone"), func(c *corev1.PersistentVolumeClaim) {
				c.Status.Phase = corev1.ClaimLost
			})}, nil, nil),
			want:     all(`persistentvolumeclaim "x" bound to non-existent persistentvolume "gone"`),
			computed: `0/2 nodes are available: persistentvolumeclaim "x" bound to non-existent persistentvolume "gone".`,
		},
		{
			name:     "an unbound claim without a storage class binds immediately",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x")}, nil, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:     "an unbound claim of an Immediate storage class",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("standard"))}, nil, []*storagev1.StorageClass{storageClass("standard", storagev1.VolumeBindingImmediate)}),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:     "an unbound claim of a storage class that does not exist binds immediately",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("nope"))}, nil, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			name:    "an unbound claim of a WaitForFirstConsumer class is not a PreFilter failure",
			pod:     mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", withClass("gp3"))}, nil, []*storagev1.StorageClass{storageClass("gp3", storagev1.VolumeBindingWaitForFirstConsumer)}),
			want:    map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			// volume.GetPersistentVolumeClaimClass reads the beta annotation first.
			name: "the beta storage-class annotation names the class",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) {
				c.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "gp3"}
			})}, nil, []*storagev1.StorageClass{storageClass("gp3", storagev1.VolumeBindingWaitForFirstConsumer)}),
			want: map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			name:    "a bound claim whose volume has node affinity for one node",
			pod:     mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:    map[string][]string{"n1": {"fits"}, "n2": {ReasonVolumeNodeAffinity}},
		},
		{
			name:     "volume node affinity counts after resources",
			pod:      mkPod("p", res("cpu", "8"), pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     map[string][]string{"n1": {"Insufficient cpu"}, "n2": {"Insufficient cpu"}},
			computed: "0/2 nodes are available: 2 Insufficient cpu.",
		},
		{
			name:     "volume node affinity counts where the node has room",
			pod:      mkPod("p", res("cpu", "3"), pvcVolume("data", "x")),
			nodes:    []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a")},
			assigned: []corev1.Pod{mkPod("big", res("cpu", "2"), on("n1"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     map[string][]string{"n1": {"Insufficient cpu"}, "n2": {ReasonVolumeNodeAffinity}},
			computed: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match PersistentVolume's node affinity.",
		},
		{
			name:     "a claim bound to a volume that does not exist",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", boundTo("gone"))}, nil, nil),
			want:     all(ReasonPVNotExist),
			computed: "0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).",
		},
		{
			name:        "a ReadWriteOncePod claim another pod uses rejects every node",
			pod:         mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			assigned:    []corev1.Pod{mkPod("holder", nil, withUID("uid-h"), on("n1"), pvcVolume("data", "x"))},
			volumes:     volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:        all(ReasonRWOPInUse),
			anyComputed: true,
		},
		{
			// volumerestrictions: the conflict is found in Filter, node by
			// node, after TaintToleration; it is counted per node.
			name:     "a ReadWriteOncePod conflict is a Filter failure, counted per node after the taint check",
			pod:      mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			nodes:    []corev1.Node{zoneNode("n1", "a"), zoneNode("n2", "a"), zoneNode("n3", "a", taint("dedicated", "batch", corev1.TaintEffectNoSchedule))},
			assigned: []corev1.Pod{mkPod("holder", nil, withUID("uid-h"), on("n1"), pvcVolume("data", "x"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:     map[string][]string{"n1": {ReasonRWOPInUse}, "n2": {ReasonRWOPInUse}, "n3": {ReasonUntoleratedTaint}},
			computed: "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod.",
		},
		{
			name:     "a ReadWriteOncePod claim nobody else uses",
			pod:      mkPod("p", nil, withUID("uid-p"), pvcVolume("data", "x")),
			assigned: []corev1.Pod{mkPod("other", nil, withUID("uid-o"), on("n1"), pvcVolume("data", "x"), inNamespace("other"))},
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", rwop, boundTo("pv1"))}, []*corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}}, nil),
			want:     map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
		{
			name: "a generic ephemeral volume's claim is named <pod>-<volume>",
			pod:  mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{
				newClaim("p-data", ownedBy("uid-p"), boundTo("pv1")),
				newClaim("data", boundTo("pv2")),
			}, []*corev1.PersistentVolume{localPV("pv1", "n1"), localPV("pv2", "n2")}, nil),
			want: map[string][]string{"n1": {"fits"}, "n2": {ReasonVolumeNodeAffinity}},
		},
		{
			// volumebinding.podHasPVCs rewords NotFound for ephemeral volumes.
			name:     "a generic ephemeral volume's claim not created yet",
			pod:      mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes:  volumesOf(nil, nil, nil),
			want:     all(`waiting for ephemeral volume controller to create the persistentvolumeclaim "p-data"`),
			computed: `0/2 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "p-data".`,
		},
		{
			// ephemeral.VolumeIsForPod: the claim must be controlled by the pod.
			name:     "a claim named like the ephemeral volume's but not owned by the pod",
			pod:      mkPod("p", nil, withUID("uid-p"), ephemeralVolume("data")),
			volumes:  volumesOf([]*corev1.PersistentVolumeClaim{newClaim("p-data", ownedBy("uid-old"), boundTo("pv1"))}, []*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all("PVC default/p-data was not created for pod default/p (pod is not owner)"),
			computed: "0/2 nodes are available: PVC default/p-data was not created for pod default/p (pod is not owner).",
		},
		{
			// volumebinding isPVCFullyBound needs volumeName and the
			// pv.kubernetes.io/bind-completed annotation; a pre-bound claim
			// counts as unbound immediate.
			name: "a pre-bound claim (volumeName set, binding not completed) is unbound",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			volumes: volumesOf([]*corev1.PersistentVolumeClaim{newClaim("x", func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv1" })},
				[]*corev1.PersistentVolume{localPV("pv1", "n1")}, nil),
			want:     all(ReasonUnboundImmediate),
			computed: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			// scheduler.SchedulePod returns ErrNoNodesAvailable before PreFilter.
			name:     "with no nodes the message is the no-nodes one, whatever the volumes",
			pod:      mkPod("p", nil, pvcVolume("data", "x")),
			nodes:    []corev1.Node{},
			volumes:  volumesOf(nil, nil, nil),
			want:     map[string][]string{},
			computed: "no nodes available to schedule pods",
		},
		{
			name: "volumes unread: no volume check",
			pod:  mkPod("p", nil, pvcVolume("data", "x")),
			want: map[string][]string{"n1": {"fits"}, "n2": {"fits"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod
			ns := nodes
			if tc.nodes != nil {
				ns = tc.nodes
			}
			d := diagnosePod(input{Pod: &pod, Nodes: ns, Assigned: tc.assigned, Volumes: tc.volumes, NodesRead: true}, now)
			mismatches := compareVerdicts(d, tc.want, tc.computed)
			if tc.anyComputed && len(mismatches) > 1 {
				mismatches = mismatches[:1]
			} else if tc.anyComputed && len(mismatches) == 1 && strings.HasPrefix(mismatches[0], "computed message") {
				mismatches = nil
			}
			checkMismatches(t, mismatches)
		})
	}
}
