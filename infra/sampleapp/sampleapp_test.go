package sampleapp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/sampleapp"
	"github.com/switchboard-hq/switchboard/shared/webhook"
)

const origin = "http://localhost:3002"

func newApp(t *testing.T, secret string) *sampleapp.App {
	t.Helper()
	return sampleapp.New(sampleapp.Config{Origin: origin, Switchboard: "http://127.0.0.1:9", Issuer: "http://localhost:9",
		ClientID: "sample-app", ClientSecret: "s", SigningSecret: secret, Scope: "location[orders.read]"})
}

// TestEventsVerified: only callbacks signed with the app's secret, within
// the tolerance, are kept, and a redelivery is kept once.
func TestEventsVerified(t *testing.T) {
	secret := webhook.NewSecret()
	app := newApp(t, secret)
	key, err := webhook.Key(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := webhook.Key(webhook.NewSecret())
	body := []byte(`{"id":"evt_1","type":"connection.installed","connection_id":"con_1","created_at":"2026-12-06T08:00:00Z"}`)
	post := func(h http.Header) int {
		req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(string(body)))
		for k, v := range h {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec.Code
	}
	now := time.Now()
	for _, c := range []struct {
		name string
		h    http.Header
		want int
	}{
		{"signed", webhook.Headers("evt_1", now, body, key), http.StatusNoContent},
		{"redelivered", webhook.Headers("evt_1", now.Add(time.Second), body, key), http.StatusNoContent},
		{"another secret", webhook.Headers("evt_2", now, body, other), http.StatusUnauthorized},
		{"too old", webhook.Headers("evt_3", now.Add(-time.Hour), body, key), http.StatusUnauthorized},
		{"unsigned", http.Header{}, http.StatusUnauthorized},
	} {
		if got := post(c.h); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if ev := app.Events(); len(ev) != 1 || ev[0].ConnectionID != "con_1" || ev[0].Type != "connection.installed" {
		t.Errorf("events kept: %+v", ev)
	}
}

// TestConnectAndCallbackChecks: Connect asks with state and PKCE S256 and
// binds the state to the browser; the callback refuses another browser,
// another issuer and a replay, before any code exchange.
func TestConnectAndCallbackChecks(t *testing.T) {
	app := newApp(t, webhook.NewSecret())
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/connect", nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || rec.Code != http.StatusFound {
		t.Fatalf("connect: %d %v", rec.Code, err)
	}
	q := loc.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("redirect_uri") != origin+"/callback" || q.Get("state") == "" {
		t.Fatalf("authorisation request %s", loc)
	}
	cookie := rec.Result().Cookies()[0]
	if cookie.Value != q.Get("state") || !cookie.HttpOnly {
		t.Fatalf("state cookie %+v", cookie)
	}
	callback := func(state, iss string, withCookie bool) int {
		req := httptest.NewRequest(http.MethodGet, "/callback?"+url.Values{"code": {"sbc_x"}, "state": {state}, "iss": {iss}}.Encode(), nil)
		if withCookie {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := callback(q.Get("state"), "http://localhost:9", false); got != http.StatusBadRequest {
		t.Errorf("another browser: %d", got)
	}
	if got := callback(q.Get("state"), "https://evil.example", true); got != http.StatusBadRequest {
		t.Errorf("another issuer: %d", got)
	}
	// The issuer check used the state up: a replay is refused too.
	if got := callback(q.Get("state"), "http://localhost:9", true); got != http.StatusBadRequest {
		t.Errorf("replayed state: %d", got)
	}
	if len(app.Connections()) != 0 {
		t.Errorf("a refused callback made a connection")
	}
}

// TestCreateOrderRefusesOtherOrigins: the test-order form is posted from
// the app's own page only.
func TestCreateOrderRefusesOtherOrigins(t *testing.T) {
	app := newApp(t, webhook.NewSecret())
	for _, o := range []string{"", "null", "http://127.0.0.1:3000", "https://evil.example"} {
		req := httptest.NewRequest(http.MethodPost, "/connections/con_1/orders", nil)
		if o != "" {
			req.Header.Set("Origin", o)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("Origin %q: %d", o, rec.Code)
		}
	}
}
