package explain

import (
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/synth"
)

// BenchmarkExplain5000 explains a cluster of 5,000 nodes and 150,000 pods.
func BenchmarkExplain5000(b *testing.B) {
	s := synth.Snapshot(5000, 30)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r := Explain(s, synth.Now, Options{}); len(r.Nodes) != 5000 {
			b.Fatal(len(r.Nodes))
		}
	}
}
