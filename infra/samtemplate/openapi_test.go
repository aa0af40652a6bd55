package samtemplate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes keeps site/openapi.json (served at /openapi.json)
// and template.yaml in step: every route is documented, and nothing is
// documented that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	root, tpl := mustRepoTemplate(t)
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "site", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	var missing []string
	for _, fn := range fns {
		for _, r := range fn.Routes {
			key := r.Method + " " + r.Path
			if !documented[key] {
				missing = append(missing, key+" ("+fn.LogicalID+")")
			}
			delete(documented, key)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("route %s is not in site/openapi.json", m)
	}
	for extra := range documented {
		t.Errorf("site/openapi.json documents %s, which template.yaml does not route", extra)
	}
}
