// Command fail is the suite's image whose container always fails: it says so
// on stderr and exits 1, so the kubelet restarts it into CrashLoopBackOff.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "fail: this container exits 1 on purpose (kubectl explain-nodes kind suite)")
	os.Exit(1)
}
