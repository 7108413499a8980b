package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

func placementScene() *diagnose.Placement {
	score := func(node string, total int64, ps ...int64) diagnose.NodeScore {
		names := []string{diagnose.PluginTaintToleration, diagnose.PluginNodeAffinity, diagnose.PluginNodeResourcesFit}
		n := diagnose.NodeScore{Node: node, Total: total}
		for i, v := range ps {
			n.Plugins = append(n.Plugins, diagnose.PluginScore{Plugin: names[i], Weighted: v})
		}
		return n
	}
	return &diagnose.Placement{
		Namespace: "shop", Pod: "api-7d4b9", Node: "w2", Scored: true, Nodes: 4, Feasible: 3,
		Profile: "the default profile of kube-scheduler v1.37",
		Summary: "w2 scores highest for this pod: 571, against 362 for w1, the runner-up.",
		Notes:   []string{"w2 has the taint dedicated=api:NoSchedule, which keeps other pods off; this pod tolerates it."},
		Decided: []string{"NodeAffinity: +200 for w2: it matches more of the pod's preferred node affinity. w2 matches preferred node affinity terms weighing 50 of 50; w1 matches preferred node affinity terms weighing 0 of 50."},
		Others:  []string{"w3 (71): TaintToleration −300: 1 PreferNoSchedule taint the pod does not tolerate: maint=soon:PreferNoSchedule."},
		Plugins: []diagnose.ScorePlugin{{Name: diagnose.PluginTaintToleration, Weight: 3}, {Name: diagnose.PluginNodeAffinity, Weight: 2}, {Name: diagnose.PluginNodeResourcesFit, Weight: 1}},
		Scores:  []diagnose.NodeScore{score("w2", 571, 300, 200, 71), score("w1", 362, 300, 0, 62), score("w3\x1b[31m", 79, 0, 0, 79)},
		Filtered: []diagnose.NodeVerdict{{Node: "cp", Reasons: []string{"node(s) had untolerated taint(s)"},
			Failures: []diagnose.Failure{{Plugin: diagnose.PluginTaintToleration, Detail: "the pod does not tolerate the taint node-role.kubernetes.io/control-plane:NoSchedule"}}}},
		FilterSummary: "1 of 4 nodes fail the filters: 1 node(s) had untolerated taint(s).",
		Caveats:       []string{"The pod was placed 2m ago and no pod or node has been added since, so the scores below should be the ones the scheduler computed; pods deleted and labels changed since are not seen."},
		GeneratedAt:   time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC),
	}
}

func TestPlacementText(t *testing.T) {
	var b bytes.Buffer
	if err := PlacementText(&b, placementScene(), TextOptions{Width: 100}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("a node name's escape sequence reached the terminal")
	}
	golden(t, "placement", b.Bytes())
	var pending bytes.Buffer
	_ = PlacementText(&pending, &diagnose.Placement{Namespace: "shop", Pod: "p", Summary: "The pod is not on a node yet: kubectl explain-nodes why-pending p -n shop says why."}, TextOptions{})
	if !strings.HasPrefix(pending.String(), "Pod shop/p is not on a node\n") {
		t.Errorf("pending:\n%s", pending.String())
	}
}
