// Package render writes reports as text for people (sanitised, coloured only
// when asked) or as JSON or YAML for programs (exact, unsanitised).
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Formats the tool can print.
const (
	FormatText = "text"
	FormatJSON = "json"
	FormatYAML = "yaml"
	// FormatWide is the text, with every node and more columns.
	FormatWide = "wide"
)

// Formats lists the accepted values of -o.
var Formats = []string{FormatText, FormatWide, FormatJSON, FormatYAML}

// Structured writes v as JSON or YAML.
func Structured(w io.Writer, v any, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case FormatYAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unknown output format %q", format)
}

// Colour wraps text in ANSI SGR sequences when enabled.
type Colour struct{ Enabled bool }

func (c Colour) wrap(code, s string) string {
	if !c.Enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Red, Yellow, Green and Bold style s.
func (c Colour) Red(s string) string    { return c.wrap("31", s) }
func (c Colour) Yellow(s string) string { return c.wrap("33", s) }
func (c Colour) Green(s string) string  { return c.wrap("32", s) }
func (c Colour) Bold(s string) string   { return c.wrap("1", s) }

// cell is one table cell: its plain text, which sets the width, and an
// optional style applied after padding.
type cell struct {
	text  string
	style func(string) string
}

// table writes rows in columns separated by two spaces. Cell text must already
// be sanitised; widths are display widths, so columns align whatever the
// characters.
func table(w io.Writer, rows [][]cell) error {
	for _, row := range rows {
		for i := range row {
			row[i].text = Sanitize(row[i].text)
		}
	}
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c.text))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		var line strings.Builder
		for i, c := range row {
			text := c.text
			if i < len(row)-1 {
				text += strings.Repeat(" ", widths[i]-displayWidth(c.text)+2)
			}
			if c.style != nil {
				// Style only the text, not the padding.
				text = c.style(c.text) + text[len(c.text):]
			}
			line.WriteString(text)
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
