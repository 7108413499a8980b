//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/mattn/go-runewidth"
	corev1 "k8s.io/api/core/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
)

// columns measures text as a terminal shows it; ambiguous-width characters
// take one column, as in the plugin.
var columns = &runewidth.Condition{StrictEmojiNeutral: true}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// unbreakable reports whether a line holds a single word or a single
// `command`, which the plugin never breaks however long.
func unbreakable(line string) bool {
	line = strings.TrimSpace(line)
	if i := strings.Index(line, "`"); i >= 0 && !strings.Contains(line[:i], " ") {
		j := strings.Index(line[i+1:], "`")
		return j >= 0 && !strings.Contains(line[i+1+j+1:], " ")
	}
	return !strings.Contains(line, " ")
}

// assertWidth fails if a line of out is wider than width columns, unless it
// is a single word or command.
func assertWidth(t *testing.T, out string, width int) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if n := columns.StringWidth(line); n > width && !unbreakable(line) {
			t.Errorf("%d columns, more than %d: %q", n, width, line)
		}
	}
}

// nodeByNode returns the lines of why-pending's node-by-node section.
func nodeByNode(t *testing.T, out string) []string {
	t.Helper()
	_, after, ok := strings.Cut(out, "further obstacles):\n")
	if !ok {
		t.Fatalf("no node-by-node section:\n%s", out)
	}
	section, _, _ := strings.Cut(after, "\n\n")
	return strings.Split(section, "\n")
}

// A pod blocked by nodes with long EKS-style names: the node-by-node table
// keeps a readable text column at 80 and 200 columns, and on a terminal the
// width is the terminal's. The overview's NOTE column is shown in full when
// there is room. Not parallel: why-pending covers every node of the cluster.
func TestWidth(t *testing.T) {
	short := []string{"ip-10-0-12-34", "ip-10-0-12-35", "ip-10-0-12-36"}
	const suffix = ".eu-west-1.compute.internal"
	var nodes []fixture.Node
	for _, n := range short {
		nodes = append(nodes, fixture.Node{Name: n + suffix})
	}
	reserved := "ip-10-0-99-9" + suffix
	note := "taint reserved-for-overnight-batch-jobs"
	nodes = append(nodes, fixture.Node{Name: reserved, Taints: []corev1.Taint{
		{Key: "example.com/reserved-for-overnight-batch-jobs", Value: "true", Effect: corev1.TaintEffectNoSchedule}}})
	createNodes(t, nodes...)
	createNamespace(t, "width")
	createPods(t, fixture.Pod{Name: "api", Namespace: "width", Requests: fixture.Resources("6", "1Gi", "")})
	if _, err := fixture.WaitForPod(context.Background(), client, "width", "api", fixture.Unschedulable); err != nil {
		t.Fatal(err)
	}

	// checkVerdicts asserts the layout of the node-by-node table: the three
	// names of the group on lines of their own, the failures indented below
	// them, and never one word a line.
	checkVerdicts := func(t *testing.T, out string) {
		t.Helper()
		lines := nodeByNode(t, out)
		if !strings.HasPrefix(lines[0], "  "+short[0]+suffix+",") {
			t.Errorf("the group's names do not start a line of their own:\n%s", strings.Join(lines, "\n"))
		}
		for i, line := range lines {
			if strings.HasPrefix(line, "    NodeResourcesFit: cpu: the pod requests 6") && strings.HasPrefix(lines[i-1], "  ip-") {
				break
			}
			if i == len(lines)-1 {
				t.Errorf("no failure indented below a line of names:\n%s", strings.Join(lines, "\n"))
			}
		}
		text := func(line string) bool { return !strings.HasPrefix(line, "  ip-") } // lines of names may hold one each
		for i := 1; i < len(lines); i++ {
			if text(lines[i-1]) && text(lines[i]) && len(strings.Fields(lines[i-1])) == 1 && len(strings.Fields(lines[i])) == 1 {
				t.Errorf("one word per line:\n%s", strings.Join(lines, "\n"))
				break
			}
		}
	}

	for _, tc := range []struct {
		columns, max int
	}{{80, 80}, {200, 120}} {
		t.Run("why-pending COLUMNS="+strconv.Itoa(tc.columns), func(t *testing.T) {
			r := kubectlRun(t, []string{"COLUMNS=" + strconv.Itoa(tc.columns)}, "explain-nodes", "why-pending", "api", "-n", "width")
			if r.Code != 0 {
				t.Fatalf("%s", r)
			}
			assertWidth(t, r.Stdout, tc.max)
			checkVerdicts(t, r.Stdout)
			if tc.columns == 200 {
				widest := 0
				for _, line := range strings.Split(r.Stdout, "\n") {
					widest = max(widest, columns.StringWidth(line))
				}
				if widest <= 100 {
					t.Errorf("at COLUMNS=200 no line is wider than the default 100 columns:\n%s", r.Stdout)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", r.Stdout)
			}
		})
	}

	for _, tc := range []struct {
		columns int
		full    bool
	}{{80, false}, {200, true}} {
		t.Run("overview COLUMNS="+strconv.Itoa(tc.columns), func(t *testing.T) {
			r := kubectlRun(t, []string{"COLUMNS=" + strconv.Itoa(tc.columns)}, "explain-nodes")
			if r.Code != 0 {
				t.Fatalf("%s", r)
			}
			var row string
			for _, line := range strings.Split(r.Stdout, "\n") {
				if strings.HasPrefix(line, "ip-10-0-99-9") {
					row = line
				}
			}
			switch {
			case row == "":
				t.Fatalf("no row for %s:\n%s", reserved, r.Stdout)
			case tc.full && !strings.HasSuffix(row, "  "+note):
				t.Errorf("the NOTE column is not shown in full at %d columns: %q", tc.columns, row)
			case !tc.full && !strings.HasSuffix(row, "…"):
				t.Errorf("the NOTE column is not cut at %d columns: %q", tc.columns, row)
			}
		})
	}

	// On a terminal its width counts, not COLUMNS.
	t.Run("terminal", func(t *testing.T) {
		const width = 70
		cmd := kubectlCmd(t, []string{"COLUMNS=200", "TERM=xterm"}, "explain-nodes", "why-pending", "api", "-n", "width")
		out, err := runOnTerminal(t, cmd, width)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !strings.Contains(out, "\x1b[") {
			t.Errorf("no colour on a terminal:\n%q", out)
		}
		out = sgr.ReplaceAllString(strings.ReplaceAll(out, "\r\n", "\n"), "")
		assertWidth(t, out, width)
		checkVerdicts(t, out)
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	})
}

// runOnTerminal runs cmd with its standard output on a pseudo-terminal of the
// given width and returns what it printed there.
func runOnTerminal(t *testing.T, cmd *exec.Cmd, width uint16) (string, error) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: width}); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = tty, &stderr
	err = cmd.Start()
	tty.Close() // the child holds its own copy
	if err != nil {
		return "", err
	}
	kill := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer kill.Stop()
	read := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the child has closed the terminal
		read <- b
	}()
	err = cmd.Wait()
	out := <-read
	if err != nil {
		return string(out), fmt.Errorf("%w\n--- stderr\n%s", err, stderr.String())
	}
	return string(out), nil
}
