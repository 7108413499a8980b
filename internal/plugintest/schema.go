package plugintest

import (
	"bytes"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateJSON fails the test unless doc, a JSON document, is valid against
// the JSON Schema in the file schemaPath (docs/schema/*.schema.json).
func ValidateJSON(t testing.TB, schemaPath string, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///schema.json", schemaDoc); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	schema, err := c.Compile("file:///schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("the output is not JSON: %v\n%s", err, doc)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("the output does not match %s: %v", schemaPath, err)
	}
}
