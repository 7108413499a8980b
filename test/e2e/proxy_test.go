//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// writeStatus answers as the API server does when it refuses a request.
func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Reason: reason, Code: int32(code), Message: message,
	})
}

// countingProxy is a TLS reverse proxy on 127.0.0.1 in front of the test
// cluster's API server. It authenticates to the API server with the test
// cluster's admin credentials and counts the requests that pass through it.
type countingProxy struct {
	url    string
	mu     sync.Mutex
	counts map[string]int
}

func newCountingProxy(t *testing.T) *countingProxy {
	t.Helper()
	p := &countingProxy{counts: map[string]int{}}
	p.url = proxyToCluster(t, func(_ http.ResponseWriter, r *http.Request, _ int64) bool {
		p.mu.Lock()
		p.counts[r.Method+" "+r.URL.Path]++
		p.mu.Unlock()
		return false
	})
	return p
}

// kubeconfig writes a kubeconfig that reaches the cluster through the proxy.
func (p *countingProxy) kubeconfig(t *testing.T) string {
	t.Helper()
	return writeKubeconfig(t, p.url, ", insecure-skip-tls-verify: true", "{token: unused}")
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
