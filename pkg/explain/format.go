package explain

import (
	"fmt"
	"strings"
	"time"
)

// FormatCPU prints millicores as cores, e.g. 1500 -> "1.5", 500 -> "0.5",
// and small amounts as millicores, e.g. 25 -> "25m".
func FormatCPU(milli int64) string {
	if milli > 0 && milli < 1000 && milli%100 != 0 {
		return fmt.Sprintf("%dm", milli)
	}
	s := fmt.Sprintf("%.2f", float64(milli)/1000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// shortDuration prints a duration as kubectl prints ages: 45s, 3m, 2h5m, 4d.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) - h*60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func joinSentences(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, " ")
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
