// Package suite runs the built plugin through the real kubectl against a
// kind cluster with real kubelets, a real container runtime and a real
// control plane in static pods (test/kind/run.sh creates it and sets
// KIND_KUBECONFIG, KIND_KUBECTL, KIND_CLUSTER, KIND_REPO and DOCKER_HOST).
package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

var (
	kubeconfig  string
	kubectl     string
	clusterName string
	repo        string
	binDir      string
	client      kubernetes.Interface
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	kubeconfig, kubectl = os.Getenv("KIND_KUBECONFIG"), os.Getenv("KIND_KUBECTL")
	clusterName, repo = os.Getenv("KIND_CLUSTER"), os.Getenv("KIND_REPO")
	if kubeconfig == "" || kubectl == "" || clusterName == "" || repo == "" || os.Getenv("DOCKER_HOST") == "" {
		fmt.Fprintln(os.Stderr, "kind suite: KIND_KUBECONFIG, KIND_KUBECTL, KIND_CLUSTER, KIND_REPO and DOCKER_HOST must be set; run `make test-kind`")
		return 2
	}
	var err error
	binDir, client, err = plugintest.Install(repo, kubectl, kubeconfig, "v0.0.0-kind", "kind")
	if err != nil {
		fmt.Fprintln(os.Stderr, "kind suite:", err)
		return 2
	}
	defer os.RemoveAll(binDir)
	return m.Run()
}

type result = plugintest.Result

// kubectlRun runs `kubectl ARGS...` with the plugin on PATH and the test
// cluster's kubeconfig, plus any extra environment (KEY=VALUE) given.
func kubectlRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return plugintest.Kubectl(t, binDir, kubeconfig, env, args...)
}

// explainNodes runs `kubectl explain-nodes ARGS...` and fails the test
// unless it exits 0.
func explainNodes(t *testing.T, args ...string) result {
	t.Helper()
	return plugintest.ExplainNodes(t, binDir, kubeconfig, args...)
}

// explainJSON runs `kubectl explain-nodes ARGS... -o json` into v.
func explainJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	r := explainNodes(t, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("kubectl explain-nodes %s -o json: %v\n%s", strings.Join(args, " "), err, r.Stdout)
	}
}

// docker runs the Docker CLI against the project's engine (DOCKER_HOST).
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// nodeWithLabel returns the one node whose explain-nodes.test/role label is
// role (test/kind/cluster/kind.yaml sets them).
func nodeWithLabel(t *testing.T, role string) string {
	t.Helper()
	nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: "explain-nodes.test/role=" + role})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 1 {
		t.Fatalf("%d nodes labelled explain-nodes.test/role=%s, want 1", len(nodes.Items), role)
	}
	return nodes.Items[0].Name
}

// eventually polls cond every second until it returns true or timeout
// passes; then the test fails with what cond last said.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last seen: %s", what, timeout, last)
		}
		time.Sleep(time.Second)
	}
}

// namespace creates a fresh namespace for one test and deletes it after.
func namespace(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}

func createPod(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if pod.Spec.TerminationGracePeriodSeconds == nil {
		var zero int64
		pod.Spec.TerminationGracePeriodSeconds = &zero
	}
	if _, err := client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
}

func getPod(t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	p, err := client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// container is a one-container pod spec running image, with a tiny request
// so it fits anywhere.
func container(image string, args ...string) corev1.Container {
	return corev1.Container{Name: "main", Image: image, Args: args, ImagePullPolicy: corev1.PullIfNotPresent}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
