package render

import (
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// maxNamesPerGroup is how many node names a group of nodes with the same
// verdict shows before "and N more".
const maxNamesPerGroup = 3

// DiagnosisText writes a why-pending diagnosis for people.
func DiagnosisText(w io.Writer, d *diagnose.Diagnosis, c Colour) error {
	var b strings.Builder
	where := Sanitize(d.Namespace) + "/" + Sanitize(d.Pod)
	state := ""
	if string(d.State) != d.Phase {
		state = " (" + string(d.State) + ")"
	}
	fmt.Fprintf(&b, "%s is %s%s\n", c.Bold("Pod "+where), orDash(Sanitize(d.Phase)), state)
	fmt.Fprintf(&b, "%s\n", Sanitize(d.Summary))

	if s := d.Scheduler; s != nil {
		ago := ""
		if !s.At.IsZero() {
			ago = ", " + duration.HumanDuration(d.GeneratedAt.Sub(s.At)) + " ago"
		}
		fmt.Fprintf(&b, "\nThe scheduler said (%s%s):\n  %s\n", s.Source, ago, Sanitize(s.Message))
	}
	if d.ComputedMessage != "" || len(d.Nodes) > 0 {
		computed := d.ComputedMessage
		if computed == "" {
			computed = "at least one node fits the pod."
		}
		fmt.Fprintf(&b, "\nChecked node by node, this tool finds:\n  %s\n", Sanitize(computed))
		if d.Agrees != nil {
			if *d.Agrees {
				fmt.Fprintf(&b, "  %s\n", c.Green("This agrees with the scheduler."))
			} else {
				fmt.Fprintf(&b, "  %s %s.\n", c.Yellow("This differs from the scheduler's message:"), Sanitize(d.Disagreement))
			}
		}
	}
	if len(d.Nodes) > 0 {
		b.WriteString("\nNode by node (the scheduler stops at the first failed check; \"also\" lines are further obstacles):\n")
		writeVerdicts(&b, d.Nodes, c)
	}
	if len(d.Problems) > 0 {
		b.WriteString("\nWhat holds it up:\n")
		for _, p := range d.Problems {
			head := Sanitize(p.Source) + ": " + Sanitize(p.Reason)
			if p.Message != "" {
				head += ": " + Sanitize(p.Message)
			}
			wrapLabelled(&b, 2, "- ", head)
			wrap(&b, 4, Sanitize(p.Meaning))
			if p.Fix != "" {
				wrapLabelled(&b, 4, "What to do: ", Sanitize(p.Fix))
			}
		}
	}
	if len(d.Fixes) > 0 {
		b.WriteString("\nWhat would help:\n")
		for i, f := range d.Fixes {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, Sanitize(f))
		}
	}
	writeGaps(&b, d.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeVerdicts prints the verdicts, nodes with the same failures grouped.
func writeVerdicts(b *strings.Builder, verdicts []diagnose.NodeVerdict, c Colour) {
	type group struct {
		names []string
		v     diagnose.NodeVerdict
	}
	var groups []*group
	index := map[string]*group{}
	for _, v := range verdicts {
		key := fmt.Sprint(v.Fits, v.Failures)
		g, ok := index[key]
		if !ok {
			g = &group{v: v}
			index[key] = g
			groups = append(groups, g)
		}
		g.names = append(g.names, Sanitize(v.Node))
	}
	labels := make([]string, len(groups))
	width := 0
	for i, g := range groups {
		labels[i] = nameList(g.names)
		width = max(width, len([]rune(labels[i])))
	}
	for i, g := range groups {
		pad := strings.Repeat(" ", width-len([]rune(labels[i])))
		if g.v.Fits {
			fmt.Fprintf(b, "  %s%s  %s\n", labels[i], pad, c.Green("fits"))
			continue
		}
		for j, f := range g.v.Failures {
			label := labels[i] + pad
			if j > 0 {
				label = strings.Repeat(" ", width)
			}
			prefix := ""
			if j > 0 {
				prefix = "also "
			}
			fmt.Fprintf(b, "  %s  %s%s: %s\n", label, prefix, c.Red(f.Plugin), Sanitize(f.Detail))
		}
	}
}

func nameList(names []string) string {
	if len(names) <= maxNamesPerGroup {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamesPerGroup], ", "), len(names)-maxNamesPerGroup)
}
