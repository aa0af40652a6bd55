package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/webhook"
)

// TestStandardWebhooksVector: the Standard Webhooks specification's
// example signs to the signature its reference libraries give.
func TestStandardWebhooksVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key, err := webhook.Key(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := webhook.NewSecret()
	other := webhook.NewSecret()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"evt_1","type":"connection.blocked"}`)
	ts := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	key := func(s string) []byte {
		k, err := webhook.Key(s)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	good, bad := key(secret), key(other)
	sign := func(k []byte, id, stamp string, b []byte) string { return webhook.Sign(k, id, stamp, b) }
	tests := []struct {
		name      string
		id        string
		signature string
		timestamp string
		body      []byte
		want      error
	}{
		{"valid", "evt_1", sign(good, "evt_1", ts(0), body), ts(0), body, nil},
		{"valid among rotated signatures", "evt_1", sign(bad, "evt_1", ts(-time.Minute), body) + " " + sign(good, "evt_1", ts(-time.Minute), body), ts(-time.Minute), body, nil},
		{"4m59s old", "evt_1", sign(good, "evt_1", ts(-299*time.Second), body), ts(-299 * time.Second), body, nil},
		{"older than 5 minutes", "evt_1", sign(good, "evt_1", ts(-301*time.Second), body), ts(-301 * time.Second), body, webhook.ErrTimestamp},
		{"too far in the future", "evt_1", sign(good, "evt_1", ts(6*time.Minute), body), ts(6 * time.Minute), body, webhook.ErrTimestamp},
		{"timestamp not a number", "evt_1", sign(good, "evt_1", "soon", body), "soon", body, webhook.ErrTimestamp},
		{"body changed", "evt_1", sign(good, "evt_1", ts(0), body), ts(0), []byte(`{"id":"evt_2"}`), webhook.ErrSignature},
		{"id changed", "evt_2", sign(good, "evt_1", ts(0), body), ts(0), body, webhook.ErrSignature},
		{"timestamp changed", "evt_1", sign(good, "evt_1", ts(-10*time.Second), body), ts(0), body, webhook.ErrSignature},
		{"other secret", "evt_1", sign(bad, "evt_1", ts(0), body), ts(0), body, webhook.ErrSignature},
		{"keyed by the secret's text, not its bytes", "evt_1", sign([]byte(secret), "evt_1", ts(0), body), ts(0), body, webhook.ErrSignature},
		{"no signature", "evt_1", "", ts(0), body, webhook.ErrMissingHeaders},
		{"no timestamp", "evt_1", sign(good, "evt_1", ts(0), body), "", body, webhook.ErrMissingHeaders},
		{"no id", "", sign(good, "", ts(0), body), ts(0), body, webhook.ErrMissingHeaders},
		{"unversioned signature", "evt_1", strings.TrimPrefix(sign(good, "evt_1", ts(0), body), "v1,"), ts(0), body, webhook.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range map[string]string{webhook.HeaderID: tt.id, webhook.HeaderSignature: tt.signature, webhook.HeaderTimestamp: tt.timestamp} {
				if v != "" {
					h.Set(k, v)
				}
			}
			if err := webhook.Verify(secret, h, tt.body, now); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestHeadersDuringRotation: a callback signed with the new and the old
// key verifies with either secret, and with neither key alone once the
// old one is dropped.
func TestHeadersDuringRotation(t *testing.T) {
	oldSecret, newSecret := webhook.NewSecret(), webhook.NewSecret()
	oldKey, _ := webhook.Key(oldSecret)
	newKey, _ := webhook.Key(newSecret)
	now := time.Now()
	body := []byte(`{"id":"evt_1"}`)
	both := webhook.Headers("evt_1", now, body, newKey, oldKey)
	for _, s := range []string{oldSecret, newSecret} {
		if err := webhook.Verify(s, both, body, now); err != nil {
			t.Errorf("during the grace period: %v", err)
		}
	}
	after := webhook.Headers("evt_1", now, body, newKey)
	if err := webhook.Verify(oldSecret, after, body, now); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("the old secret after the grace period: %v", err)
	}
	if !strings.HasPrefix(newSecret, "whsec_") || newSecret == oldSecret {
		t.Errorf("secrets %s, %s", oldSecret, newSecret)
	}
	if _, err := webhook.Key("whsec_not base64!"); !errors.Is(err, webhook.ErrSecret) {
		t.Errorf("a malformed secret: %v", err)
	}
}

// BenchmarkVerify measures what a receiver pays per callback.
func BenchmarkVerify(b *testing.B) {
	body := []byte(`{"id":"evt_18eb0015c74c8ea3fbaecd46c8766bc3","type":"connection.blocked","created_at":"2026-11-24T10:00:01Z","account_id":"acc-demo-pizzeria","location_id":"loc-bastille","connection_id":"con_0123456789abcdef0123","app_id":"app-0123456789abcdef0123","actor_type":"user"}`)
	now := time.Now()
	secret := webhook.NewSecret()
	key, _ := webhook.Key(secret)
	h := webhook.Headers("evt_18eb0015c74c8ea3fbaecd46c8766bc3", now, body, key)
	for b.Loop() {
		if err := webhook.Verify(secret, h, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
