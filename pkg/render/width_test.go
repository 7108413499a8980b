package render

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/explain-nodes/kubectl-explain-nodes/pkg/cluster"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/diagnose"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

func TestPageWidths(t *testing.T) {
	tests := []struct {
		width           int
		wantText, table int
	}{
		{0, DefaultWidth, DefaultWidth},
		{-3, DefaultWidth, DefaultWidth},
		{10, MinWidth, MinWidth},
		{80, 80, 80},
		{120, 120, 120},
		{200, MaxTextWidth, 200},
	}
	for _, tc := range tests {
		p := newPage(TextOptions{Width: tc.width})
		if p.width != tc.wantText || p.tableWidth != tc.table {
			t.Errorf("width %d: text wraps at %d and tables fill %d, want %d and %d", tc.width, p.width, p.tableWidth, tc.wantText, tc.table)
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"worker-1", 8},
		{"节点-1", 6},               // two wide characters
		{"cafe\u0301", 4},         // e and a combining acute accent
		{"web-😀", 6},              // an emoji takes two columns
		{"…", 1},                  // ambiguous width: one column, whatever the locale
		{"\x1b[31mred\x1b[0m", 3}, // colour takes none
	}
	for _, tc := range tests {
		if got := displayWidth(tc.s); got != tc.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name          string
		width         int
		indent        int
		label, text   string
		want          []string
		allowOverlong bool
	}{
		{
			name: "ascii", width: 40, indent: 2, label: "- ",
			text: "the pod does not tolerate the taint dedicated=batch:NoSchedule on this node",
			want: []string{
				"  - the pod does not tolerate the taint",
				"    dedicated=batch:NoSchedule on this",
				"    node",
			},
		},
		{
			// Each 节 takes two columns: counted as one, four of the words
			// would go on the first line.
			name: "wide characters", width: 40, indent: 0, label: "节点: ",
			text: "节点节点 节点节点 节点节点 节点节点 节点节点 节点节点",
			want: []string{
				"节点: 节点节点 节点节点 节点节点",
				"      节点节点 节点节点 节点节点",
			},
		},
		{
			name: "combining marks", width: 40, indent: 0,
			text: "cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301",
			want: []string{
				"cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301 cafe\u0301",
				"cafe\u0301",
			},
		},
		{
			name: "a command is never broken", width: 40, indent: 4, label: "What to do: ",
			text: "run `kubectl uncordon ip-10-0-12-34.eu-west-1.compute.internal` when done",
			want: []string{
				"    What to do: run",
				"                `kubectl uncordon ip-10-0-12-34.eu-west-1.compute.internal`",
				"                when done",
			},
			allowOverlong: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newPage(TextOptions{Width: tc.width})
			wrapLabelled(b, tc.indent, tc.label, tc.text)
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !tc.allowOverlong {
				assertFits(t, b.String(), tc.width)
			}
		})
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// assertFits fails if a line of text is wider than width columns, unless it
// holds a single word or command, which is never broken.
func assertFits(t *testing.T, text string, width int) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if n := displayWidth(line); n > width && len(words(line)) > 1 {
			t.Errorf("%d columns, more than %d: %q", n, width, line)
		}
	}
}

// eksDiagnosis is a pod that no node of an EKS-like cluster can take: five
// alike nodes short of CPU (one group, three names and "2 more"), a cordoned
// node and a GPU node.
func eksDiagnosis() *diagnose.Diagnosis {
	q := resource.MustParse
	alloc := corev1.ResourceList{corev1.ResourceCPU: q("4"), corev1.ResourceMemory: q("16Gi"), corev1.ResourcePods: q("58")}
	var nodes []corev1.Node
	for _, ip := range []string{"10-0-12-34", "10-0-12-35", "10-0-12-36", "10-0-140-7", "10-0-160-95"} {
		nodes = append(nodes, node("ip-"+ip+".eu-west-1.compute.internal", nil, corev1.ConditionTrue, ""))
	}
	nodes = append(nodes,
		node("ip-10-0-77-5.eu-west-1.compute.internal", nil, corev1.ConditionTrue, "", func(n *corev1.Node) { n.Spec.Unschedulable = true }),
		node("ip-10-0-188-61.eu-west-1.compute.internal", nil, corev1.ConditionTrue, "", func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
		}),
	)
	for i := range nodes {
		nodes[i].Status.Allocatable = alloc
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api-7d9f8-x2x4q", Namespace: "checkout"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: q("6")},
		}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
			LastTransitionTime: metav1.NewTime(now.Add(-2 * time.Minute)),
			Message:            "0/7 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 5 Insufficient cpu. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.",
		}}},
	}
	return diagnose.Diagnose(&cluster.PendingSnapshot{Pod: pod, Nodes: nodes, AssignedRead: true}, now)
}

// verdictLines returns the lines of the "Node by node" section.
func verdictLines(t *testing.T, text string) []string {
	t.Helper()
	_, after, ok := strings.Cut(text, "further obstacles):\n")
	if !ok {
		t.Fatalf("no node-by-node section in:\n%s", text)
	}
	section, _, _ := strings.Cut(after, "\n\n")
	return strings.Split(section, "\n")
}

// assertNoWordPerLine fails if two lines of the node-by-node section in a
// row hold one word each, the sign of a text column too narrow to read.
// Lines that start with node names (indented by two) may hold one name each.
func assertNoWordPerLine(t *testing.T, lines []string) {
	t.Helper()
	text := func(line string) bool { return !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") }
	for i := 1; i < len(lines); i++ {
		if text(lines[i-1]) && text(lines[i]) && len(strings.Fields(lines[i-1])) == 1 && len(strings.Fields(lines[i])) == 1 {
			t.Errorf("one word per line:\n%s\n%s", lines[i-1], lines[i])
		}
	}
}

// With three long node names in a group, the names go on a line of their own
// and the text keeps a readable width, at 80 columns and at 200.
func TestDiagnosisLongNodeNames(t *testing.T) {
	d := eksDiagnosis()
	for _, width := range []int{80, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var b bytes.Buffer
			if err := DiagnosisText(&b, d, TextOptions{Width: width}); err != nil {
				t.Fatal(err)
			}
			golden(t, fmt.Sprintf("diagnosis-eks-%d", width), b.Bytes())
			assertFits(t, b.String(), width)
			lines := verdictLines(t, b.String())
			assertNoWordPerLine(t, lines)
			for i, line := range lines {
				switch {
				case strings.HasPrefix(line, "  ip-"):
					// A label line holds node names and nothing else.
					for _, f := range strings.Fields(line) {
						if !strings.HasPrefix(f, "ip-") && !strings.HasPrefix(f, "and") && f != "2" && f != "more" {
							t.Errorf("label line holds %q: %q", f, line)
						}
					}
				case !strings.HasPrefix(line, "    "):
					t.Errorf("line %d is neither a label nor indented below one: %q", i, line)
				}
			}
			if !strings.HasPrefix(lines[0], "  ip-10-0-12-34.eu-west-1.compute.internal,") {
				t.Errorf("the group's names do not start a line of their own:\n%s", b.String())
			}
			if !strings.Contains(b.String(), "\n    NodeResourcesFit: cpu: the pod requests 6") {
				t.Errorf("the group's failure is not indented below its names:\n%s", b.String())
			}
		})
	}
}

// The label column stays beside the text while that leaves the text at least
// minTextColumn columns, and only then.
func TestVerdictLayout(t *testing.T) {
	short := []diagnose.NodeVerdict{
		{Node: "worker-1", Failures: []diagnose.Failure{{Plugin: "NodeUnschedulable", Detail: "the node is cordoned (spec.unschedulable): no new pods are placed on it"}}},
		{Node: "worker-2", Fits: true},
	}
	one := []diagnose.NodeVerdict{
		{Node: "ip-10-0-77-5.eu-west-1.compute.internal", Failures: []diagnose.Failure{{Plugin: "NodeUnschedulable", Detail: "the node is cordoned (spec.unschedulable): no new pods are placed on it"}}},
		{Node: "ip-10-0-77-6.eu-west-1.compute.internal", Fits: true},
	}
	tests := []struct {
		name     string
		verdicts []diagnose.NodeVerdict
		width    int
		want     string
	}{
		{"short names at 80", short, 80, `  worker-1  NodeUnschedulable: the node is cordoned (spec.unschedulable): no new
                               pods are placed on it
  worker-2  fits
`},
		{"one long name at 200", one, 200, `  ip-10-0-77-5.eu-west-1.compute.internal  NodeUnschedulable: the node is cordoned (spec.unschedulable): no new pods are
                                                              placed on it
  ip-10-0-77-6.eu-west-1.compute.internal  fits
`},
		// 80 - (2 + 39 + 2) leaves 37 columns, fewer than minTextColumn.
		{"one long name at 80", one, 80, `  ip-10-0-77-5.eu-west-1.compute.internal
    NodeUnschedulable: the node is cordoned (spec.unschedulable): no new pods
                       are placed on it
  ip-10-0-77-6.eu-west-1.compute.internal
    fits
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newPage(TextOptions{Width: tc.width})
			writeVerdicts(b, tc.verdicts, Colour{})
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Colour changes no position.
			coloured := newPage(TextOptions{Width: tc.width, Colour: Colour{Enabled: true}})
			writeVerdicts(coloured, tc.verdicts, Colour{Enabled: true})
			if !strings.Contains(coloured.String(), "\x1b[") {
				t.Fatal("no colour")
			}
			if diff := cmp.Diff(tc.want, sgr.ReplaceAllString(coloured.String(), "")); diff != "" {
				t.Errorf("coloured, colour removed (-want +got):\n%s", diff)
			}
		})
	}
}

// On a wide terminal the NOTE column of the node table is shown in full; at
// 80 columns it is cut to fit, as at the default width.
func TestNodeTableWidth(t *testing.T) {
	r := explain.Explain(eksSnapshot(), now, explain.Options{})
	var notes []string
	for _, n := range r.Nodes {
		if n.Note != "" {
			notes = append(notes, Sanitize(n.Note))
		}
	}
	if len(notes) == 0 {
		t.Fatal("the EKS snapshot has no node with a note")
	}
	for _, width := range []int{80, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			var b bytes.Buffer
			if err := ReportText(&b, r, TextOptions{Width: width}, false); err != nil {
				t.Fatal(err)
			}
			golden(t, fmt.Sprintf("managed-eks-%d", width), b.Bytes())
			rows := tableLines(t, b.String())
			assertAligned(t, rows)
			table := strings.Join(rows, "\n")
			// The first line names the server, whose URL is longer than 80
			// columns here; the table keeps the other columns whole.
			_, rest, _ := strings.Cut(b.String(), "\n")
			assertFits(t, strings.Replace(rest, table, "", 1), width)
			if n := displayWidth(rows[0]); width == 200 && n > width {
				t.Errorf("the table is %d columns wide, more than %d", n, width)
			}
			for _, note := range notes {
				full := strings.Contains(table, "  "+note+"\n") || strings.HasSuffix(table, "  "+note)
				if width == 200 && !full {
					t.Errorf("the note %q is not shown in full at 200 columns:\n%s", note, table)
				}
				if width == 80 && full {
					t.Errorf("the note %q is not cut at 80 columns:\n%s", note, table)
				}
			}
			// Prose keeps a readable width on a wide terminal.
			for _, line := range strings.Split(rest, "\n") {
				if !strings.Contains(table, line) && displayWidth(line) > MaxTextWidth {
					t.Errorf("a line outside the table is wider than %d columns: %q", MaxTextWidth, line)
				}
			}
		})
	}
}

// wideSnapshot has names with East Asian wide characters, combining marks
// and emoji, as a cluster-info dump may hold.
func wideSnapshot() *cluster.Snapshot {
	q := resource.MustParse
	alloc := corev1.ResourceList{corev1.ResourceCPU: q("4"), corev1.ResourceMemory: q("16Gi"), corev1.ResourcePods: q("110")}
	withAlloc := func(n *corev1.Node) { n.Status.Allocatable = alloc }
	return &cluster.Snapshot{
		Server:        "https://127.0.0.1:6443",
		ServerVersion: "v1.37.2",
		Nodes: []corev1.Node{
			node("节点-1", nil, corev1.ConditionTrue, "", withAlloc),
			node("worker-1", nil, corev1.ConditionTrue, "", withAlloc, func(n *corev1.Node) { n.Spec.Unschedulable = true }),
			node("nœud-é", nil, corev1.ConditionFalse, "容器运行时已停止", withAlloc),
		},
		Pods: map[string][]cluster.Pod{
			"节点-1": {
				{Namespace: "默认", Name: "网页-😀-1", Phase: corev1.PodRunning, Ready: true, CPUMilli: 500, MemoryBytes: 256 << 20, OwnerKind: "ReplicaSet"},
				{Namespace: "default", Name: "web-1", Phase: corev1.PodRunning, Ready: true, CPUMilli: 250, MemoryBytes: 128 << 20, OwnerKind: "ReplicaSet"},
				{Namespace: "default", Name: "cafe\u0301-2", Phase: corev1.PodRunning, CPUMilli: 100, OwnerKind: "DaemonSet"},
			},
		},
		PodsRead: true,
	}
}

// Columns line up by display width whatever the characters in the names.
func TestWideCharacters(t *testing.T) {
	for _, detail := range []bool{false, true} {
		name, s := "wide-characters", wideSnapshot()
		if detail {
			name += "-detail"
			s.Nodes = s.Nodes[:1] // 节点-1 in depth
		}
		t.Run(name, func(t *testing.T) {
			r := explain.Explain(s, now, explain.Options{Detail: detail})
			var b bytes.Buffer
			if err := ReportText(&b, r, TextOptions{}, detail); err != nil {
				t.Fatal(err)
			}
			golden(t, name, b.Bytes())
			text := b.String()
			if !detail {
				assertAligned(t, tableLines(t, text))
				return
			}
			_, pods, ok := strings.Cut(text, "\n  Pods (")
			if !ok {
				t.Fatalf("no pod list:\n%s", text)
			}
			_, pods, _ = strings.Cut(pods, "\n")
			rows := strings.Split(pods, "\n")
			var table []string
			for _, row := range rows {
				if !strings.HasPrefix(row, "    ") || strings.HasPrefix(row, "    static:") {
					break
				}
				table = append(table, row)
			}
			if len(table) != 4 {
				t.Fatalf("want the header and three pods, got:\n%s", strings.Join(table, "\n"))
			}
			assertAligned(t, table)
		})
	}
}

// assertAligned fails unless every row of a table starts each column at the
// terminal column where the header starts it.
func assertAligned(t *testing.T, rows []string) {
	t.Helper()
	header := screen(rows[0])
	var starts []int
	for i := 2; i < len(header); i++ {
		if header[i] != " " && header[i-1] == " " && header[i-2] == " " {
			starts = append(starts, i)
		}
	}
	for _, row := range rows[1:] {
		cols := screen(row)
		for _, s := range starts {
			if s >= len(cols) {
				continue // empty cells at the end of the row
			}
			if cols[s-1] != " " || cols[s] == " " {
				t.Errorf("column at %d is not aligned with the header:\n%s\n%s", s, rows[0], row)
				break
			}
		}
	}
}

// screen lays a line out as a terminal does: one entry per column, a wide
// character in the first of its two, combining marks with their base.
func screen(line string) []string {
	var cols []string
	for _, r := range line {
		switch w := cells.RuneWidth(r); {
		case w == 0 && len(cols) > 0:
			cols[len(cols)-1] += string(r)
		case w == 2:
			cols = append(cols, string(r), "")
		default:
			cols = append(cols, string(r))
		}
	}
	return cols
}
