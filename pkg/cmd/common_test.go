package cmd

import (
	"bytes"
	"testing"

	"github.com/creack/pty"
)

func TestTerminalWidth(t *testing.T) {
	tests := []struct {
		columns string
		want    int
	}{
		{"", 0},
		{"80", 80},
		{" 200\n", 200},
		{"0", 0},
		{"-5", 0},
		{"wide", 0},
	}
	for _, tc := range tests {
		if got := terminalWidth(&bytes.Buffer{}, tc.columns); got != tc.want {
			t.Errorf("COLUMNS=%q, not a terminal: %d, want %d", tc.columns, got, tc.want)
		}
	}

	// On a terminal its size counts, whatever COLUMNS says.
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	if got := terminalWidth(tty, "80"); got != 132 {
		t.Errorf("on a 132-column terminal with COLUMNS=80: %d, want 132", got)
	}
}
