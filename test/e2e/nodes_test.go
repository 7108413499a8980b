//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// createNodes creates fixture nodes and deletes them when the test ends.
func createNodes(t *testing.T, nodes ...fixture.Node) {
	t.Helper()
	ctx := context.Background()
	for _, n := range nodes {
		if _, err := fixture.CreateNode(ctx, client, n); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := fixture.DeleteNode(context.Background(), client, n.Name); err != nil {
				t.Error(err)
			}
		})
	}
}

func reportJSON(t *testing.T, args ...string) explain.Report {
	t.Helper()
	r := explainNodes(t, append([]string{"-o", "json"}, args...)...)
	var rep explain.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatalf("decoding JSON output: %v\n%s", err, r)
	}
	return rep
}

func findNode(rep explain.Report, name string) (explain.Node, bool) {
	for _, n := range rep.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return explain.Node{}, false
}

func TestNodeReadiness(t *testing.T) {
	t.Parallel()
	createNodes(t,
		fixture.Node{Name: "rd-cp", Roles: []string{"control-plane"}, State: fixture.Ready, Taints: []corev1.Taint{fixture.ControlPlaneTaint}},
		fixture.Node{Name: "rd-ready", State: fixture.Ready, KubeletVersion: "v1.36.4"},
		fixture.Node{Name: "rd-notready", State: fixture.NotReady},
		fixture.Node{Name: "rd-disk", State: fixture.DiskPressure},
		fixture.Node{Name: "rd-cordoned", State: fixture.Ready, Unschedulable: true},
	)
	want := map[string]struct {
		roles     string
		readiness explain.Readiness
		cordoned  bool
		kubelet   string
	}{
		"rd-cp":       {"control-plane", explain.Ready, false, "v1.37.2"},
		"rd-ready":    {"worker", explain.Ready, false, "v1.36.4"},
		"rd-notready": {"worker", explain.NotReady, false, "v1.37.2"},
		"rd-disk":     {"worker", explain.Ready, false, "v1.37.2"},
		"rd-cordoned": {"worker", explain.Ready, true, "v1.37.2"},
	}
	rep := reportJSON(t)
	if rep.APIVersion != v1alpha1.APIVersion || rep.Kind != v1alpha1.KindReport {
		t.Errorf("JSON is headed %s/%s, want %s/%s", rep.APIVersion, rep.Kind, v1alpha1.APIVersion, v1alpha1.KindReport)
	}
	if rep.ServerVersion != "v1.37.2" {
		t.Errorf("server version %q, want v1.37.2", rep.ServerVersion)
	}
	for name, w := range want {
		n, ok := findNode(rep, name)
		if !ok {
			t.Errorf("node %s missing from the report", name)
			continue
		}
		if got := strings.Join(n.Roles, ","); got != w.roles || n.Readiness != w.readiness || n.Cordoned != w.cordoned || n.KubeletVersion != w.kubelet {
			t.Errorf("node %s: roles %s, %s, cordoned %v, kubelet %s; want %s, %s, cordoned %v, kubelet %s",
				name, got, n.Readiness, n.Cordoned, n.KubeletVersion, w.roles, w.readiness, w.cordoned, w.kubelet)
		}
	}

	// The text table, one row per node, and the NotReady node explained.
	text := explainNodes(t, "rd-cp", "rd-notready", "rd-cordoned")
	for _, want := range []string{
		"rd-cp        control-plane  Ready",
		"rd-notready  worker         NotReady",
		"rd-cordoned  worker         Ready,cordoned",
		"rd-notready: NotReady: container runtime network not ready",
	} {
		if !strings.Contains(text.Stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text.Stdout, "rd-ready ") {
		t.Errorf("asked for three nodes, got others too:\n%s", text)
	}
}

// A node whose kubelet stops talking is marked Unknown by the node
// controller once its lease expires; the plugin must report it so.

func TestUnknownNodeName(t *testing.T) {
	r := kubectlRun(t, nil, "explain-nodes", "no-such-node")
	if r.Code != 1 || !strings.Contains(r.Stderr, `node "no-such-node" not found`) {
		t.Errorf("want exit 1 and a not-found message:\n%s", r)
	}
	assertNoStackTrace(t, r)

	// A mistyped subcommand reads as a node name; the error suggests the command.
	r = kubectlRun(t, nil, "explain-nodes", "why-pendng")
	if r.Code != 1 || !strings.Contains(r.Stderr, "did you mean `kubectl explain-nodes why-pending`?") {
		t.Errorf("want exit 1 and a suggestion:\n%s", r)
	}
}
