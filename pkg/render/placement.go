package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// pluginColumns are the score table's short headers, by plugin.
var pluginColumns = map[string]string{
	diagnose.PluginTaintToleration:    "TAINTS",
	diagnose.PluginNodeAffinity:       "NODE-AFF",
	diagnose.PluginNodeResourcesFit:   "FIT",
	diagnose.PluginVolumeBinding:      "VOLUMES",
	diagnose.PluginPodTopologySpread:  "SPREAD",
	diagnose.PluginInterPodAffinity:   "POD-AFF",
	diagnose.PluginDynamicResources:   "DEVICES",
	diagnose.PluginBalancedAllocation: "BALANCE",
	diagnose.PluginImageLocality:      "IMAGES",
}

// scoreRows is how many nodes the score table shows besides the pod's own.
const scoreRows = 10

// PlacementText writes why-here for people.
func PlacementText(w io.Writer, p *diagnose.Placement, o TextOptions) error {
	b, c := newPage(o), o.Colour
	where := Sanitize(p.Namespace) + "/" + Sanitize(p.Pod)
	if p.Node == "" {
		fmt.Fprintf(b, "%s is not on a node\n", c.Bold("Pod "+where))
	} else {
		fmt.Fprintf(b, "%s is on %s\n", c.Bold("Pod "+where), Sanitize(p.Node))
	}
	wrap(b, 0, p.Summary)
	for _, n := range p.Notes {
		wrap(b, 0, n)
	}
	if len(p.Decided) > 0 {
		b.WriteString("\nWhat decided it (weighted score differences with the runner-up):\n")
		for _, d := range p.Decided {
			hang(b, "  - ", "    ", d)
		}
	}
	if len(p.Others) > 0 {
		b.WriteString("\nThe other nodes lost most on:\n")
		for _, d := range p.Others {
			hang(b, "  - ", "    ", d)
		}
	}
	if p.Scored && len(p.Scores) > 0 {
		b.WriteByte('\n')
		wrap(b, 0, fmt.Sprintf("Scores by plugin, normalised and weighted as the scheduler adds them (%s; %d of %d nodes pass the filters):", p.Profile, p.Feasible, p.Nodes))
		writeScoreTable(b, p, c)
		if len(p.Tied) > 1 {
			wrap(b, 0, fmt.Sprintf("Tied for the top score: %s.", joinSanitized(p.Tied)))
		}
		if len(p.Plugins) > 0 {
			var legend []string
			for _, pl := range p.Plugins {
				legend = append(legend, fmt.Sprintf("%s %s ×%d", pluginColumns[pl.Name], pl.Name, pl.Weight))
			}
			wrap(b, 0, "Columns: "+strings.Join(legend, ", ")+".")
		}
	}
	if p.FilterSummary != "" {
		b.WriteByte('\n')
		wrap(b, 0, "Filtered out: "+p.FilterSummary)
		shown := p.Filtered
		if len(shown) > scoreRows {
			shown = shown[:scoreRows]
		}
		for _, v := range shown {
			detail := ""
			if len(v.Failures) > 0 {
				detail = v.Failures[0].Detail
			}
			hang(b, "  - "+Sanitize(v.Node)+": ", "    ", detail)
		}
		if more := len(p.Filtered) - len(shown); more > 0 {
			wrap(b, 2, fmt.Sprintf("… and %d more (-o json lists them all)", more))
		}
	}
	for _, cv := range p.Caveats {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Caveat: ", cv)
	}
	writeGaps(b, p.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeScoreTable writes the feasible nodes' scores, highest first: the
// first rows and the pod's own node, marked with *.
func writeScoreTable(b *page, p *diagnose.Placement, c Colour) {
	header := []cell{{text: "NODE"}, {text: "TOTAL"}}
	for _, pl := range p.Plugins {
		header = append(header, cell{text: pluginColumns[pl.Name]})
	}
	rows := [][]cell{header}
	shown := 0
	for i, n := range p.Scores {
		mine := n.Node == p.Node
		if i >= scoreRows && !mine {
			continue
		}
		name := n.Node
		var style func(string) string
		if mine {
			name = "* " + name
			style = c.Bold
		} else {
			name = "  " + name
		}
		row := []cell{{text: name, style: style}, {text: strconv.FormatInt(n.Total, 10), style: style}}
		for _, ps := range n.Plugins {
			row = append(row, cell{text: strconv.FormatInt(ps.Weighted, 10)})
		}
		rows = append(rows, row)
		shown++
	}
	_ = table(b, rows)
	if more := len(p.Scores) - shown; more > 0 {
		wrap(b, 0, fmt.Sprintf("… and %d more feasible nodes (-o json lists them all).", more))
	}
	wrap(b, 0, "* the pod's node.")
}

func joinSanitized(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Sanitize(s)
	}
	return strings.Join(out, ", ")
}
