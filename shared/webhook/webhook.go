// Package webhook signs Switchboard's lifecycle callbacks and verifies them,
// following the Standard Webhooks specification
// (https://github.com/standard-webhooks/standard-webhooks). Go apps import
// it to check that a callback came from Switchboard:
//
//	err := webhook.Verify(signingSecret, r.Header, body, time.Now())
//
// signingSecret is the app's "whsec_…" secret, shown once to its developer
// (at registration and at each rotation); it is not the OAuth client
// secret. The signature is "v1,<base64 HMAC-SHA256>" over
// "<webhook-id>.<webhook-timestamp>.<body>", keyed by the base64-decoded
// part of the secret after "whsec_". While a rotated secret is in its grace
// period the webhook-signature header carries one signature per secret,
// separated by spaces; any one verifying is enough. Receivers should also
// dedupe on webhook-id: a redelivery sends the same id again.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a callback (Standard Webhooks).
const (
	HeaderID        = "webhook-id"        // the event's id, the same on every attempt
	HeaderTimestamp = "webhook-timestamp" // Unix seconds of this attempt
	HeaderSignature = "webhook-signature" // "v1,<base64>", several separated by spaces
)

// HeaderEventID is HeaderID, under the name older receivers used.
const HeaderEventID = HeaderID

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// secretBytes is the signing key's size: 256 bits, within the spec's 24 to
// 64 bytes.
const secretBytes = 32

// Tolerance is how old (or how far in the future) a timestamp may be:
// older callbacks are refused, so a captured one cannot be replayed later.
const Tolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrTimestamp      = errors.New("webhook: timestamp outside the 5-minute tolerance")
	ErrSignature      = errors.New("webhook: no signature matches")
	ErrSecret         = errors.New("webhook: the signing secret is not whsec_ followed by base64")
)

// NewSecret returns a fresh signing secret, "whsec_" and 32 random bytes in
// base64.
func NewSecret() string {
	var b [secretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// Key decodes a signing secret into its HMAC key.
func Key(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, ErrSecret
	}
	return key, nil
}

// Sign returns one "v1,<base64>" signature of body sent as event id at
// timestamp.
func Sign(key []byte, id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte("."))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Headers returns the three headers of a callback signed with every key
// given (the current secret's first, then a rotated one's in its grace
// period).
func Headers(id string, at time.Time, body []byte, keys ...[]byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		sigs = append(sigs, Sign(k, id, ts, body))
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h
}

// Verify checks a callback's headers against its raw body with the app's
// signing secret.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := Key(secret)
	if err != nil {
		return err
	}
	return VerifyKey(key, h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature), body, now)
}

// VerifyKey is Verify with the key and the header values.
func VerifyKey(key []byte, id, timestamp, signature string, body []byte, now time.Time) error {
	if id == "" || signature == "" || timestamp == "" {
		return ErrMissingHeaders
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > Tolerance || at.Sub(now) > Tolerance {
		return ErrTimestamp
	}
	want := Sign(key, id, timestamp, body)
	for _, s := range strings.Fields(signature) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
