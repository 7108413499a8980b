package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The tests run from the repository's root, where make docs runs: the Go
// comments are read from there.
func TestMain(m *testing.M) {
	if err := os.Chdir("../.."); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// A field once released is never removed or renamed: every path of
// docs/schema/fields.txt is still in the schemas the types give.
func TestFieldsOnlyAdded(t *testing.T) {
	released, err := readFields("docs/schema/fields.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(released) < 100 {
		t.Fatalf("docs/schema/fields.txt lists %d fields; it should list every field released", len(released))
	}
	dir := t.TempDir()
	if err := writeSchemas(dir, "/nonexistent"); err != nil {
		t.Fatal(err)
	}
	now, err := readFields(filepath.Join(dir, "schema", "fields.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range released {
		if !slices.Contains(now, p) {
			t.Errorf("field %q was released and is gone: fields are only ever added", p)
		}
	}
}

// Every field of the overview's JSON, the API alerts are built on, says
// what it is.
func TestReportFieldsDescribed(t *testing.T) {
	s, err := schemaOf(outputs[0].value)
	if err != nil {
		t.Fatal(err)
	}
	for name, def := range s.Definitions {
		if def.Properties == nil {
			continue
		}
		for p := def.Properties.Oldest(); p != nil; p = p.Next() {
			if p.Value.Description == "" {
				t.Errorf("%s.%s has no description: give its Go field a comment", name, p.Key)
			}
		}
	}
}

// The schema is strict: it rejects a report without a required field and
// one with a field the types do not have.
func TestSchemaRejects(t *testing.T) {
	raw, err := os.ReadFile("docs/schema/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///report.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("file:///report.json")
	if err != nil {
		t.Fatal(err)
	}
	valid := map[string]any{
		"apiVersion": "explain-nodes.github.io/v1alpha1", "kind": "ClusterReport", "server": "https://x", "generatedAt": "2026-12-07T10:00:00Z",
		"verdict": map[string]any{"text": "No nodes: nothing can run.", "severity": "warning", "down": []any{}, "degraded": []any{},
			"controlPlaneFailing": []any{}, "podsWaiting": 0, "poolsUpgrading": []any{}},
		"summary":      map[string]any{"nodes": 0, "ready": 0, "notReady": 0, "unknown": 0, "cordoned": 0, "pods": 0, "unscheduled": 0},
		"controlPlane": map[string]any{"checked": true, "explanation": "x", "evidence": []any{}, "components": []any{}},
		"nodes":        []any{}, "pools": []any{}, "findings": []any{}, "unread": []any{},
	}
	check := func(name string, v map[string]any, ok bool) {
		b, _ := json.Marshal(v)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); (err == nil) != ok {
			t.Errorf("%s: valid=%v, want %v (%v)", name, err == nil, ok, err)
		}
	}
	check("a minimal report", valid, true)
	without := map[string]any{}
	for k, v := range valid {
		if k != "verdict" {
			without[k] = v
		}
	}
	check("without its verdict", without, false)
	extra := map[string]any{"surprise": 1}
	for k, v := range valid {
		extra[k] = v
	}
	check("with an unknown field", extra, false)
}
