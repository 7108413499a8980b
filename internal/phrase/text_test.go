package phrase

import "testing"

func TestText(t *testing.T) {
	tests := []struct{ got, want string }{
		{Plural(1, "node"), "1 node"},
		{Plural(0, "pod"), "0 pods"},
		{Plural(3, "pod"), "3 pods"},
		{List([]string{"a", "b"}, 3, ", "), "a, b"},
		{List([]string{"a", "b", "c", "d", "e"}, 3, ", "), "a, b, c and 2 more"},
		{List([]string{"a; x", "b", "c"}, 2, "; "), "a; x; b and 1 more"},
		{Bytes(512), "512"},
		{Bytes(1536), "1.5Ki"},
		{Bytes(16 << 30), "16Gi"},
		{Bytes(-2048), "-2Ki"},
		{Taint("gpu", "", "NoSchedule"), "gpu:NoSchedule"},
		{Taint("dedicated", "db", "NoExecute"), "dedicated=db:NoExecute"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// ListOf words only the items it shows.
func TestListOfWordsOnlyWhatItShows(t *testing.T) {
	var asked []int
	got := ListOf(1000, 2, ", ", func(i int) string { asked = append(asked, i); return string(rune('a' + i)) })
	if got != "a, b and 998 more" || len(asked) != 2 {
		t.Errorf("ListOf = %q, asked for %v", got, asked)
	}
}
