package explain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every code the detectors use has a row in the catalogue, and every row is
// used: the source is read, so a new finding cannot be added without its row.
func TestFindingCatalogueCoversTheCodes(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	used := map[Code]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "findings.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(id.Name, "Code") && len(id.Name) > 4 && id.Name != "Code" {
				used[Code(strings.TrimPrefix(id.Name, "Code"))] = true
			}
			return true
		})
	}
	for c := range used {
		if _, ok := findingCatalogue[c]; !ok {
			t.Errorf("code %s is used but has no row in the catalogue", c)
		}
	}
	for c, info := range findingCatalogue {
		if !used[c] {
			t.Errorf("code %s has a row but no detector gives it", c)
		}
		if len(info.Severities) == 0 || !strings.HasSuffix(info.About, ".") {
			t.Errorf("code %s: severities %v, about %q", c, info.Severities, info.About)
		}
		for _, s := range info.Severities {
			if s != SeverityCritical && s != SeverityWarning && s != SeverityInfo {
				t.Errorf("code %s: unknown severity %q", c, s)
			}
		}
	}
}
