// Command kubectl_complete-explain_nodes is the helper kubectl runs to
// complete `kubectl explain-nodes …` on the command line: it answers as
// `kubectl-explain_nodes __complete …` does.
package main

import (
	"os"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
)

func main() {
	os.Exit(cmd.Main(append([]string{"__complete"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr))
}
