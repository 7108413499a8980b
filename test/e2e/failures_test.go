//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// writeKubeconfig writes a kubeconfig for server with the given cluster and
// user fields (YAML flow maps) and returns its path.
func writeKubeconfig(t *testing.T, server, clusterExtra, user string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: faulty
  cluster: {server: %q%s}
contexts:
- name: faulty
  context: {cluster: faulty, user: someone}
current-context: faulty
users:
- name: someone
  user: %s
`, server, clusterExtra, user)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// proxyToCluster is a TLS server on 127.0.0.1 that passes requests to the
// test cluster with admin credentials, after handing each to fault, which
// may answer instead (returning true) or delay.
func proxyToCluster(t *testing.T, fault func(w http.ResponseWriter, r *http.Request, n int64) bool) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(cfg.Host)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	var count atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fault(w, r, count.Add(1)) {
			return
		}
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// failure runs the plugin against a broken setup and checks for one plain
// message naming the server, exit code 1, and no Go error noise.
func failure(t *testing.T, kc string, wantServer string, wants ...string) result {
	t.Helper()
	r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes", "--request-timeout", "5s")
	if r.Code != 1 {
		t.Errorf("exit code %d, want 1:\n%s", r.Code, r)
	}
	msg := lastErrorLine(r.Stderr)
	if wantServer != "" && !strings.Contains(msg, wantServer) {
		t.Errorf("the message does not name the server %s:\n%s", wantServer, r)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("the message lacks %q:\n%s", w, r)
		}
	}
	for _, noise := range []string{"dial tcp", "x509:", "Get \"", "net/http", "goroutine"} {
		if strings.Contains(msg, noise) {
			t.Errorf("the message carries Go error text %q:\n%s", noise, r)
		}
	}
	assertNoStackTrace(t, r)
	return r
}

func lastErrorLine(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	return lines[len(lines)-1]
}

func TestFailureNoKubeconfig(t *testing.T) {
	r := kubectlRun(t, []string{"KUBECONFIG=" + filepath.Join(t.TempDir(), "absent")}, "explain-nodes")
	if r.Code != 1 || !strings.Contains(r.Stderr, "no Kubernetes cluster is configured: there is no kubeconfig at") || strings.Contains(r.Stderr, "localhost:8080") {
		t.Errorf("want a plain no-kubeconfig message, not localhost:8080:\n%s", r)
	}
}

func TestFailureUnknownContext(t *testing.T) {
	r := kubectlRun(t, nil, "explain-nodes", "--context", "nope")
	if r.Code != 1 || !strings.Contains(r.Stderr, `context "nope" does not exist`) {
		t.Errorf("want a clear unknown-context message:\n%s", r)
	}
	assertNoStackTrace(t, r)
}

func TestFailureDNS(t *testing.T) {
	kc := writeKubeconfig(t, "https://no-such-cluster.invalid:6443", "", "{token: abc}")
	failure(t, kc, "https://no-such-cluster.invalid:6443", `the host name "no-such-cluster.invalid" does not resolve`)
}

func TestFailureTLSUnknownAuthority(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	kc := writeKubeconfig(t, srv.URL, "", "{token: abc}")
	failure(t, kc, srv.URL, "signed by an authority the kubeconfig does not trust")
}

func TestFailureTLSExpired(t *testing.T) {
	caPEM, serverCert := expiredServerCert(t)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	kc := writeKubeconfig(t, srv.URL, fmt.Sprintf(", certificate-authority-data: %s", base64.StdEncoding.EncodeToString(caPEM)), "{token: abc}")
	failure(t, kc, srv.URL, "its TLS certificate has expired")
}

// expiredServerCert makes a CA and a server certificate for 127.0.0.1 that
// expired yesterday.
func expiredServerCert(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	cert, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), cert
}

func TestFailureWrongToken(t *testing.T) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	kc := writeKubeconfig(t, cfg.Host, ", insecure-skip-tls-verify: true", "{token: not-a-real-token}")
	failure(t, kc, cfg.Host, "rejected the credentials (401 Unauthorized)")
}

func TestFailureExecPluginMissing(t *testing.T) {
	kc := writeKubeconfig(t, "https://127.0.0.1:1", ", insecure-skip-tls-verify: true",
		`{exec: {apiVersion: client.authentication.k8s.io/v1, command: kubectl-no-such-login, interactiveMode: Never, installHint: "Install it with: get-login-tool"}}`)
	failure(t, kc, "https://127.0.0.1:1", `credential plugin "kubectl-no-such-login" is not installed`, "Install it with: get-login-tool")
}

func TestFailureExecPluginFails(t *testing.T) {
	kc := writeKubeconfig(t, "https://127.0.0.1:1", ", insecure-skip-tls-verify: true",
		`{exec: {apiVersion: client.authentication.k8s.io/v1, command: sh, args: ["-c", "echo login expired >&2; exit 3"], interactiveMode: Never}}`)
	r := failure(t, kc, "https://127.0.0.1:1", `credential plugin "sh" failed (exit code 3)`)
	if !strings.Contains(r.Stderr, "login expired") {
		t.Errorf("the plugin's own message is lost:\n%s", r)
	}
}

func TestFailureTimeout(t *testing.T) {
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
		return false
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
	r := kubectlRun(t, []string{"KUBECONFIG=" + kc}, "explain-nodes", "--request-timeout", "1s")
	if r.Code != 1 || !strings.Contains(r.Stderr, "did not answer in time") || !strings.Contains(r.Stderr, "--request-timeout") {
		t.Errorf("want a timeout message:\n%s", r)
	}
	assertNoStackTrace(t, r)
}

func TestFailureServerErrors(t *testing.T) {
	for _, tc := range []struct {
		code int
		want string
	}{
		{http.StatusTooManyRequests, "TooManyRequests"},
		{http.StatusInternalServerError, "ServerError"},
		{http.StatusServiceUnavailable, "ServerError"},
	} {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
				http.Error(w, "the proxy says no", tc.code)
				return true
			})
			kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
			r := failure(t, kc, server, "the nodes could not be read", tc.want)
			if !strings.Contains(r.Stdout, "NOT READ") {
				t.Errorf("the report does not list what it could not read:\n%s", r)
			}
		})
	}
}

// The API server goes away after answering the first requests.
func TestFailureServerStopsMidRun(t *testing.T) {
	server := proxyToCluster(t, func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n <= 1 {
			return false
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	kc := writeKubeconfig(t, server, ", insecure-skip-tls-verify: true", "{token: unused}")
	failure(t, kc, server, "closed the connection in the middle of the run")
}
