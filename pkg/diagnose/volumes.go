package diagnose

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/component-helpers/storage/ephemeral"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
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
func volumePreFilter(pod *corev1.Pod, v *cluster.Volumes) (plugin, msg, detail string) {
	if v == nil || v.Claims == nil {
		return "", "", ""
	}
	var unbound []string
	for _, name := range claimNames(pod) {
		pvc, ok := v.Claims[pod.Namespace+"/"+name]
		switch {
		case !ok && isEphemeralClaim(pod, name):
			return PluginVolumeBinding, fmt.Sprintf("waiting for ephemeral volume controller to create the persistentvolumeclaim %q", name), fmt.Sprintf("the claim %s of the pod's generic ephemeral volume has not been created yet", name)
		case !ok:
			return PluginVolumeRestrictions, fmt.Sprintf("persistentvolumeclaim %q not found", name), fmt.Sprintf("the pod uses claim %s, which does not exist in namespace %s", name, pod.Namespace)
		case isEphemeralClaim(pod, name) && ephemeral.VolumeIsForPod(pod, pvc) != nil:
			msg := ephemeral.VolumeIsForPod(pod, pvc).Error()
			return PluginVolumeBinding, msg, fmt.Sprintf("claim %s has the name of the pod's generic ephemeral volume but belongs to something else", name)
		case pvc.Status.Phase == corev1.ClaimLost:
			return PluginVolumeBinding, fmt.Sprintf("persistentvolumeclaim %q bound to non-existent persistentvolume %q", name, pvc.Spec.VolumeName), fmt.Sprintf("claim %s was bound to volume %s, which is gone", name, pvc.Spec.VolumeName)
		case pvc.DeletionTimestamp != nil:
			return PluginVolumeBinding, fmt.Sprintf("persistentvolumeclaim %q is being deleted", name), fmt.Sprintf("claim %s is being deleted", name)
		}
	}
	for _, name := range claimNames(pod) {
		pvc := v.Claims[pod.Namespace+"/"+name]
		if !fullyBound(pvc) && (pvc.Spec.VolumeName != "" || !delayBinding(pvc, v.Classes)) {
			unbound = append(unbound, name)
		}
	}
	if len(unbound) > 0 {
		return PluginVolumeBinding, ReasonUnboundImmediate, fmt.Sprintf("claim(s) %v are not bound to a volume yet, and their storage class binds immediately (not when a pod needs them): no matching PersistentVolume exists and no provisioner has created one", unbound)
	}
	return "", "", ""
}

// filterVolumeBinding checks the node against the node affinity of the
// volumes the pod's bound claims use, then the claims still waiting for their
// first consumer; like the scheduler, it reports both reasons when both fail.
func filterVolumeBinding(pod *corev1.Pod, req corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	bound := boundVolumeFailure(pod, n, e)
	delayed := filterDelayedBinding(pod, req, n, e)
	switch {
	case bound == nil:
		return delayed
	case delayed == nil:
		return bound
	}
	bound.Reasons = append(bound.Reasons, delayed.Reasons...)
	bound.Detail += "; " + delayed.Detail
	return bound
}

func boundVolumeFailure(pod *corev1.Pod, n *nodeInfo, e *env) *Failure {
	if e == nil || e.volumes == nil || e.volumes.Claims == nil || e.volumes.Volumes == nil {
		return nil
	}
	for _, name := range claimNames(pod) {
		pvc := e.volumes.Claims[pod.Namespace+"/"+name]
		if pvc == nil || !fullyBound(pvc) {
			continue
		}
		pv, ok := e.volumes.Volumes[pvc.Spec.VolumeName]
		if !ok {
			return &Failure{Plugin: PluginVolumeBinding, Reasons: []string{ReasonPVNotExist},
				Detail: fmt.Sprintf("claim %s is bound to volume %s, which does not exist", name, pvc.Spec.VolumeName)}
		}
		if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
			continue
		}
		ns, err := nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
		if err != nil || !ns.Match(labelsOnly(n.node)) {
			return &Failure{Plugin: PluginVolumeBinding, Reasons: []string{ReasonVolumeNodeAffinity},
				Detail: fmt.Sprintf("claim %s is bound to volume %s, which can only be used on nodes matching its node affinity (a local or zonal disk), and this node does not", name, pv.Name)}
		}
	}
	return nil
}

// fullyBound reports whether the volume controller has finished binding the
// claim; a claim with volumeName set but not yet bound counts as unbound.
func fullyBound(pvc *corev1.PersistentVolumeClaim) bool {
	_, done := pvc.Annotations["pv.kubernetes.io/bind-completed"]
	return pvc.Spec.VolumeName != "" && done
}

// claimClass is the claim's storage class: the old beta annotation first, as
// the scheduler reads it, then spec.storageClassName.
func claimClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

func isEphemeralClaim(pod *corev1.Pod, claim string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.Ephemeral != nil && pod.Name+"-"+v.Name == claim {
			return true
		}
	}
	return false
}

func delayBinding(pvc *corev1.PersistentVolumeClaim, classes map[string]*storagev1.StorageClass) bool {
	name := claimClass(pvc)
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

func usesClaim(p *cluster.BoundPod, name string) bool {
	return slices.Contains(p.Claims, name)
}

// zoneLabels are the labels VolumeZone compares between volumes and nodes.
var zoneLabels = []string{
	corev1.LabelFailureDomainBetaZone, corev1.LabelFailureDomainBetaRegion,
	corev1.LabelTopologyZone, corev1.LabelTopologyRegion,
}

// filterVolumeZone follows the scheduler's VolumeZone filter: a node with
// zone labels must be in the zone (or region) of each bound volume.
func filterVolumeZone(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	if e == nil || e.volumes == nil || e.volumes.Claims == nil || e.volumes.Volumes == nil {
		return nil
	}
	constrained := false
	for _, l := range zoneLabels {
		if _, ok := n.node.Labels[l]; ok {
			constrained = true
		}
	}
	if !constrained {
		return nil // a single-zone cluster may have no zone labels at all
	}
	for _, name := range claimNames(pod) {
		pvc := e.volumes.Claims[pod.Namespace+"/"+name]
		if pvc == nil || !fullyBound(pvc) {
			continue
		}
		pv := e.volumes.Volumes[pvc.Spec.VolumeName]
		if pv == nil {
			continue
		}
		for _, key := range zoneLabels {
			want, ok := pv.Labels[key]
			if !ok {
				continue
			}
			have, ok := n.node.Labels[key]
			if !ok {
				have, ok = n.node.Labels[gaLabel(key)]
			}
			if !ok || !zoneSet(want)[have] {
				return &Failure{Plugin: PluginVolumeZone, Reasons: []string{ReasonVolumeZone},
					Detail: fmt.Sprintf("volume %s (claim %s) lives in %s=%s, and the node is in %s", pv.Name, name, key, want, orText(have, "no zone"))}
			}
		}
	}
	return nil
}

func gaLabel(key string) string {
	switch key {
	case corev1.LabelFailureDomainBetaZone:
		return corev1.LabelTopologyZone
	case corev1.LabelFailureDomainBetaRegion:
		return corev1.LabelTopologyRegion
	}
	return key
}

// zoneSet reads a zone label value; several zones are joined by "__".
func zoneSet(v string) map[string]bool {
	out := map[string]bool{}
	for _, z := range strings.Split(v, "__") {
		out[strings.TrimSpace(z)] = true
	}
	return out
}

// noProvisioner is the provisioner of storage classes for volumes made by hand.
const noProvisioner = "kubernetes.io/no-provisioner"

// filterDelayedBinding checks the claims that wait for their first consumer:
// when their class cannot provision, a free matching volume usable on the
// node must exist.
func filterDelayedBinding(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	if e == nil || e.volumes == nil || e.volumes.Claims == nil || e.volumes.Volumes == nil || e.volumes.Classes == nil {
		return nil
	}
	for _, name := range claimNames(pod) {
		pvc := e.volumes.Claims[pod.Namespace+"/"+name]
		if pvc == nil || fullyBound(pvc) || pvc.Spec.VolumeName != "" || !delayBinding(pvc, e.volumes.Classes) {
			continue
		}
		class := e.volumes.Classes[claimClass(pvc)]
		if class.Provisioner != noProvisioner {
			continue // a provisioner will create a volume where the pod lands
		}
		if !matchingVolume(pvc, e.volumes.Volumes, n.node) {
			return &Failure{Plugin: PluginVolumeBinding, Reasons: []string{ReasonBindConflict},
				Detail: fmt.Sprintf("claim %s waits for a volume of class %s, which has no provisioner, and no free PersistentVolume that fits it can be used on this node", name, class.Name)}
		}
	}
	return nil
}

// matchingVolume reports whether a free volume of the claim's class, large
// enough, with the access modes asked for, can be used on the node.
func matchingVolume(pvc *corev1.PersistentVolumeClaim, volumes map[string]*corev1.PersistentVolume, node *corev1.Node) bool {
	want := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	for _, pv := range volumes {
		if pv.Spec.StorageClassName != claimClass(pvc) || pv.Status.Phase != corev1.VolumeAvailable {
			continue
		}
		if ref := pv.Spec.ClaimRef; ref != nil && (ref.Namespace != pvc.Namespace || ref.Name != pvc.Name) {
			continue
		}
		have := pv.Spec.Capacity[corev1.ResourceStorage]
		if have.Cmp(want) < 0 {
			continue
		}
		modes := true
		for _, m := range pvc.Spec.AccessModes {
			if !slices.Contains(pv.Spec.AccessModes, m) {
				modes = false
			}
		}
		if !modes {
			continue
		}
		if pv.Spec.NodeAffinity != nil && pv.Spec.NodeAffinity.Required != nil {
			ns, err := nodeaffinity.NewNodeSelector(pv.Spec.NodeAffinity.Required)
			if err != nil || !ns.Match(labelsOnly(node)) {
				continue
			}
		}
		return true
	}
	return false
}

// filterNodeVolumeLimits follows the scheduler's NodeVolumeLimits (CSI)
// filter: the CSI volumes the pod would add to the node, per driver, must fit
// under the limit the driver reports in the node's CSINode.
func filterNodeVolumeLimits(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	v := e.volumesOrNil()
	if v == nil || v.CSINodes == nil || v.Claims == nil || v.Volumes == nil {
		return nil
	}
	csiNode := v.CSINodes[n.node.Name]
	if csiNode == nil {
		return nil
	}
	limits := map[string]int32{}
	for _, d := range csiNode.Spec.Drivers {
		if d.Allocatable != nil && d.Allocatable.Count != nil {
			limits[d.Name] = *d.Allocatable.Count
		}
	}
	if len(limits) == 0 {
		return nil
	}
	newVolumes := csiVolumes(pod, v)
	if len(newVolumes) == 0 {
		return nil
	}
	attached := map[string]string{}
	for _, p := range n.podList {
		for id, driver := range csiVolumesOf(p.Namespace, p.Claims, v) {
			attached[id] = driver
		}
	}
	counts := map[string]int{}
	for id, driver := range attached {
		delete(newVolumes, id)
		counts[driver]++
	}
	for _, a := range v.Attachments {
		if a.Spec.NodeName != n.node.Name || a.Spec.Source.PersistentVolumeName == nil {
			continue
		}
		pv := v.Volumes[*a.Spec.Source.PersistentVolumeName]
		if pv == nil || pv.Spec.CSI == nil {
			continue
		}
		if _, ok := attached[pv.Spec.CSI.Driver+"^"+pv.Spec.CSI.VolumeHandle]; !ok {
			counts[pv.Spec.CSI.Driver]++
		}
	}
	adding := map[string]int{}
	for _, driver := range newVolumes {
		adding[driver]++
	}
	for driver, add := range adding {
		limit, ok := limits[driver]
		if ok && counts[driver]+add > int(limit) {
			return &Failure{Plugin: PluginNodeVolumeLimits, Reasons: []string{ReasonMaxVolumes},
				Detail: fmt.Sprintf("the CSI driver %s allows %d volumes on the node, %d are attached and the pod adds %d", driver, limit, counts[driver], add)}
		}
	}
	return nil
}

// csiVolumes maps the CSI volumes a pod uses ("driver^handle") to their
// driver; a claim not bound yet counts under its class's provisioner.
func csiVolumes(pod *corev1.Pod, v *cluster.Volumes) map[string]string {
	return csiVolumesOf(pod.Namespace, claimNames(pod), v)
}

func csiVolumesOf(namespace string, claims []string, v *cluster.Volumes) map[string]string {
	out := map[string]string{}
	for _, name := range claims {
		pvc := v.Claims[namespace+"/"+name]
		if pvc == nil {
			continue
		}
		if pvc.Spec.VolumeName != "" {
			if pv := v.Volumes[pvc.Spec.VolumeName]; pv != nil && pv.Spec.CSI != nil {
				out[pv.Spec.CSI.Driver+"^"+pv.Spec.CSI.VolumeHandle] = pv.Spec.CSI.Driver
			}
			continue
		}
		if class := claimClass(pvc); class != "" {
			if sc := v.Classes[class]; sc != nil && sc.Provisioner != noProvisioner {
				out[sc.Provisioner+"^"+pvc.Namespace+"-"+pvc.Name] = sc.Provisioner
			}
		}
	}
	return out
}

func (e *env) volumesOrNil() *cluster.Volumes {
	if e == nil {
		return nil
	}
	return e.volumes
}

// labelsOnly is the node as volume node affinity sees it: by its labels
// alone, so a matchFields rule on metadata.name never matches, as in the
// scheduler.
func labelsOnly(n *corev1.Node) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: n.Labels}}
}

// filterVolumeRestrictions follows the scheduler's VolumeRestrictions filter
// for ReadWriteOncePod claims: one already in use by another pod blocks.
func filterVolumeRestrictions(pod *corev1.Pod, _ corev1.ResourceList, n *nodeInfo, e *env) *Failure {
	v := e.volumesOrNil()
	if v == nil || v.Claims == nil {
		return nil
	}
	for _, vol := range pod.Spec.Volumes {
		if vol.PersistentVolumeClaim == nil {
			continue
		}
		name := vol.PersistentVolumeClaim.ClaimName
		pvc := v.Claims[pod.Namespace+"/"+name]
		if pvc == nil || !hasAccessMode(pvc, corev1.ReadWriteOncePod) {
			continue
		}
		for _, other := range e.infos {
			for _, p := range other.podList {
				if p.Namespace == pod.Namespace && p.UID != pod.UID && usesClaim(p, name) {
					return &Failure{Plugin: PluginVolumeRestrictions, Reasons: []string{ReasonRWOPInUse},
						Detail: fmt.Sprintf("claim %s is ReadWriteOncePod and pod %s/%s on %s already uses it", name, p.Namespace, p.Name, other.node.Name)}
				}
			}
		}
	}
	return nil
}

// annSelectedNode is the annotation the scheduler puts on a claim waiting
// for its first consumer, naming the node the volume must be made for.
const annSelectedNode = "volume.kubernetes.io/selected-node"

// Provisioning is a pod waiting for a provisioner to create its volume on
// the node the scheduler chose.
type Provisioning struct {
	Claim       string `json:"claim"`
	Class       string `json:"storageClass"`
	Provisioner string `json:"provisioner"`
	// Node is the node the scheduler chose for the pod (selected-node).
	Node string `json:"node"`
	// Waiting is the volume controller's latest ExternalProvisioning event,
	// its count and age.
	Waiting string `json:"waiting,omitempty"`
	// Failures are the provisioner's latest ProvisioningFailed messages.
	Failures []string `json:"failures,omitempty"`
	// Signs say whether the provisioner seems to run: its CSIDriver, its
	// leader lease.
	Signs []string `json:"signs,omitempty"`
	// Running is false when nothing shows the provisioner runs (and the
	// tool could read where it would show).
	Running bool `json:"running"`
}

// provisioningWait finds a claim of the pod that waits for its first
// consumer, that the scheduler has chosen a node for, and that no volume is
// bound to yet.
func provisioningWait(pod *corev1.Pod, in input, now time.Time) *Provisioning {
	v := in.Volumes
	if v == nil || v.Claims == nil || v.Classes == nil {
		return nil
	}
	for _, name := range claimNames(pod) {
		pvc := v.Claims[pod.Namespace+"/"+name]
		if pvc == nil || pvc.Spec.VolumeName != "" || !delayBinding(pvc, v.Classes) {
			continue
		}
		node, ok := pvc.Annotations[annSelectedNode]
		class := v.Classes[claimClass(pvc)]
		if !ok || class.Provisioner == noProvisioner {
			continue
		}
		w := &Provisioning{Claim: name, Class: class.Name, Provisioner: class.Provisioner, Node: node}
		var latest *corev1.Event
		failures := map[string]*corev1.Event{}
		for i := range v.ClaimEvents {
			e := &v.ClaimEvents[i]
			if e.InvolvedObject.Namespace != pod.Namespace || e.InvolvedObject.Name != name {
				continue
			}
			switch e.Reason {
			case "ExternalProvisioning":
				if latest == nil || eventTime(e).After(eventTime(latest)) {
					latest = e
				}
			case "ProvisioningFailed":
				failures[e.Message] = e
			}
		}
		if latest != nil {
			w.Waiting = fmt.Sprintf("%q (%s, last %s ago)", latest.Message, TimesText(latest.Count), now.Sub(eventTime(latest)).Round(time.Second))
		}
		for msg := range failures {
			w.Failures = append(w.Failures, msg)
		}
		sort.Strings(w.Failures)
		known := v.Drivers != nil && in.Leases != nil
		if v.Drivers[class.Provisioner] {
			w.Signs = append(w.Signs, "a CSIDriver object "+class.Provisioner+" is registered")
		}
		lease := leaseName(class.Provisioner)
		for _, l := range in.Leases {
			if l.Name != lease {
				continue
			}
			if l.Duration > 0 && now.Sub(l.Renewed) > l.Duration {
				w.Signs = append(w.Signs, fmt.Sprintf("its leader lease %s/%s was last renewed %s ago by %s and has expired", l.Namespace, l.Name, now.Sub(l.Renewed).Round(time.Second), orText(l.Holder, "no one")))
				continue
			}
			w.Running = true
			w.Signs = append(w.Signs, fmt.Sprintf("its leader lease %s/%s was renewed %s ago by %s", l.Namespace, l.Name, now.Sub(l.Renewed).Round(time.Second), orText(l.Holder, "no one")))
		}
		if !known {
			w.Running = true // unread: no claim that it does not run
		}
		return w
	}
	return nil
}

// leaseName is the leader lease the CSI external-provisioner takes for a
// driver: its name with every character but letters, digits and dashes
// turned into a dash.
func leaseName(driver string) string {
	b := []byte(driver)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 0 && b[len(b)-1] == '-' {
		b = append(b, 'X')
	}
	return string(b)
}

// TimesText words how often an event was seen: "once", "7 times".
func TimesText(n int32) string {
	if n <= 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// text words a Provisioning as a summary and its remedies.
func (w *Provisioning) text() (string, []Remedy) {
	summary := fmt.Sprintf("The scheduler has chosen node %s for the pod and asked for its volume: claim %s (storage class %s, volumeBindingMode WaitForFirstConsumer) waits for the provisioner %s to create a volume usable on %s (the claim's annotation %s). The pod is bound once the volume exists; until then it stays Pending, whatever the nodes' checks say.",
		w.Node, w.Claim, w.Class, w.Provisioner, w.Node, annSelectedNode)
	if w.Waiting != "" {
		summary += " The volume controller says: " + w.Waiting + "."
	}
	var fix string
	switch {
	case len(w.Failures) > 0:
		summary += " The provisioner reports failures: " + strings.Join(w.Failures, "; ") + "."
		fix = "Fix what the provisioner's failure names (quota, permissions, the storage class's parameters); it retries by itself"
	case !w.Running:
		summary += fmt.Sprintf(" Nothing shows that the provisioner %s runs: no leader lease %s in any namespace this tool could read", w.Provisioner, leaseName(w.Provisioner))
		if len(w.Signs) > 0 {
			summary += " (" + strings.Join(w.Signs, "; ") + ")"
		}
		summary += "."
		fix = fmt.Sprintf("Install or restart the CSI driver %s (its controller runs the external-provisioner sidecar), or give the claim a storage class whose provisioner runs", w.Provisioner)
	default:
		if len(w.Signs) > 0 {
			summary += " The provisioner seems to run: " + strings.Join(w.Signs, "; ") + ", yet it has not created the volume."
		}
		fix = "Read the provisioner's logs (the csi-provisioner container of the driver's controller pod) for why it does not create the volume"
	}
	return summary, []Remedy{{Text: fix + "."}}
}
