package switchboard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName is the one check of every name a person gives (apps, teams,
// notification rules, users): it trims, collapses inner runs of spaces, and
// refuses (EInvalid, naming field) an empty name, one longer than max
// characters, invalid UTF-8, and any control, line-separator or
// bidirectional formatting character: NUL, newlines or U+202E could make a
// name read as another one, or break the lines it is shown in.
func NormalizeName(field, raw string, max int) (string, error) {
	if !utf8.ValidString(raw) {
		return "", Errorf(EInvalid, "%s must be valid UTF-8", field)
	}
	s := strings.Join(strings.Fields(raw), " ")
	if s == "" {
		return "", Errorf(EInvalid, "%s is required", field)
	}
	for _, r := range raw {
		if forbiddenInName(r) {
			return "", Errorf(EInvalid, "%s cannot hold control or text-direction characters (U+%04X)", field, r)
		}
	}
	if utf8.RuneCountInString(s) > max {
		return "", Errorf(EInvalid, "%s must be at most %d characters", field, max)
	}
	return s, nil
}

// forbiddenInName reports control characters (C0, DEL, C1), the line and
// paragraph separators, and the bidirectional marks, embeddings, overrides
// and isolates.
func forbiddenInName(r rune) bool {
	switch {
	case unicode.IsControl(r), r == 0x2028, r == 0x2029:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // Arabic letter mark, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // embeddings, overrides, isolates
		return true
	}
	return false
}

// NameKey is the form in which two names count as the same: NFKC (so that
// "ｆｏｏ" and "ﬁ" fold to "foo" and "fi"), zero-width characters removed,
// spaces collapsed, case folded. Listed app names are unique under it.
func NameKey(name string) string {
	s := norm.NFKC.String(name)
	s = strings.Map(func(r rune) rune {
		switch r {
		case 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x034f, 0x180e: // zero-width and invisible
			return -1
		}
		return unicode.ToLower(unicode.ToUpper(r)) // simple case folding
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// nameProblem is NormalizeName's error alone, for Validate methods that
// check a name without rewriting it.
func nameProblem(field, name string, max int) error {
	_, err := NormalizeName(field, name, max)
	return err
}
