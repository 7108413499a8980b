//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// countingProxy is a TLS reverse proxy on 127.0.0.1 in front of the test
// cluster's API server. It authenticates to the API server with the test
// cluster's admin credentials and counts the requests that pass through it.
type countingProxy struct {
	server *httptest.Server
	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(t *testing.T) *countingProxy {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = transport
	p.server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.Method+" "+r.URL.Path]++
		p.mu.Unlock()
		r.Header.Del("Authorization")
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.server.Close)
	return p
}

// kubeconfig writes a kubeconfig that reaches the cluster through the proxy.
func (p *countingProxy) kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	config := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: proxied
  cluster: {server: %q, insecure-skip-tls-verify: true}
contexts:
- name: proxied
  context: {cluster: proxied, user: proxied}
current-context: proxied
users:
- name: proxied
  user: {token: unused}
`, p.server.URL)
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// take returns the requests counted so far, sorted, and starts again.
func (p *countingProxy) take() (total int, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, n := range p.counts {
		total += n
		requests = append(requests, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(requests)
	p.counts = map[string]int{}
	return total, requests
}
