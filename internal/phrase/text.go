// Package phrase holds the few wordings every part of the output shares:
// counts of things, short lists, byte sizes and taints.
package phrase

import (
	"fmt"
	"strings"
)

// Plural counts things: "1 node", "3 nodes".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// List names up to most items, joined by sep, and counts the rest:
// "a, b, c and 4 more".
func List(items []string, most int, sep string) string {
	return ListOf(len(items), most, sep, func(i int) string { return items[i] })
}

// ListOf is List over n items of which only the ones shown are worded, by
// name(i).
func ListOf(n, most int, sep string, name func(i int) string) string {
	shown := make([]string, min(n, most))
	for i := range shown {
		shown[i] = name(i)
	}
	if n <= most {
		return strings.Join(shown, sep)
	}
	return fmt.Sprintf("%s and %d more", strings.Join(shown, sep), n-most)
}

// Bytes prints a byte count in binary units with at most one decimal:
// 512, 1.5Ki, 16Gi.
func Bytes(b int64) string {
	units := []string{"Ki", "Mi", "Gi", "Ti", "Pi"}
	if b < 1024 && b > -1024 {
		return fmt.Sprintf("%d", b)
	}
	v, u := float64(b), -1
	for (v >= 1024 || v <= -1024) && u < len(units)-1 {
		v /= 1024
		u++
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + units[u]
}

// Taint writes a taint as kubectl taint does: key=value:Effect, or
// key:Effect without a value.
func Taint(key, value, effect string) string {
	if value == "" {
		return key + ":" + effect
	}
	return key + "=" + value + ":" + effect
}
