package explain

import (
	"slices"
	"strings"
	"testing"
	"unicode"

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
			if !slices.Contains([]TaintPurpose{PurposeReserve, PurposeSetUp, PurposeRemoval, PurposeState}, e.Purpose) {
				t.Errorf("Purpose %q is not one of the known purposes", e.Purpose)
			}
			checkCatalogueText(t, "Meaning", e.Meaning, 2)
			if e.NoExecute != "" {
				checkCatalogueText(t, "NoExecute", e.NoExecute, 1)
			}
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
		key    string
		effect corev1.TaintEffect
		want   []string // words the meaning for the effect must contain
		not    []string // words it must not contain
	}{
		{corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute, []string{"300", "DefaultTolerationSeconds"}, nil},
		{corev1.TaintNodeNotReady, corev1.TaintEffectNoSchedule, []string{"Ready condition is False"}, []string{"300", "evicted"}},
		{corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute, []string{"300", "DefaultTolerationSeconds", "stay Terminating"}, nil},
		{corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule, []string{"50 seconds by default"}, []string{"tolerationSeconds", "evicted"}},
		{corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule, []string{"garbage-collects", "evicts"}, nil},
		{corev1.TaintNodeOutOfService, corev1.TaintEffectNoExecute, []string{"non-graceful", "force-deleted", "detached", "evicted"}, nil},
		{corev1.TaintNodeOutOfService, corev1.TaintEffectNoSchedule, []string{"non-graceful", "force-deleted", "detached"}, []string{"evicted"}},
		{corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule, []string{"cordoned"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.key+":"+string(tc.effect), func(t *testing.T) {
			got := LookupTaint(tc.key).MeaningFor(tc.effect)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("meaning %q does not mention %q", got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("meaning %q mentions %q", got, w)
				}
			}
		})
	}
}

// effectClaims are phrases that are true of some effects only: a taint's
// text for any other effect must not contain them.
var effectClaims = []struct {
	phrase string
	onlyOf []corev1.TaintEffect
}{
	// Placement refused outright: not with PreferNoSchedule.
	{"not placed", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"kept off", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"stay off", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"keeps new pods off", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"no new pods", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"only pods", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	{"pods wait", []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute}},
	// Running pods evicted because of the taint: NoExecute only. (The
	// kubelet's own evictions under pressure are another matter, and are
	// worded "evicts pods".)
	{"tolerationseconds", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"are evicted", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"evicted after", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"evicted first", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"evicts running pods", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"running pods without", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	{"running pods that do not tolerate", []corev1.TaintEffect{corev1.TaintEffectNoExecute}},
	// Running pods left alone: not with NoExecute.
	{"does not evict", []corev1.TaintEffect{corev1.TaintEffectNoSchedule}},
	{"running there stay", []corev1.TaintEffect{corev1.TaintEffectNoSchedule}},
	{"are not evicted", []corev1.TaintEffect{corev1.TaintEffectNoSchedule}},
	// A soft preference: PreferNoSchedule only.
	{"avoids", []corev1.TaintEffect{corev1.TaintEffectPreferNoSchedule}},
	{"never blocks", []corev1.TaintEffect{corev1.TaintEffectPreferNoSchedule}},
	{"soft hint", []corev1.TaintEffect{corev1.TaintEffectPreferNoSchedule}},
	{"can still land", []corev1.TaintEffect{corev1.TaintEffectPreferNoSchedule}},
	// Text that hedges on the effect instead of knowing it.
	{"if its effect", nil},
	{"effect is", nil},
}

var effects = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}

// Every taint's text is composed from the effect it has: walked over every
// catalogue entry, some keys the catalogue does not know, and every effect,
// the text never claims what only another effect does.
func TestTaintTextsAgreeWithTheirEffect(t *testing.T) {
	keys := []string{"example.com/team", "example.com/dedicated", "acme.io/gpu-only", "acme.io/spot", "node.kubernetes.io/something-new", "team"}
	for _, e := range taintCatalogue {
		key := e.Key
		if e.Prefix {
			key += "something-else"
		}
		keys = append(keys, key)
	}
	for _, key := range keys {
		for _, effect := range effects {
			t.Run(key+":"+string(effect), func(t *testing.T) {
				info := LookupTaint(key)
				text := joinSentences(info.MeaningFor(effect), EffectMeaning(effect))
				lower := strings.ToLower(text)
				for _, c := range effectClaims {
					if strings.Contains(lower, c.phrase) && !slices.Contains(c.onlyOf, effect) {
						t.Errorf("the text for %s says %q, which holds only for %v:\n%s", effect, c.phrase, c.onlyOf, text)
					}
				}
				// Naming another effect is a sign of text written for it.
				for _, other := range effects {
					if other != effect && containsWord(text, string(other)) {
						t.Errorf("the text for %s names the effect %s:\n%s", effect, other, text)
					}
				}
				if effect == corev1.TaintEffectNoExecute && !strings.Contains(lower, "evicted") {
					t.Errorf("the text for NoExecute does not say running pods are evicted:\n%s", text)
				}
				if effect == corev1.TaintEffectNoSchedule && !strings.Contains(lower, "does not evict") {
					t.Errorf("the text for NoSchedule does not say running pods stay:\n%s", text)
				}
				if effect == corev1.TaintEffectPreferNoSchedule && !strings.Contains(lower, "avoids") {
					t.Errorf("the text for PreferNoSchedule does not say the scheduler only avoids the node:\n%s", text)
				}
				checkCatalogueText(t, "the meaning for "+string(effect), info.MeaningFor(effect), 3)
			})
		}
	}
}

// The contradiction check catches the texts it was written for.
func TestEffectClaimsCatchContradictions(t *testing.T) {
	bad := []struct {
		effect corev1.TaintEffect
		text   string
	}{
		{corev1.TaintEffectPreferNoSchedule, "Pods without a matching toleration are kept off the node, or evicted if its effect is NoExecute."},
		{corev1.TaintEffectNoSchedule, "Running pods without a matching toleration are evicted after their tolerationSeconds. New pods without a matching toleration are not placed on the node; pods already running there stay."},
		{corev1.TaintEffectNoExecute, "No new pods are placed there; pods already running there stay."},
	}
	for _, tc := range bad {
		lower := strings.ToLower(tc.text)
		caught := false
		for _, c := range effectClaims {
			if strings.Contains(lower, c.phrase) && !slices.Contains(c.onlyOf, tc.effect) {
				caught = true
			}
		}
		if !caught {
			t.Errorf("not caught as contradicting %s: %q", tc.effect, tc.text)
		}
	}
}

// containsWord reports whether s holds word with no letter on either side.
func containsWord(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !unicode.IsLetter(rune(s[j-1]))
		end := j + len(word)
		after := end == len(s) || !unicode.IsLetter(rune(s[end]))
		if before && after {
			return true
		}
		i = j + 1
	}
}

func TestSetByFollowsTheProvider(t *testing.T) {
	gpu := LookupTaint("nvidia.com/gpu")
	if got := gpu.SetByFor("EKS"); strings.Contains(got, "GKE") {
		t.Errorf("on EKS the GPU taint is said to be set by %q", got)
	}
	if got := gpu.SetByFor(""); strings.Contains(got, "GKE") {
		t.Errorf("on an unknown provider the GPU taint is said to be set by %q", got)
	}
	if got := gpu.SetByFor("GKE"); !strings.Contains(got, "GKE") {
		t.Errorf("on GKE the GPU taint is said to be set by %q", got)
	}
	for _, e := range taintCatalogue {
		for provider, setBy := range e.SetByOn {
			if !strings.Contains(setBy, provider) {
				t.Errorf("%s: SetByOn[%s] = %q does not name the provider", e.Key, provider, setBy)
			}
		}
		if e.SetBy != "" && e.SetByOn != nil {
			for _, name := range []string{"GKE", "EKS", "AKS"} {
				if strings.Contains(e.SetBy, name) {
					t.Errorf("%s: the generic SetBy %q names %s", e.Key, e.SetBy, name)
				}
			}
		}
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
		{corev1.TaintEffectNoSchedule, []string{"not placed", "does not evict"}},
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
