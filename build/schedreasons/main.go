// Command schedreasons records, for every wording kube-scheduler has printed
// in its FailedScheduling fit-error messages, which minor releases printed
// it, taken from the scheduler source of each release.
//
// For each minor release from 1.5 to the newest it reads the module zip of
// k8s.io/kubernetes from the Go module proxy without downloading it whole:
// HTTP Range requests fetch the zip's central directory and the scheduler's
// files only (pkg/scheduler, plugin/pkg/scheduler where releases before 1.10
// kept it, the volume binder in pkg/controller/volume, and the core API types
// that name the resources). The files are cached under
// $HOME/.cache/kubectl-explain-nodes/schedsrc/<version>/, so a second run
// needs no network. The files are parsed with go/parser, and every string
// literal in use is collected (constant concatenations folded; a
// package-level constant or variable counts only if code in use refers to
// it). Then the releases column of pkg/diagnose/wordings.tsv is rewritten:
// the releases whose source holds the row's wording as a literal; a frame,
// or a wording with a format verb, may also be part of a longer literal
// ("0/%v nodes are available" in "0/%v nodes are available: %v."); a
// predicate must be the name of a PredicateFailureError whose GetReason
// returns the name (before 1.10); and "Insufficient cpu" also counts for a
// release that formats "Insufficient %v" with the API's ResourceCPU.
// Comment lines are kept as they are.
//
// Usage, from the repository's root:
//
//	go run ./build/schedreasons            # rewrite pkg/diagnose/wordings.tsv
//	go run ./build/schedreasons -check     # fail if the file is stale
//	go run ./build/schedreasons -discover  # list reason-like literals not yet in the file
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"os"
	pathpkg "path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// firstMinor and lastMinor bound the releases checked, lastVersion is the
// patch release read for the newest minor (vX.Y.0 for every other).
const (
	firstMinor  = 5
	lastMinor   = 37
	lastVersion = "v1.37.2"
)

// cacheSpec names what a cached release holds; a cache written for another
// set of directories is fetched again.
const cacheSpec = "schedreasons cache v2, no testing, testdata or examples: pkg/scheduler plugin/pkg/scheduler pkg/controller/volume/scheduling pkg/controller/volume/persistentvolume/scheduler_* pkg/api/types.go pkg/apis/core/types.go\n"

// typesFiles hold the API's ResourceName constants ("cpu", "pods", ...);
// they are read for those constants only, not for literals.
var typesFiles = map[string]bool{"pkg/api/types.go": true, "pkg/apis/core/types.go": true}

// wanted reports whether a file of the module is scheduler source to keep.
func wanted(name string) bool {
	if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
		return false
	}
	if typesFiles[name] {
		return true
	}
	for _, part := range strings.Split(name, "/") {
		if part == "testing" || part == "testdata" || part == "examples" {
			return false
		}
	}
	switch {
	case strings.HasPrefix(name, "pkg/scheduler/"),
		strings.HasPrefix(name, "plugin/pkg/scheduler/"),
		strings.HasPrefix(name, "pkg/controller/volume/scheduling/"):
		return true
	case strings.HasPrefix(name, "pkg/controller/volume/persistentvolume/"):
		return strings.HasPrefix(filepath.Base(name), "scheduler_")
	}
	return false
}

func main() {
	home, _ := os.UserHomeDir()
	tsv := flag.String("tsv", "pkg/diagnose/wordings.tsv", "the wordings file to rewrite")
	cache := flag.String("cache", filepath.Join(home, ".cache", "kubectl-explain-nodes", "schedsrc"), "where the extracted sources are cached")
	proxy := flag.String("proxy", "https://proxy.golang.org", "Go module proxy")
	discover := flag.Bool("discover", false, "print, per release, reason-like literals the file does not cover; write nothing")
	check := flag.Bool("check", false, "fail if the file's releases column is stale; write nothing")
	jobs := flag.Int("j", 3, "releases fetched at once")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./build/schedreasons [-discover | -check] [flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*tsv, *cache, *proxy, *jobs, *discover, *check); err != nil {
		fmt.Fprintln(os.Stderr, "schedreasons:", err)
		os.Exit(1)
	}
}

// release is the scheduler source of one minor release, boiled down to its
// string literals.
type release struct {
	minor   int
	version string
	// lits maps each literal (and folded constant concatenation) to where
	// it first occurs.
	lits map[string]string
	// preds holds the predicate names printed as reasons, before 1.10.
	preds map[string]string
	// derived holds wordings the source formats from a constant, such as
	// "Insufficient cpu" from "Insufficient %v" and ResourceCPU.
	derived map[string]string
	// candidates are the literals that look like fit-error reasons, used
	// or not.
	candidates map[string]string
}

func run(tsvPath, cache, proxy string, jobs int, discover, check bool) error {
	rows, lines, not, err := readTSV(tsvPath)
	if err != nil {
		return err
	}
	var versions []string
	for m := firstMinor; m <= lastMinor; m++ {
		v := fmt.Sprintf("v1.%d.0", m)
		if m == lastMinor {
			v = lastVersion
		}
		versions = append(versions, v)
	}
	rels := make([]*release, len(versions))
	errs := make([]error, len(versions))
	sem := make(chan struct{}, max(jobs, 1))
	var wg sync.WaitGroup
	for i, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dir := filepath.Join(cache, v)
			if err := ensureSource(proxy, v, dir); err != nil {
				errs[i] = fmt.Errorf("%s: %w", v, err)
				return
			}
			rels[i], errs[i] = analyze(dir, v, firstMinor+i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	if discover {
		printCandidates(os.Stdout, rows, not, rels)
		return nil
	}

	newest := rels[len(rels)-1]
	var out bytes.Buffer
	for _, l := range lines {
		if l.row < 0 {
			out.WriteString(l.text + "\n")
			continue
		}
		r := rows[l.row]
		var in []int
		for _, rel := range rels {
			if rel.has(r.kind, r.wording) {
				in = append(in, rel.minor)
			}
		}
		r.fields[4] = ranges(in)
		if len(in) == 0 {
			fmt.Fprintf(os.Stderr, "%s:%d: %q found in no release\n", tsvPath, r.line, r.wording)
		}
		// Today's wording is never a predicate name.
		nowKind := r.kind
		if nowKind == "predicate" {
			nowKind = "reason"
		}
		if r.now != "" && !newest.has(nowKind, r.now) {
			fmt.Fprintf(os.Stderr, "%s:%d: now %q is not in %s\n", tsvPath, r.line, r.now, newest.version)
		}
		if r.plugin != "" {
			if _, ok := newest.lits[r.plugin]; !ok {
				fmt.Fprintf(os.Stderr, "%s:%d: plugin %q is not in %s\n", tsvPath, r.line, r.plugin, newest.version)
			}
		}
		out.WriteString(strings.Join(r.fields, "\t") + "\n")
	}
	old, err := os.ReadFile(tsvPath)
	if err != nil {
		return err
	}
	if check {
		if !bytes.Equal(old, out.Bytes()) {
			return fmt.Errorf("%s is stale: run go run ./build/schedreasons", tsvPath)
		}
		return nil
	}
	if bytes.Equal(old, out.Bytes()) {
		return nil
	}
	return os.WriteFile(tsvPath, out.Bytes(), 0o644)
}

// verb matches a printf verb.
var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// has reports whether the release prints wording. A predicate must be a
// predicate name the release prints, or derived from a constant; anything
// else a literal in use, derived, or, for a frame or a format, inside a
// longer literal.
func (r *release) has(kind, wording string) bool {
	if _, ok := r.derived[wording]; ok {
		return true
	}
	if kind == "predicate" {
		_, ok := r.preds[wording]
		return ok
	}
	if _, ok := r.lits[wording]; ok {
		return true
	}
	if kind == "frame" || verb.MatchString(wording) {
		for l := range r.lits {
			if strings.Contains(l, wording) {
				return true
			}
		}
	}
	return false
}

// ranges writes minors as "1.5-1.9,1.11,1.35-", the open end meaning through
// the newest release checked.
func ranges(minors []int) string {
	if len(minors) == 0 {
		return "none"
	}
	var parts []string
	for i := 0; i < len(minors); {
		j := i
		for j+1 < len(minors) && minors[j+1] == minors[j]+1 {
			j++
		}
		switch {
		case minors[j] == lastMinor:
			parts = append(parts, fmt.Sprintf("1.%d-", minors[i]))
		case i == j:
			parts = append(parts, fmt.Sprintf("1.%d", minors[i]))
		default:
			parts = append(parts, fmt.Sprintf("1.%d-1.%d", minors[i], minors[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// row is one wording of wordings.tsv.
type row struct {
	line                       int
	kind, wording, now, plugin string
	fields                     []string
}

// line is one line of wordings.tsv: a row (its index) or text kept as is.
type line struct {
	row  int
	text string
}

var kinds = map[string]bool{"frame": true, "reason": true, "predicate": true, "preemption": true}

// readTSV reads the rows of path, every line, and the wordings of its
// "#not" lines: wordings -discover finds that are left out on purpose.
func readTSV(path string) ([]*row, []line, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	var rows []*row
	var lines []line
	var not []string
	seen := map[string]int{}
	for i, text := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if text == "" || strings.HasPrefix(text, "#") {
			if f := strings.Split(text, "\t"); f[0] == "#not" && len(f) > 1 {
				not = append(not, f[1])
			}
			lines = append(lines, line{-1, text})
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) < 4 || !kinds[f[0]] || f[1] == "" {
			return nil, nil, nil, fmt.Errorf("%s:%d: want kind<TAB>wording<TAB>now<TAB>plugin<TAB>releases", path, i+1)
		}
		for len(f) < 5 {
			f = append(f, "")
		}
		if prev, ok := seen[f[1]]; ok {
			return nil, nil, nil, fmt.Errorf("%s:%d: %q repeats line %d", path, i+1, f[1], prev)
		}
		seen[f[1]] = i + 1
		lines = append(lines, line{len(rows), ""})
		rows = append(rows, &row{line: i + 1, kind: f[0], wording: f[1], now: f[2], plugin: f[3], fields: f})
	}
	return rows, lines, not, nil
}

// printCandidates lists, release by release, the reason-like literals
// wordings.tsv does not cover: neither a row's wording, nor a "#not" line's,
// nor a frame's with only verbs and punctuation around it ("0/%v nodes are
// available: %v.").
func printCandidates(w io.Writer, rows []*row, not []string, rels []*release) {
	letter := regexp.MustCompile(`\pL`)
	covered := func(s string) bool {
		if slices.Contains(not, s) {
			return true
		}
		for _, r := range rows {
			if s == r.wording {
				return true
			}
			if r.kind == "frame" && strings.Contains(s, r.wording) &&
				!letter.MatchString(verb.ReplaceAllString(strings.Replace(s, r.wording, "", 1), "")) {
				return true
			}
		}
		return false
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for _, rel := range rels {
		var names []string
		for s := range rel.candidates {
			if !covered(s) {
				names = append(names, s)
			}
		}
		sort.Strings(names)
		fmt.Fprintf(bw, "# %s: %d new of %d candidates\n", rel.version, len(names), len(rel.candidates))
		for _, s := range names {
			note := ""
			if !rel.has("reason", s) && !rel.has("predicate", s) {
				note = "\t(unused)"
			}
			fmt.Fprintf(bw, "%s\t%q\t%s%s\n", rel.version, s, rel.candidates[s], note)
		}
	}
}

// ensureSource fills dir with the wanted files of k8s.io/kubernetes at
// version, unless a finished cache of the same spec is there.
func ensureSource(proxy, version, dir string) error {
	marker := filepath.Join(dir, ".complete")
	if b, err := os.ReadFile(marker); err == nil && string(b) == cacheSpec {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	start := time.Now()
	url := strings.TrimSuffix(proxy, "/") + "/k8s.io/kubernetes/@v/" + version + ".zip"
	ra, size, err := openRemote(url)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return err
	}
	prefix := "k8s.io/kubernetes@" + version + "/"
	var files []*zip.File
	var idx []int
	for i, f := range zr.File {
		if name, ok := strings.CutPrefix(f.Name, prefix); ok && wanted(name) {
			files = append(files, f)
			idx = append(idx, i)
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("no scheduler files in %s", url)
	}
	if rr, ok := ra.(*rangeReader); ok {
		if err := rr.prefetchFiles(zr.File, idx); err != nil {
			return err
		}
	}
	for _, f := range files {
		name := strings.TrimPrefix(f.Name, prefix)
		if err := extract(f, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if rr, ok := ra.(*rangeReader); ok {
		fmt.Fprintf(os.Stderr, "%s: %d files, %d requests, %d of %d bytes, %v\n",
			version, len(files), rr.requests, rr.fetched, size, time.Since(start).Round(time.Millisecond))
	} else {
		fmt.Fprintf(os.Stderr, "%s: %d files, whole zip of %d bytes, %v\n", version, len(files), size, time.Since(start).Round(time.Millisecond))
	}
	return os.WriteFile(marker, []byte(cacheSpec), 0o644)
}

func extract(f *zip.File, dst string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// chunk is the unit a rangeReader fetches and caches.
const chunk = 64 << 10

// rangeReader is an io.ReaderAt over a remote file, reading it with HTTP
// Range requests and keeping what it read.
type rangeReader struct {
	client   *http.Client
	url      string
	size     int64
	chunks   map[int64][]byte
	requests int
	fetched  int64
}

// openRemote returns a ReaderAt for url: a rangeReader if the server answers
// a Range request with 206 Partial Content, else the whole file in memory.
func openRemote(url string) (io.ReaderAt, int64, error) {
	client := &http.Client{Timeout: 5 * time.Minute}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		var first, last, total int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &total); err != nil || first != 0 || total <= 0 {
			return nil, 0, fmt.Errorf("%s: bad Content-Range %q", url, resp.Header.Get("Content-Range"))
		}
		r := &rangeReader{client: client, url: url, size: total, chunks: map[int64][]byte{}, requests: 1}
		// The end of central directory record, then the directory itself.
		tail := min(total, 64<<10)
		if err := r.fetch(total-tail, total); err != nil {
			return nil, 0, err
		}
		if off, n, ok := r.directory(total - tail); ok {
			if err := r.fetch(off, off+n); err != nil {
				return nil, 0, err
			}
		}
		return r, total, nil
	case http.StatusOK:
		fmt.Fprintf(os.Stderr, "%s: no Range support, downloading it whole\n", url)
		data, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, 0, err
		}
		return bytes.NewReader(data), int64(len(data)), nil
	default:
		return nil, 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
}

// directory finds the zip's central directory from its end record, read
// from tailStart on.
func (r *rangeReader) directory(tailStart int64) (off, n int64, ok bool) {
	tail := make([]byte, r.size-tailStart)
	if _, err := r.ReadAt(tail, tailStart); err != nil && err != io.EOF {
		return 0, 0, false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < 22 {
		return 0, 0, false
	}
	n = int64(binary.LittleEndian.Uint32(tail[i+12:]))
	off = int64(binary.LittleEndian.Uint32(tail[i+16:]))
	if off == 0xffffffff || off+n > r.size {
		return 0, 0, false // zip64 or garbled: archive/zip reads it on demand
	}
	return off, n, true
}

// prefetchFiles fetches, one request per run, the bytes of the files at idx
// (indexes into all, the central directory), so that extracting them needs
// no more requests. Files between two wanted ones are taken along when small.
func (r *rangeReader) prefetchFiles(all []*zip.File, idx []int) error {
	const maxGap = 1 << 20
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) {
			var gap uint64
			for k := idx[j] + 1; k < idx[j+1]; k++ {
				gap += all[k].CompressedSize64
			}
			if gap > maxGap {
				break
			}
			j++
		}
		first, last := all[idx[i]], all[idx[j]]
		start, err := first.DataOffset()
		if err != nil {
			return err
		}
		end, err := last.DataOffset()
		if err != nil {
			return err
		}
		end += int64(last.CompressedSize64)
		// The local header sits before the data.
		start = max(0, start-int64(30+len(first.Name)+len(first.Extra)))
		if end > start {
			if err := r.fetch(start, end); err != nil {
				return err
			}
		}
		i = j + 1
	}
	return nil
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= r.size {
		return 0, io.EOF
	}
	end := off + int64(len(p))
	var eof error
	if end > r.size {
		end, eof = r.size, io.EOF
	}
	if err := r.fetch(off, end); err != nil {
		return 0, err
	}
	n := 0
	for pos := off; pos < end; {
		c := pos / chunk
		k := copy(p[n:end-off], r.chunks[c][pos-c*chunk:])
		n += k
		pos += int64(k)
	}
	return n, eof
}

// fetch loads the chunks holding [off, end), one request per run of chunks
// not yet loaded.
func (r *rangeReader) fetch(off, end int64) error {
	last := (end - 1) / chunk
	for c := off / chunk; c <= last; {
		if r.chunks[c] != nil {
			c++
			continue
		}
		d := c
		for d+1 <= last && r.chunks[d+1] == nil {
			d++
		}
		lo, hi := c*chunk, min((d+1)*chunk, r.size)
		data, err := r.get(lo, hi)
		if err != nil {
			return err
		}
		for k := c; k <= d; k++ {
			r.chunks[k] = data[(k-c)*chunk : min((k-c+1)*chunk, hi-lo)]
		}
		c = d + 1
	}
	return nil
}

// get reads [lo, hi) with a Range request, retrying a few times.
func (r *rangeReader) get(lo, hi int64) ([]byte, error) {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		var data []byte
		if data, err = r.getOnce(lo, hi); err == nil {
			return data, nil
		}
	}
	return nil, err
}

func (r *rangeReader) getOnce(lo, hi int64) ([]byte, error) {
	req, err := http.NewRequest("GET", r.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", lo, hi-1))
	r.requests++
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return nil, fmt.Errorf("%s: range %d-%d: %s", r.url, lo, hi-1, resp.Status)
	}
	var first, last, total int64
	if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &total); err != nil || first != lo || last != hi-1 || total != r.size {
		return nil, fmt.Errorf("%s: asked for %d-%d, got Content-Range %q", r.url, lo, hi-1, resp.Header.Get("Content-Range"))
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != hi-lo {
		return nil, fmt.Errorf("%s: range %d-%d: got %d bytes", r.url, lo, hi-1, len(data))
	}
	r.fetched += int64(len(data))
	return data, nil
}

// sink gathers what one part of the source holds: a package-level constant
// or variable, or all the rest (function bodies, types), which is always in
// use.
type sink struct {
	// lits are string literals and folded constant concatenations.
	lits []valPos
	// preds are the first arguments of newPredicateFailureError, the
	// predicate names releases before 1.10 printed.
	preds []valPos
	// derived are "Insufficient <resource>" of newInsufficientResourceError
	// calls whose resource is an API constant.
	derived []valPos
	// refs are the package-level names used, as "<dir>.<name>".
	refs map[string]bool
}

type valPos struct{ val, pos string }

func newSink() *sink { return &sink{refs: map[string]bool{}} }

// analysis is the state of analyze over one release.
type analysis struct {
	dir       string
	fset      *token.FileSet
	direct    *sink
	decls     map[string]*sink
	resources map[string]string // ResourceCPU -> cpu
	// namesPrinted says PredicateFailureError.GetReason returns the
	// predicate's name (before 1.10), not its description.
	namesPrinted bool
	candidates   map[string]string
}

// analyze parses the cached source of one release. A literal counts only
// where it is used: in a function, or in a package-level constant or
// variable that something in use refers to (tainttoleration's
// ErrReasonNotMatch outlived its last use by many releases).
func analyze(dir, version string, minor int) (*release, error) {
	a := &analysis{dir: dir, fset: token.NewFileSet(), direct: newSink(), decls: map[string]*sink{},
		resources: map[string]string{}, candidates: map[string]string{}}
	type file struct {
		name string
		f    *ast.File
	}
	pkgs := map[string][]file{}
	var pkgDirs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		name, _ := filepath.Rel(dir, path)
		name = filepath.ToSlash(name)
		f, err := parser.ParseFile(a.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if typesFiles[name] {
			resourceNames(f, a.resources)
			return nil
		}
		pd := pathpkg.Dir(name)
		if pkgs[pd] == nil {
			pkgDirs = append(pkgDirs, pd)
		}
		pkgs[pd] = append(pkgs[pd], file{name, f})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(pkgDirs)
	for _, pd := range pkgDirs {
		ev := &evaluator{consts: map[string]ast.Expr{}, done: map[string]string{}, busy: map[string]bool{}}
		for _, fl := range pkgs[pd] {
			ev.collect(fl.f)
		}
		for _, fl := range pkgs[pd] {
			a.scanFile(pd, fl.f, ev)
		}
	}

	// What is in use: the direct sink, and the declarations it reaches.
	live := map[string]bool{}
	var queue []string
	for k := range a.direct.refs {
		queue = append(queue, k)
	}
	for len(queue) > 0 {
		k := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		s, ok := a.decls[k]
		if !ok || live[k] {
			continue
		}
		live[k] = true
		for r := range s.refs {
			queue = append(queue, r)
		}
	}
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sinks := []*sink{a.direct}
	for _, k := range keys {
		sinks = append(sinks, a.decls[k])
	}

	rel := &release{minor: minor, version: version, lits: map[string]string{}, preds: map[string]string{},
		derived: map[string]string{}, candidates: a.candidates}
	put := func(m map[string]string, vs []valPos) {
		for _, v := range vs {
			if _, ok := m[v.val]; !ok {
				m[v.val] = v.pos
			}
		}
	}
	for _, s := range sinks {
		put(rel.lits, s.lits)
		put(rel.derived, s.derived)
		if a.namesPrinted {
			put(rel.preds, s.preds)
		}
	}
	// "Insufficient cpu" is printed where "Insufficient %v" is formatted
	// with the API's ResourceCPU.
	if _, ok := rel.lits["Insufficient %v"]; !ok {
		clear(rel.derived)
	}
	for s, at := range rel.derived {
		if _, ok := rel.candidates[s]; !ok {
			rel.candidates[s] = at
		}
	}
	return rel, nil
}

// eachConst calls each for every constant of a file that has a value,
// with the type its spec names (nil if none).
func eachConst(f *ast.File, each func(name string, typ, value ast.Expr)) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					each(n.Name, vs.Type, vs.Values[i])
				}
			}
		}
	}
}

// resourceNames collects the ResourceName constants of the API's types.
func resourceNames(f *ast.File, into map[string]string) {
	eachConst(f, func(name string, typ, value ast.Expr) {
		if t, ok := typ.(*ast.Ident); !ok || t.Name != "ResourceName" {
			return
		}
		if bl, ok := value.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			if v, err := strconv.Unquote(bl.Value); err == nil {
				into[name] = v
			}
		}
	})
}

// evaluator folds the string constants of one package.
type evaluator struct {
	consts map[string]ast.Expr
	done   map[string]string
	busy   map[string]bool
}

func (e *evaluator) collect(f *ast.File) {
	eachConst(f, func(name string, _, value ast.Expr) { e.consts[name] = value })
}

// eval returns the string value of a constant expression: literals, the
// package's constants, concatenations and conversions of those.
func (e *evaluator) eval(x ast.Expr) (string, bool) {
	switch x := x.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return e.eval(x.X)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok := e.eval(x.X)
		if !ok {
			return "", false
		}
		b, ok := e.eval(x.Y)
		return a + b, ok
	case *ast.CallExpr:
		// A conversion such as ConflictReason("...") or string(c).
		if len(x.Args) == 1 {
			if _, ok := x.Fun.(*ast.Ident); ok {
				return e.eval(x.Args[0])
			}
		}
	case *ast.Ident:
		if v, ok := e.done[x.Name]; ok {
			return v, true
		}
		c, ok := e.consts[x.Name]
		if !ok || e.busy[x.Name] {
			return "", false
		}
		e.busy[x.Name] = true
		v, ok := e.eval(c)
		delete(e.busy, x.Name)
		if ok {
			e.done[x.Name] = v
		}
		return v, ok
	}
	return "", false
}

// scanFile records what one file of package directory pd holds.
func (a *analysis) scanFile(pd string, f *ast.File, ev *evaluator) {
	imports := map[string]string{}
	for _, is := range f.Imports {
		p, err := strconv.Unquote(is.Path.Value)
		if err != nil {
			continue
		}
		name := pathpkg.Base(p)
		if is.Name != nil {
			name = is.Name.Name
		}
		imports[name] = strings.TrimPrefix(p, "k8s.io/kubernetes/")
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.CONST && d.Tok != token.VAR {
				break
			}
			for _, spec := range d.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					var val ast.Expr
					switch {
					case len(vs.Values) == len(vs.Names):
						val = vs.Values[i]
					case len(vs.Values) == 1:
						val = vs.Values[0]
					default:
						continue
					}
					key := pd + "." + name.Name
					s := a.decls[key]
					if s == nil {
						s = newSink()
						a.decls[key] = s
					}
					a.walk(s, pd, imports, ev, val)
					if strings.HasPrefix(name.Name, "ErrReason") {
						a.strs(val, ev)
					}
				}
			}
			continue
		case *ast.FuncDecl:
			if d.Name.Name == "GetReason" && d.Recv != nil && len(d.Recv.List) == 1 &&
				typeName(d.Recv.List[0].Type) == "PredicateFailureError" && d.Body != nil {
				ast.Inspect(d.Body, func(n ast.Node) bool {
					if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
						if se, ok := r.Results[0].(*ast.SelectorExpr); ok && se.Sel.Name == "PredicateName" {
							a.namesPrinted = true
						}
					}
					return true
				})
			}
		}
		a.walk(a.direct, pd, imports, ev, d)
	}
}

func (a *analysis) at(n ast.Node) string {
	p := a.fset.Position(n.Pos())
	name, _ := filepath.Rel(a.dir, p.Filename)
	return fmt.Sprintf("%s:%d", filepath.ToSlash(name), p.Line)
}

// candidate notes a literal that looks like a fit-error reason.
func (a *analysis) candidate(s string, n ast.Node) {
	if strings.TrimSpace(s) == "" {
		return
	}
	if _, ok := a.candidates[s]; !ok {
		a.candidates[s] = a.at(n)
	}
}

// strs notes as candidates the string values in x: its literals and
// folded constants.
func (a *analysis) strs(x ast.Node, ev *evaluator) {
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit, *ast.Ident, *ast.BinaryExpr:
			if s, ok := ev.eval(n.(ast.Expr)); ok {
				a.candidate(s, n)
			}
		}
		return true
	})
}

// frames are parts of the message around the reasons, and of the
// preemption note.
var frames = []string{
	"nodes are available", "placements are available", "failed to fit in any node",
	"fit failure summary on nodes", "fit failure on node", "No nodes are available",
	"no nodes available", "No preemption victims found", "Preemption is not helpful", "preemption: ",
}

// constructors build a fit-error reason from their string arguments.
var constructors = regexp.MustCompile(`^(?i:new)?(PredicateFailureError|InsufficientResourceError|FailureReason)$`)

// walk records into s the literals, references and reasons under x.
func (a *analysis) walk(s *sink, pd string, imports map[string]string, ev *evaluator, x ast.Node) {
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit, *ast.BinaryExpr:
			if v, ok := ev.eval(n.(ast.Expr)); ok {
				s.lits = append(s.lits, valPos{v, a.at(n)})
				if looksLikeReason(v) {
					a.candidate(v, n)
				}
			}
		case *ast.Ident:
			s.refs[pd+"."+n.Name] = true
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				if p, ok := imports[id.Name]; ok {
					s.refs[p+"."+n.Sel.Name] = true
				}
			}
		case *ast.CompositeLit:
			// InsufficientResource{ResourceName: v1.ResourcePods, Reason: "Too many pods"}.
			if strings.Contains(typeName(n.Type), "InsufficientResource") {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Reason" {
							continue
						}
						el = kv.Value
					}
					if v, ok := ev.eval(el); ok {
						a.candidate(v, el)
					}
				}
			}
		case *ast.CallExpr:
			name := typeName(n.Fun)
			switch {
			case constructors.MatchString(name):
				for _, arg := range n.Args {
					a.strs(arg, ev)
				}
				if strings.HasSuffix(name, "PredicateFailureError") && len(n.Args) > 0 {
					if v, ok := ev.eval(n.Args[0]); ok {
						s.preds = append(s.preds, valPos{v, a.at(n)})
					}
				}
				if strings.HasSuffix(name, "InsufficientResourceError") && len(n.Args) > 0 {
					if v, ok := a.resources[typeName(n.Args[0])]; ok {
						s.derived = append(s.derived, valPos{"Insufficient " + v, a.at(n)})
					}
				}
			case name == "AppendReason":
				for _, arg := range n.Args {
					a.strs(arg, ev)
				}
			case name == "statusUnschedulable" && len(n.Args) > 1:
				// DynamicResources' statusUnschedulable(logger, reason, keysAndValues...).
				a.strs(n.Args[1], ev)
			case name == "NewStatus" && len(n.Args) > 1 && strings.Contains(typeName(n.Args[0]), "Unschedulable"):
				for _, arg := range n.Args[1:] {
					a.strs(arg, ev)
				}
			}
		}
		return true
	})
}

// typeName is the last name of an identifier, selector or generic type.
func typeName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.StarExpr:
		return typeName(x.X)
	case *ast.IndexExpr:
		return typeName(x.X)
	}
	return ""
}

// looksLikeReason picks literals worth a look wherever they are.
func looksLikeReason(s string) bool {
	if strings.Contains(s, "node(s)") || strings.HasPrefix(s, "Insufficient") {
		return true
	}
	for _, f := range frames {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}
