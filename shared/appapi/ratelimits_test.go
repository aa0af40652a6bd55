package appapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

type rateLimitsBody struct {
	RateLimits []struct {
		Window                 string
		Limit, Used, Remaining int
		Reset                  int64
		ResetAt                string `json:"reset_at"`
	} `json:"rate_limits"`
}

// TestRateLimitsAgreeWithHeaders: GET /v1/rate_limits answers the windows
// as the door counted this very call, so the window the X-RateLimit-*
// headers describe (the fewest remaining) has the same figures, and the
// call counts like any other.
func TestRateLimitsAgreeWithHeaders(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	f.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 50}, {Window: 24 * time.Hour, Max: 5}}
	h := f.door.Handle("rate_limits", appapi.GetRateLimits())
	auth := map[string]string{"authorization": "Bearer " + f.token}
	for n := 1; n <= 3; n++ {
		resp := call(t, h, auth)
		var got rateLimitsBody
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != 200 || len(got.RateLimits) != 2 {
			t.Fatalf("call %d: %d %s %v", n, resp.StatusCode, resp.Body, err)
		}
		day := got.RateLimits[1]
		if day.Window != "day" || day.Limit != 5 || day.Used != n || day.Remaining != 5-n || got.RateLimits[0].Window != "minute" || got.RateLimits[0].Used != n {
			t.Errorf("call %d: %+v", n, got.RateLimits)
		}
		if resp.Headers["X-RateLimit-Limit"] != "5" || resp.Headers["X-RateLimit-Remaining"] != strconv.Itoa(day.Remaining) ||
			resp.Headers["X-RateLimit-Reset"] != strconv.FormatInt(day.Reset, 10) {
			t.Errorf("call %d: headers %v disagree with %+v", n, resp.Headers, day)
		}
		if reset, err := time.Parse(time.RFC3339, day.ResetAt); err != nil || reset.Unix() != day.Reset || reset.Unix()%86400 != 0 {
			t.Errorf("call %d: reset_at %q, reset %d", n, day.ResetAt, day.Reset)
		}
	}
}

// TestRateWarningReachesTheAppLogOnce: the call that takes a window to 80 %
// of its limit carries the warning in its log write (no write of its own);
// the roll-up records one rate_limit event per connection, window and hour,
// and a rerun of the same minutes records none more.
func TestRateWarningReachesTheAppLogOnce(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	f.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 1000}, {Window: 24 * time.Hour, Max: 5}}
	h := f.door.Handle("location", appapi.GetLocation(f.store))
	auth := map[string]string{"authorization": "Bearer " + f.token}
	start := time.Now()
	for range 7 { // the 4th passes 80 % of 5; the 6th and 7th are refused
		call(t, h, auth)
	}
	ctx := context.Background()
	rollUp := f.store.WithClock(func() time.Time { return time.Now().Add(3 * time.Minute) })
	events := func() []switchboard.AppEvent {
		t.Helper()
		page, err := f.store.ListEvents(ctx, f.conn.AccountID, switchboard.AppEventFilter{Types: []switchboard.AppEventType{switchboard.EventRateLimit},
			From: start.Add(-time.Hour), To: time.Now().Add(time.Hour), Consistent: true}, switchboard.PageRequest{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return page.Events
	}
	rep, err := rollUp.RollUp(ctx, 120)
	if err != nil {
		t.Fatal(err)
	}
	got := events()
	if rep.RateWarnings != 1 || len(got) != 1 {
		t.Fatalf("report %+v, events %+v", rep, got)
	}
	e := got[0]
	if e.ConnectionID != f.conn.ID || e.AppID != f.conn.AppID || e.ActorType != switchboard.ActorSystem || e.After == nil || e.After.TokenHash != "" ||
		e.Reason == "" || e.At.Before(start.Add(2*time.Minute)) {
		t.Errorf("event %+v", e)
	}
	if err := rollUp.RewindRollUp(ctx, start.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if rep, err := rollUp.RollUp(ctx, 120); err != nil || rep.RateWarnings != 1 {
		t.Fatalf("rerun: %+v %v", rep, err)
	}
	if again := events(); len(again) != 1 || again[0].ID != e.ID || !again[0].At.Equal(e.At) {
		t.Errorf("after the rerun: %+v, want only %+v", again, e)
	}
}
