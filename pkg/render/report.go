package render

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
	"github.com/explain-nodes/kubectl-explain-nodes/pkg/explain"
)

// groupAtLeast is how many alike healthy nodes are summarised in one row.
const groupAtLeast = 4

// ReportText writes a cluster report for people. The overview puts first
// what is wrong now: the verdict, the control plane in a line, the findings
// that need action, then the nodes, most severe first. What the components
// are comes last, and only with o.Explain.
func ReportText(w io.Writer, r *explain.Report, o TextOptions, detail bool) error {
	b, c := newPage(o), o.Colour
	version := ""
	if r.ServerVersion != "" {
		version = " (Kubernetes " + Sanitize(r.ServerVersion) + ")"
	}
	if r.From != nil {
		fmt.Fprintf(b, "%s%s\n", c.Bold("Cluster from "+Sanitize(r.From.Text())), version)
	} else {
		fmt.Fprintf(b, "%s%s\n", c.Bold("Cluster at "+Sanitize(r.Server)), version)
	}
	if detail {
		wrap(b, 0, summaryLine(r.Summary, detail))
		if len(r.Nodes) > 0 {
			fmt.Fprintf(b, "\n%s\n", c.Bold("NODES"))
			writeNodeTable(b, r, c, false, o.Wide)
		}
		for _, n := range r.Nodes {
			writeNodeDetail(b, n, r, c)
		}
		// Each node's taints are explained above, with what to do: their
		// findings would say it again.
		var findings []explain.Finding
		for _, f := range r.Findings {
			if f.Code != explain.CodeNodeTaint {
				findings = append(findings, f)
			}
		}
		writeFindings(b, r, c, findings)
	} else {
		writeOverview(b, r, o)
	}
	writeGaps(b, r.Unread, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeOverview writes the cluster overview.
func writeOverview(b *page, r *explain.Report, o TextOptions) {
	c := o.Colour
	wrap(b, 0, severityStyle(r.Verdict.Severity, c)(r.Verdict.Text))
	wrap(b, 0, summaryLine(r.Summary, false))
	writeControlPlaneLine(b, r.ControlPlane, c)
	var action, info []explain.Finding
	for _, f := range r.Findings {
		if f.Severity == explain.SeverityInfo {
			info = append(info, f)
		} else {
			action = append(action, f)
		}
	}
	writeFindings(b, r, c, action)
	writePools(b, r, c)
	if len(r.Nodes) > 0 {
		fmt.Fprintf(b, "\n%s\n", c.Bold("NODES"))
		writeNodeTable(b, r, c, true, o.Wide)
	}
	if len(info) > 0 {
		fmt.Fprintf(b, "\n%s\n", c.Bold("ALSO WORTH KNOWING"))
		writeFindingList(b, info, c)
	}
	if o.Explain {
		writeControlPlane(b, r.ControlPlane, c)
		if len(r.Nodes) > 0 {
			writeWorkerComponents(b, r, c)
		}
	} else {
		b.WriteByte('\n')
		wrap(b, 0, "`kubectl explain-nodes --explain` also explains what the control plane and each node's components are and how this cluster runs them.")
	}
}

// writePools writes a row per pool: its size, health, kubelet versions and
// what its pods request of what it offers.
func writePools(b *page, r *explain.Report, c Colour) {
	if len(r.Pools) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", c.Bold("POOLS (by "+Sanitize(r.Pools[0].Label)+")"))
	rows := [][]cell{{{text: "POOL"}, {text: "NODES"}, {text: "HEALTH"}, {text: "KUBELET"}, {text: "CPU"}, {text: "MEMORY"}}}
	for _, p := range r.Pools {
		var health []string
		if down := p.NotReady + p.Unknown; down > 0 {
			health = append(health, fmt.Sprintf("%d down", down))
		}
		if p.Degraded > 0 {
			health = append(health, fmt.Sprintf("%d degraded", p.Degraded))
		}
		if p.Cordoned > 0 {
			health = append(health, fmt.Sprintf("%d cordoned", p.Cordoned))
		}
		state := strings.Join(health, ", ")
		if state == "" {
			state = "ok"
		}
		name := Sanitize(p.Name)
		if name == "" {
			name = "(no label)"
		}
		rows = append(rows, []cell{{text: name}, {text: strconv.Itoa(len(p.Nodes))}, {text: state, style: severityStyle(p.Severity, c)},
			{text: orDash(Sanitize(strings.Join(p.KubeletVersions, ",")))},
			{text: usage(r, p.CPURequestedMilli, p.CPUAllocatableMilli, explain.FormatCPU)},
			{text: memoryUsage(r, p.MemoryRequestedBytes, p.MemoryAllocatableBytes)}})
	}
	_ = table(b, rows)
}

// severityStyle colours text by a severity: red for critical, yellow for
// warning, green for none.
func severityStyle(severity string, c Colour) func(string) string {
	switch severity {
	case explain.SeverityCritical:
		return c.Red
	case explain.SeverityWarning:
		return c.Yellow
	case explain.SeverityNone:
		return c.Green
	}
	return func(s string) string { return s }
}

func summaryLine(s explain.Summary, detail bool) string {
	if s.Nodes == 0 {
		return "No nodes."
	}
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{s.Ready, "Ready"}, {s.NotReady, "NotReady"}, {s.Unknown, "Unknown"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
		}
	}
	line := fmt.Sprintf("%s: %s", phrase.Plural(s.Nodes, "node"), strings.Join(parts, ", "))
	if s.Cordoned > 0 {
		line += fmt.Sprintf("; %d cordoned", s.Cordoned)
	}
	line += "."
	them := "them"
	if s.Nodes == 1 {
		them = "it"
	}
	switch {
	case s.Pods >= 0 && detail:
		line += fmt.Sprintf(" %s on %s.", phrase.Plural(s.Pods, "pod"), them)
	case s.Pods >= 0:
		line += fmt.Sprintf(" %s on %s, %d waiting for a node.", phrase.Plural(s.Pods, "pod"), them, s.Unscheduled)
	}
	return line
}

func stateMark(state string, c Colour) string {
	switch state {
	case explain.StateHealthy:
		return c.Green("ok")
	case explain.StateUnhealthy:
		return c.Red("FAILING")
	case explain.StateManaged:
		return c.Green("managed")
	}
	return c.Yellow("unknown")
}

// modeNames are the words for how a control plane is run.
var modeNames = map[string]string{
	explain.ModeSelfHosted:   "self-hosted",
	explain.ModeSingleBinary: "single binary",
	explain.ModeManaged:      "managed",
	explain.ModeNotVisible:   "not visible from inside the cluster",
}

func modeTitle(cp explain.ControlPlane) string {
	mode := modeNames[cp.Mode]
	if mode == "" {
		mode = Sanitize(cp.Mode)
	}
	if cp.Distribution != "" {
		mode += " (" + Sanitize(cp.Distribution) + ")"
	}
	return mode
}

// writeControlPlaneLine says in one line how the control plane is run and
// how its components are, and shows those that are not well in full.
func writeControlPlaneLine(b *page, cp explain.ControlPlane, c Colour) {
	if !cp.Checked {
		return
	}
	var parts []string
	for _, st := range []struct{ state, word string }{
		{explain.StateUnhealthy, c.Red("FAILING")}, {explain.StateUnknown, c.Yellow("unknown")},
		{explain.StateHealthy, c.Green("ok")}, {explain.StateManaged, "run by the provider"},
	} {
		var titles []string
		for _, comp := range cp.Components {
			if comp.State == st.state {
				titles = append(titles, comp.Title)
			}
		}
		if len(titles) > 0 {
			parts = append(parts, andList(titles)+" "+st.word)
		}
	}
	line := c.Bold("CONTROL PLANE:") + " " + modeTitle(cp)
	if len(parts) > 0 {
		line += " — " + strings.Join(parts, "; ")
	}
	b.WriteByte('\n')
	wrap(b, 0, line)
	for _, comp := range cp.Components {
		if comp.State == explain.StateUnhealthy || comp.State == explain.StateUnknown && len(comp.Observed) > 0 {
			writeComponent(b, comp, c, false)
		}
	}
}

// andList joins words as prose does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// writeControlPlane explains how the control plane is run and what each of
// its components does.
func writeControlPlane(b *page, cp explain.ControlPlane, c Colour) {
	fmt.Fprintf(b, "\n%s %s\n", c.Bold("HOW THE CONTROL PLANE IS RUN:"), modeTitle(cp))
	wrap(b, 2, cp.Explanation)
	if len(cp.Evidence) > 0 {
		wrapLabelled(b, 2, "Seen: ", strings.Join(cp.Evidence, "; ")+".")
	}
	for _, comp := range cp.Components {
		writeComponent(b, comp, c, true)
	}
}

// writeComponent writes one control-plane component: its job (with job),
// what was seen of it and, when it fails, what breaks and what to check.
func writeComponent(b *page, comp explain.Component, c Colour, job bool) {
	fmt.Fprintf(b, "\n  %s %s — %s\n", c.Bold(comp.Title), "("+comp.Name+")", stateMark(comp.State, c))
	if job {
		wrap(b, 4, comp.Job)
	}
	for _, o := range comp.Observed {
		wrapLabelled(b, 4, "- ", o)
	}
	if comp.State == explain.StateUnhealthy {
		wrapLabelled(b, 4, "What breaks: ", comp.Impact)
		wrapLabelled(b, 4, "Check: ", comp.Check)
	}
}

// row is one line of the node table.
type row struct {
	name, role, status, age, kubelet, pods, cpu, mem, gpu, taints, note string
	style                                                               func(string) string
	// node is the node the row stands for, the first of a folded row's.
	node explain.Node
}

// writeNodeTable writes the NODES table. The overview puts the most severe
// first and folds alike healthy nodes into a row, unless wide; wide adds
// each node's pool, zone, address and runtime, and never shortens a note.
func writeNodeTable(b *page, r *explain.Report, c Colour, overview, wide bool) {
	head := []string{"NAME", "ROLE", "STATUS", "AGE", "KUBELET", "PODS", "CPU", "MEMORY"}
	gpus := anyAccelerator(r.Nodes)
	if gpus {
		head = append(head, "GPU")
	}
	head = append(head, "TAINTS")
	if wide {
		head = append(head, "POOL", "ZONE", "INSTANCE-TYPE", "CAPACITY", "INTERNAL-IP", "RUNTIME")
	}
	head = append(head, "NOTE")
	header := make([]cell, len(head))
	for i, h := range head {
		header[i] = cell{text: h}
	}
	rows := [][]cell{header}
	nodes := r.Nodes
	if overview {
		nodes = slices.Clone(nodes)
		sort.SliceStable(nodes, func(i, j int) bool {
			return explain.SeverityRank(nodes[i].Severity) < explain.SeverityRank(nodes[j].Severity)
		})
	}
	list := nodeRows(nodes, r, c, overview && !wide)
	if suffix := commonSuffix(list); suffix != "" && !wide {
		fmt.Fprintf(b, "(node names below end in %s)\n", suffix)
		for i := range list {
			list[i].name = strings.Replace(list[i].name, suffix, "", 1)
		}
	}
	for _, rw := range list {
		cells := []cell{{text: rw.name}, {text: rw.role}, {text: rw.status, style: rw.style}, {text: rw.age},
			{text: rw.kubelet}, {text: rw.pods}, {text: rw.cpu}, {text: rw.mem}}
		if gpus {
			cells = append(cells, cell{text: rw.gpu})
		}
		cells = append(cells, cell{text: rw.taints})
		if wide {
			p := rw.node.Platform
			cells = append(cells, cell{text: orDash(Sanitize(rw.node.Pool))}, cell{text: orDash(Sanitize(p.Zone))},
				cell{text: orDash(Sanitize(p.InstanceType))}, cell{text: orDash(Sanitize(p.Capacity))},
				cell{text: orDash(Sanitize(rw.node.InternalIP))}, cell{text: orDash(Sanitize(rw.node.ContainerRuntime))})
		}
		rows = append(rows, append(cells, cell{text: rw.note}))
	}
	if !wide {
		fitNotes(rows, b.tableWidth)
	}
	_ = table(b, rows)
}

// commonSuffix returns the domain suffix all node names share (such as
// ".eu-west-1.compute.internal"), or "" when they share none or there is only
// one row.
func commonSuffix(rows []row) string {
	if len(rows) < 2 {
		return ""
	}
	base := func(rw row) string { return strings.Fields(rw.name)[0] }
	suffix := base(rows[0])
	for _, rw := range rows[1:] {
		for !strings.HasSuffix(base(rw), suffix) {
			suffix = suffix[1:]
		}
	}
	i := strings.Index(suffix, ".")
	if i < 0 {
		return ""
	}
	suffix = suffix[i:]
	for _, rw := range rows {
		if len(base(rw)) <= len(suffix) {
			return ""
		}
	}
	return suffix
}

// fitNotes shortens the NOTE column so the table fits in width columns.
func fitNotes(rows [][]cell, width int) {
	widths := make([]int, len(rows[0]))
	for _, rw := range rows {
		for i, cl := range rw {
			widths[i] = max(widths[i], displayWidth(cl.text))
		}
	}
	used := 0
	for _, w := range widths[:len(widths)-1] {
		used += w + 2
	}
	// The note gives way first; it keeps a few columns even when long names
	// push the table wider, and the findings say it in full.
	room := max(width-used, 4)
	for _, rw := range rows {
		rw[len(rw)-1].text = truncate(rw[len(rw)-1].text, room)
	}
}

func nodeRows(nodes []explain.Node, r *explain.Report, c Colour, group bool) []row {
	// Truly alike: the same role, pool, kubelet and allocatable CPU and
	// memory.
	type key struct {
		role, pool, kubelet string
		cpu, mem            int64
	}
	keyOf := func(n explain.Node) key {
		return key{strings.Join(n.Roles, ","), n.Pool, n.KubeletVersion, n.CPUAllocatableMilli, n.MemoryAllocatable}
	}
	groups := map[key][]explain.Node{}
	for _, n := range nodes {
		if alike(n) {
			groups[keyOf(n)] = append(groups[keyOf(n)], n)
		}
	}
	var rows []row
	done := map[key]bool{}
	for _, n := range nodes {
		k := keyOf(n)
		if group && alike(n) && len(groups[k]) >= groupAtLeast {
			if done[k] {
				continue
			}
			done[k] = true
			rows = append(rows, groupRow(groups[k], r, c))
			continue
		}
		rows = append(rows, nodeRow(n, r, c))
	}
	return rows
}

// alike reports whether a node is healthy and unremarkable, so it can be
// summarised with others like it.
func alike(n explain.Node) bool {
	return n.Readiness == explain.Ready && !n.Cordoned && len(n.Taints) == 0 && n.Note == ""
}

func nodeRow(n explain.Node, r *explain.Report, c Colour) row {
	status := string(n.Readiness)
	if n.Cordoned {
		status += ",cordoned"
	}
	style := c.Green
	switch {
	case n.Readiness == explain.NotReady:
		style = c.Red
	case n.Readiness == explain.Unknown || n.Cordoned:
		style = c.Yellow
	}
	return row{
		name: Sanitize(n.Name), role: Sanitize(strings.Join(n.Roles, ",")), status: status, style: style,
		age: age(n.CreatedAt, r.GeneratedAt), kubelet: orDash(Sanitize(n.KubeletVersion)),
		pods:   podsCell(r, n.Pods, n.PodsAllocatable),
		cpu:    usage(r, n.CPURequestedMilli, n.CPUAllocatableMilli, explain.FormatCPU),
		mem:    memoryUsage(r, n.MemoryRequested, n.MemoryAllocatable),
		gpu:    acceleratorCell(r, []explain.Node{n}),
		taints: strconv.Itoa(len(n.Taints)), note: Sanitize(n.Note), node: n,
	}
}

// anyAccelerator says whether some node has GPUs or other accelerators,
// which gives the table its GPU column.
func anyAccelerator(nodes []explain.Node) bool {
	for _, n := range nodes {
		for _, res := range n.Resources {
			if res.Accelerator && res.Allocatable > 0 {
				return true
			}
		}
	}
	return false
}

// acceleratorCell is the GPU column's cell: the accelerators the nodes'
// pods request of those they offer, "1/2", or "-" for nodes without.
func acceleratorCell(r *explain.Report, nodes []explain.Node) string {
	var requested, allocatable int64
	unknown := r.Summary.Pods < 0
	for _, n := range nodes {
		for _, res := range n.Resources {
			if !res.Accelerator {
				continue
			}
			allocatable += res.Allocatable
			requested += max(res.Requested, 0)
			unknown = unknown || res.Requested < 0
		}
	}
	switch {
	case allocatable == 0:
		return "-"
	case unknown:
		return "?/" + strconv.FormatInt(allocatable, 10)
	}
	return fmt.Sprintf("%d/%d", requested, allocatable)
}

func groupRow(nodes []explain.Node, r *explain.Report, c Colour) row {
	first := nodes[0]
	var pods int
	var podsAlloc, cpu, cpuAlloc, mem, memAlloc int64
	for _, n := range nodes {
		pods += n.Pods
		podsAlloc += n.PodsAllocatable
		cpu += n.CPURequestedMilli
		cpuAlloc += n.CPUAllocatableMilli
		mem += n.MemoryRequested
		memAlloc += n.MemoryAllocatable
	}
	rw := nodeRow(first, r, c)
	rw.name = fmt.Sprintf("%s +%d", Sanitize(first.Name), len(nodes)-1)
	rw.pods = podsCell(r, pods, podsAlloc)
	rw.cpu = usage(r, cpu, cpuAlloc, explain.FormatCPU)
	rw.mem = memoryUsage(r, mem, memAlloc)
	rw.gpu = acceleratorCell(r, nodes)
	rw.note = fmt.Sprintf("totals of %d", len(nodes))
	return rw
}

func podsCell(r *explain.Report, pods int, alloc int64) string {
	if r.Summary.Pods < 0 {
		return "?/" + strconv.FormatInt(alloc, 10)
	}
	return fmt.Sprintf("%d/%d", pods, alloc)
}

func usage(r *explain.Report, requested, allocatable int64, format func(int64) string) string {
	if r.Summary.Pods < 0 {
		return "?/" + format(allocatable)
	}
	return format(requested) + "/" + format(allocatable)
}

// memoryUsage prints requested/allocatable memory in the allocatable's unit,
// written once: "1.5/16Gi".
func memoryUsage(r *explain.Report, requested, allocatable int64) string {
	alloc := phrase.Bytes(allocatable)
	unit := strings.TrimLeft(alloc, "0123456789.")
	div := map[string]float64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50}[unit]
	if div == 0 {
		return usage(r, requested, allocatable, phrase.Bytes)
	}
	if r.Summary.Pods < 0 {
		return "?/" + alloc
	}
	req := strconv.FormatFloat(float64(requested)/div, 'f', 1, 64)
	req = strings.TrimSuffix(req, ".0")
	return req + "/" + alloc
}

func writeWorkerComponents(b *page, r *explain.Report, c Colour) {
	fmt.Fprintf(b, "\n%s\n", c.Bold("WORKER COMPONENTS (on every node)"))
	kubelets := tally(r.Nodes, func(n explain.Node) string { return n.KubeletVersion })
	runtimes := tally(r.Nodes, func(n explain.Node) string { return n.ContainerRuntime })
	wrapLabelled(b, 2, "kubelet: ", "the node's agent. It registers the node, starts the pods the scheduler assigns to it, reports their state and renews the node's lease as a heartbeat. Versions: "+kubelets+".")
	proxies := tally(r.Nodes, func(n explain.Node) string { return n.KubeProxy })
	proxyText := "programs each node's network rules so that Services reach their pods."
	switch {
	case proxies == "" || proxies == "- on "+phrase.Plural(len(r.Nodes), "node"):
		proxyText += " Not deployed as a DaemonSet in kube-system here."
	case proxies == "unknown on "+phrase.Plural(len(r.Nodes), "node"):
		proxyText += " It is deployed, but its pods could not be read."
	case proxies == "unread on "+phrase.Plural(len(r.Nodes), "node"):
		proxyText += " Whether it is deployed is unknown: the DaemonSets in kube-system were not read."
	default:
		proxyText += " Its pods: " + Sanitize(proxies) + "."
	}
	wrapLabelled(b, 2, "kube-proxy: ", proxyText)
	wrapLabelled(b, 2, "container runtime: ", "pulls images and runs the containers on the kubelet's orders. Versions: "+runtimes+".")
	wrap(b, 2, "`kubectl explain-nodes NODE` shows them for one node, with its pods, conditions and events.")
}

// tally counts the nodes per value: "v1.37.2 on 3 nodes, v1.36.4 on 1 node".
func tally(nodes []explain.Node, value func(explain.Node) string) string {
	counts := map[string]int{}
	var order []string
	for _, n := range nodes {
		v := orDash(value(n))
		if counts[v] == 0 {
			order = append(order, v)
		}
		counts[v]++
	}
	parts := make([]string, 0, len(order))
	for _, v := range order {
		parts = append(parts, fmt.Sprintf("%s on %s", v, phrase.Plural(counts[v], "node")))
	}
	return strings.Join(parts, ", ")
}

// writeFindings writes the findings under their heading, or says why there
// are none.
func writeFindings(b *page, r *explain.Report, c Colour, findings []explain.Finding) {
	fmt.Fprintf(b, "\n%s\n", c.Bold("FINDINGS"))
	if len(findings) == 0 {
		switch {
		case unread(r, "nodes"):
			b.WriteString("  None can be given: the nodes could not be read (see NOT READ below).\n")
		case len(r.Unread) > 0:
			wrap(b, 2, "Nothing needs attention in what could be read; see NOT READ below for what could not.")
		default:
			b.WriteString("  Nothing needs attention.\n")
		}
		return
	}
	writeFindingList(b, findings, c)
}

func writeFindingList(b *page, findings []explain.Finding, c Colour) {
	for _, f := range findings {
		subject := ""
		if len(f.Nodes) > 0 {
			subject = nodeNames(f.Nodes) + ": "
		}
		b.WriteByte('\n')
		wrapLabelled(b, 2, severityStyle(f.Severity, c)(strings.ToUpper(f.Severity))+" ", subject+f.Title)
		wrapLabelled(b, 4, "What it means: ", f.Meaning)
		if f.Fix != "" {
			wrapLabelled(b, 4, "What to do: ", f.Fix)
		}
	}
}

func nodeNames(names []string) string {
	clean := make([]string, len(names))
	for i, n := range names {
		clean[i] = Sanitize(n)
	}
	if len(clean) <= 5 {
		return strings.Join(clean, ", ")
	}
	return fmt.Sprintf("%s and %d more nodes", strings.Join(clean[:5], ", "), len(clean)-5)
}
