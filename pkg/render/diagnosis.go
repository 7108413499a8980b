package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
)

// maxNamesPerGroup is how many node names a group of nodes with the same
// verdict shows before "and N more".
const maxNamesPerGroup = 3

// DiagnosisText writes a why-pending diagnosis for people.
func DiagnosisText(w io.Writer, d *diagnose.Diagnosis, o TextOptions) error {
	b, c := newPage(o), o.Colour
	where := Sanitize(d.Namespace) + "/" + Sanitize(d.Pod)
	state := ""
	if string(d.State) != d.Phase {
		state = " (" + string(d.State) + ")"
	}
	fmt.Fprintf(b, "%s is %s%s\n", c.Bold("Pod "+where), orDash(Sanitize(d.Phase)), state)
	wrap(b, 0, d.Summary)
	writeMessages(b, d, c)
	for _, cv := range d.Caveats {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Caveat: ", cv)
	}
	if len(d.Nodes) > 0 {
		b.WriteByte('\n')
		wrap(b, 0, "Node by node (the scheduler stops at the first failed check; \"also\" lines are further obstacles):")
		writeVerdicts(b, d.Nodes, c)
	}
	writeProblems(b, d.Problems)
	writeHelp(b, d)
	writeGaps(b, d.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMessages writes the scheduler's message, the one this tool counts,
// whether they agree, and the scheduler's reasons explained when the nodes
// could not be read.
func writeMessages(b *page, d *diagnose.Diagnosis, c Colour) {
	if s := d.Scheduler; s != nil {
		ago := ""
		if !s.At.IsZero() {
			ago = ", " + duration.HumanDuration(d.GeneratedAt.Sub(s.At)) + " ago"
		}
		fmt.Fprintf(b, "\nThe scheduler said (%s%s):\n", s.Source, ago)
		wrap(b, 2, s.Message)
	}
	if d.ComputedMessage != "" || len(d.Nodes) > 0 {
		computed := d.ComputedMessage
		if computed == "" {
			computed = "at least one node fits the pod."
		}
		b.WriteString("\nChecked node by node, this tool finds:\n")
		wrap(b, 2, computed)
		if d.Agrees != nil {
			if *d.Agrees {
				fmt.Fprintf(b, "  %s\n", c.Green("This agrees with the scheduler."))
			} else {
				fmt.Fprintf(b, "  %s\n", c.Yellow("This differs from the scheduler's message:"))
				wrap(b, 4, d.Disagreement+".")
			}
		}
	}
	if a := d.Autoscaling; a != nil {
		writeAutoscaling(b, a, d.GeneratedAt)
	}
	if len(d.MessageReasons) > 0 {
		b.WriteString("\nThe scheduler's reasons, explained:\n")
		for _, r := range d.MessageReasons {
			head := r.Reason
			if r.Count > 0 {
				head = phrase.Plural(r.Count, "node") + ": " + head
			}
			wrapLabelled(b, 2, "- ", head)
			wrap(b, 4, r.Meaning)
			wrapLabelled(b, 4, "What to do: ", r.Fix)
		}
	}
}

// writeProblems writes what keeps a pod bound to a node from running.
func writeProblems(b *page, problems []diagnose.Problem) {
	if len(problems) == 0 {
		return
	}
	b.WriteString("\nWhat holds it up:\n")
	for _, p := range problems {
		head := p.Source + ": " + p.Reason
		if p.Message != "" {
			head += ": " + p.Message
		}
		wrapLabelled(b, 2, "- ", head)
		wrap(b, 4, p.Meaning)
		if p.Fix != "" {
			wrapLabelled(b, 4, "What to do: ", p.Fix)
		}
	}
}

// writeHelp writes the fixes, the tolerations to paste and the word on
// preemption.
func writeHelp(b *page, d *diagnose.Diagnosis) {
	if len(d.Fixes) > 0 {
		b.WriteString("\nWhat would help:\n")
		for i, f := range d.Fixes {
			wrapLabelled(b, 2, fmt.Sprintf("%d. ", i+1), f)
		}
	}
	if d.Likely != nil {
		b.WriteByte('\n')
		wrap(b, 0, d.Likely.Text)
	}
	if d.Tolerations != "" {
		b.WriteByte('\n')
		wrap(b, 0, "To tolerate the taints that block nodes, add under the pod's spec (pod template):")
		for _, line := range strings.Split(strings.TrimRight(d.Tolerations, "\n"), "\n") {
			b.WriteString("    " + Sanitize(line) + "\n")
		}
	}
	if d.Preemption != "" {
		b.WriteByte('\n')
		wrap(b, 0, d.Preemption)
	}
}

// writeVerdicts prints the verdicts, nodes with the same failures grouped.
// The groups' labels (node names) form a column beside the failures while
// that leaves the text a readable width; otherwise each label gets lines of
// its own, with its failures indented below it.
func writeVerdicts(b *page, verdicts []diagnose.NodeVerdict, c Colour) {
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
		labels[i] = phrase.List(g.names, maxNamesPerGroup, ", ")
		width = max(width, displayWidth(labels[i]))
	}
	beside := b.width-(2+width+2) >= minTextColumn
	indent := 4
	if beside {
		indent = 2 + width + 2
	}
	pad := strings.Repeat(" ", indent)
	for i, g := range groups {
		first := pad
		if beside {
			first = "  " + labels[i] + strings.Repeat(" ", width-displayWidth(labels[i])) + "  "
		} else {
			wrap(b, 2, labels[i])
		}
		if g.v.Fits {
			b.WriteString(first + c.Green("fits") + "\n")
			continue
		}
		for j, f := range g.v.Failures {
			label := c.Red(f.Plugin) + ": "
			if j > 0 {
				label = "also " + label
				first = pad
			}
			detail := Sanitize(f.Detail)
			if strings.TrimSpace(detail) == "" {
				detail = "-"
			}
			hang(b, first+label, strings.Repeat(" ", indent+displayWidth(label)), detail)
		}
	}
}

// componentName names a component that writes messages, for a heading.
func componentName(c string) string {
	switch c {
	case diagnose.ComponentClusterAutoscaler:
		return "The cluster autoscaler"
	case diagnose.ComponentKarpenter:
		return "Karpenter"
	case "", "kube-scheduler":
		return "The scheduler"
	}
	return Sanitize(c)
}

// writeAutoscaling writes a node autoscaler's word on a pod: what it said,
// what that means, and its reasons, counted in node groups.
func writeAutoscaling(b *page, a *diagnose.Autoscaling, now time.Time) {
	ago := ""
	if !a.At.IsZero() {
		ago = ", " + duration.HumanDuration(now.Sub(a.At)) + " ago"
	}
	fmt.Fprintf(b, "\n%s said (%s%s):\n", componentName(a.Component), Sanitize(a.Reason), ago)
	wrap(b, 2, a.Message)
	wrap(b, 2, a.Meaning)
	writeReasons(b, a.Reasons, "node group", 2)
	if a.Fix != "" {
		wrapLabelled(b, 2, "What to do: ", a.Fix)
	}
}

// writeReasons writes explained reasons, each counted in unit when it has
// a count.
func writeReasons(b *page, rs []diagnose.ReasonExplained, unit string, indent int) {
	for _, r := range rs {
		head := Sanitize(r.Reason)
		if r.Count > 0 && unit != "" {
			head = fmt.Sprintf("%s: %s", phrase.Plural(r.Count, unit), head)
		}
		if r.Plugin != "" {
			head += " (" + r.Plugin + ")"
		}
		b.WriteByte('\n')
		wrapLabelled(b, indent, "- ", head)
		switch {
		case r.Now != "":
			wrap(b, indent+2, "An older wording, printed by "+diagnose.ReleasesText(r.Releases)+"; today's scheduler says \""+r.Now+"\".")
		case r.Releases != "":
			wrap(b, indent+2, "An older wording, printed by "+diagnose.ReleasesText(r.Releases)+"; today's scheduler has no one wording for it (what it does instead follows).")
		}
		wrap(b, indent+2, r.Meaning)
		wrapLabelled(b, indent+2, "What to do: ", r.Fix)
	}
}

// MessageText writes an explained scheduler or autoscaler message for
// people.
func MessageText(w io.Writer, e *diagnose.MessageExplanation, o TextOptions) error {
	b, c := newPage(o), o.Colour
	if !e.Recognised {
		wrap(b, 0, "Not a scheduler message this tool recognises: "+e.Message)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if a := e.Autoscaling; a != nil {
		fmt.Fprintf(b, "%s\n", c.Bold(componentName(a.Component)+" said ("+Sanitize(a.Reason)+"):"))
		wrap(b, 2, a.Meaning)
		unit := ""
		if e.CountsOf == "node groups" {
			unit = "node group"
		}
		writeReasons(b, a.Reasons, unit, 2)
		if a.Fix != "" {
			b.WriteByte('\n')
			wrapLabelled(b, 0, "What to do: ", a.Fix)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if e.Nodes > 0 {
		fmt.Fprintf(b, "%s\n", c.Bold(fmt.Sprintf("The scheduler looked at %s and none could take the pod:", phrase.Plural(e.Nodes, "node"))))
	} else {
		fmt.Fprintf(b, "%s\n", c.Bold("The scheduler could not place the pod:"))
	}
	if e.Releases != "" {
		wrap(b, 0, "The message is laid out as the scheduler of "+diagnose.ReleasesText(e.Releases)+" printed it.")
	}
	unit := "node"
	if e.Nodes == 0 && !strings.Contains(e.Message, "(") {
		unit = ""
	}
	writeReasons(b, e.Reasons, unit, 0)
	if e.Cut != "" {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Note: ", e.Cut)
	}
	if e.CountMismatch != "" {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Note: ", e.CountMismatch)
	}
	for _, n := range e.Notes {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Note \""+n.Text+"\": ", n.Meaning)
		if n.Releases != "" {
			wrap(b, 2, "Printed by "+diagnose.ReleasesText(n.Releases)+".")
		}
	}
	if e.Preemption != "" {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Preemption: ", e.Preemption)
		wrap(b, 2, e.PreemptionMeaning)
	}
	for _, u := range e.Unrecognised {
		b.WriteByte('\n')
		wrapLabelled(b, 0, "Not understood: ", u)
		wrap(b, 2, "The message goes on with text this tool does not recognise (a note from another plugin, an extender or a newer Kubernetes); it is left unexplained.")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PendingListText writes the Pending pods grouped by cause.
func PendingListText(w io.Writer, l *diagnose.PendingList, o TextOptions) error {
	b, c := newPage(o), o.Colour
	where := "in namespace " + Sanitize(l.Namespace)
	if l.Namespace == "" {
		where = "in all namespaces"
	}
	if l.Pods == 0 {
		fmt.Fprintf(b, "No Pending pods %s.\n", where)
		writeCreateFailures(b, l.CreateFailures, c)
		writeGaps(b, l.Unread, c)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(b, "%s\n", c.Bold(fmt.Sprintf("%s Pending %s, by cause:", phrase.Plural(l.Pods, "pod"), where)))
	for _, g := range l.Groups {
		b.WriteByte('\n')
		wrapLabelled(b, 0, fmt.Sprintf("%s: ", phrase.Plural(len(g.Pods), "pod")), g.Cause)
		names := make([]string, len(g.Pods))
		for i, p := range g.Pods {
			names[i] = Sanitize(p)
		}
		shown := names
		if len(shown) > 10 {
			shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
		}
		wrap(b, 2, strings.Join(shown, ", "))
		if g.Fix != "" {
			wrapLabelled(b, 2, "First fix: ", g.Fix)
		}
		writePodFixes(b, g.PodFixes)
	}
	writeCreateFailures(b, l.CreateFailures, c)
	b.WriteByte('\n')
	wrap(b, 0, "`kubectl explain-nodes why-pending POD -n NAMESPACE` explains one pod node by node.")
	writeGaps(b, l.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCreateFailures lists the controllers that could not create pods.
func writeCreateFailures(b *page, fs []diagnose.CreateFailure, c Colour) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", c.Bold("Controllers that could not create their pods (they have none pending):"))
	for _, f := range fs {
		who := Sanitize(f.Controller)
		if f.Object != f.Controller {
			who += " (" + Sanitize(f.Object) + ")"
		}
		wrapLabelled(b, 2, "- ", fmt.Sprintf("%s in namespace %s, %s: %s", who, f.Namespace, diagnose.TimesText(f.Count), f.Message))
		wrap(b, 4, f.Meaning)
		wrapLabelled(b, 4, "What to do: ", f.Fix+".")
	}
	b.WriteString("\n")
	wrap(b, 0, "`kubectl explain-nodes why-pending KIND/NAME -n NAMESPACE` explains one controller and its pods.")
}

// ControllerText writes a controller's diagnosis for people.
func ControllerText(w io.Writer, d *diagnose.ControllerDiagnosis, o TextOptions) error {
	b, c := newPage(o), o.Colour
	fmt.Fprintf(b, "%s in namespace %s: %d wanted, %d exist, %d running\n", c.Bold(Sanitize(d.Controller)), Sanitize(d.Namespace), d.Desired, d.Pods, d.Running)
	wrap(b, 0, d.Summary)
	if len(d.CreateFailures) > 0 {
		b.WriteString("\nWhy pods could not be created:\n")
		for _, f := range d.CreateFailures {
			wrapLabelled(b, 2, "- ", fmt.Sprintf("%s, %s: %s", f.Object, diagnose.TimesText(f.Count), f.Message))
			wrap(b, 4, f.Meaning)
			wrapLabelled(b, 4, "What to do: ", f.Fix+".")
		}
	}
	if l := d.Waiting; l != nil && l.Pods > 0 {
		fmt.Fprintf(b, "\n%s\n", c.Bold(fmt.Sprintf("%s not running, by cause:", phrase.Plural(l.Pods, "pod"))))
		for _, g := range l.Groups {
			b.WriteByte('\n')
			wrapLabelled(b, 0, fmt.Sprintf("%s: ", phrase.Plural(len(g.Pods), "pod")), g.Cause)
			wrap(b, 2, strings.Join(g.Pods, ", "))
			if g.Fix != "" {
				wrapLabelled(b, 2, "First fix: ", g.Fix)
			}
			writePodFixes(b, g.PodFixes)
		}
		b.WriteByte('\n')
		wrap(b, 0, "`kubectl explain-nodes why-pending POD -n NAMESPACE` explains one pod node by node.")
	}
	writeGaps(b, d.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writePodFixes lists the first fixes of a group's pods, pods with the same
// fix together.
func writePodFixes(b *page, fixes []diagnose.PodFix) {
	if len(fixes) == 0 {
		return
	}
	b.WriteString("  First fix, pod by pod:\n")
	var order []string
	pods := map[string][]string{}
	for _, f := range fixes {
		if _, ok := pods[f.Fix]; !ok {
			order = append(order, f.Fix)
		}
		pods[f.Fix] = append(pods[f.Fix], Sanitize(f.Pod))
	}
	for i, fix := range order {
		if i == 10 {
			fmt.Fprintf(b, "    and %d more fixes\n", len(order)-10)
			break
		}
		names := pods[fix]
		if len(names) > 5 {
			names = append(names[:5:5], fmt.Sprintf("and %d more", len(pods[fix])-5))
		}
		wrapLabelled(b, 4, "- ", strings.Join(names, ", ")+":")
		wrap(b, 6, fix)
	}
}
