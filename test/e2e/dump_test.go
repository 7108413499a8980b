//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// takeDumps writes the dumps people save with the real kubectl: kubectl
// cluster-info dump into a directory (JSON and YAML) and to one file, and
// kubectl get -o yaml of the kinds the tool reads.
func takeDumps(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	dumps := map[string]string{
		"directory JSON": filepath.Join(dir, "json"),
		"directory YAML": filepath.Join(dir, "yaml"),
		"stream":         filepath.Join(dir, "dump.json"),
		"get -o yaml":    filepath.Join(dir, "get.yaml"),
	}
	dumpWith(t, dir, "", "cluster-info", "dump", "-A", "--output-directory", dumps["directory JSON"])
	dumpWith(t, dir, "", "cluster-info", "dump", "-A", "-o", "yaml", "--output-directory", dumps["directory YAML"])
	dumpWith(t, dir, dumps["stream"], "cluster-info", "dump", "-A")
	dumpWith(t, dir, dumps["get -o yaml"], "get", "nodes,pods,events,daemonsets,replicasets,services,namespaces,leases", "-A", "-o", "yaml")
	return dumps
}

// dumpWith runs the real kubectl, its standard output into out if set.
func dumpWith(t *testing.T, dir, out string, args ...string) {
	t.Helper()
	run := func(out string, args ...string) {
		t.Helper()
		cmd := exec.Command(kubectl, args...)
		cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "HOME=" + dir}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if out != "" {
			f, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.Stdout = f
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, stderr.String())
		}
	}
	run(out, args...)
}

// findingKeys are a report's findings as code and nodes, sorted.
func findingKeys(r explain.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Code)+" "+strings.Join(f.Nodes, ","))
	}
	sort.Strings(out)
	return out
}

// A dump taken with the real kubectl explains as the live cluster does: the
// same findings, the same why-pending verdicts, the same why-here scores;
// what a dump lacks (leases, the API server's checks and version) is listed
// as not read, never taken as healthy.
func TestFromDumpAgreesWithLive(t *testing.T) {
	createNodes(t, fixture.Node{Name: "dump-cordoned", Unschedulable: true, Labels: map[string]string{"dump": "yes"}},
		fixture.Node{Name: "dump-pressure", State: fixture.DiskPressure, Labels: map[string]string{"dump": "yes"}},
		fixture.Node{Name: "dump-ok", Labels: map[string]string{"dump": "yes"}})
	createNamespace(t, "dump")
	createPods(t,
		fixture.Pod{Name: "stuck", Namespace: "dump", NodeSelector: map[string]string{"dump": "yes"}, Requests: fixture.Resources("8", "", "")},
		fixture.Pod{Name: "placed", Namespace: "dump", NodeSelector: map[string]string{"dump": "yes"}, Requests: fixture.Resources("100m", "128Mi", ""),
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
	)
	ctx := context.Background()
	if _, err := fixture.WaitForPod(ctx, client, "dump", "stuck", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.WaitForPod(ctx, client, "dump", "placed", fixture.Running); err != nil {
		t.Fatal(err)
	}

	live := reportJSON(t)
	liveWhy := diagnosisJSON(t, "stuck", "-n", "dump")
	liveHere := placementJSON(t, "placed", "-n", "dump")
	for name, path := range takeDumps(t) {
		t.Run(name, func(t *testing.T) {
			rep := reportJSON(t, "--from", path)
			if rep.From == nil || rep.From.Path != path || rep.From.AsOf.IsZero() {
				t.Errorf("the report should say it comes from the dump: %+v", rep.From)
			}
			want := findingKeys(live)
			if name == "get -o yaml" {
				// kubectl get of several kinds writes one List: with no
				// DaemonSet in the cluster nothing shows they were asked
				// for, so whether kube-proxy runs as one is unknown.
				want = slices.DeleteFunc(want, func(k string) bool { return strings.HasPrefix(k, string(explain.CodeNoKubeProxy)+" ") })
			}
			if got := findingKeys(rep); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("findings from the dump differ from the live ones\ndump:\n%s\nlive:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if len(rep.Nodes) != len(live.Nodes) {
				t.Errorf("%d nodes from the dump, %d live", len(rep.Nodes), len(live.Nodes))
			}
			unread := map[string]bool{}
			for _, g := range rep.Unread {
				if g.Reason != cluster.DumpReason {
					t.Errorf("unexpected gap %+v", g)
				}
				unread[g.Resource] = true
			}
			for _, want := range []string{"version", "readyz", "livez"} {
				if !unread[want] {
					t.Errorf("the dump has no %s, and the report should say it was not read: %+v", want, rep.Unread)
				}
			}
			if name != "get -o yaml" && !unread["leases"] {
				t.Errorf("a cluster-info dump has no leases, and the report should say so: %+v", rep.Unread)
			}

			d := diagnosisJSON(t, "stuck", "-n", "dump", "--from", path)
			if d.ComputedMessage != liveWhy.ComputedMessage || d.State != liveWhy.State || len(d.Nodes) != len(liveWhy.Nodes) {
				t.Errorf("why-pending from the dump: %s %q (%d nodes); live: %s %q (%d nodes)", d.State, d.ComputedMessage, len(d.Nodes), liveWhy.State, liveWhy.ComputedMessage, len(liveWhy.Nodes))
			}
			if d.Agrees == nil || !*d.Agrees {
				t.Errorf("why-pending from the dump should agree with the scheduler's message: %q", d.Disagreement)
			}
			p := placementJSON(t, "placed", "-n", "dump", "--from", path)
			if p.Node != liveHere.Node || len(p.Scores) != len(liveHere.Scores) {
				t.Fatalf("why-here from the dump: %s with %d scores; live: %s with %d", p.Node, len(p.Scores), liveHere.Node, len(liveHere.Scores))
			}
			for i := range p.Scores {
				if p.Scores[i].Node != liveHere.Scores[i].Node || p.Scores[i].Total != liveHere.Scores[i].Total {
					t.Errorf("why-here score %d from the dump: %s %d; live: %s %d", i, p.Scores[i].Node, p.Scores[i].Total, liveHere.Scores[i].Node, liveHere.Scores[i].Total)
				}
			}
			text := explainNodes(t, "why-pending", "stuck", "-n", "dump", "--from", path).Stdout
			if !strings.HasPrefix(text, "From the dump "+path+", as of ") {
				t.Errorf("the text should say where and when it comes from:\n%s", text)
			}
		})
	}

	// Standard input, with no kubeconfig at all.
	dumps := takeDumps(t)
	data, err := os.ReadFile(dumps["stream"])
	if err != nil {
		t.Fatal(err)
	}
	cmd := kubectlCmd(t, []string{"KUBECONFIG=/nonexistent"}, "explain-nodes", "why-pending", "stuck", "-n", "dump", "--from", "-", "-o", "json")
	cmd.Stdin = strings.NewReader(string(data))
	out, err := cmd.Output()
	var d diagnose.Diagnosis
	if err != nil || json.Unmarshal(out, &d) != nil || d.ComputedMessage != liveWhy.ComputedMessage {
		t.Errorf("--from - without a kubeconfig: %v\n%s", err, out)
	}
}

// Bad dumps get one sentence naming the file, and where, and exit 1.
func TestFromBadDump(t *testing.T) {
	createNodes(t, fixture.Node{Name: "dump-bad"})
	createNamespace(t, "dump-bad")
	createPods(t, fixture.Pod{Name: "stuck", Namespace: "dump-bad", Requests: fixture.Resources("64", "", "")})
	dir := t.TempDir()
	dumps := takeDumps(t)
	nodes, err := os.ReadFile(filepath.Join(dumps["directory JSON"], "nodes.json"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", write("cut.json", string(nodes[:len(nodes)/2]))}, "cut.json, line "},
		{[]string{"--from", write("cut.json", string(nodes[:len(nodes)/2]))}, "the file is cut short"},
		{[]string{"--from", write("other.json", `{"hello": "world"}`)}, "is not a Kubernetes object or list"},
		{[]string{"--from", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")}, "holds no nodes or pods (it holds ConfigMap)"},
		{[]string{"--from", write("bad.yaml", "kind: Node\nmetadata: {name: [\n")}, "bad.yaml, line 1: the YAML document starting here is not valid"},
		{[]string{"--from", filepath.Join(dir, "missing")}, "reading the dump " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{[]string{"--from", write("empty.json", "")}, "holds no Kubernetes object"},
		{[]string{"why-pending", "stuk", "-n", "dump-bad", "--from", dumps["directory JSON"]}, `pod "stuk" not found in namespace "dump-bad" of the dump ` + dumps["directory JSON"] + "; the closest names there are stuck"},
		{[]string{"why-pending", "-n", "dump-bad", "--wait", "1m", "--from", dumps["stream"]}, "--wait watches the live cluster's pods; it does not go with --from"},
	} {
		r := kubectlRun(t, nil, append([]string{"explain-nodes"}, c.args...)...)
		if r.Code != 1 || !strings.Contains(r.Stderr, c.want) || strings.Contains(r.Stderr, "goroutine") {
			t.Errorf("%v: want exit 1 and %q\n%s", c.args, c.want, r)
		}
	}
}
