//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/plugintest"
)

// applyRBAC binds deploy/rbac.yaml's roles to user.
func applyRBAC(t *testing.T, user string) {
	t.Helper()
	plugintest.ApplyRBAC(t, client, "../../deploy/rbac.yaml", user)
}

// auditVerbs returns the verbs and request URIs the audit log recorded for user.
func auditVerbs(t *testing.T, user string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(filepath.Dir(kubeconfig), "logs", "audit.log"))
	if err != nil {
		t.Fatalf("reading the audit log: %v", err)
	}
	return plugintest.AuditVerbs(data, user)
}

// userKubeconfig writes a kubeconfig for a real user of the test API server:
// a client certificate for CN=user, signed by the cluster's CA.
func userKubeconfig(t *testing.T, user string) string {
	t.Helper()
	pki := filepath.Join(filepath.Dir(kubeconfig), "pki")
	cert, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(pki, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	return plugintest.UserKubeconfig(t, kubeconfig, cert, key, user)
}
