package render

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// The node view of every real node of pkg/explain's corpus names each of
// its other resources and its platform; a GPU node in use shows its GPUs
// requested and free, in the view and in the table's GPU column; a
// preemptible node says what that means for its pods.
func TestCorpusNodeViews(t *testing.T) {
	files, err := filepath.Glob("../explain/testdata/corpus/nodes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var n corev1.Node
		if err := yaml.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		var pods []cluster.Pod
		if _, gpu := n.Status.Allocatable["nvidia.com/gpu"]; gpu {
			pods = []cluster.Pod{{Namespace: "ml", Name: "train-0", Phase: corev1.PodRunning, Ready: true,
				Extended: map[corev1.ResourceName]int64{"nvidia.com/gpu": 1}}}
		}
		s := &cluster.Snapshot{Nodes: []corev1.Node{n}, Pods: map[string][]cluster.Pod{n.Name: pods}, PodsRead: true}
		now := n.CreationTimestamp.Add(time.Hour)
		rep := explain.Explain(s, now, explain.Options{Detail: true})
		var out bytes.Buffer
		if err := ReportText(&out, rep, TextOptions{Width: 100}, true); err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(out.String()), " ")
		node := rep.Nodes[0]
		for _, r := range node.Resources {
			if !strings.Contains(flat, r.Name) {
				t.Errorf("%s: the node view does not name %s:\n%s", f, r.Name, out.String())
			}
		}
		p := node.Platform
		for _, v := range []string{p.Cloud, p.Distribution, p.Zone, p.InstanceType} {
			if v != "" && !strings.Contains(flat, v) {
				t.Errorf("%s: the node view lacks the platform's %q:\n%s", f, v, out.String())
			}
		}
		switch filepath.Base(f) {
		case "k3s-gpu-8x-nvidia.yaml":
			if !strings.Contains(flat, "nvidia.com/gpu (accelerator): 8, 8 allocatable, 1 requested, 7 free.") {
				t.Errorf("the GPU node's view:\n%s", out.String())
			}
			var table bytes.Buffer
			_ = ReportText(&table, explain.Explain(s, now, explain.Options{}), TextOptions{Width: 200}, false)
			if !strings.Contains(table.String(), " GPU ") || !strings.Contains(table.String(), " 1/8 ") {
				t.Errorf("the table lacks the GPU column with 1/8:\n%s", table.String())
			}
		case "gke-preemptible-pool-1.yaml":
			if !strings.Contains(flat, "preemptible capacity (cloud.google.com/gke-preemptible=true). The cloud may take this machine back at any time with about 30 seconds") {
				t.Errorf("the preemptible node's view:\n%s", out.String())
			}
		}
	}
}
