package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestRateLimitDigestOncePerConnectionAndPeriod: calls that passed 80 % of
// a window (as the door marks them) become rate_limit events through the
// roll-up; an hourly "rate limit" rule sends one email per recipient that
// names each connection once whatever the windows and calls, read back
// from the SES emulator; a rerun of the period, even after the roll-up
// replayed its minutes, sends nothing more.
func TestRateLimitDigestOncePerConnectionAndPeriod(t *testing.T) {
	f := mustFixture(t, "UTC")
	ctx := context.Background()
	for _, app := range []string{"app-pos", "app-drop"} {
		c := switchboard.Connection{ID: "conn-" + app, AccountID: f.account.ID, AppID: app, AppName: appNames[app], LocationID: "loc-1",
			Level: switchboard.LevelLocation, Scope: "location[orders.read]", Status: switchboard.ConnectionActive,
			ConnectedBy: "usr-owner", ConnectedAt: ruleEpoch, TokenHash: "hash-" + app}
		if err := f.store.CreateConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	f.mustRule(t, switchboard.NotificationRule{ID: "rule-rate", Name: "Near the limit", Type: switchboard.RuleRateLimit,
		Frequency: switchboard.Hourly, AllApps: true, Recipients: switchboard.Recipients{Mode: switchboard.RecipientsSuperAdmins},
		CreatedAt: mustTime(t, "2026-11-24T10:00:00Z")})
	seq := 0
	warn := func(app, at string, windows ...string) {
		t.Helper()
		seq++
		when := mustTime(t, at)
		c := switchboard.Call{RequestID: "req-rate-" + string(rune('a'+seq)), AccountID: f.account.ID, ConnectionID: "conn-" + app, At: when,
			Resource: "orders", Method: "GET", Path: "/v1/locations/loc-1/orders", Status: 200, LatencyMs: 12, LoggedAt: when, RateWarnings: windows}
		if err := f.store.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	rollUp := func(at string) switchboard.RollUpReport {
		t.Helper()
		now := mustTime(t, at)
		rep, err := f.store.WithClock(func() time.Time { return now }).RollUp(ctx, 120)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	warn("app-pos", "2026-11-24T10:14:03Z", "minute")
	warn("app-pos", "2026-11-24T10:20:41Z", "minute") // the same window in the same hour: one event
	warn("app-pos", "2026-11-24T10:30:00Z", "hour")
	warn("app-drop", "2026-11-24T10:40:00Z", "day", "minute")
	if rep := rollUp("2026-11-24T10:50:00Z"); rep.RateWarnings != 5 {
		t.Fatalf("roll-up report %+v", rep)
	}

	s := f.sender(f.realMailer())
	rep := mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z")
	if rep.Sent != 1 || rep.Events != 2 {
		t.Errorf("report %+v, want 1 email of 2 connections", rep)
	}
	mail := f.sentMail(t)
	if got := counts(mail); got != "owner:1" {
		t.Fatalf("mail sent: %s", got)
	}
	m := mail["owner"][0]
	if !strings.HasPrefix(m.Subject, "Near the limit: 2 events, Tue 24 Nov 2026, 10:00–11:00 UTC") {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"Near its rate limit", "Passed 80 % of its minute and hour rate limits.", "Passed 80 % of its minute and day rate limits.",
		"OrderLine <POS>", "SpeedyDrop", "connections near their rate limit", "/#/connections/conn-app-pos/logs"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if n := strings.Count(m.Text, "- Near its rate limit"); n != 2 {
		t.Errorf("%d lines, want one per connection:\n%s", n, m.Text)
	}

	// The roll-up replays the hour (an operator's rewind) and the digest
	// runs again: the events are the same, the period is settled.
	if err := f.store.RewindRollUp(ctx, mustTime(t, "2026-11-24T10:00:00Z")); err != nil {
		t.Fatal(err)
	}
	rollUp("2026-11-24T11:02:00Z")
	if rep := mustRun(t, s, switchboard.Hourly, "2026-11-24T11:05:00Z"); rep.Sent != 0 {
		t.Errorf("rerun report %+v", rep)
	}
	if got := counts(f.sentMail(t)); got != "owner:1" {
		t.Errorf("after the rerun: %s", got)
	}

	// The next hour: the POS passes 80 % again; its own digest names it.
	warn("app-pos", "2026-11-24T11:10:00Z", "minute")
	rollUp("2026-11-24T11:15:00Z")
	mustRun(t, s, switchboard.Hourly, "2026-11-24T12:05:00Z")
	mail = f.sentMail(t)
	if got := counts(mail); got != "owner:2" {
		t.Fatalf("after the next hour: %s", got)
	}
	if next := mail["owner"][1]; !strings.Contains(next.Subject, "1 event, Tue 24 Nov 2026, 11:00–12:00 UTC") || strings.Contains(next.Text, "SpeedyDrop") {
		t.Errorf("next hour: %s\n%s", next.Subject, next.Text)
	}
}
