// Package webhook signs Switchboard's lifecycle callbacks and verifies them.
// Apps import it to check that a callback came from Switchboard:
//
//	err := webhook.Verify(clientSecret, r.Header, body, time.Now())
//
// The signature is HMAC-SHA256 over "<timestamp>.<body>", keyed by the hex
// SHA-256 of the app's client secret (Switchboard stores only that hash, and
// the app derives the same key from its secret). Receivers should also
// dedupe on Switchboard-Event-Id: a redelivery sends the same id again.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a callback.
const (
	HeaderSignature = "Switchboard-Signature" // "v1=<hex>", several separated by spaces
	HeaderTimestamp = "Switchboard-Timestamp" // Unix seconds
	HeaderEventID   = "Switchboard-Event-Id"
)

// Tolerance is how old (or how far in the future) a timestamp may be:
// older callbacks are refused, so a captured one cannot be replayed later.
const Tolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMissingHeaders = errors.New("webhook: missing Switchboard-Signature or Switchboard-Timestamp")
	ErrTimestamp      = errors.New("webhook: timestamp outside the 5-minute tolerance")
	ErrSignature      = errors.New("webhook: no signature matches")
)

// Key is the signing key of a client secret: its hex SHA-256, as bytes.
func Key(clientSecret string) []byte {
	sum := sha256.Sum256([]byte(clientSecret))
	return []byte(hex.EncodeToString(sum[:]))
}

// Sign returns the Switchboard-Signature value of body sent at timestamp.
func Sign(key []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a callback's headers against its raw body with the app's
// client secret.
func Verify(clientSecret string, h http.Header, body []byte, now time.Time) error {
	return VerifyKey(Key(clientSecret), h.Get(HeaderSignature), h.Get(HeaderTimestamp), body, now)
}

// VerifyKey is Verify with the key and the header values.
func VerifyKey(key []byte, signature, timestamp string, body []byte, now time.Time) error {
	if signature == "" || timestamp == "" {
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
	want := Sign(key, timestamp, body)
	for _, s := range strings.Fields(signature) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}
