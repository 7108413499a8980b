// Command dist builds the release archives of kubectl explain-nodes for
// every platform, reproducibly: the same commit gives the same bytes. For
// each platform it writes kubectl-explain-nodes_<version>_<os>_<arch>.tar.gz
// (.zip for Windows) holding the plugin, its completion helper, LICENSE and
// README.md; then sha256 sums, and a krew manifest for those archives.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

var platforms = []struct{ os, arch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

const pkg = "github.com/explain-nodes/kubectl-explain-nodes"

func main() {
	version := flag.String("version", "v0.0.0-dev", "version to stamp, e.g. the git tag")
	commit := flag.String("commit", "unknown", "commit to stamp")
	epoch := flag.Int64("epoch", 0, "timestamp (Unix seconds) of every archive entry: the commit's time")
	out := flag.String("out", "dist", "output directory")
	manifestTemplate := flag.String("manifest", "plugins/explain-nodes.yaml.tmpl", "krew manifest template")
	only := flag.String("platforms", "", "build only these platforms, e.g. linux/amd64 (comma-separated); default all")
	flag.Parse()
	if *only != "" {
		var keep = platforms[:0]
		for _, p := range platforms {
			if strings.Contains(","+*only+",", ","+p.os+"/"+p.arch+",") {
				keep = append(keep, p)
			}
		}
		platforms = keep
	}
	if err := run(*version, *commit, time.Unix(*epoch, 0).UTC(), *out, *manifestTemplate); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

type archive struct {
	OS, Arch, File, SHA256, Bin string
}

func run(version, commit string, mtime time.Time, out, manifestTemplate string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var archives []archive
	var sums strings.Builder
	for _, p := range platforms {
		ext := ""
		if p.os == "windows" {
			ext = ".exe"
		}
		files := map[string][]byte{}
		for _, bin := range []string{"kubectl-explain_nodes", "kubectl_complete-explain_nodes"} {
			data, err := build(bin, p.os, p.arch, version, commit)
			if err != nil {
				return fmt.Errorf("building %s for %s/%s: %w", bin, p.os, p.arch, err)
			}
			files[bin+ext] = data
		}
		for _, f := range []string{"LICENSE", "README.md"} {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			files[f] = data
		}
		name := fmt.Sprintf("kubectl-explain-nodes_%s_%s_%s", version, p.os, p.arch)
		var data []byte
		var err error
		if p.os == "windows" {
			name += ".zip"
			data, err = zipped(files, mtime)
		} else {
			name += ".tar.gz"
			data, err = tarred(files, mtime)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hexSum := hex.EncodeToString(sum[:])
		fmt.Fprintf(&sums, "%s  %s\n", hexSum, name)
		archives = append(archives, archive{OS: p.os, Arch: p.arch, File: name, SHA256: hexSum, Bin: "kubectl-explain_nodes" + ext})
		fmt.Fprintf(os.Stderr, "dist: %s\n", name)
	}
	if err := os.WriteFile(filepath.Join(out, "sha256sums.txt"), []byte(sums.String()), 0o644); err != nil {
		return err
	}
	tmpl, err := template.ParseFiles(manifestTemplate)
	if err != nil {
		return err
	}
	var manifest bytes.Buffer
	if err := tmpl.Execute(&manifest, map[string]any{"Version": version, "Archives": archives}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "explain-nodes.yaml"), manifest.Bytes(), 0o644)
}

func build(bin, goos, goarch, version, commit string) ([]byte, error) {
	tmp, err := os.CreateTemp("", "dist-")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	ldflags := fmt.Sprintf("-s -w -buildid= -X %s/pkg/cmd.version=%s -X %s/pkg/cmd.commit=%s", pkg, version, pkg, commit)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", tmp.Name(), "./cmd/"+bin)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	return os.ReadFile(tmp.Name())
}

// sortedNames lists the archive's files in a fixed order.
func sortedNames(files map[string][]byte) []string {
	order := []string{"kubectl-explain_nodes", "kubectl-explain_nodes.exe", "kubectl_complete-explain_nodes", "kubectl_complete-explain_nodes.exe", "LICENSE", "README.md"}
	var names []string
	for _, n := range order {
		if _, ok := files[n]; ok {
			names = append(names, n)
		}
	}
	return names
}

func mode(name string) int64 {
	if strings.HasPrefix(name, "kubectl") {
		return 0o755
	}
	return 0o644
}

func tarred(files map[string][]byte, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	gz.ModTime = mtime
	tw := tar.NewWriter(gz)
	for _, name := range sortedNames(files) {
		hdr := &tar.Header{Name: name, Mode: mode(name), Size: int64(len(files[name])), ModTime: mtime, Format: tar.FormatPAX, Uname: "root", Gname: "root"}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func zipped(files map[string][]byte, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedNames(files) {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(os.FileMode(mode(name)))
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, bytes.NewReader(files[name])); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
