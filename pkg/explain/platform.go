package explain

import (
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Platform is what a node's well-known labels, annotations and provider ID
// say about the machine under it.
type Platform struct {
	// Cloud is the infrastructure: AWS, Google Cloud, Azure, bare metal…
	Cloud string `json:"cloud,omitempty"`
	// Distribution is the Kubernetes service or distribution: EKS, GKE,
	// AKS, OpenShift, k3s, RKE2, kind…
	Distribution string `json:"distribution,omitempty"`
	// Region is the node's topology.kubernetes.io/region.
	Region string `json:"region,omitempty"`
	// Zone is the node's topology.kubernetes.io/zone.
	Zone string `json:"zone,omitempty"`
	// InstanceType is the machine type: node.kubernetes.io/instance-type.
	InstanceType string `json:"instanceType,omitempty"`
	// Capacity is spot, preemptible, on-demand or reserved, when a label
	// says.
	Capacity string `json:"capacity,omitempty"`
	// CapacityLabel is the label that says it, as key=value.
	CapacityLabel string `json:"capacityLabel,omitempty"`
	// Provisioner is what made the node: Karpenter, the cluster
	// autoscaler's node group, a Machine API machine.
	Provisioner string `json:"provisioner,omitempty"`
}

// Reclaimable says the cloud may take the machine back at short notice.
func (p Platform) Reclaimable() bool { return p.Capacity == "spot" || p.Capacity == "preemptible" }

// clouds names the infrastructure by the provider ID's scheme.
var clouds = map[string]string{
	"aws": "AWS", "gce": "Google Cloud", "azure": "Azure", "digitalocean": "DigitalOcean", "linode": "Linode",
	"oci": "Oracle Cloud", "ibm": "IBM Cloud", "vsphere": "vSphere", "openstack": "OpenStack", "hcloud": "Hetzner Cloud",
	"equinixmetal": "Equinix Metal", "baremetalhost": "bare metal", "kind": "a kind container", "k3s": "", "kwok": "kwok (simulated)",
}

// serviceClouds names the cloud under a managed service, for nodes without
// a provider ID.
var serviceClouds = map[string]string{"EKS": "AWS", "GKE": "Google Cloud", "AKS": "Azure"}

// capacityLabels say whether a node is spot capacity, by platform.
var capacityLabels = []struct{ label, spotValue, value string }{
	{"karpenter.sh/capacity-type", "spot", ""},
	{"eks.amazonaws.com/capacityType", "SPOT", ""},
	{"cloud.google.com/gke-spot", "true", "spot"},
	{"cloud.google.com/gke-preemptible", "true", "preemptible"},
	{"kubernetes.azure.com/scalesetpriority", "spot", "spot"},
	{"node.kubernetes.io/lifecycle", "spot", ""},
}

// labelOf returns the first of the labels a node has.
func labelOf(labels map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// platformOf reads a node's platform from its labels, annotations and
// provider ID.
func platformOf(n *corev1.Node) Platform {
	l := n.Labels
	p := Platform{
		Region:       labelOf(l, corev1.LabelTopologyRegion, corev1.LabelFailureDomainBetaRegion),
		Zone:         labelOf(l, corev1.LabelTopologyZone, corev1.LabelFailureDomainBetaZone),
		InstanceType: labelOf(l, corev1.LabelInstanceTypeStable, corev1.LabelInstanceType),
	}
	if scheme, _, ok := strings.Cut(n.Spec.ProviderID, "://"); ok {
		p.Cloud = clouds[scheme]
	}
	p.Distribution = distributionOf(n)
	if p.Cloud == "" {
		p.Cloud = serviceClouds[p.Distribution]
	}
	if strings.EqualFold(p.InstanceType, p.Distribution) {
		// k3s and RKE2 put their own name there.
		p.InstanceType = ""
	}
	for _, c := range capacityLabels {
		v, ok := l[c.label]
		if !ok {
			continue
		}
		p.CapacityLabel = c.label + "=" + v
		switch {
		case strings.EqualFold(v, c.spotValue) && c.value != "":
			p.Capacity = c.value
		case c.value != "":
			continue
		default:
			p.Capacity = strings.ReplaceAll(strings.ToLower(v), "_", "-")
		}
		break
	}
	switch {
	case l["karpenter.sh/nodepool"] != "":
		p.Provisioner = "Karpenter NodePool " + l["karpenter.sh/nodepool"]
	case l["karpenter.sh/provisioner-name"] != "":
		p.Provisioner = "Karpenter Provisioner " + l["karpenter.sh/provisioner-name"]
	case n.Annotations["machine.openshift.io/machine"] != "":
		p.Provisioner = "OpenShift Machine " + n.Annotations["machine.openshift.io/machine"]
	case n.Annotations["cluster.x-k8s.io/machine"] != "":
		p.Provisioner = "Cluster API Machine " + n.Annotations["cluster.x-k8s.io/machine"]
	}
	return p
}

// distributionMarks are the label and annotation key prefixes each
// distribution leaves on its nodes, the most telling first: a managed
// service's own labels, then the distributions'.
var distributionMarks = []struct {
	prefix, distribution string
	annotation           bool
}{
	{"eks.amazonaws.com/nodegroup", "EKS", false},
	{"cloud.google.com/gke-nodepool", "GKE", false},
	{"kubernetes.azure.com/", "AKS", false},
	{"doks.digitalocean.com/", "DigitalOcean Kubernetes", false},
	{"lke.linode.com/", "Linode Kubernetes Engine", false},
	{"oke.oraclecloud.com/", "Oracle Kubernetes Engine", false},
	{"ibm-cloud.kubernetes.io/", "IBM Cloud Kubernetes Service", false},
	{"node.openshift.io/", "OpenShift", false},
	{"machineconfiguration.openshift.io/", "OpenShift", true},
	{"rke2.io/", "RKE2", true},
	{"k3s.io/", "k3s", true},
	{"microk8s.io/", "MicroK8s", false},
	{"node.k0sproject.io/", "k0s", false},
	{"minikube.k8s.io/name", "minikube", false},
	{"eks.amazonaws.com/", "EKS", false},
}

// marksByDomain indexes distributionMarks by the domain of their prefix
// (what comes before the "/"), so a key is matched with one lookup.
var marksByDomain = func() map[string][]int {
	out := map[string][]int{}
	for i, m := range distributionMarks {
		domain, _, _ := strings.Cut(m.prefix, "/")
		out[domain] = append(out[domain], i)
	}
	return out
}()

// eksKubelet is how EKS's node images version the kubelet:
// v1.36.2-eks-bca9cf6, a commit after "-eks-"; EKS Distro's builds, which
// run outside EKS too, are v1.27.1-eks-1-27-4.
var eksKubelet = regexp.MustCompile(`^v[0-9.]+-eks-[0-9a-f]{7,}$`)

// distributionOf names the Kubernetes service or distribution a node
// belongs to, from the marks each leaves on its nodes: one pass over its
// labels and one over its annotations.
func distributionOf(n *corev1.Node) string {
	best := len(distributionMarks)
	scan := func(keys map[string]string, annotation bool) {
		for k := range keys {
			domain, _, found := strings.Cut(k, "/")
			if !found {
				continue
			}
			for _, i := range marksByDomain[domain] {
				if m := distributionMarks[i]; i < best && m.annotation == annotation && strings.HasPrefix(k, m.prefix) {
					best = i
				}
			}
		}
	}
	scan(n.Labels, false)
	scan(n.Annotations, true)
	switch {
	case best < len(distributionMarks):
		return distributionMarks[best].distribution
	case n.Labels["node.kubernetes.io/instance-type"] == "k3s":
		return "k3s"
	case strings.HasPrefix(n.Spec.ProviderID, "kind://"):
		return "kind"
	case strings.HasPrefix(n.Spec.ProviderID, "aws://") && eksKubelet.MatchString(n.Status.NodeInfo.KubeletVersion):
		// Nodes Karpenter launches carry no EKS label.
		return "EKS"
	}
	return ""
}
