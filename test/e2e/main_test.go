//go:build e2e

// Package e2e runs the built plugin through the real kubectl against the real
// test cluster (`make test` starts it and sets E2E_KUBECONFIG and E2E_KUBECTL).
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"k8s.io/client-go/kubernetes"
)

var (
	kubeconfig string
	kubectl    string
	binDir     string
	client     kubernetes.Interface
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	kubeconfig = os.Getenv("E2E_KUBECONFIG")
	kubectl = os.Getenv("E2E_KUBECTL")
	if kubeconfig == "" || kubectl == "" {
		fmt.Fprintln(os.Stderr, "e2e: E2E_KUBECONFIG and E2E_KUBECTL must name the test cluster's kubeconfig and kubectl; run `make test` or `make e2e`")
		return 2
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	binDir, client, err = plugintest.Install(repo, kubectl, kubeconfig, "v0.0.0-e2e", "e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	defer os.RemoveAll(binDir)
	return m.Run()
}

type result = plugintest.Result

// kubectlCmd prepares `kubectl ARGS...` with the plugin on PATH and the test
// cluster's kubeconfig, plus any extra environment (KEY=VALUE) given.
func kubectlCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "kubectl"), args...)
	cmd.Env = append([]string{
		"PATH=" + binDir + string(os.PathListSeparator) + "/usr/bin:/bin",
		"HOME=" + t.TempDir(),
		"KUBECONFIG=" + kubeconfig,
	}, env...)
	return cmd
}

// kubectlRun runs `kubectl ARGS...` with the plugin on PATH and the test
// cluster's kubeconfig, plus any extra environment (KEY=VALUE) given.
func kubectlRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return plugintest.Kubectl(t, binDir, kubeconfig, env, args...)
}

// explainNodes runs `kubectl explain-nodes ARGS...` and fails the test unless it exits 0.
func explainNodes(t *testing.T, args ...string) result {
	t.Helper()
	return plugintest.ExplainNodes(t, binDir, kubeconfig, args...)
}
