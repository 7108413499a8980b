//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The release archive installs through krew, from the manifest make dist
// writes, and then runs as `kubectl explain-nodes`.
func TestKrewInstall(t *testing.T) {
	krewBin := os.Getenv("E2E_KREW_BIN")
	if krewBin == "" {
		t.Fatal("E2E_KREW_BIN must name the directory holding kubectl-krew and validate-krew-manifest (run through make e2e)")
	}
	out := t.TempDir()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	dist := exec.Command("go", "run", "./build/dist", "--version", "v0.0.0-e2e", "--commit", "e2e",
		"--platforms", platform, "--out", out)
	dist.Dir = "../.." // the repository root: dist packs LICENSE and README.md
	if b, err := dist.CombinedOutput(); err != nil {
		t.Fatalf("make dist: %v\n%s", err, b)
	}
	manifest := filepath.Join(out, "explain-nodes.yaml")
	archive := filepath.Join(out, "kubectl-explain-nodes_v0.0.0-e2e_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")

	if b, err := exec.Command(filepath.Join(krewBin, "validate-krew-manifest"), "-manifest", manifest, "-skip-install").CombinedOutput(); err != nil {
		t.Fatalf("krew's validator rejects the manifest: %v\n%s", err, b)
	}

	root := t.TempDir()
	path := filepath.Join(root, "bin") + string(os.PathListSeparator) + krewBin + string(os.PathListSeparator) + filepath.Dir(kubectl) + string(os.PathListSeparator) + "/usr/bin:/bin"
	env := []string{"KREW_ROOT=" + root, "PATH=" + path, "HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig}
	install := exec.Command(kubectl, "krew", "install", "--manifest", manifest, "--archive", archive)
	install.Env = env
	if b, err := install.CombinedOutput(); err != nil {
		t.Fatalf("kubectl krew install: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(root, "store", "explain-nodes", "v0.0.0-e2e", "LICENSE")); err != nil {
		t.Errorf("LICENSE not installed: %v", err)
	}
	for _, args := range [][]string{{"explain-nodes", "version"}, {"explain-nodes"}} {
		run := exec.Command(kubectl, args...)
		run.Env = env
		b, err := run.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v through krew: %v\n%s", args, err, b)
		}
		if len(args) == 2 && !strings.Contains(string(b), "kubectl-explain_nodes v0.0.0-e2e") {
			t.Errorf("the krew-installed plugin reports:\n%s", b)
		}
		if len(args) == 1 && !strings.Contains(string(b), "Cluster at ") {
			t.Errorf("the krew-installed plugin's overview:\n%s", b)
		}
	}
}
