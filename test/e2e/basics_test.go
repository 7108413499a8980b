//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPluginList(t *testing.T) {
	r := kubectlRun(t, nil, "plugin", "list")
	if r.Code != 0 {
		t.Fatalf("kubectl plugin list: %s", r)
	}
	want := filepath.Join(binDir, "kubectl-explain_nodes")
	if !strings.Contains(r.Stdout, want) {
		t.Errorf("kubectl plugin list does not show %s:\n%s", want, r)
	}
	if strings.Contains(strings.ToLower(r.Stdout+r.Stderr), "warning") {
		t.Errorf("kubectl plugin list warns:\n%s", r)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"why-pending", "--help"}, {"version", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := explainNodes(t, args...)
			for _, want := range []string{"Usage:", "kubectl explain-nodes", "Examples:"} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("help lacks %q:\n%s", want, r)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := explainNodes(t, "version")
	for _, want := range []string{"kubectl-explain_nodes v0.0.0-e2e", "commit: e2e", "go: go1."} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, r)
		}
	}
}

func TestBadFlag(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"-o", "xml"}, `--output must be one of text, wide, json, yaml, got "xml"`},
		{[]string{"--color", "sometimes"}, `--color must be auto, always or never`},
		{[]string{"why-pending", "a", "b"}, "why-pending takes at most 1 argument"},
		{[]string{"why-pending", "a", "--message", "0/1 nodes are available: 1 Too many pods."}, "give either POD or --message, not both"},
		{[]string{"why-pending", "a", "-A"}, "-A lists every Pending pod; it does not go with POD"},
		{[]string{"version", "extra"}, "version takes no arguments"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := kubectlRun(t, nil, append([]string{"explain-nodes"}, tc.args...)...)
			if r.Code != 1 {
				t.Errorf("exit code %d, want 1:\n%s", r.Code, r)
			}
			if !strings.HasPrefix(r.Stderr, "error: ") || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r)
			}
			if !strings.Contains(r.Stderr, "Usage:") {
				t.Errorf("a flag mistake should show the usage:\n%s", r)
			}
			assertNoStackTrace(t, r)
		})
	}
}

func TestClosedPort(t *testing.T) {
	// A port that was free a moment ago: nothing listens on it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	server := "https://" + addr
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster:
    server: %s
    insecure-skip-tls-verify: true
contexts:
- name: gone
  context: {cluster: gone, user: someone}
current-context: gone
users:
- name: someone
  user: {token: abc}
`, server)
	if err := os.WriteFile(kc, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes")
	if r.Code == 0 {
		t.Fatalf("succeeded against a closed port:\n%s", r)
	}
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if len(lines) != 1 {
		t.Errorf("want one line on stderr, got %d:\n%s", len(lines), r)
	}
	for _, want := range []string{server, `context "gone"`, "connection was refused"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.Stderr, "dial tcp") {
		t.Errorf("stderr shows raw Go error text:\n%s", r)
	}
	assertNoStackTrace(t, r)
}

func assertNoStackTrace(t *testing.T, r result) {
	t.Helper()
	for _, bad := range []string{"goroutine ", "panic:", ".go:"} {
		if strings.Contains(r.Stderr, bad) {
			t.Errorf("stderr holds a stack trace (%q):\n%s", bad, r)
		}
	}
}
