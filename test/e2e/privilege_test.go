//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

const (
	readerUser    = "explain-nodes-reader"
	podReaderUser = "explain-nodes-pod-reader"
)

// A user bound only to deploy/rbac.yaml gets the full output: nothing unread.
// Everything it sends must be a read (the audit log records its requests).
func TestLeastPrivilegeRoleIsEnough(t *testing.T) {
	applyRBAC(t, readerUser)
	kc := userKubeconfig(t, readerUser)
	createNodes(t, fixture.Node{Name: "lp-node", Labels: map[string]string{"disktype": "hdd"}})
	createNamespace(t, "lp")
	createPods(t, fixture.Pod{Name: "ssd", Namespace: "lp", NodeSelector: map[string]string{"disktype": "ssd"}})
	if _, err := fixture.WaitForPod(context.Background(), client, "lp", "ssd", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + kc}

	r := kubectlRun(t, env, "explain-nodes", "-o", "json")
	if r.Code != 0 {
		t.Fatalf("overview as %s: %s", readerUser, r)
	}
	var rep explain.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Unread) != 0 {
		t.Errorf("the role in deploy/rbac.yaml does not cover every read: %+v", rep.Unread)
	}
	if _, ok := findNode(rep, "lp-node"); !ok {
		t.Errorf("lp-node missing from the report")
	}

	r = kubectlRun(t, env, "explain-nodes", "why-pending", "ssd", "-n", "lp", "-o", "json")
	if r.Code != 0 {
		t.Fatalf("why-pending as %s: %s", readerUser, r)
	}
	var d diagnose.Diagnosis
	if err := json.Unmarshal([]byte(r.Stdout), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Unread) != 0 || d.Agrees == nil || !*d.Agrees {
		t.Errorf("why-pending as %s: unread %+v, agrees %v (%s)", readerUser, d.Unread, d.Agrees, d.Disagreement)
	}
	createPods(t, fixture.Pod{Name: "placed", Namespace: "lp", NodeSelector: map[string]string{"disktype": "hdd"}})
	if _, err := fixture.WaitForPod(context.Background(), client, "lp", "placed", fixture.Running); err != nil {
		t.Fatal(err)
	}
	r = kubectlRun(t, env, "explain-nodes", "why-here", "placed", "-n", "lp", "-o", "json")
	var p diagnose.Placement
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &p) != nil || len(p.Unread) != 0 {
		t.Errorf("why-here as %s: unread %+v\n%s", readerUser, p.Unread, r)
	}
	for _, args := range [][]string{{"explain-nodes", "lp-node"}, {"explain-nodes", "why-pending", "-A"}} {
		if r := kubectlRun(t, env, args...); r.Code != 0 || strings.Contains(r.Stdout, "NOT READ") {
			t.Errorf("%v as %s:\n%s", args, readerUser, r)
		}
	}

	// --wait watches the Pending pods: the role allows it, and it is the one
	// watch the plugin makes.
	r = kubectlRun(t, env, "explain-nodes", "why-pending", "-n", "lp", "--wait", "2s")
	if r.Code != 3 || strings.Contains(r.Stdout, "NOT READ") {
		t.Errorf("why-pending --wait as %s: %s", readerUser, r)
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
	if len(verbs["watch"]) == 0 {
		t.Errorf("why-pending --wait did not watch the pods")
	}
	for _, uri := range verbs["watch"] {
		if !strings.HasPrefix(uri, "/api/v1/namespaces/lp/pods?") || !strings.Contains(uri, "fieldSelector=status.phase%3DPending") {
			t.Errorf("%s watched more than the Pending pods: %q", readerUser, uri)
		}
	}
	whole := map[string]bool{}
	for _, uri := range verbs["list"] {
		if strings.Contains(uri, "resourceVersion=0") && !strings.Contains(uri, "limit=") {
			whole[strings.SplitN(uri, "?", 2)[0]] = true
		}
	}
	if !whole["/api/v1/pods"] || !whole["/api/v1/nodes"] {
		t.Errorf("pods and nodes were not read as whole lists from the cache: %q", verbs["list"])
	}
}

// A user who may only read pods in one namespace: the plugin still explains
// what it can, says what it could not read, and never claims "no problems".
func TestPodReaderOnly(t *testing.T) {
	ctx := context.Background()
	createNamespace(t, "lp-pods")
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "lp-pods"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}
	if _, err := client.RbacV1().Roles("lp-pods").Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bind := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "lp-pods"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: podReaderUser}}}
	if _, err := client.RbacV1().RoleBindings("lp-pods").Create(ctx, bind, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createNodes(t, fixture.Node{Name: "pr-node"})
	createPods(t, fixture.Pod{Name: "gpu", Namespace: "lp-pods", Requests: fixture.Resources("64", "", "")})
	if _, err := fixture.WaitForPod(ctx, client, "lp-pods", "gpu", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + userKubeconfig(t, podReaderUser)}

	r := kubectlRun(t, env, "explain-nodes", "why-pending", "gpu", "-n", "lp-pods")
	if r.Code != 0 {
		t.Fatalf("why-pending as %s: %s", podReaderUser, r)
	}
	flat := strings.Join(strings.Fields(r.Stdout), " ")
	for _, want := range []string{
		"The nodes could not be read, so they cannot be checked one by one",
		"Insufficient cpu", // the scheduler's own message, explained
		"The scheduler's reasons, explained:",
		"NOT READ: this explanation is incomplete",
		`nodes: nodes is forbidden: User "explain-nodes-pod-reader" cannot list resource "nodes"`,
		"deploy/rbac.yaml",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("why-pending as %s lacks %q:\n%s", podReaderUser, want, r.Stdout)
		}
	}

	// The overview cannot see the nodes: it says so and fails, rather than
	// reporting a healthy cluster.
	r = kubectlRun(t, env, "explain-nodes")
	if r.Code == 0 || strings.Contains(r.Stdout, "Nothing needs attention") {
		t.Errorf("overview as %s should fail and not claim all is well:\n%s", podReaderUser, r)
	}
	if !strings.Contains(r.Stderr, "the nodes could not be read") || !strings.Contains(r.Stdout, "NOT READ") {
		t.Errorf("overview as %s does not say what it could not read:\n%s", podReaderUser, r)
	}
	assertNoStackTrace(t, r)

	for verb, uris := range auditVerbs(t, podReaderUser) {
		if verb != "get" && verb != "list" && verb != "watch" {
			t.Errorf("%s sent %q requests: %q", podReaderUser, verb, uris)
		}
	}
}
