//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
)

// why-pending --wait returns as soon as the scheduler places the pod it was
// waiting for, and exits 0; it is woken by the watch, not by the end of its
// time.
func TestWaitReturnsWhenThePodIsPlaced(t *testing.T) {
	createNamespace(t, "gate-ok")
	createNodes(t, fixture.Node{Name: "gate-node"})
	createPods(t, fixture.Pod{Name: "later", Namespace: "gate-ok", NodeSelector: map[string]string{"gate": "open"}})
	if _, err := fixture.WaitForPod(context.Background(), client, "gate-ok", "later", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-n", "gate-ok"}, {"later", "-n", "gate-ok"}} {
		done := make(chan result, 1)
		start := time.Now()
		go func() {
			done <- kubectlRun(t, nil, append([]string{"explain-nodes", "why-pending", "--wait", "90s"}, args...)...)
		}()
		select {
		case r := <-done:
			t.Fatalf("why-pending --wait %v returned while the pod was Pending: %s", args, r)
		case <-time.After(3 * time.Second):
		}
		value := "open"
		patchLabel(t, "gate-node", "gate", &value)
		r := <-done
		waited := time.Since(start)
		if r.Code != 0 {
			t.Fatalf("why-pending --wait %v after the pod was placed: %s", args, r)
		}
		if waited > 45*time.Second {
			t.Errorf("why-pending --wait %v took %s: it waited for its time, not for the pod", args, waited)
		}
		if _, err := fixture.WaitForPod(context.Background(), client, "gate-ok", "later", fixture.Running); err != nil {
			t.Fatal(err)
		}
		want := "No Pending pods in namespace gate-ok."
		if args[0] == "later" {
			want = "The pod is not pending: it runs on node gate-node."
		}
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("why-pending --wait %v: the output lacks %q:\n%s", args, want, r)
		}
		patchLabel(t, "gate-node", "gate", nil)
		deletePodNow(t, "gate-ok", "later")
		createPods(t, fixture.Pod{Name: "later", Namespace: "gate-ok", NodeSelector: map[string]string{"gate": "open"}})
		if _, err := fixture.WaitForPod(context.Background(), client, "gate-ok", "later", fixture.Unschedulable); err != nil {
			t.Fatal(err)
		}
	}
}

// When the time is up, why-pending --wait explains what is still Pending and
// exits 3; --wait 0 sets the exit status without waiting. Without --wait the
// exit status stays 0.
func TestWaitExplainsWhatIsStillPending(t *testing.T) {
	createNamespace(t, "gate-stuck")
	createNodes(t, fixture.Node{Name: "gate-small"})
	createPods(t, fixture.Pod{Name: "huge", Namespace: "gate-stuck", Requests: fixture.Resources("512", "", "")})
	if _, err := fixture.WaitForPod(context.Background(), client, "gate-stuck", "huge", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"-n", "gate-stuck", "--wait", "3s"}, "error: 1 pod Pending in namespace gate-stuck after waiting 3s"},
		{[]string{"huge", "-n", "gate-stuck", "--wait", "2s"}, "error: pod gate-stuck/huge is Pending after waiting 2s"},
		{[]string{"huge", "-n", "gate-stuck", "--wait", "0"}, "error: pod gate-stuck/huge is Pending"},
		{[]string{"-A", "--wait", "0s", "-o", "json"}, "Pending in all namespaces"},
	} {
		start := time.Now()
		r := kubectlRun(t, nil, append([]string{"explain-nodes", "why-pending"}, c.args...)...)
		if r.Code != 3 {
			t.Errorf("why-pending %v: want exit 3, got %s", c.args, r)
		}
		if !strings.Contains(r.Stderr, c.stderr) {
			t.Errorf("why-pending %v: stderr lacks %q:\n%s", c.args, c.stderr, r)
		}
		if !strings.Contains(r.Stdout, "Insufficient cpu") {
			t.Errorf("why-pending %v: the pod still Pending is not explained:\n%s", c.args, r)
		}
		if d := time.Since(start); c.args[len(c.args)-1] == "3s" && d < 3*time.Second {
			t.Errorf("why-pending %v returned after %s, before its time was up", c.args, d)
		}
	}
	if r := kubectlRun(t, nil, "explain-nodes", "why-pending", "huge", "-n", "gate-stuck"); r.Code != 0 {
		t.Errorf("without --wait the exit status is 0: %s", r)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--wait", "-1s"}, "--wait must not be negative"},
		{[]string{"--wait", "soon"}, `invalid argument "soon" for "--wait"`},
		{[]string{"deployment/web", "--wait", "1m"}, "--wait watches pods"},
		{[]string{"--wait", "1m", "--message", "0/1 nodes are available: 1 Insufficient cpu."}, "does not go with --message"},
	} {
		r := kubectlRun(t, nil, append([]string{"explain-nodes", "why-pending"}, c.args...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, c.want) || !strings.Contains(r.Stderr, "Usage:") {
			t.Errorf("why-pending %v: want exit 1 and %q with the usage, got %s", c.args, c.want, r)
		}
		assertNoStackTrace(t, r)
	}
}

// The overview's --fail-on exits 3 when a finding is at least as severe as
// asked, names the findings on stderr, and prints the same report as without
// it; a healthy node passes.
func TestFailOn(t *testing.T) {
	createNodes(t, fixture.Node{Name: "gate-down", State: fixture.NotReady}, fixture.Node{Name: "gate-hot", State: fixture.DiskPressure}, fixture.Node{Name: "gate-fine"})

	r := kubectlRun(t, nil, "explain-nodes", "gate-down", "gate-hot", "--fail-on", "critical")
	if r.Code != 3 || !strings.Contains(r.Stderr, "error: --fail-on critical: ") || !strings.Contains(r.Stderr, "NodeNotReady on gate-down") {
		t.Errorf("--fail-on critical with a NotReady node: %s", r)
	}
	if strings.Contains(r.Stderr, "gate-hot") {
		t.Errorf("--fail-on critical named a node that is only under pressure: %s", r)
	}
	if !strings.Contains(r.Stdout, "NODE gate-down (worker) — NotReady") || !strings.Contains(r.Stdout, "NODE gate-hot (worker)") {
		t.Errorf("--fail-on critical did not print the report:\n%s", r)
	}
	if plain := kubectlRun(t, nil, "explain-nodes", "gate-down", "gate-hot"); plain.Code != 0 {
		t.Errorf("without --fail-on the exit status is 0: %s", plain)
	}

	r = kubectlRun(t, nil, "explain-nodes", "gate-hot", "--fail-on", "warning", "-o", "json")
	if r.Code != 3 || !strings.Contains(r.Stderr, "gate-hot") || !strings.HasPrefix(r.Stdout, "{") {
		t.Errorf("--fail-on warning with a node under disk pressure: %s", r)
	}
	if r := kubectlRun(t, nil, "explain-nodes", "gate-hot", "--fail-on", "critical"); r.Code != 0 {
		t.Errorf("--fail-on critical with a node only under pressure: %s", r)
	}
	if r := kubectlRun(t, nil, "explain-nodes", "gate-fine", "--fail-on", "warning"); r.Code != 0 {
		t.Errorf("--fail-on warning on a healthy node: %s", r)
	}
	r = kubectlRun(t, nil, "explain-nodes", "--fail-on", "severe")
	if r.Code != 1 || !strings.Contains(r.Stderr, `--fail-on must be one of warning, critical, got "severe"`) {
		t.Errorf("--fail-on severe: %s", r)
	}
}
