package cluster

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// A dump is read as a stream of objects: every Kubernetes object or list
// item of every file, in order. Lists are read item by item, so a list of
// 150,000 pods is never held whole.

// DumpError says what is wrong with a dump, and where.
type DumpError struct {
	// File is the file (or archive entry) at fault; Line its line, 0 when
	// not known.
	File string
	Line int
	// Byte is the offset in the file when the line is not known.
	Byte int64
	Msg  string
}

func (e *DumpError) Error() string {
	where := e.File
	switch {
	case e.Line > 0:
		where = fmt.Sprintf("%s, line %d", e.File, e.Line)
	case e.Byte > 0:
		where = fmt.Sprintf("%s, byte %d", e.File, e.Byte)
	}
	return fmt.Sprintf("%s: %s", where, e.Msg)
}

// lineOf returns the line of file at a byte offset, 0 if it cannot be read.
func lineOf(file string, offset int64) int {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	line := 1
	r := bufio.NewReader(f)
	for ; offset > 0; offset-- {
		b, err := r.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
	// What failed starts at the next byte that is not blank.
	for {
		b, err := r.ReadByte()
		if err != nil || b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}

// dumpObject is one object of a dump: its kind and its JSON.
type dumpObject struct {
	Kind string
	Raw  []byte
	// File is where it was read, for messages.
	File string
	// ListFile is true when the object came from a file of one namespace's
	// list written by kubectl cluster-info dump --output-directory
	// (NAMESPACE/pods.json): the file's namespace is then ListNamespace.
	ListNamespace string
}

// kindOf is an object's top-level kind, "" when it has none. It scans the
// JSON once without decoding it: a nested kind (an event's involvedObject,
// an owner reference) does not count, wherever the keys come.
func kindOf(raw []byte) string {
	depth := 0
	inString, escaped, expectKey := false, false, false
	keyStart := -1
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if keyStart >= 0 && string(raw[keyStart:i]) == "kind" {
					return stringValue(raw[i+1:])
				}
				keyStart = -1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if depth == 1 && expectKey {
				keyStart, expectKey = i+1, false
			}
		case '{':
			depth++
			expectKey = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		}
	}
	return ""
}

// stringValue reads ": "value"" at the start of b, "" when the value is not a string.
func stringValue(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return ""
	}
	var v string
	if json.NewDecoder(bytes.NewReader(bytes.TrimLeft(b[1:], " \t\r\n"))).Decode(&v) != nil {
		return ""
	}
	return v
}

// pathKinds are the kinds of the objects in a bundle's files named after
// their resource: troubleshoot's cluster-resources/pods/NAMESPACE.json and
// nodes.json, Sonobuoy's resources/ns/NAMESPACE/Pods.json and
// resources/non-ns/Nodes.json.
var pathKinds = map[string]string{
	"nodes": "Node", "pods": "Pod", "events": "Event", "services": "Service", "daemonsets": "DaemonSet",
	"replicasets": "ReplicaSet", "statefulsets": "StatefulSet", "deployments": "Deployment", "namespaces": "Namespace",
	"leases": "Lease", "replicationcontrollers": "ReplicationController", "replication-controllers": "ReplicationController",
}

// kindFromPath is the kind a bundle file's name, or its directory's, says.
func kindFromPath(file string) string {
	file = filepath.ToSlash(file)
	if i := strings.LastIndex(file, ":"); i >= 0 {
		file = file[i+1:] // an archive entry
	}
	base := strings.ToLower(strings.TrimSuffix(path.Base(file), path.Ext(file)))
	if k := pathKinds[base]; k != "" {
		return k
	}
	return pathKinds[strings.ToLower(path.Base(path.Dir(file)))]
}

// maxYAMLDocument is the largest YAML document read: a YAML document is
// converted whole, where a JSON list is read item by item.
const maxYAMLDocument = 1 << 30

// listMarker prefixes the kind of a pseudo-object visited at the start of
// each list: "List:PodList".
const listMarker = "List:"

// dumpFormats names what --from reads, for messages.
const dumpFormats = "a directory written by kubectl cluster-info dump --output-directory, that dump written to one file (or - for standard input), a file of kubectl get -o yaml|json, a troubleshoot or Sonobuoy bundle's directory, or any of these as a .tar.gz archive"

// eachDumpObject calls visit for every object of the dump at path: a
// directory (walked), a .tar.gz archive (every entry), or one file.
func eachDumpObject(path string, visit func(o *dumpObject) error) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading the dump %s: %w", path, errors.Unwrap(err))
	}
	if info.IsDir() {
		return eachDirObject(path, visit)
	}
	if isArchive(path) {
		return eachArchiveObject(path, visit)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading the dump %s: %w", path, err)
	}
	defer f.Close()
	n := 0
	err = eachStreamObject(f, path, "", true, func(o *dumpObject) error {
		n++
		return visit(o)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return &DumpError{File: path, Msg: "holds no Kubernetes object: --from reads " + dumpFormats}
	}
	return nil
}

func isArchive(path string) bool {
	return strings.HasSuffix(path, ".tar.gz") || strings.HasSuffix(path, ".tgz")
}

// dumpFile reports whether a file inside a directory or archive is one to
// read: JSON or YAML. Pod logs (logs.txt) and anything else are skipped.
func dumpFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// listNamespace is the namespace of a per-namespace list file of kubectl
// cluster-info dump --output-directory (NAMESPACE/pods.json), "" otherwise.
func listNamespace(rel string) string {
	dir, file := filepath.Split(filepath.ToSlash(rel))
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" || strings.Contains(dir, "/") {
		return ""
	}
	switch strings.TrimSuffix(file, filepath.Ext(file)) {
	case "pods", "events", "services", "daemonsets", "deployments", "replicasets", "replication-controllers":
		return dir
	}
	return ""
}

func eachDirObject(root string, visit func(o *dumpObject) error) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && dumpFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the dump %s: %w", root, err)
	}
	sort.Strings(files)
	n := 0
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		ns := listNamespace(rel)
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("reading the dump: %w", err)
		}
		err = eachStreamObject(f, p, ns, true, func(o *dumpObject) error {
			n++
			return visit(o)
		})
		f.Close()
		if err != nil {
			var notObject *notObjectError
			if errors.As(err, &notObject) {
				continue // a bundle's other JSON (host facts, versions): not an object
			}
			return err
		}
	}
	if n == 0 {
		return &DumpError{File: root, Msg: "holds no Kubernetes object in its JSON or YAML files: --from reads " + dumpFormats}
	}
	return nil
}

func eachArchiveObject(path string, visit func(o *dumpObject) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading the dump %s: %w", path, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return &DumpError{File: path, Msg: "is not a gzip-compressed archive: " + err.Error()}
	}
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &DumpError{File: path, Msg: "the archive is damaged or cut short: " + err.Error()}
		}
		if h.Typeflag != tar.TypeReg || !dumpFile(h.Name) {
			continue
		}
		name := path + ":" + h.Name
		// The archive's top directory is the bundle's name; a per-namespace
		// list sits one level below it.
		rel := h.Name
		if i := strings.Index(strings.TrimPrefix(rel, "./"), "/"); i >= 0 {
			rel = strings.TrimPrefix(rel, "./")[i+1:]
		}
		err = eachStreamObject(tr, name, listNamespace(rel), false, func(o *dumpObject) error {
			n++
			return visit(o)
		})
		if err != nil {
			var notObject *notObjectError
			if errors.As(err, &notObject) {
				continue
			}
			return err
		}
	}
	if n == 0 {
		return &DumpError{File: path, Msg: "holds no Kubernetes object in its JSON or YAML files: --from reads " + dumpFormats}
	}
	return nil
}

// notObjectError is a JSON or YAML file that holds something other than
// Kubernetes objects.
type notObjectError struct{ DumpError }

func (e *notObjectError) Unwrap() error { return &e.DumpError }

// eachStreamObject reads a file of JSON values or YAML documents, each an
// object or a list, with pod logs as kubectl cluster-info dump interleaves
// them on its standard output skipped. seekable says the file can be read
// again by name, to turn an offset into a line for messages.
func eachStreamObject(r io.Reader, file, ns string, seekable bool, visit func(o *dumpObject) error) error {
	br := bufio.NewReaderSize(&logFilter{r: bufio.NewReaderSize(r, 64<<10)}, 64<<10)
	first, err := firstByte(br)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return &DumpError{File: file, Msg: err.Error()}
	}
	where := func(offset int64) (int, int64) {
		if seekable {
			return lineOf(file, offset), 0
		}
		return 0, offset
	}
	if first == '{' || first == '[' {
		return eachJSONObject(br, file, ns, where, visit)
	}
	yr := utilyaml.NewYAMLReader(br)
	line := 1
	for {
		doc, err := yr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &DumpError{File: file, Line: line, Msg: "is not valid YAML: " + err.Error()}
		}
		start := line
		line += bytes.Count(doc, []byte("\n"))
		if len(doc) > maxYAMLDocument {
			return &DumpError{File: file, Line: start, Msg: fmt.Sprintf("holds a YAML document of %d MiB, which would have to be read whole: write the dump as JSON (kubectl cluster-info dump's default), which is read item by item", len(doc)>>20)}
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return &DumpError{File: file, Line: start, Msg: "the YAML document starting here is not valid: " + err.Error()}
		}
		if bytes.Equal(bytes.TrimSpace(j), []byte("null")) {
			continue
		}
		docWhere := func(int64) (int, int64) { return start, 0 }
		if err := eachJSONObject(bufio.NewReader(bytes.NewReader(j)), file, ns, docWhere, visit); err != nil {
			return err
		}
	}
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return b, br.UnreadByte()
		}
	}
}

// eachJSONObject reads JSON values, each an object or a list; a list's
// items are decoded one at a time. where turns an offset into the line or
// byte a message names.
func eachJSONObject(r io.Reader, file, ns string, where func(int64) (int, int64), visit func(o *dumpObject) error) error {
	dec := json.NewDecoder(r)
	fail := func(err error) error {
		offset := dec.InputOffset()
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			offset = syntax.Offset
		}
		line, at := where(offset)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
			return &DumpError{File: file, Line: line, Byte: at, Msg: "ends in the middle of an object: the file is cut short"}
		case syntax != nil:
			return &DumpError{File: file, Line: line, Byte: at, Msg: "is not valid JSON: " + syntax.Error()}
		}
		return &DumpError{File: file, Line: line, Byte: at, Msg: err.Error()}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fail(err)
		}
		if tok == json.Delim('[') {
			// A bare array of objects, as troubleshoot and Sonobuoy write
			// them (cluster-resources/pods/NAMESPACE.json): objects without
			// a kind take the one the file's name or directory says.
			kind := kindFromPath(file)
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return fail(err)
				}
				k := kindOf(raw)
				if k == "" {
					k = kind
				}
				if k == "" {
					return &notObjectError{DumpError{File: file, Msg: "is not a list of Kubernetes objects: --from reads " + dumpFormats}}
				}
				if err := visit(&dumpObject{Kind: k, Raw: raw, File: file}); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
			continue
		}
		if tok != json.Delim('{') {
			return &notObjectError{DumpError{File: file, Msg: "is not a Kubernetes object or list: --from reads " + dumpFormats}}
		}
		fields := map[string]json.RawMessage{}
		kind := ""
		sawItems, listMarked := false, false
		var waiting []json.RawMessage
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			key, _ := keyTok.(string)
			if key != "items" {
				var v json.RawMessage
				if err := dec.Decode(&v); err != nil {
					return fail(err)
				}
				fields[key] = v
				if key == "kind" {
					_ = json.Unmarshal(v, &kind)
				}
				continue
			}
			sawItems = true
			open, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if open != nil && open != json.Delim('[') {
				return &DumpError{File: file, Msg: "has items that are not a list"}
			}
			// The list itself, even empty: which namespaces a dump covers.
			// YAML puts kind after items; then the items wait for it.
			if kind != "" {
				if err := visit(&dumpObject{Kind: listMarker + kind, File: file, ListNamespace: ns}); err != nil {
					return err
				}
				listMarked = true
			}
			if open == nil { // "items": null
				continue
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return fail(err)
				}
				switch itemKind := kindOf(raw); {
				case itemKind != "":
					err = visit(&dumpObject{Kind: itemKind, Raw: raw, File: file, ListNamespace: ns})
				case kind != "":
					err = visit(&dumpObject{Kind: strings.TrimSuffix(kind, "List"), Raw: raw, File: file, ListNamespace: ns})
				default:
					waiting = append(waiting, raw)
				}
				if err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fail(err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
		if sawItems && !listMarked {
			if kind == "" && len(waiting) > 0 {
				return &DumpError{File: file, Msg: "has list items without a kind"}
			}
			if err := visit(&dumpObject{Kind: listMarker + kind, File: file, ListNamespace: ns}); err != nil {
				return err
			}
			for _, raw := range waiting {
				if err := visit(&dumpObject{Kind: strings.TrimSuffix(kind, "List"), Raw: raw, File: file, ListNamespace: ns}); err != nil {
					return err
				}
			}
		}
		switch {
		case sawItems:
		case kind == "":
			return &notObjectError{DumpError{File: file, Msg: "is not a Kubernetes object or list (it has no kind): --from reads " + dumpFormats}}
		default:
			raw, err := json.Marshal(fields)
			if err != nil {
				return fail(err)
			}
			if err := visit(&dumpObject{Kind: kind, Raw: raw, File: file, ListNamespace: ns}); err != nil {
				return err
			}
		}
	}
}

// logFilter drops the pod logs kubectl cluster-info dump interleaves with
// the lists on its standard output: from a "==== START logs for container"
// line to the matching "==== END logs for container" line.
type logFilter struct {
	r      *bufio.Reader
	buf    []byte
	inLogs bool
	err    error
}

func (f *logFilter) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A long line: only JSON or log text, never a marker.
			if !f.inLogs {
				f.buf = append(f.buf[:0], line...)
			}
			continue
		}
		f.err = err
		switch {
		case bytes.HasPrefix(line, []byte("==== START logs for container ")):
			f.inLogs = true
		case bytes.HasPrefix(line, []byte("==== END logs for container ")):
			f.inLogs = false
		case !f.inLogs:
			f.buf = append(f.buf[:0], line...)
		}
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}
