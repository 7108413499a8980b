// Command docs writes the reference of every command of kubectl
// explain-nodes, from the commands themselves, as Markdown into a directory
// (docs/commands), and the list of finding codes from their catalogue
// (docs/findings.md). `make check-docs` fails when a checked-in copy is stale.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docs DIR (writes DIR/commands, DIR/findings.md, DIR/output.md and DIR/schema from the repository's root)")
		os.Exit(2)
	}
	out := os.Args[1]
	if err := writeFindings(filepath.Join(out, "findings.md")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := writeSchemas(out, "docs/schema/fields.txt"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir := filepath.Join(out, "commands")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Defaults that depend on the machine (kubectl's cache directory) read
	// the same everywhere.
	os.Setenv("HOME", "$HOME")
	root := cmd.NewCmdExplainNodes(genericiooptions.IOStreams{In: os.Stdin, Out: io.Discard, ErrOut: io.Discard})
	root.InitDefaultCompletionCmd()
	root.DisableAutoGenTag = true
	var all func(c *cobra.Command)
	all = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			all(sub)
		}
	}
	all(root)
	prepend := func(string) string { return "" }
	link := func(file string) string { return strings.ToLower(file) }
	if err := doc.GenMarkdownTreeCustom(root, dir, prepend, link); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func writeFindings(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := explain.WriteFindingsDoc(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
