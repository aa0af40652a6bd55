package switchboard_test

import (
	"testing"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		raw, want string
		ok        bool
	}{
		{"  Kitchen   Team ", "Kitchen Team", true},
		{"Café Ωmega 🍕", "Café Ωmega 🍕", true},
		{"", "", false},
		{"   ", "", false},
		{"nul\x00byte", "", false},
		{"new\nline", "", false},
		{"tab\there", "", false},
		{"evil\u202egnp.exe", "", false},
		{"isolate\u2066x\u2069", "", false},
		{"rlm\u200fx", "", false},
		{"line\u2028sep", "", false},
		{"c1\u0085", "", false},
		{"del\x7f", "", false},
		{"bad\xffutf8", "", false},
		{"0123456789a", "", false}, // over 10
	}
	for _, tt := range tests {
		got, err := switchboard.NormalizeName("name", tt.raw, 10+10*boolInt(tt.ok))
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q, ok %v", tt.raw, got, err, tt.want, tt.ok)
		}
		if err != nil && switchboard.ErrorCode(err) != switchboard.EInvalid {
			t.Errorf("NormalizeName(%q): code %s", tt.raw, switchboard.ErrorCode(err))
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestNameKey(t *testing.T) {
	same := [][2]string{
		{"Acme POS", "acme pos"},
		{"Acme POS", "ＡＣＭＥ　ＰＯＳ"},              // fullwidth letters and space
		{"Acme POS", "Ac\u200bme  P\u200dOS"}, // zero-width characters, doubled space
		{"office", "oﬃce"},                    // ligature
		{"Straße", "straße"},
	}
	for _, p := range same {
		if switchboard.NameKey(p[0]) != switchboard.NameKey(p[1]) {
			t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q: want the same", p[0], switchboard.NameKey(p[0]), p[1], switchboard.NameKey(p[1]))
		}
	}
	if switchboard.NameKey("Acme POS") == switchboard.NameKey("Acme POS 2") {
		t.Error("different names share a key")
	}
}
