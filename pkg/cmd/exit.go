package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/render"
)

// Exit codes, for scripts and CI steps.
const (
	// ExitOK: the command did what was asked and, with --wait or --fail-on,
	// the cluster passed.
	ExitOK = 0
	// ExitError: the cluster could not be read, or the command line or the
	// input was wrong.
	ExitError = 1
	// ExitGate: the cluster was read and explained, but it is not in the
	// state a gate asked for: pods still Pending after why-pending --wait,
	// or a finding at or above the overview's --fail-on severity.
	ExitGate = 3
)

// gateError is a gate that did not pass: the explanation has been printed,
// and the process exits with ExitGate.
type gateError struct{ msg string }

func (e *gateError) Error() string { return e.msg }

// exitCode maps a command's error to the process's exit code.
func exitCode(err error) int {
	var g *gateError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &g):
		return ExitGate
	}
	return ExitError
}

// Severities --fail-on accepts, least severe first.
var failOnSeverities = []string{explain.SeverityWarning, explain.SeverityCritical}

// atOrAbove reports whether severity is at least as severe as level.
func atOrAbove(severity, level string) bool {
	rank := map[string]int{explain.SeverityInfo: 0, explain.SeverityWarning: 1, explain.SeverityCritical: 2}
	return rank[severity] >= rank[level]
}

// failOn returns the gate error of --fail-on LEVEL for a report: findings at
// or above LEVEL, or parts of the cluster that could not be read, since a
// gate cannot pass on what it did not see. It returns nil when the gate
// passes.
func failOn(level string, r *explain.Report) error {
	if level == "" {
		return nil
	}
	var codes []string
	for _, f := range r.Findings {
		if atOrAbove(f.Severity, level) {
			c := string(f.Code)
			if len(f.Nodes) > 0 {
				c += " on " + phrase.List(f.Nodes, 3, ", ")
			}
			codes = append(codes, c)
		}
	}
	var parts []string
	if len(codes) > 0 {
		parts = append(parts, fmt.Sprintf("%s at %s or above: %s", phrase.Plural(len(codes), "finding"), level, phrase.List(codes, 3, "; ")))
	}
	if len(r.Unread) > 0 {
		var what []string
		for _, g := range r.Unread {
			what = append(what, g.What)
		}
		parts = append(parts, phrase.List(what, 3, ", ")+" could not be read, so the report is incomplete")
	}
	if len(parts) == 0 {
		return nil
	}
	return &gateError{msg: render.Sanitize(fmt.Sprintf("--fail-on %s: %s", level, strings.Join(parts, "; ")))}
}
