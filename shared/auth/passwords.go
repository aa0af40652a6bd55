package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// MaxPasswordBytes bounds the work one argon2id hash is asked to do.
const MaxPasswordBytes = 1024

// commonPasswordsFile lists breached passwords, one per line, lower case;
// its header says where it comes from.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = true
		}
	}
	return set
})

// IsCommonPassword reports whether password, lower-cased, is on the
// shipped list of breached passwords.
func IsCommonPassword(password string) bool {
	return commonPasswords()[strings.ToLower(password)]
}

// CheckNewPassword applies NIST SP 800-63B to a password a person chooses:
// at least MinPasswordLength characters, at most MaxPasswordBytes bytes,
// not a commonly breached one, and no composition rules (no required
// digits, symbols or cases), which push people to predictable patterns.
// Returns EInvalid with a message the person can act on.
func CheckNewPassword(password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		return switchboard.Errorf(switchboard.EInvalid, "The password must be at least %d characters long.", MinPasswordLength)
	case len(password) > MaxPasswordBytes:
		return switchboard.Errorf(switchboard.EInvalid, "The password must be at most %d bytes long.", MaxPasswordBytes)
	case IsCommonPassword(password):
		return switchboard.Errorf(switchboard.EInvalid, "This password is one of the most common ones and easy to guess; choose another.")
	}
	return nil
}
