//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
)

// readOnlyGuard is a transport that lets only GET through and remembers
// everything else it was asked to send.
type readOnlyGuard struct {
	next    http.RoundTripper
	mu      sync.Mutex
	sent    int
	refused []string
}

func (g *readOnlyGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.sent++
	if r.Method != http.MethodGet {
		g.refused = append(g.refused, r.Method+" "+r.URL.Path)
		g.mu.Unlock()
		return nil, fmt.Errorf("read-only guard: refused %s %s", r.Method, r.URL.Path)
	}
	g.mu.Unlock()
	return g.next.RoundTrip(r)
}

// Every command, run in-process against the real cluster through a transport
// that refuses anything but GET.
func TestReadOnlyTransport(t *testing.T) {
	createNodes(t, fixture.Node{Name: "ro-node", Unschedulable: true})
	createNamespace(t, "ro")
	createPods(t, fixture.Pod{Name: "stuck", Namespace: "ro", Requests: fixture.Resources("64", "", "")})
	if _, err := fixture.WaitForPod(context.Background(), client, "ro", "stuck", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	guard := &readOnlyGuard{}
	for _, args := range [][]string{
		{},
		{"-o", "json"},
		{"ro-node"},
		{"why-pending", "stuck", "-n", "ro"},
		{"why-pending", "-n", "ro"},
		{"why-pending", "-A", "-o", "yaml"},
	} {
		t.Run(strings.Join(append([]string{"explain-nodes"}, args...), " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := cmd.NewCmdExplainNodesWithTransport(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
				func(next http.RoundTripper) http.RoundTripper { guard.next = next; return guard })
			root.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatalf("%v\n%s", err, errOut.String())
			}
			if out.Len() == 0 {
				t.Errorf("no output")
			}
		})
	}
	if guard.sent == 0 {
		t.Fatal("the guard saw no request: it is not in the path")
	}
	if len(guard.refused) > 0 {
		t.Errorf("the plugin tried to write: %q", guard.refused)
	}
	t.Logf("%d requests, all GET", guard.sent)
}
