package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestConnectionRateLimitsAndOverview: the connection's rate-limit route
// shows what the door counted (limit, use now, peaks), another account
// gets 404, and the overview lists the connections past 80 % of a window
// today, and only those.
func TestConnectionRateLimitsAndOverview(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC()
	mustConnection(t, store, "con_busy", "orderline-pos", "loc-bastille", "location[orders.read]", switchboard.ConnectionActive, now.AddDate(0, -1, 0))
	mustConnection(t, store, "con_calm", "clickeat", "loc-bastille", "location[orders.read]", switchboard.ConnectionActive, now.AddDate(0, -1, 0))
	windows := []time.Duration{time.Minute, time.Hour, 24 * time.Hour}
	// The door's own counter: 80 % of the minute's 500 for con_busy, if the
	// calls stay in one minute (the test waits for a fresh one if need be).
	if now.Second() > 40 {
		time.Sleep(time.Duration(61-now.Second()) * time.Second)
	}
	count := func(id string, n int) {
		var wg sync.WaitGroup
		next := make(chan struct{}, n)
		for range n {
			next <- struct{}{}
		}
		close(next)
		for range 8 {
			wg.Go(func() {
				for range next {
					if _, err := store.CountWindows(context.Background(), switchboard.RateKey(id), windows); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
	count("con_busy", 400)
	count("con_calm", 3)

	h := api.GetConnectionRateLimitsFunction(env)
	r := member.call(t, h, "GET", "/admin/v1/connections/con_busy/rate_limits", map[string]string{"connectionId": "con_busy"}, nil)
	got := mustDecode[api.ConnectionRateLimits](t, r)
	if r.StatusCode != http.StatusOK || got.ConnectionID != "con_busy" || got.WarningPercent != 80 || got.PeakDays != 7 || len(got.Windows) != 3 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	for i, want := range []struct {
		window     string
		limit, min int
	}{{"minute", 500, 400}, {"hour", 2500, 400}, {"day", 10000, 400}} {
		w := got.Windows[i]
		if w.Window != want.window || w.Limit != want.limit || w.PeakToday < want.min || w.Peak7Days < w.PeakToday || w.Remaining != w.Limit-w.Used {
			t.Errorf("window %d: %+v, want %+v", i, w, want)
		}
	}
	if got.Windows[0].Used != 400 && got.Windows[0].Used != 0 { // 0 if the minute turned since
		t.Errorf("minute used %d", got.Windows[0].Used)
	}
	other := mustOtherAccountAdmin(t, env)
	if r := other.call(t, h, "GET", "/admin/v1/connections/con_busy/rate_limits", map[string]string{"connectionId": "con_busy"}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("another account: %d %s", r.StatusCode, r.Body)
	}
	if r := member.call(t, h, "GET", "/admin/v1/connections/con_none/rate_limits", map[string]string{"connectionId": "con_none"}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown connection: %d %s", r.StatusCode, r.Body)
	}

	o := mustDecode[switchboard.Overview](t, member.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil))
	if len(o.NearRateLimit) != 1 || o.NearRateLimit[0].ConnectionID != "con_busy" || len(o.NearRateLimit[0].Windows) != 1 ||
		o.NearRateLimit[0].Windows[0].Window != "minute" || o.NearRateLimit[0].Windows[0].PeakToday != 400 || o.NearRateLimit[0].AppName == "" {
		t.Errorf("near the limit: %+v", o.NearRateLimit)
	}
	r = other.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil)
	if o := mustDecode[switchboard.Overview](t, r); len(o.NearRateLimit) != 0 {
		t.Errorf("other account: %s", r.Body)
	}
}
