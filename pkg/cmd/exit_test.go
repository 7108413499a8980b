package cmd

import (
	"errors"
	"fmt"
	"testing"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/api/v1alpha1"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

func TestExitCode(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("cannot read"), ExitError},
		{&gateError{msg: "1 pod Pending"}, ExitGate},
		{fmt.Errorf("wrapped: %w", &gateError{msg: "x"}), ExitGate},
	} {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestFailOn(t *testing.T) {
	report := func(unread []v1alpha1.Gap, sev ...string) *explain.Report {
		r := &explain.Report{Unread: unread}
		for i, s := range sev {
			r.Findings = append(r.Findings, explain.Finding{Severity: s, Code: explain.Code(fmt.Sprintf("Code%d", i)), Nodes: []string{"a", "b", "c", "d"}[:i%4]})
		}
		return r
	}
	for _, c := range []struct {
		level string
		r     *explain.Report
		want  string // "" for a gate that passes
	}{
		{"", report(nil, "critical"), ""},
		{"critical", report(nil, "warning", "info"), ""},
		{"warning", report(nil, "info"), ""},
		{"critical", report(nil, "critical"), "--fail-on critical: 1 finding at critical or above: Code0"},
		{"warning", report(nil, "critical", "warning", "info"), "--fail-on warning: 2 findings at warning or above: Code0; Code1 on a"},
		{"warning", report(nil, "warning", "warning", "warning", "warning", "warning"),
			"--fail-on warning: 5 findings at warning or above: Code0; Code1 on a; Code2 on a, b and 2 more"},
		{"critical", report([]v1alpha1.Gap{{What: "leases"}, {What: "events"}}),
			"--fail-on critical: leases, events could not be read, so the report is incomplete"},
		{"critical", report([]v1alpha1.Gap{{What: "leases\x1b[2J"}}, "critical"),
			"--fail-on critical: 1 finding at critical or above: Code0; leases could not be read, so the report is incomplete"},
	} {
		err := failOn(c.level, c.r)
		got := ""
		if err != nil {
			got = err.Error()
			if exitCode(err) != ExitGate {
				t.Errorf("failOn(%q) returned %v, which does not exit with ExitGate", c.level, err)
			}
		}
		if got != c.want {
			t.Errorf("failOn(%q, %d findings, %d unread):\n got %q\nwant %q", c.level, len(c.r.Findings), len(c.r.Unread), got, c.want)
		}
	}
}
