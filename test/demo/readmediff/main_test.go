package main

import (
	"strings"
	"testing"
)

const committed = `# Tool
<!-- demo:overview -->
` + "```console" + `
$ kubectl explain-nodes
Cluster at https://127.0.0.1:32764 (Kubernetes v1.37.2)
NAME           STATUS  AGE  PODS
control-plane  Ready   6s   4/110
    - leader vm_df6504b4-3d95-4904-87c9-ca477996af1f, lease renewed 0s ago
` + "```" + `
<!-- /demo:overview -->
text outside is free
<!-- demo:why-pending -->
From the dump ci-dump, as of 2026-12-07 15:07 UTC; ages are as of then.
The scheduler said (PodScheduled condition, 3s ago): 0/4 nodes are available.
<!-- /demo:why-pending -->
`

func TestCompareIgnoresRunToRunValues(t *testing.T) {
	fresh := strings.NewReplacer(
		"32764", "40111",
		"6s ", "2m5s",
		"0s ago", "12s ago",
		"3s ago", "1m ago",
		"2026-12-07 15:07 UTC", "2027-01-02 03:04 UTC",
		"vm_df6504b4-3d95-4904-87c9-ca477996af1f", "ci-host_0b9a4626-5f27-4c37-933f-885d8870db47",
		"text outside is free", "other prose",
	).Replace(committed)
	// Rewrapped: a line break where there was a space.
	fresh = strings.Replace(fresh, "nodes are available.", "nodes\nare available.", 1)
	if p := Compare(committed, fresh); len(p) != 0 {
		t.Fatalf("Compare reported differences for run-to-run values: %v", p)
	}
}

func TestCompareFindsRealChanges(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"4/110", "5/110", `block "overview" differs at word`},
		{"Ready ", "NotReady ", `block "overview" differs at word`},
		{"v1.37.2", "v1.38.0", `block "overview" differs at word`},
		{"0/4 nodes are available.", "0/4 nodes are available. Extra.", `block "why-pending" differs at word`},
		{"<!-- demo:why-pending -->", "<!-- demo:other -->", "demo blocks"},
	} {
		fresh := strings.Replace(committed, tc.from, tc.to, 1)
		p := Compare(committed, fresh)
		if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), tc.want) {
			t.Errorf("%q -> %q: got %v, want a problem containing %q", tc.from, tc.to, p, tc.want)
		}
	}
}

func TestCompareNeedsBlocks(t *testing.T) {
	if p := Compare("no blocks here", "no blocks here"); len(p) == 0 {
		t.Fatal("a README without demo blocks passed")
	}
}
