package switchboard_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

func TestCallbackEndpointObserve(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ok := func(at time.Duration) switchboard.DeliveryAttempt {
		return switchboard.DeliveryAttempt{At: t0.Add(at), Status: http.StatusOK}
	}
	fail := func(at time.Duration, status int) switchboard.DeliveryAttempt {
		return switchboard.DeliveryAttempt{At: t0.Add(at), Status: status, Error: "x"}
	}
	const day = 24 * time.Hour
	tests := []struct {
		name         string
		attempts     []switchboard.DeliveryAttempt
		wantState    switchboard.EndpointState
		wantNotices  []string // the notice of each attempt
		disableAfter time.Duration
	}{
		{"failing less than the period stays active", []switchboard.DeliveryAttempt{fail(0, 500), fail(4*day+23*time.Hour, 500)},
			switchboard.EndpointActive, []string{"", ""}, 5 * day},
		{"failing the whole period disables", []switchboard.DeliveryAttempt{fail(0, 500), fail(2*day, 0), fail(5*day, 503)},
			switchboard.EndpointDisabled, []string{"", "", switchboard.NoticeDisabled}, 5 * day},
		{"a success restarts the period", []switchboard.DeliveryAttempt{fail(0, 500), ok(3 * day), fail(3*day+time.Hour, 500), fail(6*day, 500)},
			switchboard.EndpointActive, []string{"", "", "", ""}, 5 * day},
		{"410 disables at once", []switchboard.DeliveryAttempt{ok(0), fail(time.Hour, http.StatusGone)},
			switchboard.EndpointDisabled, []string{"", switchboard.NoticeDisabled}, 5 * day},
		{"first failure after a healthy day", []switchboard.DeliveryAttempt{ok(0), ok(20 * time.Hour), fail(25*time.Hour, 500), fail(26*time.Hour, 500)},
			switchboard.EndpointActive, []string{"", "", switchboard.NoticeFailing, ""}, 5 * day},
		{"failure after a short healthy run", []switchboard.DeliveryAttempt{ok(0), fail(23*time.Hour, 500)},
			switchboard.EndpointActive, []string{"", ""}, 5 * day},
		{"a configured period of one day", []switchboard.DeliveryAttempt{fail(0, 500), fail(day, 500)},
			switchboard.EndpointDisabled, []string{"", switchboard.NoticeDisabled}, day},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := switchboard.NewCallbackEndpoint("app-1")
			for i, a := range tt.attempts {
				if got := e.Observe(a, tt.disableAfter); got != tt.wantNotices[i] {
					t.Errorf("attempt %d: notice %q, want %q", i, got, tt.wantNotices[i])
				}
			}
			if e.State != tt.wantState {
				t.Errorf("state %s, want %s", e.State, tt.wantState)
			}
		})
	}
}

// Enabling starts the failure run afresh: the next failure does not
// disable the endpoint again at once.
func TestCallbackEndpointEnable(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e := switchboard.NewCallbackEndpoint("app-1")
	e.Observe(switchboard.DeliveryAttempt{At: t0, Status: 500}, time.Hour)
	e.Observe(switchboard.DeliveryAttempt{At: t0.Add(2 * time.Hour), Status: 500}, time.Hour)
	if !e.Disabled() {
		t.Fatal("not disabled")
	}
	e.Enable(t0.Add(3 * time.Hour))
	if n := e.Observe(switchboard.DeliveryAttempt{At: t0.Add(3*time.Hour + time.Minute), Status: 500}, time.Hour); n != "" || e.Disabled() {
		t.Errorf("re-disabled at the first failure after enabling: %q %+v", n, e)
	}
}

// The rates count the last 24 hours by the hour and the last 7 days by
// the day; older buckets are dropped.
func TestCallbackEndpointHealthRates(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	e := switchboard.NewCallbackEndpoint("app-1")
	for _, a := range []switchboard.DeliveryAttempt{
		{At: t0.AddDate(0, 0, -9), Status: 500},      // dropped from both
		{At: t0.AddDate(0, 0, -3), Status: 200},      // 7 days only
		{At: t0.Add(-30 * time.Hour), Status: 500},   // 7 days only
		{At: t0.Add(-2 * time.Hour), Status: 200},    // both
		{At: t0.Add(-time.Hour), Status: 500},        // both
		{At: t0.Add(-10 * time.Minute), Status: 500}, // both
		{At: t0.Add(-20 * time.Minute), Status: 0},   // no answer: a failure
	} {
		e.Observe(a, 30*24*time.Hour)
	}
	h := e.Health(t0)
	if h.Last24h != (switchboard.FailureRate{Attempts: 4, Failed: 3, Rate: 0.75}) {
		t.Errorf("24 h %+v", h.Last24h)
	}
	if h.Last7d != (switchboard.FailureRate{Attempts: 6, Failed: 4, Rate: 4.0 / 6}) {
		t.Errorf("7 days %+v", h.Last7d)
	}
	if len(e.Days) > 7 || len(e.Hours) > 24 {
		t.Errorf("buckets kept: %d days, %d hours", len(e.Days), len(e.Hours))
	}
}
