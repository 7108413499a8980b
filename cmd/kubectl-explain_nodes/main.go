// Command kubectl-explain_nodes is the kubectl plugin behind
// `kubectl explain-nodes`: it explains a cluster's control plane and nodes, and
// why a pod is pending.
package main

import (
	"os"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cmd"
)

func main() {
	tuneGC()
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
