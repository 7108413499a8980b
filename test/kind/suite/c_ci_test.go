package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deployment is a Deployment of replicas sleeping pods requesting cpu.
func deployment(ns, name, cpu string, replicas int) string {
	return strings.NewReplacer("NS", ns, "NAME", name, "CPU", cpu, "REPLICAS", string(rune('0'+replicas))).Replace(`apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: NS}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: explain-nodes.test/sleep:v1
        imagePullPolicy: IfNotPresent
        resources: {requests: {cpu: "CPU"}}
`)
}

// The README's CI job, step by step, on real nodes: apply, wait for the
// rollout, and on failure let why-pending --wait explain it; the exit codes
// are what a CI step gates on.
func TestCIJob(t *testing.T) {
	dir := t.TempDir()
	apply := func(ns, name, cpu string) {
		t.Helper()
		namespace(t, ns)
		f := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(f, []byte(deployment(ns, name, cpu, 2)), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := kubectlRun(t, nil, "apply", "-f", f); r.Code != 0 {
			t.Fatalf("kubectl apply: %s", r)
		}
	}

	// A deployment that fits: the rollout finishes and the gate passes.
	apply("ci-ok", "web", "10m")
	if r := kubectlRun(t, nil, "rollout", "status", "deployment/web", "-n", "ci-ok", "--timeout=90s"); r.Code != 0 {
		t.Fatalf("rollout of a deployment that fits: %s", r)
	}
	r := kubectlRun(t, nil, "explain-nodes", "why-pending", "-n", "ci-ok", "--wait", "30s")
	if r.Code != 0 || !strings.Contains(r.Stdout, "No Pending pods in namespace ci-ok.") {
		t.Errorf("why-pending --wait after a finished rollout: %s", r)
	}

	// A deployment that cannot be scheduled: the rollout times out, and
	// why-pending explains it and exits 3.
	apply("ci-stuck", "api", "100")
	if r := kubectlRun(t, nil, "rollout", "status", "deployment/api", "-n", "ci-stuck", "--timeout=15s"); r.Code == 0 {
		t.Fatalf("the rollout of a deployment too big for any node finished: %s", r)
	}
	r = kubectlRun(t, nil, "explain-nodes", "why-pending", "-n", "ci-stuck", "--wait", "5s")
	if r.Code != 3 {
		t.Errorf("why-pending --wait on pods that cannot be scheduled: want exit 3, got %s", r)
	}
	for _, want := range []string{"2 pods Pending in namespace ci-stuck", "Insufficient cpu"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("why-pending --wait lacks %q:\n%s", want, r)
		}
	}
	if !strings.Contains(r.Stderr, "error: 2 pods Pending in namespace ci-stuck after waiting 5s") {
		t.Errorf("why-pending --wait: stderr does not name what failed:\n%s", r)
	}

	// The overview's gate: no node is down, but one worker is under real
	// disk pressure (its kubelet's eviction threshold), a warning.
	if r := kubectlRun(t, nil, "explain-nodes", "--fail-on", "critical"); r.Code != 0 {
		t.Errorf("--fail-on critical on a cluster with no node down: %s", r)
	}
	r = kubectlRun(t, nil, "explain-nodes", "--fail-on", "warning")
	if r.Code != 3 || !strings.Contains(r.Stderr, "--fail-on warning: ") || !strings.Contains(r.Stderr, nodeWithLabel(t, "pressure")) {
		t.Errorf("--fail-on warning with a worker under disk pressure: %s", r)
	}
}
