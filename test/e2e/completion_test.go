//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
)

// completions asks kubectl to complete a command line, as a shell does on TAB.
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	r := kubectlRun(t, nil, append([]string{"__complete"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("kubectl __complete %v: %s", args, r)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		out = append(out, strings.SplitN(line, "\t", 2)[0])
	}
	return out
}

func TestCompletion(t *testing.T) {
	createNodes(t, fixture.Node{Name: "cmp-alpha"}, fixture.Node{Name: "cmp-beta"})
	createNamespace(t, "cmp")
	createPods(t,
		fixture.Pod{Name: "cmp-stuck", Namespace: "cmp", Requests: fixture.Resources("64", "", "")},
		fixture.Pod{Name: "cmp-running", Namespace: "cmp", NodeName: "cmp-alpha"},
	)
	if _, err := fixture.WaitForPod(context.Background(), client, "cmp", "cmp-running", fixture.Running); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args      []string
		want, not []string
	}{
		{[]string{"explain-nodes", "cmp-"}, []string{"cmp-alpha", "cmp-beta"}, nil},
		{[]string{"explain-nodes", "cmp-alpha", "cmp-"}, []string{"cmp-beta"}, []string{"cmp-alpha"}},
		{[]string{"explain-nodes", "wh"}, []string{"why-pending", "why-here"}, nil},
		{[]string{"explain-nodes", "why-here", "-n", "cmp", ""}, []string{"cmp-running"}, []string{"cmp-stuck"}},
		{[]string{"explain-nodes", "why-pending", "-n", "cmp", ""}, []string{"cmp-stuck"}, []string{"cmp-running"}},
		{[]string{"explain-nodes", "-n", "cm"}, []string{"cmp"}, nil},
		{[]string{"explain-nodes", "-o", ""}, []string{"text", "json", "yaml"}, nil},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := completions(t, tc.args...)
			for _, w := range tc.want {
				if !contains(got, w) {
					t.Errorf("completions %q lack %q", got, w)
				}
			}
			for _, n := range tc.not {
				if contains(got, n) {
					t.Errorf("completions %q offer %q", got, n)
				}
			}
		})
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := explainNodes(t, "completion", shell)
		if len(r.Stdout) < 100 {
			t.Errorf("completion %s: %s", shell, r)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
