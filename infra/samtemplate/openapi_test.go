package samtemplate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
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

// TestOpenAPISchemasMatchTypes: the documented Error codes are the ones
// answers carry (apigw's code→status map), and the Call schema documents
// every JSON field of switchboard.Call, so the document cannot lag behind.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	root, _ := mustRepoTemplate(t)
	raw, err := os.ReadFile(filepath.Join(root, "site", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	documented := slices.Sorted(slices.Values(doc.Components.Schemas["Error"].Properties["error"].Properties["code"].Enum))
	if want := apigw.ErrorCodes(); !slices.Equal(documented, want) {
		t.Errorf("Error.code enum %v, want the codes answers carry %v", documented, want)
	}
	call := doc.Components.Schemas["Call"].Properties
	ct := reflect.TypeFor[switchboard.Call]()
	for i := range ct.NumField() {
		name, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		if _, ok := call[name]; !ok {
			t.Errorf("the Call schema lacks %q", name)
		}
	}
}
