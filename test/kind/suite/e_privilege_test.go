package suite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// readerUser is a user of the kind cluster bound to deploy/rbac.yaml alone;
// the API server's audit policy records its requests.
const readerUser = "explain-nodes-reader"

// On real nodes too, deploy/rbac.yaml is all the plugin needs, and the
// plugin only ever reads: the audit log holds no other verb from its user.
func TestLeastPrivilegeAndReadOnly(t *testing.T) {
	applyRBAC(t, readerUser)
	env := []string{"KUBECONFIG=" + userKubeconfig(t, readerUser)}

	r := kubectlRun(t, env, "explain-nodes", "-o", "json")
	if r.Code != 0 {
		t.Fatalf("overview as %s: %s", readerUser, r)
	}
	var rep explain.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Unread) != 0 {
		t.Errorf("the role in deploy/rbac.yaml does not cover every read on kind: %+v", rep.Unread)
	}
	if rep.ControlPlane.Mode != explain.ModeSelfHosted || len(rep.Nodes) != 3 {
		t.Errorf("as %s: control plane %q, %d nodes", readerUser, rep.ControlPlane.Mode, len(rep.Nodes))
	}
	for _, args := range [][]string{
		{"explain-nodes", clusterName + "-control-plane"},
		{"explain-nodes", "why-pending", "-A"},
		{"explain-nodes", "why-pending", corednsPod(t), "-n", "kube-system"},
	} {
		if r := kubectlRun(t, env, args...); r.Code != 0 || strings.Contains(r.Stdout, "NOT READ") {
			t.Errorf("%v as %s:\n%s", args, readerUser, r)
		}
	}
	r = kubectlRun(t, env, "explain-nodes", "why-pending", "-A", "-o", "json")
	if r.Code != 0 {
		t.Fatalf("why-pending -A as %s: %s", readerUser, r)
	}

	verbs := auditVerbs(t, readerUser)
	if len(verbs) == 0 {
		t.Fatalf("the audit log holds no request from %s", readerUser)
	}
	for verb, uris := range verbs {
		if verb != "get" && verb != "list" && verb != "watch" {
			t.Errorf("%s sent %q requests: %q", readerUser, verb, uris)
		}
	}
	t.Logf("audit log, requests of %s by verb: get %d, list %d, watch %d", readerUser, len(verbs["get"]), len(verbs["list"]), len(verbs["watch"]))
}

// corednsPod names one of the cluster's CoreDNS pods.
func corednsPod(t *testing.T) string {
	t.Helper()
	pods, err := client.CoreV1().Pods("kube-system").List(context.Background(), metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) == 0 {
		t.Fatal("no CoreDNS pod in kube-system")
	}
	return pods.Items[0].Name
}

// applyRBAC binds deploy/rbac.yaml's roles to user.
func applyRBAC(t *testing.T, user string) {
	t.Helper()
	plugintest.ApplyRBAC(t, client, filepath.Join(repo, "deploy", "rbac.yaml"), user)
}

// auditVerbs returns the verbs and request URIs that the API server's audit
// log, on the control-plane node, recorded for user.
func auditVerbs(t *testing.T, user string) map[string][]string {
	t.Helper()
	return plugintest.AuditVerbs([]byte(docker(t, "exec", clusterName+"-control-plane", "cat", "/var/log/kubernetes/audit.log")), user)
}

// userKubeconfig writes a kubeconfig for a real user of the kind cluster: a
// client certificate for CN=user, signed by the cluster's CA, which is read
// from the control-plane node.
func userKubeconfig(t *testing.T, user string) string {
	t.Helper()
	cp := clusterName + "-control-plane"
	cert := docker(t, "exec", cp, "cat", "/etc/kubernetes/pki/ca.crt")
	key := docker(t, "exec", cp, "cat", "/etc/kubernetes/pki/ca.key")
	return plugintest.UserKubeconfig(t, kubeconfig, []byte(cert), []byte(key), user)
}
