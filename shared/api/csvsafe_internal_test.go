package api

import "testing"

// TestCSVSafeCatchesDisguisedFormulas: a formula hidden behind a space, a
// zero-width or other invisible character, or written with fullwidth signs
// (which spreadsheets fold to ASCII) is written as text too.
func TestCSVSafeCatchesDisguisedFormulas(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{" =1+1", "' =1+1"},
		{"\u00a0=1+1", "'\u00a0=1+1"},
		{"\u200b=1+1", "'\u200b=1+1"},
		{"\ufeff=1+1", "'\ufeff=1+1"},
		{"\u202e=1+1", "'\u202e=1+1"},
		{"＝HYPERLINK(\"http://evil.test\")", "'＝HYPERLINK(\"http://evil.test\")"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠SUM(1)", "'＠SUM(1)"},
		{"\n=1", "'\n=1"},
		{"Till 2", "Till 2"},
		{"", ""},
		{"a=b", "a=b"},
		{"évènement", "évènement"},
	} {
		if got := csvSafe(tt.in); got != tt.want {
			t.Errorf("csvSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
