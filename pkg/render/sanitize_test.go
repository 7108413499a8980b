package render

import "testing"

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "worker-1", "worker-1"},
		{"unicode kept", "nœud-ü 节点", "nœud-ü 节点"},
		{"csi colour", "a\x1b[31mred\x1b[0mb", "aredb"},
		{"csi clear screen", "\x1b[2J\x1b[Hx", "x"},
		{"osc title bel", "a\x1b]0;pwned\x07b", "ab"},
		{"osc hyperlink st", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"dcs", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"two byte escape", "a\x1bcb", "ab"},
		{"lone esc at end", "ab\x1b", "ab"},
		{"c1 csi", "a\u009b31mb", "ab"},
		{"c1 osc", "a\u009d0;t\u009cb", "ab"},
		{"c0 controls", "a\x00b\x07c\x08d", "abcd"},
		{"newline tab cr become spaces", "a\nb\tc\rd", "a b c d"},
		{"del", "a\x7fb", "ab"},
		{"bidi override", "evil\u202egnp.exe", "evilgnp.exe"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"unterminated osc", "a\x1b]0;title", "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Sanitize(tc.in); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\x1b]0;x\x07", "\u202e", "\xff\x9b1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !isClean(out) {
			t.Fatalf("Sanitize(%q) = %q still holds control or bidi characters", s, out)
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize is not idempotent on %q", s)
		}
	})
}
