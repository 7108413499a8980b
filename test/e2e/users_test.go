//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
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
)

// userKubeconfig writes a kubeconfig for a real user of the test API server:
// a client certificate for CN=user, signed by the cluster's CA.
func userKubeconfig(t *testing.T, user string) string {
	t.Helper()
	pki := filepath.Join(filepath.Dir(kubeconfig), "pki")
	caCert, caKey := loadCA(t, pki)
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
	ctx := admin.Contexts[admin.CurrentContext]
	cluster := admin.Clusters[ctx.Cluster]
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = cluster
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		ClientKeyData:         pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	cfg.Contexts[user] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
	cfg.CurrentContext = user
	path := filepath.Join(t.TempDir(), user+".kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadCA(t *testing.T, dir string) (*x509.Certificate, any) {
	t.Helper()
	certPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		t.Fatalf("no PEM in %s", dir)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var key any
	switch kb.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	}
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// applyRBAC creates the roles of deploy/rbac.yaml (replacing older copies)
// and binds them to user.
func applyRBAC(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("../../deploy/rbac.yaml")
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
			_ = client.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
			if _, err := client.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			bind := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "explain-nodes:" + user},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: o.Name},
				Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}}}
			createOrKeep(t, func() error {
				_, err := client.RbacV1().ClusterRoleBindings().Create(ctx, bind, metav1.CreateOptions{})
				return err
			})
		case *rbacv1.Role:
			_ = client.RbacV1().Roles(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{})
			if _, err := client.RbacV1().Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
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

// auditVerbs returns the verbs and request URIs the audit log recorded for user.
func auditVerbs(t *testing.T, user string) map[string][]string {
	t.Helper()
	path := filepath.Join(filepath.Dir(kubeconfig), "logs", "audit.log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the audit log: %v", err)
	}
	verbs := map[string][]string{}
	for _, line := range bytes.Split(data, []byte("\n")) {
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
