//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// Lists longer than a page continue correctly, and an expired continue token
// (410 Gone) restarts the list. Runs in-process to lower the page size.
func TestPagingAndExpiredContinue(t *testing.T) {
	createMany(t, "pg-", 23)

	var expired, continued atomic.Int64
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if r.URL.Path != "/api/v1/nodes" || r.URL.Query().Get("continue") == "" {
			return false
		}
		continued.Add(1)
		if expired.Add(1) == 1 {
			writeStatus(w, http.StatusGone, metav1.StatusReasonExpired, "The provided continue parameter is too old to display a consistent list result.")
			return true
		}
		return false
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")

	want, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := countPods(t)
	var out, errOut bytes.Buffer
	root := cmd.NewCmdExplainNodesWithHooks(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, cmd.Hooks{PageSize: 5, NoStreaming: true})
	root.SetArgs([]string{"--kubeconfig", kc, "-o", "json"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var rep explain.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Nodes) != len(want.Items) {
		t.Errorf("%d nodes reported, the cluster has %d", len(rep.Nodes), len(want.Items))
	}
	// Pods of earlier tests may still be going away: the count must lie
	// between the ones seen before and after.
	after := countPods(t)
	if got := rep.Summary.Pods + rep.Summary.Unscheduled; got < min(before, after) || got > max(before, after) {
		t.Errorf("%d pods counted over pages of 5, the cluster has %d (before) and %d (after)", got, before, after)
	}
	if len(rep.Unread) != 0 {
		t.Errorf("unread after a restarted list: %+v", rep.Unread)
	}
	if continued.Load() < 2 {
		t.Errorf("the node list was not paged (%d continued requests)", continued.Load())
	}
}

// countPods counts the cluster's non-terminal pods in one list.
func countPods(t *testing.T) int {
	t.Helper()
	pods, err := client.CoreV1().Pods("").List(context.Background(), metav1.ListOptions{FieldSelector: "status.phase!=Succeeded,status.phase!=Failed"})
	if err != nil {
		t.Fatal(err)
	}
	return len(pods.Items)
}

// Pods and nodes arrive as whole lists from the API server's cache, read as
// they stream in; where the API server answers them in JSON or cuts them
// short, the plugin reads the same in pages. Every way gives the same report.
func TestStreamingListsAndTheirFallback(t *testing.T) {
	t.Parallel()
	createNodes(t, fixture.Node{Name: "stream-node"})
	createNamespace(t, "stream")
	createPods(t, fixture.Pod{Name: "on-node", Namespace: "stream", NodeName: "stream-node"})
	run := func(spoil string) (explain.Report, map[string]int) {
		t.Helper()
		var mu sync.Mutex
		seen := map[string]int{}
		server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
			q := r.URL.Query()
			kind := "list"
			switch {
			case q.Get("watch") == "true" || q.Get("watch") == "1":
				kind = "watch"
			case q.Get("resourceVersion") == "0" && !q.Has("limit") && (r.URL.Path == "/api/v1/pods" || r.URL.Path == "/api/v1/nodes"):
				kind = "whole"
			}
			mu.Lock()
			seen[kind+" "+r.URL.Path]++
			mu.Unlock()
			if kind != "whole" {
				return false
			}
			switch spoil {
			case "json":
				r.Header.Set("Accept", "application/json")
			case "cut":
				w.Header().Set("Content-Type", "application/vnd.kubernetes.protobuf")
				w.Write([]byte("k8s\x00\x12\xff\xff\x03")) // the list's length, then nothing
				return true
			}
			return false
		})
		kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
		r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes", "-o", "json")
		if r.Code != 0 {
			t.Fatalf("lists spoiled (%q): %s", spoil, r)
		}
		var rep explain.Report
		if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Unread) != 0 {
			t.Errorf("lists spoiled (%q): unread %+v", spoil, rep.Unread)
		}
		return rep, seen
	}

	streamed, seen := run("")
	if _, ok := findNode(streamed, "stream-node"); !ok || streamed.Summary.Pods < 1 {
		t.Errorf("streamed: stream-node missing (%v) or no pods (%d)", !ok, streamed.Summary.Pods)
	}
	if seen["whole /api/v1/pods"] != 1 || seen["whole /api/v1/nodes"] != 1 || seen["list /api/v1/pods"] != 0 || seen["watch /api/v1/pods"] != 0 {
		t.Errorf("requests: %v; want one whole list of pods and one of nodes, no paged pod list, no watch", seen)
	}
	for _, spoil := range []string{"json", "cut"} {
		paged, seen := run(spoil)
		if seen["list /api/v1/pods"] == 0 || seen["list /api/v1/nodes"] == 0 {
			t.Errorf("lists spoiled (%q): no paged lists (%v)", spoil, seen)
		}
		// Other tests add and remove nodes and pods meanwhile: both reports
		// must hold this test's, not necessarily the same numbers.
		if _, ok := findNode(paged, "stream-node"); !ok || paged.Summary.Pods < 1 {
			t.Errorf("lists spoiled (%q): stream-node missing (%v) or no pods (%d)", spoil, !ok, paged.Summary.Pods)
		}
	}
}
