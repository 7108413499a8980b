package diagnose

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Reason strings of the VolumeBinding and VolumeRestrictions plugins.
const (
	ReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims"
	ReasonVolumeNodeAffin  = "node(s) didn't match PersistentVolume's node affinity"
	ReasonPVNotExist       = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	ReasonRWOPInUse        = "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod"
)

// claimNames lists the PersistentVolumeClaims a pod uses, generic
// ephemeral volumes included (their claim is named <pod>-<volume>).
func claimNames(pod *corev1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			out = append(out, pod.Name+"-"+v.Name)
		}
	}
	return out
}

// volumePreFilter follows the VolumeRestrictions and VolumeBinding
// PreFilters: problems with the pod's claims that no node can fix. It returns
// the plugin, the scheduler's message and a plain explanation.
func volumePreFilter(pod *corev1.Pod, v *cluster.Volumes, assigned []corev1.Pod) (plugin, msg, detail string) {
	if v == nil || v.Claims == nil {
		return "", "", ""
	}
	// VolumeRestrictions: a ReadWriteOncePod claim already used by another pod.
	for _, name := range claimNames(pod) {
		pvc := v.Claims[pod.Namespace+"/"+name]
		if pvc == nil || !hasAccessMode(pvc, corev1.ReadWriteOncePod) {
			continue
		}
		for i := range assigned {
			other := &assigned[i]
			if other.Namespace == pod.Namespace && other.UID != pod.UID && usesClaim(other, name) {
				return "VolumeRestrictions", ReasonRWOPInUse, fmt.Sprintf("claim %s is ReadWriteOncePod and pod %s/%s on %s already uses it", name, other.Namespace, other.Name, other.Spec.NodeName)
			}
		}
	}
	var unbound []string
	for _, name := range claimNames(pod) {
		pvc, ok := v.Claims[pod.Namespace+"/"+name]
		switch {
		case !ok:
			return "VolumeBinding", fmt.Sprintf("persistentvolumeclaim %q not found", name), fmt.Sprintf("the pod uses claim %s, which does not exist in namespace %s", name, pod.Namespace)
		case pvc.Status.Phase == corev1.ClaimLost:
			return "VolumeBinding", fmt.Sprintf("persistentvolumeclaim %q bound to non-existent persistentvolume %q", name, pvc.Spec.VolumeName), fmt.Sprintf("claim %s was bound to volume %s, which is gone", name, pvc.Spec.VolumeName)
		case pvc.DeletionTimestamp != nil:
			return "VolumeBinding", fmt.Sprintf("persistentvolumeclaim %q is being deleted", name), fmt.Sprintf("claim %s is being deleted", name)
		}
	}
	for _, name := range claimNames(pod) {
		pvc := v.Claims[pod.Namespace+"/"+name]
		if pvc.Spec.VolumeName == "" && !delayBinding(pvc, v.Classes) {
			unbound = append(unbound, name)
		}
	}
	if len(unbound) > 0 {
		return "VolumeBinding", ReasonUnboundImmediate, fmt.Sprintf("claim(s) %v are not bound to a volume yet, and their storage class binds immediately (not when a pod needs them): no matching PersistentVolume exists and no provisioner has created one", unbound)
	}
	return "", "", ""
}

// filterVolumeBinding checks the node against the node affinity of the
// volumes the pod's bound claims use.
func filterVolumeBinding(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	if e == nil || e.volumes == nil || e.volumes.Claims == nil || e.volumes.Volumes == nil {
		return nil
	}
	for _, name := range claimNames(pod) {
		pvc := e.volumes.Claims[pod.Namespace+"/"+name]
		if pvc == nil || pvc.Spec.VolumeName == "" {
			continue
		}
		pv, ok := e.volumes.Volumes[pvc.Spec.VolumeName]
		if !ok {
			return &Failure{Plugin: "VolumeBinding", Reasons: []string{ReasonPVNotExist},
				Detail: fmt.Sprintf("claim %s is bound to volume %s, which does not exist", name, pvc.Spec.VolumeName)}
		}
		if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
			continue
		}
		ns, err := nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
		if err != nil || !ns.Match(n.node) {
			return &Failure{Plugin: "VolumeBinding", Reasons: []string{ReasonVolumeNodeAffin},
				Detail: fmt.Sprintf("claim %s is bound to volume %s, which can only be used on nodes matching its node affinity (a local or zonal disk), and this node does not", name, pv.Name)}
		}
	}
	return nil
}

func delayBinding(pvc *corev1.PersistentVolumeClaim, classes map[string]*storagev1.StorageClass) bool {
	name := ""
	if pvc.Spec.StorageClassName != nil {
		name = *pvc.Spec.StorageClassName
	}
	if name == "" {
		return false
	}
	sc, ok := classes[name]
	return ok && sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
}

func hasAccessMode(pvc *corev1.PersistentVolumeClaim, mode corev1.PersistentVolumeAccessMode) bool {
	for _, m := range pvc.Spec.AccessModes {
		if m == mode {
			return true
		}
	}
	return false
}

func usesClaim(p *corev1.Pod, name string) bool {
	for _, n := range claimNames(p) {
		if n == name {
			return true
		}
	}
	return false
}
