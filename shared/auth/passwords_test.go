package auth_test

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestCheckNewPassword(t *testing.T) {
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"eleven characters", "abcdefghijk", false},
		{"twelve characters, no digit or symbol", "correcthorse", true},
		{"twelve characters counted as runes, not bytes", "éééééééééééé", true},
		{"eleven runes of two bytes", "ééééééééééé", false},
		{"the most common long password", "123qweasdzxc", false},
		{"a common one in another case", "QWERTY123456", false},
		{"too many bytes", strings.Repeat("a", auth.MaxPasswordBytes+1), false},
		{"the longest allowed", strings.Repeat("a", auth.MaxPasswordBytes), true},
		{"spaces count", "a b c d e f ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.CheckNewPassword(tt.password)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckNewPassword(%q) = %v, want ok %v", tt.password, err, tt.ok)
			}
			if err != nil && switchboard.ErrorCode(err) != switchboard.EInvalid {
				t.Errorf("code %q, want invalid", switchboard.ErrorCode(err))
			}
		})
	}
}

// The shipped list holds the 1,000 most common passwords and the longer
// ones after them; a list that failed to load would block nothing.
func TestCommonPasswordsList(t *testing.T) {
	for _, p := range []string{"123456", "password", "qwerty", "iloveyou", "1qaz2wsx3edc", "administrator"} {
		if !auth.IsCommonPassword(p) {
			t.Errorf("%q is not on the list", p)
		}
	}
	if auth.IsCommonPassword("# the passwords switchboard refuses") || auth.IsCommonPassword("") {
		t.Error("header lines or empty lines are on the list")
	}
}
