// Command bench measures kubectl explain-nodes against kubectl on one
// simulated cluster in one run: it fills a kwok cluster with nodes and pods
// (some pending), then runs each command several times, interleaved, and
// reports median wall time, peak memory (RSS) and the ratios to kubectl.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/explain-nodes/kubectl-explain-nodes/internal/fixture"
	"github.com/explain-nodes/kubectl-explain-nodes/internal/phrase"
)

type options struct {
	kubeconfig, kubectl, plugin, out string
	nodes, podsPerNode, pending      int
	namespaces, reps, warmup         int
	populate, describe               bool
	settle                           time.Duration
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == measureArg {
		os.Exit(measureChild(os.Args[2:]))
	}
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the kwok cluster to fill and measure")
	flag.StringVar(&o.kubectl, "kubectl", "kubectl", "kubectl binary")
	flag.StringVar(&o.plugin, "plugin", "bin/kubectl-explain_nodes", "the plugin binary")
	flag.StringVar(&o.out, "out", "", "write the result table (Markdown) to this file")
	flag.IntVar(&o.nodes, "nodes", 1000, "nodes to create")
	flag.IntVar(&o.podsPerNode, "pods-per-node", 30, "running pods per node")
	flag.IntVar(&o.pending, "pending", 20, "pods that stay Pending")
	flag.IntVar(&o.namespaces, "namespaces", 50, "namespaces the pods are spread over")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of each command")
	flag.IntVar(&o.warmup, "warmup", 1, "turns of every command run first and not counted (a freshly filled cluster is still settling)")
	flag.BoolVar(&o.populate, "populate", true, "create the nodes and pods (false: measure the cluster as it is)")
	flag.BoolVar(&o.describe, "describe", true, "measure `kubectl describe nodes` too (minutes per run on 5,000 nodes)")
	flag.DurationVar(&o.settle, "settle", time.Minute, "before each command, wait at most this long for the machine to be as idle as at the start (0: do not wait)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 2000, 4000
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	if !o.populate {
		return measure(o)
	}
	if err := populate(ctx, c, o); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: cluster of %d nodes and %d pods ready in %s\n", o.nodes, o.nodes*o.podsPerNode+o.pending, time.Since(start).Round(time.Second))
	return measure(o)
}

// populate creates the nodes, namespaces and pods, and waits until the pods
// run and the pending ones have the scheduler's verdict.
func populate(ctx context.Context, c kubernetes.Interface, o options) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(64)
	for i := range o.nodes {
		g.Go(func() error {
			n := fixture.Node{Name: fmt.Sprintf("bench-%05d", i), Capacity: fixture.Resources("32", "128Gi", "110")}
			_, err := c.CoreV1().Nodes().Create(gctx, n.Object(), metav1.CreateOptions{})
			return ignoreExists(err)
		})
	}
	names := []string{"bench-pending"}
	for i := range o.namespaces {
		names = append(names, fmt.Sprintf("bench-%02d", i))
	}
	for _, ns := range names {
		g.Go(func() error {
			if _, err := c.CoreV1().Namespaces().Create(gctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); ignoreExists(err) != nil {
				return err
			}
			// Pods need the default service account, which a controller
			// creates a moment later; create it now.
			_, err := c.CoreV1().ServiceAccounts(ns).Create(gctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
			return ignoreExists(err)
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("creating nodes and namespaces: %w", err)
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(64)
	for i := range o.nodes * o.podsPerNode {
		g.Go(func() error {
			p := fixture.Pod{Name: fmt.Sprintf("app-%06d", i), Namespace: fmt.Sprintf("bench-%02d", i%o.namespaces),
				NodeName: fmt.Sprintf("bench-%05d", i/o.podsPerNode), Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%200)},
				Requests: fixture.Resources("100m", "256Mi", "")}
			_, err := c.CoreV1().Pods(p.Namespace).Create(gctx, p.Object(), metav1.CreateOptions{})
			return ignoreExists(err)
		})
	}
	for i := range o.pending {
		g.Go(func() error {
			p := fixture.Pod{Name: fmt.Sprintf("pending-%03d", i), Namespace: "bench-pending", Requests: fixture.Resources("64", "", "")}
			_, err := c.CoreV1().Pods(p.Namespace).Create(gctx, p.Object(), metav1.CreateOptions{})
			return ignoreExists(err)
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("creating pods: %w", err)
	}
	// kwok starts some 50 pods a second here while the cluster fills.
	wait := max(15*time.Minute, time.Duration(o.nodes*o.podsPerNode/50)*time.Second)
	deadline := time.Now().Add(wait)
	// Each poll filters every pod in the API server's cache: at 150,000 pods
	// every 3 s would take CPU the filling needs.
	poll := max(3*time.Second, time.Duration(o.nodes*o.podsPerNode/10000)*time.Second)
	for {
		// From the cache (resourceVersion=0): a consistent list can time out
		// while the API server is saturated, and so can this one; then the
		// next poll tries again.
		list, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{ResourceVersion: "0", FieldSelector: "status.phase=Pending,spec.nodeName!="})
		if (apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err)) && time.Now().Before(deadline) {
			fmt.Fprintf(os.Stderr, "bench: %v; polling again\n", err)
			time.Sleep(poll)
			continue
		}
		if err != nil {
			return err
		}
		if len(list.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d pods still not running after %s", len(list.Items), wait)
		}
		fmt.Fprintf(os.Stderr, "bench: %d pods on nodes not running yet\n", len(list.Items))
		time.Sleep(poll)
	}
	_, err := fixture.WaitForPod(ctx, c, "bench-pending", "pending-000", fixture.Unschedulable)
	if o.pending == 0 {
		err = nil
	}
	if err != nil {
		return err
	}
	// One pod the scheduler places on the full cluster, for why-here.
	placed := fixture.Pod{Name: placedPod, Namespace: "bench-pending", Labels: map[string]string{"app": "app-7"}, Requests: fixture.Resources("100m", "256Mi", "")}
	if _, err := c.CoreV1().Pods(placed.Namespace).Create(ctx, placed.Object(), metav1.CreateOptions{}); ignoreExists(err) != nil {
		return err
	}
	// why-here needs it bound, not running; the scheduler may be busy with
	// the pending pods' retries.
	for end := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Second) {
		got, err := c.CoreV1().Pods(placed.Namespace).Get(ctx, placed.Name, metav1.GetOptions{})
		switch {
		case err == nil && got.Spec.NodeName != "":
			return nil
		case time.Now().After(end) && err == nil:
			return fmt.Errorf("the scheduler has not placed %s/%s in 5 minutes (conditions %+v)", placed.Namespace, placed.Name, got.Status.Conditions)
		case time.Now().After(end):
			return err
		}
	}
}

// placedPod is the pod the scheduler places once the cluster is full.
const placedPod = "placed-000"

func ignoreExists(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// command is one measured command line.
type command struct {
	name string
	args []string // argv, argv[0] the program
	// baseline marks kubectl's own commands.
	baseline bool
}

// sample is one run of a command.
type sample struct {
	wall   time.Duration
	rssKiB int64
	bytes  int64
}

func measure(o options) error {
	plugin, err := filepath.Abs(o.plugin)
	if err != nil {
		return err
	}
	binDir, err := os.MkdirTemp("", "bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	if err := os.Symlink(plugin, filepath.Join(binDir, "kubectl-explain_nodes")); err != nil {
		return err
	}
	kubectl, err := exec.LookPath(o.kubectl)
	if err != nil {
		return err
	}
	node := "bench-00001"
	pod := "pending-000"
	// A dump of the full cluster for --from, as kubectl get writes it:
	// kubectl cluster-info dump also asks every pod for its logs, 30,000
	// requests that kwok's nodes answer with an error a few a second.
	dumpFile, err := os.CreateTemp("", "bench-dump-*.json")
	if err != nil {
		return err
	}
	dump := dumpFile.Name()
	defer os.Remove(dump)
	start := time.Now()
	dumpCmd := exec.Command(o.kubectl, "get", "nodes,pods,events,daemonsets,replicasets,services,namespaces", "-A", "-o", "json")
	dumpCmd.Env = append(os.Environ(), "KUBECONFIG="+o.kubeconfig)
	var stderr strings.Builder
	dumpCmd.Stdout, dumpCmd.Stderr = dumpFile, &stderr
	err = dumpCmd.Run()
	dumpFile.Close()
	if err != nil {
		return fmt.Errorf("kubectl get -o json for the dump: %v\n%s", err, stderr.String())
	}
	fmt.Fprintf(os.Stderr, "bench: the dump (kubectl get -A -o json) took %s\n", time.Since(start).Round(time.Millisecond))
	cmds := []command{
		{name: "kubectl explain-nodes", args: []string{kubectl, "explain-nodes"}},
		{name: "kubectl explain-nodes -o json", args: []string{kubectl, "explain-nodes", "-o", "json"}},
		{name: "kubectl explain-nodes " + node, args: []string{kubectl, "explain-nodes", node}},
		{name: "kubectl explain-nodes why-pending " + pod, args: []string{kubectl, "explain-nodes", "why-pending", pod, "-n", "bench-pending"}},
		// The plugin run directly: its own peak memory, without kubectl's.
		{name: "kubectl-explain_nodes (direct)", args: []string{plugin}},
		{name: "kubectl-explain_nodes why-pending (direct)", args: []string{plugin, "why-pending", pod, "-n", "bench-pending"}},
		{name: "kubectl explain-nodes why-here " + placedPod, args: []string{kubectl, "explain-nodes", "why-here", placedPod, "-n", "bench-pending"}},
		{name: "kubectl-explain_nodes why-here (direct)", args: []string{plugin, "why-here", placedPod, "-n", "bench-pending"}},
		{name: "kubectl explain-nodes --from DUMP", args: []string{kubectl, "explain-nodes", "--from", dump}},
		{name: "kubectl explain-nodes why-pending " + pod + " --from DUMP", args: []string{kubectl, "explain-nodes", "why-pending", pod, "-n", "bench-pending", "--from", dump}},
		{name: "kubectl get nodes", args: []string{kubectl, "get", "nodes"}, baseline: true},
		{name: "kubectl get pods -A", args: []string{kubectl, "get", "pods", "-A"}, baseline: true},
		{name: "kubectl describe nodes", args: []string{kubectl, "describe", "nodes"}, baseline: true},
	}
	if o.pending == 0 {
		cmds = slices.DeleteFunc(cmds, func(c command) bool { return strings.Contains(c.name, "why-pending") })
	}
	if !o.describe {
		cmds = slices.DeleteFunc(cmds, func(c command) bool { return c.name == "kubectl describe nodes" })
	}
	env := append(os.Environ(), "KUBECONFIG="+o.kubeconfig, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	samples := map[string][]sample{}
	var quiet float64
	quietOK := false
	if o.settle > 0 {
		quiet, quietOK = idleShare(2 * time.Second)
	}
	if quietOK {
		fmt.Fprintf(os.Stderr, "bench: the machine is %.0f%% idle before the first command\n", quiet*100)
	}
	for rep := -o.warmup; rep < o.reps; rep++ {
		for _, c := range cmds {
			if quietOK {
				settle(quiet, o.settle)
			}
			s, err := runOnce(c, env)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			turn := fmt.Sprintf("rep %d/%d", rep+1, o.reps)
			if rep < 0 {
				turn = "warm-up"
			} else {
				samples[c.name] = append(samples[c.name], s)
			}
			fmt.Fprintf(os.Stderr, "bench: %s %-45s %8s %6d MiB\n", turn, c.name, s.wall.Round(time.Millisecond), s.rssKiB/1024)
		}
	}
	table := report(o, cmds, samples)
	fmt.Print(table)
	if o.out != "" {
		return os.WriteFile(o.out, []byte(table), 0o644)
	}
	return nil
}

// settle waits, at most limit, until the machine is nearly as idle as it was
// before the first command. A big list leaves the API server busy for a
// while after it (collecting its garbage): without this, whichever command
// follows kubectl get pods -A pays for it.
func settle(quiet float64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if idle, ok := idleShare(time.Second); !ok || idle >= 0.8*quiet {
			return
		}
	}
}

// idleShare is the share of the machine's CPU time that was idle over d,
// from /proc/stat; ok is false where that cannot be read.
func idleShare(d time.Duration) (share float64, ok bool) {
	read := func() (idle, total uint64, ok bool) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0, false
		}
		line, _, _ := strings.Cut(string(b), "\n")
		fields := strings.Fields(line)
		if len(fields) < 5 || fields[0] != "cpu" {
			return 0, 0, false
		}
		for i, f := range fields[1:] {
			v, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return 0, 0, false
			}
			total += v
			if i == 3 || i == 4 { // idle, iowait
				idle += v
			}
		}
		return idle, total, true
	}
	i0, t0, ok0 := read()
	time.Sleep(d)
	i1, t1, ok1 := read()
	if !ok0 || !ok1 || t1 <= t0 {
		return 0, false
	}
	return float64(i1-i0) / float64(t1-t0), true
}

// measureArg makes the bench binary run one command and report its peak
// RSS. Measuring through this small process matters: Go starts children
// with vfork, so a child's peak RSS counts its parent's memory until exec,
// and the bench process itself is large.
const measureArg = "__measure"

// measureChild runs args and writes the child's peak RSS (KiB) to the file
// named by BENCH_RSS_FILE.
func measureChild(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		_ = os.WriteFile(os.Getenv("BENCH_RSS_FILE"), []byte(fmt.Sprint(ru.Maxrss)), 0o644)
	}
	return cmd.ProcessState.ExitCode()
}

func runOnce(c command, env []string) (sample, error) {
	self, err := os.Executable()
	if err != nil {
		return sample{}, err
	}
	rssFile, err := os.CreateTemp("", "bench-rss-")
	if err != nil {
		return sample{}, err
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	cmd := exec.Command(self, append([]string{measureArg}, c.args...)...)
	cmd.Env = append(env, "BENCH_RSS_FILE="+rssFile.Name())
	counter := &countWriter{}
	cmd.Stdout = counter
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	s := sample{wall: wall, bytes: counter.n}
	if b, err := os.ReadFile(rssFile.Name()); err == nil {
		fmt.Sscan(string(b), &s.rssKiB)
	}
	return s, nil
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

func median(ss []sample, f func(sample) float64) float64 {
	vals := make([]float64, len(ss))
	for i, s := range ss {
		vals[i] = f(s)
	}
	slices.Sort(vals)
	n := len(vals)
	if n == 0 {
		return 0 // a command not measured (kubectl describe nodes with --describe=false)
	}
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

func report(o options, cmds []command, samples map[string][]sample) string {
	wall := func(name string) float64 {
		return median(samples[name], func(s sample) float64 { return s.wall.Seconds() })
	}
	var b strings.Builder
	warm := ""
	if o.warmup > 0 {
		warm = ", after " + phrase.Plural(o.warmup, "turn") + " not counted"
	}
	fmt.Fprintf(&b, "Cluster: %d kwok nodes, %d running pods in %d namespaces, %d pending; %s of each command, interleaved%s; %s, %d CPUs.\n\n",
		o.nodes, o.nodes*o.podsPerNode, o.namespaces, o.pending, phrase.Plural(o.reps, "run"), warm, runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	b.WriteString("| command | median wall | peak RSS (max) | output | vs `get nodes` | vs `get pods -A` | vs `describe nodes` |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cmds {
		ss := samples[c.name]
		var rss int64
		for _, s := range ss {
			rss = max(rss, s.rssKiB)
		}
		w := wall(c.name)
		ratio := func(base string) string {
			if bw := wall(base); bw > 0 {
				return fmt.Sprintf("%.3f×", w/bw)
			}
			return "-"
		}
		fmt.Fprintf(&b, "| `%s` | %.3f s | %d MiB | %s | %s | %s | %s |\n", c.name, w, rss/1024, size(ss[0].bytes),
			ratio("kubectl get nodes"), ratio("kubectl get pods -A"), ratio("kubectl describe nodes"))
	}
	return b.String()
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
