package suite

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

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
	if r.code != 0 {
		t.Fatalf("overview as %s: %s", readerUser, r)
	}
	var rep explain.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
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
		if r := kubectlRun(t, env, args...); r.code != 0 || strings.Contains(r.stdout, "NOT READ") {
			t.Errorf("%v as %s:\n%s", args, readerUser, r)
		}
	}
	r = kubectlRun(t, env, "explain-nodes", "why-pending", "-A", "-o", "json")
	if r.code != 0 {
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

// userKubeconfig writes a kubeconfig for a real user of the kind cluster: a
// client certificate for CN=user, signed by the cluster's CA, which is read
// from the control-plane node.
func userKubeconfig(t *testing.T, user string) string {
	t.Helper()
	cpNode := clusterName + "-control-plane"
	caCert := parseCert(t, docker(t, "exec", cpNode, "cat", "/etc/kubernetes/pki/ca.crt"))
	caKey := parseKey(t, docker(t, "exec", cpNode, "cat", "/etc/kubernetes/pki/ca.key"))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: user},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kind"] = admin.Clusters[admin.Contexts[admin.CurrentContext].Cluster]
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		ClientKeyData:         pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	cfg.Contexts[user] = &clientcmdapi.Context{Cluster: "kind", AuthInfo: user}
	cfg.CurrentContext = user
	path := filepath.Join(t.TempDir(), user+".kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func parseCert(t *testing.T, data string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(data))
	if b == nil {
		t.Fatal("no PEM in the cluster's ca.crt")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parseKey(t *testing.T, data string) any {
	t.Helper()
	b, _ := pem.Decode([]byte(data))
	if b == nil {
		t.Fatal("no PEM in the cluster's ca.key")
	}
	var key any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// applyRBAC creates the roles of deploy/rbac.yaml and binds them to user.
func applyRBAC(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(repo, "deploy", "rbac.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	decode := scheme.Codecs.UniversalDeserializer().Decode
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		obj, _, err := decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("decoding deploy/rbac.yaml: %v", err)
		}
		switch o := obj.(type) {
		case *rbacv1.ClusterRole:
			createOrKeep(t, func() error {
				_, err := client.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{})
				return err
			})
			bind := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "explain-nodes:" + user},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: o.Name},
				Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
			createOrKeep(t, func() error {
				_, err := client.RbacV1().ClusterRoleBindings().Create(ctx, bind, metav1.CreateOptions{})
				return err
			})
		case *rbacv1.Role:
			createOrKeep(t, func() error {
				_, err := client.RbacV1().Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
				return err
			})
			bind := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "explain-nodes:" + user, Namespace: o.Namespace},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: o.Name},
				Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
			createOrKeep(t, func() error {
				_, err := client.RbacV1().RoleBindings(o.Namespace).Create(ctx, bind, metav1.CreateOptions{})
				return err
			})
		default:
			t.Fatalf("deploy/rbac.yaml holds a %T", obj)
		}
	}
}

func createOrKeep(t *testing.T, create func() error) {
	t.Helper()
	if err := create(); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// auditVerbs returns the verbs and request URIs that the API server's audit
// log, on the control-plane node, recorded for user.
func auditVerbs(t *testing.T, user string) map[string][]string {
	t.Helper()
	data := docker(t, "exec", clusterName+"-control-plane", "cat", "/var/log/kubernetes/audit.log")
	verbs := map[string][]string{}
	for _, line := range bytes.Split([]byte(data), []byte("\n")) {
		if !bytes.Contains(line, []byte(`"username":"`+user+`"`)) {
			continue
		}
		verb := field(line, "verb")
		verbs[verb] = append(verbs[verb], field(line, "requestURI"))
	}
	return verbs
}

// field pulls a top-level string field out of one JSON audit line.
func field(line []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(line, key)
	if i < 0 {
		return ""
	}
	rest := line[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
