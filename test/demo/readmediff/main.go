// Command readmediff checks that the demo output pasted into README.md is what
// the demo prints today. It compares the blocks between the
// <!-- demo:ID --> and <!-- /demo:ID --> markers of two files (the README and
// a freshly regenerated copy) after normalising what differs on every run:
// the API server's port, ages and durations, lease holder identities and the
// amount of white space (line wrapping and column widths follow from the
// lengths of those). Words, numbers and their order must match.
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: readmediff README.md REGENERATED.md")
		os.Exit(2)
	}
	committed, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "readmediff:", err)
		os.Exit(2)
	}
	fresh, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "readmediff:", err)
		os.Exit(2)
	}
	problems := Compare(string(committed), string(fresh))
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "readmediff:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "readmediff: the README's demo output is out of date; run `make readme`")
		os.Exit(1)
	}
}

var blockStart = regexp.MustCompile(`<!-- demo:([a-z0-9-]+) -->`)

// Blocks returns the demo blocks of a README by ID, in order of appearance.
func Blocks(text string) (ids []string, blocks map[string]string) {
	blocks = map[string]string{}
	for _, m := range blockStart.FindAllStringSubmatchIndex(text, -1) {
		id := text[m[2]:m[3]]
		rest := text[m[1]:]
		end := strings.Index(rest, "<!-- /demo:"+id+" -->")
		if end < 0 {
			continue
		}
		ids = append(ids, id)
		blocks[id] = rest[:end]
	}
	return ids, blocks
}

var (
	port     = regexp.MustCompile(`(https?://[^\s/:]+):\d+`)
	duration = regexp.MustCompile(`\b(\d+(ms|s|m|h|d|y))+\b`)
	holder   = regexp.MustCompile(`\bleader \S+,`)
	// asOf is a dump's time ("as of 2026-12-07 15:07 UTC").
	asOf = regexp.MustCompile(`\bas of \d{4}-\d\d-\d\d \d\d:\d\d UTC`)
)

// Normalize reduces a block to its words, with run-to-run values replaced.
func Normalize(block string) []string {
	block = port.ReplaceAllString(block, "${1}:PORT")
	block = holder.ReplaceAllString(block, "leader HOLDER,")
	block = asOf.ReplaceAllString(block, "as of TIME")
	block = duration.ReplaceAllString(block, "DURATION")
	return strings.Fields(block)
}

// Compare returns what differs between the demo blocks of two READMEs.
func Compare(committed, fresh string) []string {
	ids, want := Blocks(committed)
	freshIDs, got := Blocks(fresh)
	var problems []string
	if len(ids) == 0 {
		problems = append(problems, "no <!-- demo:ID --> blocks in the README")
	}
	if strings.Join(ids, ",") != strings.Join(freshIDs, ",") {
		problems = append(problems, fmt.Sprintf("demo blocks %v, regenerated %v", ids, freshIDs))
	}
	for _, id := range ids {
		g, ok := got[id]
		if !ok {
			continue
		}
		a, b := Normalize(want[id]), Normalize(g)
		if i := firstDifference(a, b); i >= 0 {
			problems = append(problems, fmt.Sprintf("block %q differs at word %d: README has %q, the demo prints %q",
				id, i+1, context(a, i), context(b, i)))
		}
	}
	return problems
}

func firstDifference(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// context returns a few words around word i.
func context(words []string, i int) string {
	lo, hi := max(0, i-4), min(len(words), i+5)
	if lo >= hi {
		return "(end)"
	}
	return strings.Join(words[lo:hi], " ")
}
