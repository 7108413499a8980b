//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// corpusNode makes a fixture node that carries a real node's labels,
// annotations, provider ID, resources and machine (from pkg/explain's
// corpus, each from the public source its file names), under a name of
// its own.
func corpusNode(t *testing.T, file, name string) fixture.Node {
	t.Helper()
	b, err := os.ReadFile("../../pkg/explain/testdata/corpus/nodes/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var real corev1.Node
	if err := yaml.Unmarshal(b, &real); err != nil {
		t.Fatal(err)
	}
	return fixture.Node{Name: name, State: fixture.Ready, ProviderID: real.Spec.ProviderID, Modify: func(n *corev1.Node) {
		for k, v := range real.Labels {
			if k == corev1.LabelHostname {
				v = name
			}
			n.Labels[k] = v
		}
		for k, v := range real.Annotations {
			if strings.HasPrefix(k, "kwok.x-k8s.io/") {
				continue
			}
			n.Annotations[k] = v
		}
		n.Status.Capacity, n.Status.Allocatable = real.Status.Capacity, real.Status.Allocatable
		n.Status.NodeInfo = real.Status.NodeInfo
	}}
}

// Real nodes' facts through the real kubectl: a GPU node in use shows its
// GPUs requested and free in the node view and the table; a GKE
// preemptible node, an EKS node and a node Karpenter launched on EKS show
// their cloud, pool, zone, instance type and capacity, and the preemptible
// one what that means for its pods.
func TestRealNodesFacts(t *testing.T) {
	createNodes(t,
		corpusNode(t, "k3s-gpu-8x-nvidia.yaml", "pf-gpu"),
		corpusNode(t, "gke-preemptible-pool-1.yaml", "pf-gke"),
		corpusNode(t, "eks-hpc7g-efa-hugepages.yaml", "pf-eks"),
		corpusNode(t, "karpenter-eks-g6-gpu.yaml", "pf-karpenter"),
	)
	createNamespace(t, "pf")
	requests := fixture.Resources("1", "1Gi", "")
	requests["nvidia.com/gpu"] = resource.MustParse("3")
	createPods(t, fixture.Pod{Name: "train", Namespace: "pf", NodeName: "pf-gpu", Requests: requests})
	if _, err := fixture.WaitForPod(context.Background(), client, "pf", "train", fixture.Running); err != nil {
		t.Fatal(err)
	}

	gpu := strings.Join(strings.Fields(explainNodes(t, "pf-gpu").Stdout), " ")
	for _, want := range []string{
		"nvidia.com/gpu (accelerator): 8, 8 allocatable, 3 requested, 5 free.",
		"ephemeral-storage: 6.2Ti, 5.9Ti allocatable, 0 requested, 5.9Ti free.",
		"Platform: k3s.",
	} {
		if !strings.Contains(gpu, want) {
			t.Errorf("pf-gpu lacks %q:\n%s", want, gpu)
		}
	}
	gke := strings.Join(strings.Fields(explainNodes(t, "pf-gke").Stdout), " ")
	for _, want := range []string{
		"Platform: Google Cloud, GKE, pool pool-1, region us-central1, zone us-central1-c, instance type n1-standard-1, preemptible capacity (cloud.google.com/gke-preemptible=true).",
		"The cloud may take this machine back at any time with about 30 seconds' notice",
	} {
		if !strings.Contains(gke, want) {
			t.Errorf("pf-gke lacks %q:\n%s", want, gke)
		}
	}
	eks := strings.Join(strings.Fields(explainNodes(t, "pf-eks").Stdout), " ")
	for _, want := range []string{
		"Platform: AWS, EKS, pool workers, region us-east-1, zone us-east-1a, instance type hpc7g.16xlarge, on-demand capacity (eks.amazonaws.com/capacityType=ON_DEMAND).",
		"hugepages-2Mi: 13.8Gi, 13.8Gi allocatable, 0 requested, 13.8Gi free.",
		"vpc.amazonaws.com/efa: 1, 1 allocatable, 0 requested, 1 free.",
	} {
		if !strings.Contains(eks, want) {
			t.Errorf("pf-eks lacks %q:\n%s", want, eks)
		}
	}

	karpenter := strings.Join(strings.Fields(explainNodes(t, "pf-karpenter").Stdout), " ")
	for _, want := range []string{
		"Platform: AWS, EKS, Karpenter NodePool gpu, region us-east-1, zone us-east-1a, instance type g6.xlarge, on-demand capacity (karpenter.sh/capacity-type=on-demand).",
		"nvidia.com/gpu (accelerator): 1, 1 allocatable, 0 requested, 1 free.",
	} {
		if !strings.Contains(karpenter, want) {
			t.Errorf("pf-karpenter lacks %q:\n%s", want, karpenter)
		}
	}

	table := explainNodes(t, "-o", "wide").Stdout
	var header, row, gkeRow string
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "NAME":
			header = line
		case len(f) > 0 && f[0] == "pf-gpu":
			row = line
		case len(f) > 0 && f[0] == "pf-gke":
			gkeRow = line
		}
	}
	if !strings.Contains(header, " GPU ") || !strings.Contains(row, " 3/8 ") {
		t.Errorf("the table's GPU column:\n%s\n%s", header, row)
	}
	if !regexp.MustCompile(` ZONE +INSTANCE-TYPE +CAPACITY `).MatchString(header) || !regexp.MustCompile(` us-central1-c +n1-standard-1 +preemptible `).MatchString(gkeRow) {
		t.Errorf("-o wide's platform columns:\n%s\n%s", header, gkeRow)
	}
	rep := reportJSON(t)
	n, ok := findNode(rep, "pf-gke")
	if !ok || n.Platform.Cloud != "Google Cloud" || n.Platform.Capacity != "preemptible" || n.Platform.InstanceType != "n1-standard-1" {
		t.Errorf("pf-gke's platform in JSON: %+v", n.Platform)
	}
}

// Every real node of the corpus, read as a dump of its own, shows through
// the real kubectl its platform and every resource it offers; what a lone
// node cannot tell (its pods, kube-proxy's DaemonSet, the control plane's
// health) is said to be unknown, not taken as none or as healthy.
func TestCorpusNodesFromDump(t *testing.T) {
	files, err := filepath.Glob("../../pkg/explain/testdata/corpus/nodes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus nodes: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var real corev1.Node
			if err := yaml.Unmarshal(b, &real); err != nil {
				t.Fatal(err)
			}
			rep := reportJSON(t, real.Name, "--from", file)
			n, ok := findNode(rep, real.Name)
			if !ok {
				t.Fatalf("%s is not in the report", real.Name)
			}
			if n.Platform == (explain.Platform{}) {
				t.Errorf("no platform read from %s", file)
			}
			listed := map[string]bool{}
			for _, r := range n.Resources {
				listed[r.Name] = true
			}
			for name, q := range real.Status.Capacity {
				switch name {
				case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods:
					continue
				}
				if !q.IsZero() && !listed[string(name)] {
					t.Errorf("resource %s (%s) is not listed: %+v", name, q.String(), n.Resources)
				}
			}
			if overview := reportJSON(t, "--from", file); strings.Contains(overview.Verdict.Text, "control plane healthy") || !overview.ControlPlane.Checked {
				t.Errorf("a lone node says nothing of the control plane's health: %q", overview.Verdict.Text)
			}
			if explained := strings.Join(strings.Fields(explainNodes(t, "--from", file, "--explain").Stdout), " "); !strings.Contains(explained, "kube-proxy: programs each node's network rules so that Services reach their pods. Whether it is deployed is unknown: the DaemonSets in kube-system were not read.") {
				t.Errorf("--explain says kube-proxy is known:\n%s", explained)
			}
			if n.KubeProxy != "unread" {
				t.Errorf("kube-proxy from a lone node: %q, want unread", n.KubeProxy)
			}
			for _, f := range rep.Findings {
				if f.Code == explain.CodeNoKubeProxy {
					t.Errorf("a lone node says nothing of kube-proxy's DaemonSet: %+v", f)
				}
			}
			text := strings.Join(strings.Fields(explainNodes(t, real.Name, "--from", file).Stdout), " ")
			for _, want := range []string{
				"What the pods request is unknown (pods not read).",
				"kube-proxy: whether it is deployed is unknown (the DaemonSets in kube-system were not read).",
				"Platform: ",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("the node view lacks %q:\n%s", want, text)
				}
			}
		})
	}
}
