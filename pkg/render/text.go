package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
)

// Widths of text output, in terminal columns.
const (
	// DefaultWidth is the width text is laid out to when the terminal's is
	// not known.
	DefaultWidth = 100
	// MinWidth is the narrowest layout; a narrower terminal wraps the lines
	// itself.
	MinWidth = 40
	// MaxTextWidth is the widest prose is wrapped to however wide the
	// terminal, since longer lines are hard to read; tables may use the
	// whole width.
	MaxTextWidth = 120
)

// minTextColumn is the narrowest text column left beside a label (node
// names) before the label goes on a line of its own instead.
const minTextColumn = 40

// TextOptions says how text for people is laid out.
type TextOptions struct {
	// Colour styles the text.
	Colour Colour
	// Width is the width of the terminal in columns; 0 means DefaultWidth.
	Width int
	// Explain adds to the overview what the control plane and the worker
	// components are and how the cluster runs them.
	Explain bool
	// Wide shows every node, with more columns, and never shortens a note
	// (-o wide).
	Wide bool
}

// page is text being built for people, and the widths it is laid out to.
type page struct {
	strings.Builder
	// width is what prose wraps at; tableWidth is what a table may fill.
	width, tableWidth int
}

func newPage(o TextOptions) *page {
	w := o.Width
	if w <= 0 {
		w = DefaultWidth
	}
	w = max(w, MinWidth)
	return &page{width: min(w, MaxTextWidth), tableWidth: w}
}

// cells measures how many columns text takes on a terminal: East Asian wide
// characters and emoji take two, combining marks none. Characters of
// ambiguous width take one, as on most terminals, rather than following the
// locale, so that the output does not depend on the environment.
var cells = &runewidth.Condition{StrictEmojiNeutral: true}

// displayWidth returns the columns s takes on a terminal. Colour sequences,
// the only escapes left in sanitised text, take none.
func displayWidth(s string) int {
	if strings.IndexByte(s, 0x1b) < 0 {
		return cells.StringWidth(s)
	}
	var plain strings.Builder
	for len(s) > 0 {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			plain.WriteString(s)
			break
		}
		plain.WriteString(s[:i])
		s = s[i+2:]
		if j := strings.IndexByte(s, 'm'); j >= 0 {
			s = s[j+1:]
		}
	}
	return cells.StringWidth(plain.String())
}

// truncate shortens s to at most width columns, ending it with "…" when cut.
func truncate(s string, width int) string {
	return cells.Truncate(s, width, "…")
}

// wrap writes text wrapped at the page's width, every line indented by
// indent spaces. Like every writer of the page, it sanitises what it writes.
func wrap(b *page, indent int, text string) {
	pad := strings.Repeat(" ", indent)
	hang(b, pad, pad, text)
}

// wrapLabelled writes "label text…" with continuation lines aligned under text.
// The label may hold colour; the caller sanitises what it takes from the
// cluster.
func wrapLabelled(b *page, indent int, label, text string) {
	hang(b, strings.Repeat(" ", indent)+label, strings.Repeat(" ", indent+displayWidth(label)), text)
}

// hang writes text, sanitised, wrapped at the page's width: its first line
// starts with first, the others with rest (the caller's, which may hold
// colour). Words are never broken; one wider than the room left gets a line
// of its own.
func hang(b *page, first, rest, text string) {
	text = Sanitize(text)
	prefix := first
	var line strings.Builder
	used := 0
	for _, word := range words(text) {
		w := displayWidth(word)
		if used > 0 && displayWidth(prefix)+used+1+w > b.width {
			b.WriteString(prefix + line.String() + "\n")
			prefix, used = rest, 0
			line.Reset()
		}
		if used > 0 {
			line.WriteByte(' ')
			used++
		}
		line.WriteString(word)
		used += w
	}
	if used > 0 {
		b.WriteString(prefix + line.String() + "\n")
	}
}

// words splits text at spaces, keeping `quoted commands` whole so that they
// can be copied from the terminal in one piece.
func words(text string) []string {
	var out []string
	fields := strings.Fields(text)
	for i := 0; i < len(fields); i++ {
		w := fields[i]
		if strings.Count(w, "`")%2 == 1 {
			for i+1 < len(fields) {
				i++
				w += " " + fields[i]
				if strings.Count(fields[i], "`")%2 == 1 {
					break
				}
			}
		}
		out = append(out, w)
	}
	return out
}

func writeGaps(b *page, gaps []v1alpha1.Gap, c Colour) {
	if len(gaps) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", c.Yellow(c.Bold("NOT READ: this explanation is incomplete")))
	for _, g := range gaps {
		wrapLabelled(b, 2, "- ", fmt.Sprintf("%s: %s (%s)%s.", Sanitize(g.What), strings.TrimSuffix(Sanitize(g.Message), "."), g.Reason, gapHint(g)))
	}
}

// gapHint says what would unlock a read that was refused.
func gapHint(g v1alpha1.Gap) string {
	switch g.Reason {
	case "Forbidden":
		return ". The user you act as may not read it; the roles in deploy/rbac.yaml (kubectl-explain-nodes) grant exactly the reads this tool makes"
	case "Timeout", "TooManyRequests", "ServerError":
		return ". The API server was busy or slow; try again"
	}
	return ""
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	// A time ahead of now (the clocks of the node and of this machine
	// differ) reads as now rather than as kubectl's "<invalid>".
	return duration.HumanDuration(max(now.Sub(t), 0))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
