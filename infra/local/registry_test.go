package local

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/samtemplate"
)

// TestCheckRegistry: a function of the template that the bootstrap binary
// could not serve stops the start before anything runs, naming the fix.
func TestCheckRegistry(t *testing.T) {
	tests := []struct {
		name string
		fn   samtemplate.Function
		want string // "" for no error
	}{
		{"registered", samtemplate.Function{LogicalID: "HealthFunction", Handler: "HealthFunction"}, ""},
		{"handler is not the logical ID", samtemplate.Function{LogicalID: "HealthFunction", Handler: "bootstrap"}, `HealthFunction has Handler "bootstrap"; set it to HealthFunction`},
		{"not registered", samtemplate.Function{LogicalID: "NewRouteFunction", Handler: "NewRouteFunction"}, "NewRouteFunction is not in functions/registry.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRegistry([]samtemplate.Function{tt.fn})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
