package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts the few secrets Switchboard must use rather than only
// check (the apps' callback signing secrets) with AES-256-GCM under a key
// that lives outside the table: whoever reads the table alone cannot sign.
// The sealed value is bound to what it belongs to (its context, e.g. the
// app id), so it cannot be copied to another app's record.
type Sealer struct {
	aead cipher.AEAD
}

// sealVersion prefixes sealed values, so that a later key or algorithm can
// be told apart.
const sealVersion = "s1."

// NewSealer takes a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sealing key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext for context.
func (s *Sealer) Seal(plaintext, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand never fails on supported platforms
	out := s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return sealVersion + base64.RawURLEncoding.EncodeToString(out)
}

// ErrSealed is returned for a sealed value that another key or context
// made, or that was altered.
var ErrSealed = errors.New("sealed value cannot be opened with this key and context")

// Open decrypts what Seal made for the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, sealVersion))
	if err != nil || !strings.HasPrefix(sealed, sealVersion) || len(raw) < s.aead.NonceSize() {
		return "", ErrSealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}
