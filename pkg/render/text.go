package render

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
)

// Width is the width text output is wrapped to.
const Width = 100

// wrap writes text wrapped at Width, every line indented by indent spaces.
// The text must already be sanitised.
func wrap(b *strings.Builder, indent int, text string) {
	pad := strings.Repeat(" ", indent)
	line := pad
	for _, word := range words(text) {
		if utf8.RuneCountInString(line) > indent && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > Width {
			b.WriteString(strings.TrimRight(line, " "))
			b.WriteByte('\n')
			line = pad
		}
		if utf8.RuneCountInString(line) > indent {
			line += " "
		}
		line += word
	}
	if strings.TrimSpace(line) != "" {
		b.WriteString(line)
		b.WriteByte('\n')
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

// wrapLabelled writes "label text…" with continuation lines aligned under text.
func wrapLabelled(b *strings.Builder, indent int, label, text string) {
	var inner strings.Builder
	wrap(&inner, indent+utf8.RuneCountInString(label), text)
	out := inner.String()
	if len(out) == 0 {
		return
	}
	b.WriteString(strings.Repeat(" ", indent) + label + strings.TrimLeft(out, " "))
}

func writeGaps(b *strings.Builder, gaps []cluster.Gap, c Colour) {
	if len(gaps) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", c.Yellow(c.Bold("NOT READ: this explanation is incomplete")))
	for _, g := range gaps {
		wrapLabelled(b, 2, "- ", fmt.Sprintf("%s: %s (%s)%s.", Sanitize(g.What), strings.TrimSuffix(Sanitize(g.Message), "."), g.Reason, gapHint(g)))
	}
}

// gapHint says what would unlock a read that was refused.
func gapHint(g cluster.Gap) string {
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
	return duration.HumanDuration(now.Sub(t))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
