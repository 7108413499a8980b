package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	nodeJSON = `{"metadata":{"name":"n1","creationTimestamp":"2026-12-01T10:00:00Z"},"status":{"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-12-01T14:03:00Z","lastTransitionTime":"2026-12-01T10:00:00Z"}],"allocatable":{"cpu":"4","memory":"16Gi","pods":"110"}}}`
	podJSON  = `{"metadata":{"name":"p1","namespace":"shop","creationTimestamp":"2026-12-01T11:00:00Z"},"spec":{"nodeName":"n1","containers":[{"name":"app","image":"x","resources":{"requests":{"cpu":"500m"}}}]},"status":{"phase":"Running"}}`
	waitJSON = `{"metadata":{"name":"p2","namespace":"shop","creationTimestamp":"2026-12-01T11:00:00Z"},"spec":{"containers":[{"name":"app","image":"x"}]},"status":{"phase":"Pending"}}`
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every layout a dump comes in gives the same snapshot.
func TestDumpLayouts(t *testing.T) {
	dir := t.TempDir()
	stream := `{"kind":"NodeList","apiVersion":"v1","items":[` + nodeJSON + `]}
{"kind":"PodList","apiVersion":"v1","items":[` + podJSON + `,` + waitJSON + `]}
==== START logs for container app of pod shop/p1 ====
{ "not": "json, and a log line that looks like it
==== END logs for container app of pod shop/p1 ====
{"kind":"EventList","apiVersion":"v1","items":null}
`
	yamlItemsFirst := `apiVersion: v1
items:
- ` + nodeJSON + `
kind: NodeList
---
apiVersion: v1
items:
- ` + podJSON + `
- ` + waitJSON + `
kind: List
metadata: {}
`
	// kubectl get -o yaml of several kinds: a List whose items carry their kind.
	yamlItemsFirst = strings.Replace(yamlItemsFirst, `- `+podJSON, `- `+strings.Replace(podJSON, `{"metadata"`, `{"kind":"Pod","apiVersion":"v1","metadata"`, 1), 1)
	yamlItemsFirst = strings.Replace(yamlItemsFirst, `- `+waitJSON, `- `+strings.Replace(waitJSON, `{"metadata"`, `{"kind":"Pod","apiVersion":"v1","metadata"`, 1), 1)
	clusterInfo := filepath.Join(dir, "clusterinfo")
	write(t, clusterInfo, "nodes.json", `{"kind":"NodeList","apiVersion":"v1","items":[`+nodeJSON+`]}`)
	write(t, clusterInfo, "shop/pods.json", `{"kind":"PodList","apiVersion":"v1","items":[`+podJSON+`,`+waitJSON+`]}`)
	write(t, clusterInfo, "shop/p1/logs.txt", "not json {")
	// A troubleshoot bundle's cluster resources are bare arrays of objects
	// without a kind, one file per resource and namespace
	// (replicatedhq/troubleshoot pkg/collect/cluster_resources.go); so are
	// Sonobuoy's (resources/cluster/Nodes.json, resources/ns/NS/Pods.json).
	sonobuoy := filepath.Join(dir, "sonobuoy")
	write(t, sonobuoy, "resources/cluster/Nodes.json", `[`+nodeJSON+`]`)
	write(t, sonobuoy, "resources/ns/shop/Pods.json", `[`+podJSON+`,`+waitJSON+`]`)
	write(t, sonobuoy, "meta/config.json", `{"Version":"v0.57.3"}`)
	troubleshoot := filepath.Join(dir, "bundle")
	write(t, troubleshoot, "cluster-resources/nodes.json", `[`+nodeJSON+`]`)
	write(t, troubleshoot, "cluster-resources/pods/shop.json", `[`+podJSON+`,`+waitJSON+`]`)
	write(t, troubleshoot, "cluster-info/cluster_version.json", `{"info":{"gitVersion":"v1.37.2"}}`)
	var archive bytes.Buffer
	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)
	for name, content := range map[string]string{
		"bundle/cluster-resources/nodes.json":     `[` + nodeJSON + `]`,
		"bundle/cluster-resources/pods/shop.json": `[` + podJSON + `,` + waitJSON + `]`,
	} {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		_, _ = tw.Write([]byte(content))
	}
	_ = tw.Close()
	_ = gz.Close()
	for name, path := range map[string]string{
		"stream":       write(t, dir, "dump.json", stream),
		"yaml":         write(t, dir, "get.yaml", yamlItemsFirst),
		"cluster-info": clusterInfo,
		"troubleshoot": troubleshoot,
		"sonobuoy":     sonobuoy,
		"archive":      write(t, dir, "bundle.tar.gz", archive.String()),
	} {
		t.Run(name, func(t *testing.T) {
			d := &Dump{Path: path}
			s, err := d.ReadOverview(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Nodes) != 1 || len(s.Pods["n1"]) != 1 || s.Pods["n1"][0].CPUMilli != 500 || s.Unscheduled != 1 {
				t.Errorf("snapshot: %d nodes, pods %+v, %d unscheduled", len(s.Nodes), s.Pods, s.Unscheduled)
			}
			if want := time.Date(2026, 12, 1, 14, 3, 0, 0, time.UTC); !d.AsOf.Equal(want) {
				t.Errorf("as of %v, want the newest timestamp %v", d.AsOf, want)
			}
			if !GapIn(s.Gaps, "version", "") || !GapIn(s.Gaps, "leases", "") {
				t.Errorf("what a dump lacks should be gaps: %+v", s.Gaps)
			}
			// DaemonSets a dump lacks are unread, as a failed live read leaves them.
			if unread := GapIn(s.Gaps, "daemonsets", ""); unread != (s.SystemDaemonSets == nil) {
				t.Errorf("DaemonSets unread: %v, kube-system's DaemonSets %#v", unread, s.SystemDaemonSets)
			}
			if s.LeaderLeases != nil || s.NodeLeases != nil {
				t.Errorf("the dump holds no leases, yet they read as none: %v %v", s.LeaderLeases, s.NodeLeases)
			}
			p, err := d.ReadPending(context.Background(), "shop", "p2")
			if err != nil || p.Pod.Name != "p2" || len(p.Assigned) != 1 {
				t.Errorf("pending: %v %+v", err, p)
			}
		})
	}
}

func TestDumpErrors(t *testing.T) {
	dir := t.TempDir()
	full := `{"kind":"NodeList","apiVersion":"v1","items":[` + "\n" + nodeJSON + ",\n" + nodeJSON + "\n]}\n"
	for _, c := range []struct {
		content, want string
	}{
		{full[:len(full)-40], "cut.json, line 3: ends in the middle of an object"},
		{`{"kind": "NodeList", "items": [ {"a": } ]}`, "is not valid JSON"},
		{`{"hello": 1}`, "is not a Kubernetes object or list (it has no kind)"},
		{`{"kind":"ConfigMap","metadata":{"name":"x"}}`, "holds no nodes or pods (it holds ConfigMap)"},
		{`{"kind":"Node","metadata":{"name":7}}`, "a Node in it cannot be read"},
		{"", "holds no Kubernetes object"},
		{"kind: Node\nmetadata: {name: [\n", "line 1: the YAML document starting here is not valid"},
	} {
		path := write(t, dir, "cut.json", c.content)
		_, err := (&Dump{Path: path}).ReadOverview(context.Background())
		var de *DumpError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &de) {
			t.Errorf("%q: got %v, want a DumpError with %q", c.content, err, c.want)
		}
	}
	_, err := (&Dump{Path: filepath.Join(dir, "dump.json")}).ReadPending(context.Background(), "shop", "p3")
	if err == nil {
		t.Error("a missing dump should fail")
	}
	d := &Dump{Path: write(t, dir, "ok.json", `{"kind":"PodList","items":[`+podJSON+`,`+waitJSON+`]}`)}
	_, err = d.ReadPending(context.Background(), "shop", "p3")
	var nf *PodNotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "the closest names there are p1, p2") {
		t.Errorf("a pod not in the dump: %v", err)
	}
}

// FuzzDumpStream reads arbitrary bytes as a dump: an error or a snapshot,
// never a panic.
func FuzzDumpStream(f *testing.F) {
	f.Add([]byte(`{"kind":"NodeList","items":[` + nodeJSON + `]}`))
	f.Add([]byte("apiVersion: v1\nitems:\n- " + podJSON + "\nkind: PodList\n"))
	f.Add([]byte(`[` + nodeJSON + `]`))
	f.Add([]byte("==== START logs for container a of pod b/c ====\n{\n==== END logs for container a of pod b/c ====\n" + `{"kind":"Node","metadata":{"name":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "nodes.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = (&Dump{Path: path}).ReadOverview(context.Background())
	})
}

func TestKindOf(t *testing.T) {
	for raw, want := range map[string]string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{}}`:                                   "Pod",
		`{"count":1,"involvedObject":{"kind":"Node","name":"n1"},"kind":"Event"}`:          "Event",
		`{"metadata":{"ownerReferences":[{"kind":"ReplicaSet"}]},"spec":{}}`:               "",
		`{"a":"x\\\"kind\\\":\\\"Fake\\\"","b":["kind",{"kind":"Inner"}],"kind" : "Node"}`: "Node",
		`{"kind": 7}`: "",
	} {
		if got := kindOf([]byte(raw)); got != want {
			t.Errorf("kindOf(%s) = %q, want %q", raw, got, want)
		}
	}
}

// An empty DaemonSet list of kube-system, as kubectl cluster-info dump
// writes for it, reads as none; a dump without one, or whose lists are of
// other namespaces (--namespaces), leaves them unread.
func TestDumpEmptyDaemonSetList(t *testing.T) {
	dir := t.TempDir()
	nodes := `{"kind":"NodeList","apiVersion":"v1","items":[` + nodeJSON + `]}` + "\n"
	empty := `{"kind":"DaemonSetList","apiVersion":"apps/v1","metadata":{},"items":[]}`
	event := func(ns string) string {
		return `{"kind":"EventList","apiVersion":"v1","items":[{"metadata":{"name":"e","namespace":"` + ns + `"},"involvedObject":{"kind":"Pod","namespace":"` + ns + `","name":"p"},"reason":"Pulled","type":"Normal","lastTimestamp":"2026-12-01T14:00:00Z"}]}` + "\n"
	}
	byNamespace := func(name, ns string) string {
		d := filepath.Join(dir, name)
		write(t, d, "nodes.json", nodes)
		write(t, d, ns+"/daemonsets.json", empty)
		write(t, d, ns+"/pods.json", `{"kind":"PodList","apiVersion":"v1","items":[]}`)
		return d
	}
	for name, c := range map[string]struct {
		path string
		read bool
	}{
		"stream covering kube-system":       {write(t, dir, "ks.json", nodes+event("kube-system")+empty+"\n"), true},
		"stream of another namespace":       {write(t, dir, "other.json", nodes+event("default")+empty+"\n"), false},
		"stream without DaemonSet lists":    {write(t, dir, "none.json", nodes+event("kube-system")), false},
		"directory with kube-system's list": {byNamespace("dir-ks", "kube-system"), true},
		"directory with another namespace":  {byNamespace("dir-other", "default"), false},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := (&Dump{Path: c.path}).ReadOverview(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if read := s.SystemDaemonSets != nil && !GapIn(s.Gaps, "daemonsets", ""); read != c.read {
				t.Errorf("DaemonSets read: %v, want %v (gaps %+v)", read, c.read, s.Gaps)
			}
		})
	}
}
