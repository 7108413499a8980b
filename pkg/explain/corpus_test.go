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
