package diagnose

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// wordingsTSV is every wording the scheduler has printed in its messages,
// with the releases that printed it; build/schedreasons fills the releases
// from the k8s.io/kubernetes module of each release.
//
//go:embed wordings.tsv
var wordingsTSV string

// The kinds of wording.
const (
	wordingFrame      = "frame"
	wordingReason     = "reason"
	wordingPredicate  = "predicate"
	wordingPreemption = "preemption"
)

// wording is one row of wordings.tsv: a text the scheduler printed, what
// today's scheduler prints for the same check, and the releases that
// printed it.
type wording struct {
	kind, text, now, plugin, releases string
	// pattern matches the text when it holds format verbs.
	pattern *regexp.Regexp
}

// current says whether today's scheduler still prints the wording.
func (w *wording) current() bool { return w.now == w.text }

// Wordings indexed by exact text, and those with format verbs in order.
var wordingsByText, wordingPatterns = loadWordings(wordingsTSV)

// verbRE matches a format verb of a Go format string.
var verbRE = regexp.MustCompile(`%[-+# 0-9.]*[vsdq]`)

func loadWordings(tsv string) (map[string]*wording, []*wording) {
	byText := map[string]*wording{}
	var patterns []*wording
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 5 {
			panic(fmt.Sprintf("wordings.tsv line %d: %d columns, want 5", n+1, len(f)))
		}
		w := &wording{kind: f[0], text: f[1], now: f[2], plugin: f[3], releases: f[4]}
		if verbRE.MatchString(w.text) {
			parts := verbRE.Split(w.text, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			w.pattern = regexp.MustCompile("^" + strings.Join(parts, "(.*?)") + "$")
			patterns = append(patterns, w)
		}
		if _, dup := byText[w.text]; !dup {
			byText[w.text] = w
		}
	}
	return byText, patterns
}

// lookupWording finds the row of a reason as printed, of the given kinds.
func lookupWording(text string, kinds ...string) *wording {
	ok := func(w *wording) bool {
		for _, k := range kinds {
			if w.kind == k {
				return true
			}
		}
		return len(kinds) == 0
	}
	if w, found := wordingsByText[text]; found && ok(w) {
		return w
	}
	for _, w := range wordingPatterns {
		if ok(w) && w.pattern.MatchString(text) {
			return w
		}
	}
	return nil
}

// ReleasesText words a releases span: "1.10-1.19" as "Kubernetes 1.10 to
// 1.19", "1.35-" as "Kubernetes 1.35 and later".
func ReleasesText(r string) string {
	var spans []string
	for _, span := range strings.Split(r, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(span), "-")
		switch {
		case from == "":
		case !isRange || from == to:
			spans = append(spans, from)
		case to == "":
			spans = append(spans, from+" and later")
		default:
			spans = append(spans, from+" to "+to)
		}
	}
	return "Kubernetes " + strings.Join(spans, ", ")
}
