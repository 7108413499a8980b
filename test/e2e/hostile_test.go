//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// hostile holds terminal control sequences of every kind the plugin must
// neutralise: CSI (clear screen, colour), OSC (window title, hyperlink), DCS,
// C1 CSI, a bell, a backspace, DEL and bidirectional overrides.
const hostile = "\x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1bPq#0\x1b\\ \u009b31m \x07\x08\x7f \u202egnp.exe\u202c \u2066iso\u2069"

// hostileForKwok is the part of hostile that kwok's YAML stage templates can
// carry: YAML forbids C1 controls and DEL even when escaped, so those are
// planted only where kwok does not rewrite the object.
const hostileForKwok = "\x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1bPq#0\x1b\\ \u202egnp.exe\u202c \u2066iso\u2069"

// leaks returns the forbidden characters found in terminal output.
func leaks(out string) []string {
	var found []string
	for i, r := range out {
		switch {
		case r == '\n':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			found = append(found, out[max(0, i-20):min(len(out), i+5)])
		case r == utf8.RuneError:
		}
	}
	return found
}

func TestHostileTextIsNeutralised(t *testing.T) {
	ctx := context.Background()
	createNodes(t, fixture.Node{Name: "hostile-node", State: fixture.NotReady,
		KubeletVersion: "v1.37.2" + hostileForKwok, RuntimeVersion: "containerd://" + hostileForKwok,
		Modify: func(n *corev1.Node) {
			for i := range n.Status.Conditions {
				if n.Status.Conditions[i].Type == corev1.NodeReady {
					n.Status.Conditions[i].Message = "runtime down " + hostileForKwok
					n.Status.Conditions[i].Reason = "Evil"
				}
			}
			n.Status.NodeInfo.OSImage = hostileForKwok
			n.Annotations["evil"] = hostile
		}},
		// Nobody rewrites a silent node's nodeInfo: the full set goes there.
		fixture.Node{Name: "hostile-silent", State: fixture.Silent, KubeletVersion: "v1.37.2" + hostile, RuntimeVersion: hostile})
	createNamespace(t, "hostile")
	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "hostile-node.evil", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Node", Name: "hostile-node", UID: "hostile-node"},
		Reason:         "Evil" + hostile, Message: "node event " + hostile, Type: corev1.EventTypeWarning,
		FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
		Source: corev1.EventSource{Component: "kubelet"},
	}
	if _, err := client.CoreV1().Events("default").Create(ctx, event, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.CoreV1().Events("default").Delete(context.Background(), event.Name, metav1.DeleteOptions{})
	})
	// A pod bound to the node, held back by kwok, with a hostile waiting message.
	createPods(t, fixture.Pod{Name: "victim", Namespace: "hostile", NodeName: "hostile-node", Hold: true})
	pod, err := client.CoreV1().Pods("hostile").Get(ctx, "victim", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "x", State: corev1.ContainerState{
		Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "pull failed " + hostile}}}}
	if _, err := client.CoreV1().Pods("hostile").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	podEvent := event.DeepCopy()
	podEvent.Name, podEvent.Namespace = "victim.evil", "hostile"
	podEvent.InvolvedObject = corev1.ObjectReference{Kind: "Pod", Name: "victim", Namespace: "hostile"}
	podEvent.Reason = "FailedMount"
	if _, err := client.CoreV1().Events("hostile").Create(ctx, podEvent, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the node's condition settle

	planted := 0
	for _, args := range [][]string{
		{"explain-nodes"},
		{"explain-nodes", "hostile-node"},
		{"explain-nodes", "hostile-silent"},
		{"explain-nodes", "why-pending", "victim", "-n", "hostile"},
		{"explain-nodes", "why-pending", "-n", "hostile"},
		{"explain-nodes", "why-here", "victim", "-n", "hostile"},
		{"explain-nodes", "--color", "always"},
	} {
		r := kubectlRun(t, nil, args...)
		if r.Code != 0 {
			t.Fatalf("%v: %s", args, r)
		}
		out := r.Stdout
		if args[len(args)-1] == "always" {
			// Our own colours are the only escapes allowed: strip them, then look.
			for _, sgr := range []string{"\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m"} {
				out = strings.ReplaceAll(out, sgr, "")
			}
		}
		if strings.Contains(out, "gnp.exe") {
			planted++ // the text arrived (its escapes, checked below, must not)
		}
		if l := leaks(out); len(l) > 0 {
			t.Errorf("%v leaks %d control characters, e.g. %q", args, len(l), l[0])
		}
	}
	if planted == 0 {
		t.Fatalf("the hostile text never reached the output: the test proves nothing")
	}

	// The same text read from a dump is neutralised the same way (kubectl
	// writes JSON with it; its YAML printer refuses control characters).
	dump := filepath.Join(t.TempDir(), "dump.json")
	dumpWith(t, filepath.Dir(dump), dump, "cluster-info", "dump", "-A")
	for _, args := range [][]string{
		{"explain-nodes", "--from", dump},
		{"explain-nodes", "hostile-node", "--from", dump},
		{"explain-nodes", "why-pending", "victim", "-n", "hostile", "--from", dump},
	} {
		r := kubectlRun(t, nil, args...)
		if r.Code != 0 {
			t.Fatalf("%v: %s", args, r)
		}
		if !strings.Contains(r.Stdout, "gnp.exe") {
			t.Errorf("%v: the hostile text never reached the output from the dump", args)
		}
		if l := leaks(r.Stdout); len(l) > 0 {
			t.Errorf("%v leaks %d control characters, e.g. %q", args, len(l), l[0])
		}
	}

	// JSON stays exact.
	rep := reportJSON(t, "hostile-node")
	if len(rep.Nodes) != 1 || rep.Nodes[0].ReadyMessage != "runtime down "+hostileForKwok || rep.Nodes[0].KubeletVersion != "v1.37.2"+hostileForKwok {
		t.Errorf("JSON does not carry the cluster's strings exactly: %+v", rep.Nodes)
	}
	var d diagnose.Diagnosis
	r := explainNodes(t, "why-pending", "victim", "-n", "hostile", "-o", "json")
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) == 0 || d.Problems[0].Message != "pull failed "+hostile {
		t.Errorf("JSON problems: %+v", d.Problems)
	}
}

// An error text from the server is neutralised too.
func TestHostileServerError(t *testing.T) {
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if r.URL.Path == "/api/v1/nodes" {
			writeStatus(w, http.StatusForbidden, metav1.StatusReasonForbidden, "nodes is forbidden \x1b]0;pwned\x07\x1b[2J\u202eevil")
			return true
		}
		return false
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
	r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes")
	if r.Code != 1 || !strings.Contains(r.Stdout+r.Stderr, "nodes is forbidden") {
		t.Fatalf("want the forbidden read reported:\n%s", r)
	}
	if l := leaks(r.Stdout + r.Stderr); len(l) > 0 {
		t.Errorf("server error text leaks control characters: %q", l)
	}
}
