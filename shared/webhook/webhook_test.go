package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/webhook"
)

func TestVerify(t *testing.T) {
	const secret = "sbs_example-secret"
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1","type":"connection.blocked"}`)
	ts := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	sign := func(key []byte, stamp string, b []byte) string { return webhook.Sign(key, stamp, b) }
	good := webhook.Key(secret)
	tests := []struct {
		name      string
		signature string
		timestamp string
		body      []byte
		want      error
	}{
		{"valid", sign(good, ts(0), body), ts(0), body, nil},
		{"valid among rotated signatures", "v1=00ff " + sign(good, ts(-time.Minute), body), ts(-time.Minute), body, nil},
		{"4m59s old", sign(good, ts(-299*time.Second), body), ts(-299 * time.Second), body, nil},
		{"older than 5 minutes", sign(good, ts(-301*time.Second), body), ts(-301 * time.Second), body, webhook.ErrTimestamp},
		{"too far in the future", sign(good, ts(6*time.Minute), body), ts(6 * time.Minute), body, webhook.ErrTimestamp},
		{"timestamp not a number", sign(good, "soon", body), "soon", body, webhook.ErrTimestamp},
		{"body changed", sign(good, ts(0), body), ts(0), []byte(`{"id":"evt_2"}`), webhook.ErrSignature},
		{"timestamp changed", sign(good, ts(-10*time.Second), body), ts(0), body, webhook.ErrSignature},
		{"other secret", sign(webhook.Key("sbs_other"), ts(0), body), ts(0), body, webhook.ErrSignature},
		{"keyed by the secret itself, not its hash", sign([]byte(secret), ts(0), body), ts(0), body, webhook.ErrSignature},
		{"no signature", "", ts(0), body, webhook.ErrMissingHeaders},
		{"no timestamp", sign(good, ts(0), body), "", body, webhook.ErrMissingHeaders},
		{"unversioned signature", sign(good, ts(0), body)[3:], ts(0), body, webhook.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.signature != "" {
				h.Set(webhook.HeaderSignature, tt.signature)
			}
			if tt.timestamp != "" {
				h.Set(webhook.HeaderTimestamp, tt.timestamp)
			}
			if err := webhook.Verify(secret, h, tt.body, now); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyIsHexSHA256OfSecret(t *testing.T) {
	// The key Switchboard holds is auth.HashToken(secret): the hex SHA-256.
	if got := string(webhook.Key("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Key(abc) = %s", got)
	}
}

// BenchmarkVerify measures what a receiver pays per callback.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"id":"evt_18eb0015c74c8ea3fbaecd46c8766bc3","type":"connection.blocked","created_at":"2026-11-24T10:00:01Z","account_id":"acc-demo-pizzeria","location_id":"loc-bastille","connection_id":"con_0123456789abcdef0123","app_id":"app-0123456789abcdef0123","actor_type":"user"}`)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, ts)
	h.Set(webhook.HeaderSignature, webhook.Sign(webhook.Key("sbs_secret"), ts, body))
	for b.Loop() {
		if err := webhook.Verify("sbs_secret", h, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
