package explain

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

// catalogueSentences counts the sentences of a plain-text field: every ". "
// inside it ends one, and so does the final period.
func catalogueSentences(s string) int {
	n := strings.Count(s, ". ")
	if strings.HasSuffix(s, ".") {
		n++
	}
	return n
}

// checkCatalogueText fails the test unless s is non-empty, ends with a
// period and has at most limit sentences.
func checkCatalogueText(t *testing.T, field, s string, limit int) {
	t.Helper()
	if s == "" {
		t.Errorf("%s is empty", field)
		return
	}
	if !strings.HasSuffix(s, ".") {
		t.Errorf("%s does not end with a period: %q", field, s)
	}
	if n := catalogueSentences(s); n > limit {
		t.Errorf("%s has %d sentences, want at most %d: %q", field, n, limit, s)
	}
}

func TestTaintCatalogueEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range taintCatalogue {
		t.Run(e.Key, func(t *testing.T) {
			id := e.Key
			if e.Prefix {
				id += " (prefix)"
			}
			if seen[id] {
				t.Fatalf("duplicate catalogue entry %s", id)
			}
			seen[id] = true
			if e.Key == "" {
				t.Fatal("empty Key")
			}
			if e.Known {
				t.Error("table entries leave Known to LookupTaint")
			}
			if e.Title == "" || strings.HasSuffix(e.Title, ".") {
				t.Errorf("Title %q is empty or ends with a period", e.Title)
			}
			if e.SetBy == "" {
				t.Error("SetBy is empty")
			}
			checkCatalogueText(t, "Meaning", e.Meaning, 2)
			checkCatalogueText(t, "Fix", e.Fix, 1)

			key := e.Key
			if e.Prefix {
				key += "something-else"
			}
			want := e
			want.Known = true
			if diff := cmp.Diff(want, LookupTaint(key)); diff != "" {
				t.Errorf("LookupTaint(%q) (-want +got):\n%s", key, diff)
			}
		})
	}
}

func TestLookupTaintCoverage(t *testing.T) {
	keys := []string{
		"node-role.kubernetes.io/control-plane",
		"node-role.kubernetes.io/master",
		corev1.TaintNodeNotReady,
		corev1.TaintNodeUnreachable,
		corev1.TaintNodeMemoryPressure,
		corev1.TaintNodeDiskPressure,
		corev1.TaintNodePIDPressure,
		corev1.TaintNodeNetworkUnavailable,
		corev1.TaintNodeUnschedulable,
		corev1.TaintNodeOutOfService,
		"node.cloudprovider.kubernetes.io/uninitialized",
		"node.cloudprovider.kubernetes.io/shutdown",
		"ToBeDeletedByClusterAutoscaler",
		"DeletionCandidateOfClusterAutoscaler",
		"karpenter.sh/disrupted",
		"karpenter.sh/unregistered",
		"karpenter.sh/disruption",
		"nvidia.com/gpu",
		"amd.com/gpu",
		"cloud.google.com/gke-spot",
		"cloud.google.com/gke-preemptible",
		"kubernetes.azure.com/scalesetpriority",
		"eks.amazonaws.com/compute-type",
		"sandbox.gke.io/runtime",
		"CriticalAddonsOnly",
		"dedicated",
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			got := LookupTaint(key)
			if !got.Known || got.Prefix || got.Key != key {
				t.Errorf("LookupTaint(%q) = {Key: %q, Prefix: %v, Known: %v}, want an exact known entry", key, got.Key, got.Prefix, got.Known)
			}
		})
	}
}

func TestLookupTaintDetails(t *testing.T) {
	tests := []struct {
		key  string
		want []string // words the Meaning must contain
	}{
		{corev1.TaintNodeNotReady, []string{"300", "DefaultTolerationSeconds"}},
		{corev1.TaintNodeUnreachable, []string{"tolerationSeconds", "300", "DefaultTolerationSeconds"}},
		{corev1.TaintNodeDiskPressure, []string{"garbage-collects", "evicts"}},
		{corev1.TaintNodeOutOfService, []string{"non-graceful", "force-deleted", "detached"}},
		{corev1.TaintNodeUnschedulable, []string{"cordoned"}},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got := LookupTaint(tc.key)
			for _, w := range tc.want {
				if !strings.Contains(got.Meaning, w) {
					t.Errorf("Meaning %q does not mention %q", got.Meaning, w)
				}
			}
		})
	}
}

func TestLookupTaintMatching(t *testing.T) {
	table := []TaintInfo{
		{Key: "a.io/", Prefix: true, Title: "short prefix"},
		{Key: "a.io/x", Prefix: true, Title: "long prefix"},
		{Key: "a.io/xy", Prefix: true, Title: "longer prefix"},
		{Key: "a.io/x", Title: "exact"},
	}
	tests := []struct {
		name      string
		key       string
		wantTitle string
		wantKnown bool
	}{
		{"exact beats prefix", "a.io/x", "exact", true},
		{"longest prefix wins", "a.io/xyz", "longer prefix", true},
		{"middle prefix", "a.io/xz", "long prefix", true},
		{"shortest prefix", "a.io/z", "short prefix", true},
		{"no match falls back", "b.io/x", "custom taint", false},
		{"prefix is not a suffix match", "z.a.io/x", "custom taint", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lookupTaintIn(table, tc.key)
			if got.Title != tc.wantTitle || got.Known != tc.wantKnown {
				t.Errorf("lookupTaintIn(%q) = {Title: %q, Known: %v}, want {Title: %q, Known: %v}", tc.key, got.Title, got.Known, tc.wantTitle, tc.wantKnown)
			}
		})
	}
}

func TestLookupTaintExactBeatsPrefixInCatalogue(t *testing.T) {
	tests := []struct {
		key        string
		wantKey    string
		wantPrefix bool
	}{
		{"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/control-plane", false},
		{"node-role.kubernetes.io/infra", "node-role.kubernetes.io/", true},
		{"karpenter.sh/disrupted", "karpenter.sh/disrupted", false},
		{"karpenter.sh/rebooting", "karpenter.sh/", true},
		{"cloud.google.com/gke-spot", "cloud.google.com/gke-spot", false},
		{"cloud.google.com/some-pool", "cloud.google.com/", true},
		{"node.cloudprovider.kubernetes.io/shutdown", "node.cloudprovider.kubernetes.io/shutdown", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got := LookupTaint(tc.key)
			if got.Key != tc.wantKey || got.Prefix != tc.wantPrefix || !got.Known {
				t.Errorf("LookupTaint(%q) = {Key: %q, Prefix: %v, Known: %v}, want {Key: %q, Prefix: %v, Known: true}", tc.key, got.Key, got.Prefix, got.Known, tc.wantKey, tc.wantPrefix)
			}
		})
	}
}

func TestLookupTaintFallback(t *testing.T) {
	tests := []struct {
		key       string
		wantTitle string
		mention   []string // words the Meaning must contain
	}{
		{"example.com/dedicated", "dedicated node pool", []string{"example.com", "dedicated"}},
		{"example.com/team-a", "custom taint", []string{"example.com"}},
		{"acme.io/gpu-only", "GPU node", []string{"acme.io", "GPU"}},
		{"acme.io/spot", "spot node", []string{"acme.io", "spot"}},
		{"node.kubernetes.io/something-new", "custom taint", []string{"node.kubernetes.io", "reserved for Kubernetes"}},
		{"team", "custom taint", []string{"administrator"}},
		{"", "custom taint", []string{"administrator"}},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got := LookupTaint(tc.key)
			if got.Known || got.Prefix {
				t.Errorf("Known = %v, Prefix = %v; want both false", got.Known, got.Prefix)
			}
			if got.Key != tc.key {
				t.Errorf("Key = %q, want %q", got.Key, tc.key)
			}
			if got.Title != tc.wantTitle {
				t.Errorf("Title = %q, want %q", got.Title, tc.wantTitle)
			}
			if got.SetBy == "" {
				t.Error("SetBy is empty")
			}
			checkCatalogueText(t, "Meaning", got.Meaning, 2)
			checkCatalogueText(t, "Fix", got.Fix, 1)
			for _, w := range tc.mention {
				if !strings.Contains(got.Meaning, w) {
					t.Errorf("Meaning %q does not mention %q", got.Meaning, w)
				}
			}
		})
	}
}

func TestEffectMeaning(t *testing.T) {
	tests := []struct {
		effect  corev1.TaintEffect
		mention []string
	}{
		{corev1.TaintEffectNoSchedule, []string{"not placed", "stay"}},
		{corev1.TaintEffectPreferNoSchedule, []string{"avoids", "never blocks"}},
		{corev1.TaintEffectNoExecute, []string{"not placed", "evicted", "tolerationSeconds"}},
		{"SomethingElse", []string{"not one of the effects"}},
		{"", []string{"not one of the effects"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.effect), func(t *testing.T) {
			got := EffectMeaning(tc.effect)
			checkCatalogueText(t, "EffectMeaning", got, 1)
			for _, w := range tc.mention {
				if !strings.Contains(got, w) {
					t.Errorf("EffectMeaning(%q) = %q, does not mention %q", tc.effect, got, w)
				}
			}
		})
	}

	t.Run("all differ", func(t *testing.T) {
		seen := map[string]corev1.TaintEffect{}
		for _, e := range []corev1.TaintEffect{
			corev1.TaintEffectNoSchedule,
			corev1.TaintEffectPreferNoSchedule,
			corev1.TaintEffectNoExecute,
			"SomethingElse",
		} {
			got := EffectMeaning(e)
			if other, ok := seen[got]; ok {
				t.Errorf("EffectMeaning(%q) is the same as EffectMeaning(%q)", e, other)
			}
			seen[got] = e
		}
	})
}

func TestConditionCatalogueEntries(t *testing.T) {
	seen := map[corev1.NodeConditionType]bool{}
	for _, c := range conditionCatalogue {
		t.Run(string(c.Type), func(t *testing.T) {
			if seen[c.Type] {
				t.Fatalf("duplicate catalogue entry %s", c.Type)
			}
			seen[c.Type] = true
			if c.Known {
				t.Error("table entries leave Known to LookupCondition")
			}
			if c.Title == "" {
				t.Error("Title is empty")
			}
			wantHealthy := corev1.ConditionFalse
			if c.Type == corev1.NodeReady {
				wantHealthy = corev1.ConditionTrue
			}
			if c.Healthy != wantHealthy {
				t.Errorf("Healthy = %q, want %q", c.Healthy, wantHealthy)
			}
			checkCatalogueText(t, "Meaning", c.Meaning, 2)
			checkCatalogueText(t, "WhenBad", c.WhenBad, 2)
			checkCatalogueText(t, "Fix", c.Fix, 1)

			want := c
			want.Known = true
			if diff := cmp.Diff(want, LookupCondition(c.Type)); diff != "" {
				t.Errorf("LookupCondition(%q) (-want +got):\n%s", c.Type, diff)
			}
		})
	}
}

func TestLookupCondition(t *testing.T) {
	tests := []struct {
		typ        corev1.NodeConditionType
		healthy    corev1.ConditionStatus
		meaningHas string // who sets it
		whenBadHas string // the taint the node controller adds, if any
	}{
		{corev1.NodeReady, corev1.ConditionTrue, "kubelet", corev1.TaintNodeNotReady},
		{corev1.NodeMemoryPressure, corev1.ConditionFalse, "kubelet", corev1.TaintNodeMemoryPressure + ":NoSchedule"},
		{corev1.NodeDiskPressure, corev1.ConditionFalse, "kubelet", corev1.TaintNodeDiskPressure + ":NoSchedule"},
		{corev1.NodePIDPressure, corev1.ConditionFalse, "kubelet", corev1.TaintNodePIDPressure + ":NoSchedule"},
		{corev1.NodeNetworkUnavailable, corev1.ConditionFalse, "CNI", corev1.TaintNodeNetworkUnavailable + ":NoSchedule"},
		{"KernelDeadlock", corev1.ConditionFalse, "node-problem-detector", "no taint"},
		{"ReadonlyFilesystem", corev1.ConditionFalse, "node-problem-detector", "no taint"},
		{"FrequentKubeletRestart", corev1.ConditionFalse, "node-problem-detector", "no taint"},
		{"FrequentDockerRestart", corev1.ConditionFalse, "node-problem-detector", "no taint"},
		{"FrequentContainerdRestart", corev1.ConditionFalse, "node-problem-detector", "no taint"},
		{"CorruptDockerOverlay2", corev1.ConditionFalse, "node-problem-detector", "no taint"},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			got := LookupCondition(tc.typ)
			if !got.Known || got.Type != tc.typ {
				t.Fatalf("LookupCondition(%q) = {Type: %q, Known: %v}, want a known entry", tc.typ, got.Type, got.Known)
			}
			if got.Healthy != tc.healthy {
				t.Errorf("Healthy = %q, want %q", got.Healthy, tc.healthy)
			}
			if !strings.Contains(got.Meaning, tc.meaningHas) {
				t.Errorf("Meaning %q does not mention %q", got.Meaning, tc.meaningHas)
			}
			if !strings.Contains(got.WhenBad, tc.whenBadHas) {
				t.Errorf("WhenBad %q does not mention %q", got.WhenBad, tc.whenBadHas)
			}
		})
	}
}

func TestLookupConditionUnknown(t *testing.T) {
	tests := []struct {
		typ       corev1.NodeConditionType
		wantTitle string
	}{
		{"VendorDiskProblem", "VendorDiskProblem"},
		{"ready", "ready"}, // condition types are case-sensitive
		{"", "unnamed condition"},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ), func(t *testing.T) {
			got := LookupCondition(tc.typ)
			want := ConditionInfo{
				Type:    tc.typ,
				Title:   tc.wantTitle,
				Healthy: corev1.ConditionFalse,
				Meaning: got.Meaning,
				WhenBad: got.WhenBad,
				Fix:     got.Fix,
				Known:   false,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LookupCondition(%q) (-want +got):\n%s", tc.typ, diff)
			}
			checkCatalogueText(t, "Meaning", got.Meaning, 2)
			checkCatalogueText(t, "WhenBad", got.WhenBad, 2)
			checkCatalogueText(t, "Fix", got.Fix, 1)
		})
	}
}
