package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// Connections are demo connections with 30 days of activity, seeded by
// SeedActivity for `make run` (and so the browser tests), not by Seed: unit
// tests count the demo account's connections. Nobody holds their tokens.
// All are location-level: an account-level group on the Connections page
// would be one more element labelled "…locations…" for the browser tests.
//   - StockWise calls steadily: a healthy chart, catalog.write granted but unused.
//   - SpeedyDrop answers many 5xx since yesterday: erroring.
//   - ClickEat was granted less than it now asks for: needs re-authorisation.
var Connections = []switchboard.Connection{
	{ID: "con_demo_stockwise", AppID: "stockwise", AppName: "StockWise", Level: switchboard.LevelLocation, LocationID: "loc-bastille", Scope: "location[catalog.read,catalog.write,orders.read]"},
	{ID: "con_demo_speedydrop", AppID: "speedydrop", AppName: "SpeedyDrop Delivery", Level: switchboard.LevelLocation, LocationID: "loc-canal", Scope: "location[orders.read,orders.write]"},
	{ID: "con_demo_clickeat", AppID: "clickeat", AppName: "ClickEat Online Ordering", Level: switchboard.LevelLocation, LocationID: "loc-canal", Scope: "location[catalog.read,orders.write]"},
}

// ActivityStore is what SeedActivity writes to.
type ActivityStore interface {
	switchboard.ConnectionStore
	SeedRollUp(ctx context.Context, accountID string, r switchboard.RollUp, day bool) error
}

// activityDays is how much history a demo connection gets.
const activityDays = 30

// SeedActivity creates the demo connections and, for each one created now,
// its hour and day roll-ups for the 30 days before now. Connections that
// exist are left alone, so restarts add nothing.
func SeedActivity(ctx context.Context, store ActivityStore, now time.Time) (created int, err error) {
	since := now.AddDate(0, 0, -activityDays-5)
	for i, c := range Connections {
		c.AccountID, c.Status, c.ConnectedBy, c.ConnectedAt, c.UpdatedAt = Account.ID, switchboard.ConnectionActive, "usr-owner", since, since
		c.TokenHash = fmt.Sprintf("demo-unusable-token-%d", i)
		ok, err := createdOrExists(store.CreateConnection(ctx, c))
		if err != nil {
			return created, fmt.Errorf("seed connection %s: %w", c.ID, err)
		}
		if !ok {
			continue
		}
		created++
		if err := seedRollUps(ctx, store, c, now); err != nil {
			return created, err
		}
	}
	return created, nil
}

// seedRollUps writes deterministic traffic for the hours before now's.
func seedRollUps(ctx context.Context, store ActivityStore, c switchboard.Connection, now time.Time) error {
	last := switchboard.HourStart(now)
	days := map[int64]*switchboard.RollUp{}
	for h := last.Add(-activityDays * 24 * time.Hour); h.Before(last); h = h.Add(time.Hour) {
		hour := switchboard.RollUp{ConnectionID: c.ID, Start: h}
		for _, call := range demoCalls(c, h, now) {
			hour.AddCall(call, false)
			d := switchboard.DayStart(h).Unix()
			if days[d] == nil {
				days[d] = &switchboard.RollUp{ConnectionID: c.ID, Start: switchboard.DayStart(h)}
			}
			days[d].AddCall(call, true)
		}
		if hour.Total == 0 {
			continue
		}
		if err := store.SeedRollUp(ctx, c.AccountID, hour, false); err != nil {
			return err
		}
	}
	for _, d := range days {
		if err := store.SeedRollUp(ctx, c.AccountID, *d, true); err != nil {
			return err
		}
	}
	return nil
}

// demoCalls is the made-up traffic of connection c in hour h: busier at
// lunch and dinner (UTC), a weekly rhythm, and each app's own habits.
func demoCalls(c switchboard.Connection, h, now time.Time) []switchboard.Call {
	hour, day := h.Hour(), h.YearDay()
	n := 1 + (day*7+hour*3)%4
	if hour >= 10 && hour <= 13 || hour >= 17 && hour <= 21 {
		n += 6
	}
	if h.Weekday() == time.Monday {
		n /= 2
	}
	var calls []switchboard.Call
	add := func(resource, method string, status int, latency int64) {
		calls = append(calls, switchboard.Call{At: h, Resource: resource, Method: method, Status: status, LatencyMs: latency})
	}
	for i := range n {
		latency := int64(20 + (i*37+day*11+hour*5)%180)
		switch c.AppID {
		case "speedydrop":
			status := 200
			if now.Sub(h) < 24*time.Hour && i%3 != 0 {
				status = 503 // failing since yesterday
			} else if i == 4 && day%5 == 0 {
				status = 429
			}
			add("orders", []string{"GET", "PATCH"}[i%2], status, latency+300)
		case "clickeat":
			if hour%3 == 0 && i < 2 {
				add("orders", "POST", 201, latency)
			}
		default:
			status := 200
			if i == 7 && day%4 == 0 {
				status = 404
			}
			add([]string{"orders", "catalog"}[i%2], "GET", status, latency)
			if c.AppID == "stockwise" && i == 0 && hour == 9 {
				// Once a day StockWise tries the customers it was never
				// granted: refused, which is not use (the app page's
				// "Refused for lack of it" column).
				calls = append(calls, switchboard.Call{At: h, Resource: "customers", Method: "GET", Status: 403,
					Error: switchboard.EInsufficientScope, LatencyMs: latency})
			}
		}
	}
	return calls
}
