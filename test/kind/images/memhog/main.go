// Command memhog is the suite's image that uses more memory than its limit:
// it allocates and touches 8 MiB at a time, without end, until the kernel's
// OOM killer stops it.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	var kept [][]byte
	for i := 1; ; i++ {
		b := make([]byte, 8<<20)
		for j := range b {
			b[j] = byte(j)
		}
		kept = append(kept, b)
		if i%8 == 0 {
			fmt.Fprintf(os.Stderr, "memhog: holding %d MiB\n", len(kept)*8)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
