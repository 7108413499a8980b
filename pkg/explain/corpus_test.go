package explain

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// readNodeCorpus reads the real nodes of testdata/corpus/nodes, each from
// the public source its file names.
func readNodeCorpus(t *testing.T) map[string]*corev1.Node {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/nodes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus nodes: %v", err)
	}
	out := map[string]*corev1.Node{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var n corev1.Node
		if err := yaml.UnmarshalStrict(b, &n); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = &n
	}
	return out
}

// Every resource a real node offers beyond CPU, memory and pods is listed
// with its capacity, allocatable and what the pods request, GPUs first.
func TestCorpusNodesShowTheirResources(t *testing.T) {
	for file, n := range readNodeCorpus(t) {
		s := &cluster.Snapshot{Nodes: []corev1.Node{*n}, PodsRead: true, Pods: map[string][]cluster.Pod{}}
		rep := Explain(s, n.CreationTimestamp.Add(time.Hour), Options{})
		got := map[string]NodeResource{}
		for _, r := range rep.Nodes[0].Resources {
			got[r.Name] = r
		}
		for name, q := range n.Status.Capacity {
			switch name {
			case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods:
				continue
			}
			r, ok := got[string(name)]
			if !ok && !q.IsZero() {
				t.Errorf("%s: resource %s (capacity %s) not listed", file, name, q.String())
				continue
			}
			if ok && (r.Capacity != q.Value() || r.Allocatable != n.Status.Allocatable.Name(name, q.Format).Value() || r.Requested != 0) {
				t.Errorf("%s: %s = %+v, capacity %s", file, name, r, q.String())
			}
		}
	}
	nodes := readNodeCorpus(t)
	gpu := nodes["k3s-gpu-8x-nvidia.yaml"]
	rep := Explain(&cluster.Snapshot{Nodes: []corev1.Node{*gpu}, PodsRead: true, Pods: map[string][]cluster.Pod{
		gpu.Name: {{Namespace: "ml", Name: "train", Extended: map[corev1.ResourceName]int64{"nvidia.com/gpu": 3}}},
	}}, gpu.CreationTimestamp.Add(time.Hour), Options{})
	first := rep.Nodes[0].Resources[0]
	if first.Name != "nvidia.com/gpu" || !first.Accelerator || first.Allocatable != 8 || first.Requested != 3 || first.Free() != 5 {
		t.Errorf("GPU node's first resource: %+v", first)
	}
}

// Every real node of the corpus is placed on its platform from its labels,
// annotations and provider ID.
func TestCorpusNodesPlatform(t *testing.T) {
	want := map[string]Platform{
		"aks-agentpool-vmss000000.yaml":                 {Cloud: "Azure", Distribution: "AKS", Region: "southcentralus", Zone: "0", InstanceType: "Standard_D2s_v3"},
		"eks-hpc7g-efa-hugepages.yaml":                  {Cloud: "AWS", Distribution: "EKS", Region: "us-east-1", Zone: "us-east-1a", InstanceType: "hpc7g.16xlarge", Capacity: "on-demand", CapacityLabel: "eks.amazonaws.com/capacityType=ON_DEMAND"},
		"gke-preemptible-pool-1.yaml":                   {Cloud: "Google Cloud", Distribution: "GKE", Region: "us-central1", Zone: "us-central1-c", InstanceType: "n1-standard-1", Capacity: "preemptible", CapacityLabel: "cloud.google.com/gke-preemptible=true"},
		"k3s-c9b7eea91.yaml":                            {Distribution: "k3s"},
		"karpenter-eks-g6-gpu.yaml":                     {Cloud: "AWS", Distribution: "EKS", Region: "us-east-1", Zone: "us-east-1a", InstanceType: "g6.xlarge", Capacity: "on-demand", CapacityLabel: "karpenter.sh/capacity-type=on-demand", Provisioner: "Karpenter NodePool gpu"},
		"k3s-gpu-8x-nvidia.yaml":                        {Distribution: "k3s"},
		"kind-control-plane-unreachable.yaml":           {Cloud: "a kind container", Distribution: "kind"},
		"microk8s-repldev-marc.yaml":                    {Distribution: "MicroK8s"},
		"openshift-baremetal-worker-cnf-sriov.yaml":     {Cloud: "bare metal", Distribution: "OpenShift", Provisioner: "OpenShift Machine worker1"},
		"openshift-gcp-worker-cnf-hugepages.yaml":       {Cloud: "Google Cloud", Distribution: "OpenShift", Region: "us-central1", Zone: "us-central1-a", InstanceType: "n1-standard-4", Provisioner: "OpenShift Machine openshift-machine-api/ci-ln-t0prq3t-72292-h4x2n-worker-a-wqnqt"},
		"openshift-gcp-worker-insights-anonymized.yaml": {Cloud: "Google Cloud", Distribution: "OpenShift", Region: "us-east1", Zone: "us-east1-b", InstanceType: "n1-standard-4", Provisioner: "OpenShift Machine openshift-machine-api/ci-ln-d53y532-f76d1-2btqq-worker-b-7x8mw"},
		"rke2-gpu-a16-vgpu.yaml":                        {Distribution: "RKE2"},
	}
	nodes := readNodeCorpus(t)
	for file, n := range nodes {
		w, ok := want[file]
		if !ok {
			t.Errorf("%s: no expected platform; add one", file)
			continue
		}
		if got := platformOf(n); got != w {
			t.Errorf("%s:\n got  %+v\n want %+v", file, got, w)
		}
	}
}

// Where the control plane is out of view, what the corpus's real nodes say
// names who runs it: the managed service, or the distribution; a gce://
// provider ID on an OpenShift node does not make the cluster GKE.
func TestCorpusNodesControlPlane(t *testing.T) {
	want := map[string][2]string{
		"aks-agentpool-vmss000000.yaml":                 {ModeManaged, "AKS"},
		"eks-hpc7g-efa-hugepages.yaml":                  {ModeManaged, "EKS"},
		"gke-preemptible-pool-1.yaml":                   {ModeManaged, "GKE"},
		"k3s-c9b7eea91.yaml":                            {ModeSingleBinary, "k3s"},
		"karpenter-eks-g6-gpu.yaml":                     {ModeManaged, "EKS"},
		"k3s-gpu-8x-nvidia.yaml":                        {ModeSingleBinary, "k3s"},
		"kind-control-plane-unreachable.yaml":           {ModeSelfHosted, "kind"},
		"microk8s-repldev-marc.yaml":                    {ModeSingleBinary, "MicroK8s"},
		"openshift-baremetal-worker-cnf-sriov.yaml":     {ModeNotVisible, "OpenShift"},
		"openshift-gcp-worker-cnf-hugepages.yaml":       {ModeNotVisible, "OpenShift"},
		"openshift-gcp-worker-insights-anonymized.yaml": {ModeNotVisible, "OpenShift"},
		"rke2-gpu-a16-vgpu.yaml":                        {ModeSelfHosted, "RKE2"},
	}
	for file, n := range readNodeCorpus(t) {
		rep := Explain(&cluster.Snapshot{Nodes: []corev1.Node{*n}, PodsRead: true}, n.CreationTimestamp.Add(time.Hour), Options{})
		if got := [2]string{rep.ControlPlane.Mode, rep.ControlPlane.Distribution}; got != want[file] {
			t.Errorf("%s: control plane %v, want %v", file, got, want[file])
		}
	}
}

// The EKS build of the kubelet (vX.Y.Z-eks-COMMIT) names EKS on a node
// that carries no EKS label, as Karpenter's do; the same machine with an
// upstream kubelet (kOps, kubeadm on EC2) or EKS Distro's is only AWS.
func TestEKSKubeletBuild(t *testing.T) {
	n := readNodeCorpus(t)["karpenter-eks-g6-gpu.yaml"].DeepCopy()
	if got := platformOf(n).Distribution; got != "EKS" {
		t.Errorf("EKS kubelet: distribution %q", got)
	}
	for _, v := range []string{"v1.36.2", "v1.27.1-eks-1-27-4"} {
		n.Status.NodeInfo.KubeletVersion = v
		if got := platformOf(n); got.Distribution != "" || got.Cloud != "AWS" {
			t.Errorf("kubelet %s on EC2: %+v", v, got)
		}
	}
}
