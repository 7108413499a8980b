package render

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes a string that came from the cluster safe to print on a
// terminal. It removes ESC-introduced sequences (CSI, OSC, DCS and the other
// string controls, and two-byte escapes), the remaining C0 and C1 control
// characters, DEL, and the Unicode bidirectional embedding, override and
// isolate characters (U+202A–U+202E, U+2066–U+2069). Newlines and tabs become
// spaces, so one value always stays on one line. Invalid UTF-8 bytes become
// U+FFFD.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == 0x1b: // ESC
			i += escapeLen(s[i:])
		case r == 0x9b: // C1 CSI
			i += size + csiBodyLen(s[i+size:])
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i += size + stringBodyLen(s[i+size:])
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
			i += size
		case isControl(r) || isBidi(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// isClean reports whether s needs no change, so the common case allocates nothing.
func isClean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isControl(r) || isBidi(r) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeLen returns how many bytes of s, which starts with ESC, form one escape
// sequence (ECMA-48): CSI, the string controls, or a two-byte escape.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + stringBodyLen(s[2:])
	}
	// ESC followed by intermediate bytes (0x20–0x2f) and one final byte.
	n := 1
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csiBodyLen returns the length of a control sequence's parameters,
// intermediates and final byte.
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c > 0x7e {
			return i
		}
	}
	return len(s)
}

// stringBodyLen returns the length of a control string's body including its
// terminator: BEL, ESC \ or the C1 ST. An unterminated string runs to the end.
func stringBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
	}
	return len(s)
}
