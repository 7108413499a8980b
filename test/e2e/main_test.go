//go:build e2e

// Package e2e runs the built plugin through the real kubectl against the real
// test cluster (`make test` starts it and sets E2E_KUBECONFIG and E2E_KUBECTL).
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
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
	dir, err := os.MkdirTemp("", "explain-nodes-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	binDir = dir

	// The plugin and kubectl side by side, and nothing else on PATH that could
	// shadow them.
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-explain_nodes"),
		"-ldflags", "-X github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd.version=v0.0.0-e2e -X github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd.commit=e2e",
		"github.com/explain-nodes/kubectl-explain-nodes/cmd/kubectl-explain_nodes")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the plugin:", err)
		return 2
	}
	helper := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl_complete-explain_nodes"),
		"github.com/explain-nodes/kubectl-explain-nodes/cmd/kubectl_complete-explain_nodes")
	helper.Stdout, helper.Stderr = os.Stderr, os.Stderr
	if err := helper.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the completion helper:", err)
		return 2
	}
	if err := os.Symlink(kubectl, filepath.Join(dir, "kubectl")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: loading", kubeconfig, err)
		return 2
	}
	cfg.QPS, cfg.Burst = 100, 200
	client, err = kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
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
	r := kubectlRun(t, nil, append([]string{"explain-nodes"}, args...)...)
	if r.Code != 0 {
		t.Fatalf("kubectl explain-nodes %s: %s", strings.Join(args, " "), r)
	}
	return r
}
