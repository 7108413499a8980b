package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// ReportText writes a cluster report for people.
func ReportText(w io.Writer, r *explain.Report, c Colour) error {
	var b strings.Builder
	version := ""
	if r.ServerVersion != "" {
		version = " (Kubernetes " + Sanitize(r.ServerVersion) + ")"
	}
	fmt.Fprintf(&b, "%s%s: %s\n", c.Bold("Cluster at "+Sanitize(r.Server)), version, nodeCounts(r.Nodes))

	if len(r.Nodes) > 0 {
		b.WriteByte('\n')
		rows := [][]cell{{{text: "NAME"}, {text: "ROLE"}, {text: "STATUS"}, {text: "AGE"}, {text: "KUBELET"}}}
		for _, n := range r.Nodes {
			rows = append(rows, []cell{
				{text: Sanitize(n.Name)},
				{text: Sanitize(strings.Join(n.Roles, ","))},
				statusCell(n, c),
				{text: age(n.CreatedAt, r.GeneratedAt)},
				{text: orDash(Sanitize(n.KubeletVersion))},
			})
		}
		if err := table(&b, rows); err != nil {
			return err
		}
	}

	for _, n := range r.Nodes {
		if n.Readiness == explain.Ready {
			continue
		}
		b.WriteByte('\n')
		why := ""
		if n.ReadyMessage != "" {
			why = ": " + Sanitize(n.ReadyMessage)
		} else if n.ReadyReason != "" {
			why = ": " + Sanitize(n.ReadyReason)
		}
		fmt.Fprintf(&b, "%s is %s%s\n", Sanitize(n.Name), n.Readiness, why)
	}
	writeGaps(&b, r.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

func nodeCounts(nodes []explain.Node) string {
	if len(nodes) == 0 {
		return "no nodes"
	}
	counts := map[explain.Readiness]int{}
	cordoned := 0
	for _, n := range nodes {
		counts[n.Readiness]++
		if n.Cordoned {
			cordoned++
		}
	}
	parts := []string{}
	for _, s := range []explain.Readiness{explain.Ready, explain.NotReady, explain.Unknown} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if cordoned > 0 {
		parts = append(parts, fmt.Sprintf("%d cordoned", cordoned))
	}
	return fmt.Sprintf("%s, %s", plural(len(nodes), "node"), strings.Join(parts, ", "))
}

func statusCell(n explain.Node, c Colour) cell {
	text := string(n.Readiness)
	if n.Cordoned {
		text += ",cordoned"
	}
	style := c.Green
	switch {
	case n.Readiness == explain.NotReady:
		style = c.Red
	case n.Readiness == explain.Unknown || n.Cordoned:
		style = c.Yellow
	}
	return cell{text: text, style: style}
}

func writeGaps(b *strings.Builder, gaps []cluster.Gap, c Colour) {
	if len(gaps) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", c.Yellow("Not everything could be read, so this explanation is incomplete:"))
	for _, g := range gaps {
		fmt.Fprintf(b, "  - %s: %s (%s)\n", Sanitize(g.What), Sanitize(g.Message), g.Reason)
	}
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
