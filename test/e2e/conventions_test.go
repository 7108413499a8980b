//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
)

// The conventions users bring from kubectl hold.
func TestKubectlConventions(t *testing.T) {
	createNodes(t, fixture.Node{Name: "conv-node"})
	createNamespace(t, "conv")

	// KUBECONFIG with several files: the cluster and user in one, the
	// context (naming the namespace) in another.
	admin, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := clientcmdapi.NewConfig()
	ctx := admin.Contexts[admin.CurrentContext]
	first.Clusters["c"] = admin.Clusters[ctx.Cluster]
	first.AuthInfos["u"] = admin.AuthInfos[ctx.AuthInfo]
	second := clientcmdapi.NewConfig()
	second.Contexts["split"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "conv"}
	second.Contexts["other"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "conv-other"}
	second.CurrentContext = "split"
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := clientcmd.WriteToFile(*first, a); err != nil {
		t.Fatal(err)
	}
	if err := clientcmd.WriteToFile(*second, b); err != nil {
		t.Fatal(err)
	}
	split := []string{"KUBECONFIG=" + a + string(os.PathListSeparator) + b}
	r := kubectlRun(t, split, "explain-nodes", "conv-node")
	if r.Code != 0 || !strings.Contains(r.Stdout, "NODE conv-node") {
		t.Errorf("KUBECONFIG with two files:\n%s", r)
	}
	// The context's namespace is the default for why-pending.
	r = kubectlRun(t, split, "explain-nodes", "why-pending")
	if r.Code != 0 || !strings.Contains(r.Stdout, "No Pending pods in namespace conv.") {
		t.Errorf("the context's namespace is not used:\n%s", r)
	}

	// --context picks another context, with its namespace.
	r = kubectlRun(t, split, "explain-nodes", "why-pending", "--context", "other")
	if r.Code != 0 || !strings.Contains(r.Stdout, "No Pending pods in namespace conv-other.") {
		t.Errorf("--context is not honoured:\n%s", r)
	}
	r = kubectlRun(t, split, "explain-nodes", "--context", "no-such-context")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no-such-context") {
		t.Errorf("an unknown --context:\n%s", r)
	}

	// --as-group impersonates groups: a user with no permissions of its own
	// reads everything as a member of system:masters.
	r = kubectlRun(t, nil, "explain-nodes", "conv-node", "--as", "nobody-at-all", "--as-group", "system:masters")
	if r.Code != 0 || !strings.Contains(r.Stdout, "NODE conv-node") {
		t.Errorf("--as-group is not honoured:\n%s", r)
	}

	// --as impersonates: as a user with no permissions, the nodes are forbidden.
	r = kubectlRun(t, nil, "explain-nodes", "--as", "nobody-at-all")
	if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, `User "nobody-at-all" cannot list resource "nodes"`) {
		t.Errorf("--as is not honoured:\n%s", r)
	}

	// No colour to a pipe, with NO_COLOR, or with TERM=dumb; colour when asked.
	for _, env := range [][]string{nil, {"NO_COLOR=1"}, {"TERM=dumb"}} {
		r = kubectlRun(t, env, "explain-nodes", "conv-node")
		if strings.Contains(r.Stdout, "\x1b[") {
			t.Errorf("colour with %v to a pipe:\n%q", env, r.Stdout[:min(200, len(r.Stdout))])
		}
	}
	r = kubectlRun(t, nil, "explain-nodes", "conv-node", "--color", "always")
	if !strings.Contains(r.Stdout, "\x1b[") {
		t.Errorf("--color always gives no colour")
	}
}
