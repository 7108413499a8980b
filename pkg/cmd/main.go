// Package cmd holds the cobra commands of kubectl explain-nodes. Each command
// is an Options struct with Complete (resolve configuration, build clients),
// Validate (flag combinations, no I/O) and Run.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Main runs the plugin with the given arguments and streams and returns the
// process exit code: ExitOK on success, ExitGate when a gate (--wait,
// --fail-on) did not pass, ExitError on any other error. Errors are printed
// to errOut as plain sentences; usage is printed only for mistakes in the
// command line itself.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	// No global flags from imported packages leak into the command line.
	pflag.CommandLine = pflag.NewFlagSet("kubectl-explain_nodes", pflag.ContinueOnError)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	streams := genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut}
	root := NewCmdExplainNodes(streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	for _, remove := range removeOnExit {
		remove()
	}
	removeOnExit = nil
	if err == nil {
		return ExitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(errOut, "error: %v\n\nUsage:\n  %s\n\nSee '%s --help' for more.\n", ue.err, ue.cmd.UseLine(), ue.cmd.CommandPath())
		return ExitError
	}
	fmt.Fprintf(errOut, "error: %v\n", err)
	return exitCode(err)
}
