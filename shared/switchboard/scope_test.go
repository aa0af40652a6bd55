package switchboard_test

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		raw     string
		want    string // canonical form; "" when an error is expected
		wantErr string
	}{
		{"location[orders.read,orders.write]", "location[orders.read,orders.write]", ""},
		{"location[orders.write,orders.read,orders.write]", "location[orders.read,orders.write]", ""},
		{"profile,account[customers.read]", "account[customers.read],profile", ""},
		{"account[ catalog.read , catalog.write ] profile", "account[catalog.read,catalog.write],profile", ""},
		{"profile", "profile", ""},
		{"profile+location[orders.read]", "location[orders.read],profile", ""},
		{"", "", "empty"},
		{"   ", "", "empty"},
		{"location[]", "", "no permission"},
		{"location[orders.delete]", "", "permission"},
		{"location[payments.read]", "", "permission"},
		{"location[orders.read", "", "unmatched ["},
		{"location]orders.read[", "", "unmatched ]"},
		{"location[[orders.read]]", "", "nest"},
		{"planet[orders.read]", "", "level"},
		{"location[orders.read],account[orders.read]", "", "once"},
		{"location[orders.read]x", "", "not profile"},
		{"orders.read", "", "not profile"},
		{"PROFILE", "", "not profile"},
		{strings.Repeat("profile,", 200), "", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := switchboard.ParseScope(tt.raw)
			if tt.wantErr != "" {
				if err == nil || switchboard.ErrorCode(err) != switchboard.EInvalid || !strings.Contains(switchboard.ErrorMessage(err), tt.wantErr) {
					t.Errorf("ParseScope(%q) = %v, %v; want invalid with %q", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("ParseScope(%q) = %q, %v; want %q", tt.raw, got.String(), err, tt.want)
			}
		})
	}
}

func TestScopeWithin(t *testing.T) {
	must := func(s string) switchboard.Scope {
		t.Helper()
		sc, err := switchboard.ParseScope(s)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	limit := must("location[orders.read,orders.write,catalog.read]")
	tests := []struct {
		ask  string
		want bool
	}{
		{"location[orders.read]", true},
		{"location[orders.read,orders.write,catalog.read]", true},
		{"location[customers.read]", false},
		{"account[orders.read]", false},
		{"profile", false},
		{"profile,location[orders.read]", false},
	}
	for _, tt := range tests {
		if got := must(tt.ask).Within(limit); got != tt.want {
			t.Errorf("%q within %q = %v, want %v", tt.ask, limit, got, tt.want)
		}
	}
	if !must("profile").Within(must("profile,account[orders.read]")) {
		t.Error("profile alone is within a limit that has profile")
	}
}

// FuzzParseScope: any input parses or fails cleanly, and a parsed scope's
// canonical form parses back to itself.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"location[orders.read]", "profile,account[catalog.write]", "location[", "]", "a[b[c]]", "profile profile", "location[orders.read,,]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := switchboard.ParseScope(raw)
		if err != nil {
			if switchboard.ErrorCode(err) != switchboard.EInvalid {
				t.Fatalf("error code %q", switchboard.ErrorCode(err))
			}
			return
		}
		again, err := switchboard.ParseScope(s.String())
		if err != nil || again.String() != s.String() {
			t.Fatalf("%q → %q → %q, %v", raw, s.String(), again.String(), err)
		}
	})
}
