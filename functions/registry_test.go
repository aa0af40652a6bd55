package functions_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/functions"
	"github.com/switchboard-hq/switchboard/infra/testenv"
)

// TestRegistryMatchesTemplate: every function of template.yaml has a
// constructor under its Handler, and every constructor serves a function,
// so that neither can be added or removed alone.
func TestRegistryMatchesTemplate(t *testing.T) {
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	inTemplate := map[string]bool{}
	for _, fn := range fns {
		inTemplate[fn.Handler] = true
		if _, ok := functions.Lookup(fn.Handler); !ok {
			t.Errorf("%s: Handler %q is not in functions/registry.go", fn.LogicalID, fn.Handler)
		}
	}
	for _, f := range functions.All() {
		if !inTemplate[f.ID] {
			t.Errorf("functions/registry.go has %s, which no function of template.yaml names as its Handler", f.ID)
		}
	}
}

// TestRegistryOrder keeps the table sorted and free of duplicates, so that
// entries added on two branches merge without a conflict or a shadowed twin.
func TestRegistryOrder(t *testing.T) {
	all := functions.All()
	ids := make([]string, len(all))
	for i, f := range all {
		ids[i] = f.ID
		if f.New == nil {
			t.Errorf("%s has no constructor", f.ID)
		}
	}
	if !slices.IsSorted(ids) {
		t.Errorf("registry is not sorted by ID: %s", strings.Join(ids, ", "))
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("registry has a duplicate ID: %s", strings.Join(ids, ", "))
	}
	if _, ok := functions.Lookup("NoSuchFunction"); ok {
		t.Error("Lookup found a function that is not registered")
	}
}
