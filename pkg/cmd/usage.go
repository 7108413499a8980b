package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

// usageError is a mistake in the command line: the one kind of error that is
// followed by the command's usage.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func flagError(cmd *cobra.Command, err error) error {
	return &usageError{cmd: cmd, err: err}
}

// noArgs rejects positional arguments.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{cmd: cmd, err: fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

// maxArgs accepts at most n positional arguments.
func maxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return &usageError{cmd: cmd, err: fmt.Errorf("%s takes at most %d argument (%s), got %d: %q", cmd.CommandPath(), n, what, len(args), args)}
		}
		return nil
	}
}
