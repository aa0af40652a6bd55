package switchboard

import (
	"slices"
	"strings"
)

// Resources an app may be granted access to, each readable and writable.
var Resources = []string{"orders", "customers", "catalog"}

// Scope is what a connection grants, in HubRise's grammar:
// `location[orders.read,catalog.write]` or `account[...]`, optionally with
// `profile` (the user's name and email), items separated by commas or spaces.
type Scope struct {
	Level       Level    // LevelAccount, LevelLocation, or "" for profile alone
	Permissions []string // sorted, unique: "orders.read", …
	Profile     bool
}

// ScopeError is the OAuth error for a scope that cannot be parsed or granted.
const ScopeError = "invalid_scope"

// ParseScope parses and normalises a scope string. Errors carry EInvalid and
// a message naming the bad part; OAuth handlers answer invalid_scope.
func ParseScope(raw string) (Scope, error) {
	var s Scope
	items, err := splitScope(raw)
	if err != nil {
		return Scope{}, err
	}
	if len(items) == 0 {
		return Scope{}, Errorf(EInvalid, "scope is empty")
	}
	for _, item := range items {
		if item == "profile" {
			s.Profile = true
			continue
		}
		name, rest, ok := strings.Cut(item, "[")
		if !ok || !strings.HasSuffix(rest, "]") {
			return Scope{}, Errorf(EInvalid, "scope item %q is not profile, location[…] or account[…]", item)
		}
		level := Level(name)
		if level != LevelAccount && level != LevelLocation {
			return Scope{}, Errorf(EInvalid, "scope level %q must be location or account", name)
		}
		if s.Level != "" {
			return Scope{}, Errorf(EInvalid, "a scope names one level, location or account, once")
		}
		s.Level = level
		list := strings.TrimSuffix(rest, "]")
		if strings.TrimSpace(list) == "" {
			return Scope{}, Errorf(EInvalid, "scope %s[] lists no permission", name)
		}
		for p := range strings.SplitSeq(list, ",") {
			p = strings.TrimSpace(p)
			if !ValidPermission(p) {
				return Scope{}, Errorf(EInvalid, "permission %q must be one of %s each .read or .write", p, strings.Join(Resources, ", "))
			}
			if !slices.Contains(s.Permissions, p) {
				s.Permissions = append(s.Permissions, p)
			}
		}
	}
	slices.Sort(s.Permissions)
	return s, nil
}

// ValidPermission reports whether p is resource.read or resource.write for a
// known resource.
func ValidPermission(p string) bool {
	res, access, ok := strings.Cut(p, ".")
	return ok && slices.Contains(Resources, res) && (access == "read" || access == "write")
}

// splitScope splits at top-level commas and spaces, keeping bracketed lists
// whole; unbalanced brackets are an error.
func splitScope(raw string) ([]string, error) {
	if len(raw) > 1000 {
		return nil, Errorf(EInvalid, "scope is too long")
	}
	var items []string
	depth, start := 0, 0
	flush := func(end int) {
		if item := strings.TrimSpace(raw[start:end]); item != "" {
			items = append(items, item)
		}
	}
	for i, r := range raw {
		switch {
		case r == '[':
			depth++
			if depth > 1 {
				return nil, Errorf(EInvalid, "scope brackets cannot nest")
			}
		case r == ']':
			depth--
			if depth < 0 {
				return nil, Errorf(EInvalid, "scope has an unmatched ]")
			}
		case (r == ',' || r == ' ' || r == '+') && depth == 0:
			flush(i)
			start = i + 1
		}
	}
	if depth != 0 {
		return nil, Errorf(EInvalid, "scope has an unmatched [")
	}
	flush(len(raw))
	return items, nil
}

// String is the canonical form: level list first, then profile.
func (s Scope) String() string {
	var parts []string
	if s.Level != "" {
		parts = append(parts, string(s.Level)+"["+strings.Join(s.Permissions, ",")+"]")
	}
	if s.Profile {
		parts = append(parts, "profile")
	}
	return strings.Join(parts, ",")
}

// Within reports whether s asks for nothing beyond limit: same level, a
// subset of its permissions, and profile only if limit has it.
func (s Scope) Within(limit Scope) bool {
	if s.Profile && !limit.Profile {
		return false
	}
	if len(s.Permissions) == 0 {
		return true
	}
	if s.Level != limit.Level {
		return false
	}
	for _, p := range s.Permissions {
		if !slices.Contains(limit.Permissions, p) {
			return false
		}
	}
	return true
}
