//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// Lists longer than a page continue correctly, and an expired continue token
// (410 Gone) restarts the list. Runs in-process to lower the page size; not
// parallel, since it changes it.
func TestPagingAndExpiredContinue(t *testing.T) {
	createMany(t, "pg-", 23)
	old := cluster.PageSize
	cluster.PageSize = 5
	t.Cleanup(func() { cluster.PageSize = old })

	var expired, continued atomic.Int64
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if r.URL.Path != "/api/v1/nodes" || r.URL.Query().Get("continue") == "" {
			return false
		}
		continued.Add(1)
		if expired.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGone)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"The provided continue parameter is too old to display a consistent list result."}`))
			return true
		}
		return false
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")

	want, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	root := cmd.NewCmdExplainNodes(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
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
	if len(rep.Unread) != 0 {
		t.Errorf("unread after a restarted list: %+v", rep.Unread)
	}
	if continued.Load() < 2 {
		t.Errorf("the node list was not paged (%d continued requests)", continued.Load())
	}
}
