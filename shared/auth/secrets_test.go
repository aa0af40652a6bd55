package auth_test

import (
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/shared/auth"
)

func TestPasswordHashing(t *testing.T) {
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the expected parameters", hash)
	}
	again, _ := auth.HashPassword("correct horse battery")
	if again == hash {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, encoded, password string
		want                    bool
		wantErr                 bool
	}{
		{"right", hash, "correct horse battery", true, false},
		{"wrong", hash, "correct horse battery!", false, false},
		{"empty", hash, "", false, false},
		{"not PHC", "plain", "x", false, true},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "x", false, true},
		{"bad params", strings.Replace(hash, "m=19456", "m=0", 1), "x", false, true},
		{"huge memory", strings.Replace(hash, "m=19456", "m=99999999", 1), "x", false, true},
		{"bad salt", "$argon2id$v=19$m=19456,t=2,p=1$!!!$AAAA", "x", false, true},
		{"other version", strings.Replace(hash, "v=19", "v=16", 1), "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.VerifyPassword(tt.encoded, tt.password)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("VerifyPassword = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	for _, short := range []string{"", "1234567"} {
		if _, err := auth.HashPassword(short); err == nil {
			t.Errorf("HashPassword(%q) accepted a short password", short)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := auth.NewToken()
	b, hb := auth.NewToken()
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if len(a) < 43 { // 32 bytes in unpadded base64
		t.Errorf("token %q carries less than 256 bits", a)
	}
	if ha != auth.HashToken(a) || strings.Contains(ha, a) {
		t.Error("the stored hash must be derived from, and differ from, the token")
	}
	first, second := auth.CSRFToken(a), auth.CSRFToken(a)
	if first == auth.CSRFToken(b) || first != second || first == a {
		t.Error("CSRF tokens must be stable per session, differ between sessions and differ from the session token")
	}
}

// TestSealer: a sealed value opens with its key and context only, and
// holds nothing of the plaintext.
func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 1
	s, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("whsec_plain", "app-1")
	if strings.Contains(sealed, "whsec_plain") || sealed == s.Seal("whsec_plain", "app-1") {
		t.Errorf("sealed %q", sealed)
	}
	if got, err := s.Open(sealed, "app-1"); err != nil || got != "whsec_plain" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(sealed, "app-2"); err != auth.ErrSealed {
		t.Errorf("another context: %v", err)
	}
	other := make([]byte, 32)
	o, _ := auth.NewSealer(other)
	if _, err := o.Open(sealed, "app-1"); err != auth.ErrSealed {
		t.Errorf("another key: %v", err)
	}
	if _, err := s.Open(sealed[:len(sealed)-2]+"AA", "app-1"); err != auth.ErrSealed {
		t.Errorf("altered: %v", err)
	}
	if _, err := auth.NewSealer(key[:16]); err == nil {
		t.Error("a 16-byte key is accepted")
	}
}
