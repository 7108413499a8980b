package diagnose

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// corpusMessage is one row of testdata/corpus/messages.tsv: a real message
// from a public source.
type corpusMessage struct {
	era, kind, message, source string
	line                       int
}

func readMessageCorpus(t *testing.T) []corpusMessage {
	t.Helper()
	f, err := os.Open("testdata/corpus/messages.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			t.Fatalf("messages.tsv line %d: %d columns, want 4", n, len(c))
		}
		msg := strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(c[2])
		out = append(out, corpusMessage{era: c[0], kind: c[1], message: msg, source: c[3], line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every message of the corpus is recognised, and every reason in it is
// explained: none is called unknown.
func TestCorpusMessagesExplained(t *testing.T) {
	for _, c := range readMessageCorpus(t) {
		e := ExplainMessage(c.message)
		if !e.Recognised {
			t.Errorf("line %d (%s): not recognised: %q", c.line, c.source, c.message)
			continue
		}
		for _, r := range e.Reasons {
			if strings.HasPrefix(r.Meaning, "A reason this tool does not know") || r.Meaning == "" {
				t.Errorf("line %d (%s): reason %q unexplained in %q", c.line, c.source, r.Reason, c.message)
			}
		}
		for _, u := range e.Unrecognised {
			t.Errorf("line %d (%s): text not understood %q in %q", c.line, c.source, u, c.message)
		}
	}
}

// Every reason of the scheduler table is a wording today's scheduler prints,
// as wordings.tsv (read from the source of each release) records it.
func TestWordingsCoverReasonTable(t *testing.T) {
	for _, r := range reasonTable {
		if r.reason == ReasonGated {
			// The PodScheduled condition's message for a gated pod, never
			// a FailedScheduling message's reason.
			continue
		}
		w := lookupWording(r.reason, wordingReason, wordingFrame)
		if w == nil {
			t.Errorf("reason %q is not in wordings.tsv", r.reason)
			continue
		}
		if !w.current() {
			t.Errorf("reason %q: wordings.tsv says today's scheduler prints %q instead (releases %s)", r.reason, w.now, w.releases)
		}
		for _, l := range r.legacy {
			if w := lookupWording(l, wordingReason); w == nil || w.now != r.reason {
				t.Errorf("legacy wording %q of %q: wordings.tsv has %+v", l, r.reason, w)
			}
		}
	}
}

// Every wording of wordings.tsv, of any release, is explained: none is
// called unknown, and a check that is gone says what took its place.
func TestEveryWordingExplained(t *testing.T) {
	for text, w := range wordingsByText {
		if w.kind != wordingReason && w.kind != wordingPredicate {
			continue
		}
		r := explainReason(text, 1)
		switch {
		case strings.HasPrefix(r.Meaning, "A reason this tool does not know"):
			t.Errorf("%s %q (%s) is called unknown", w.kind, text, w.releases)
		case w.now == "" && strings.HasPrefix(r.Meaning, "A check of older schedulers"):
			t.Logf("%s %q (%s): only the generic words for a retired check", w.kind, text, w.releases)
		}
	}
}
