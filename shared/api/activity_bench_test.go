package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// The activity and overview benchmarks' account: 200 connections of the
// demo account, each with 13 months (switchboard.RollUpRetention) of hour
// and day roll-ups before activityBenchNow, about two million items.
const (
	activityBenchTable = "bench-activity"
	activityBenchConns = 200
	activityBenchHours = 396 * 24
	activityBenchDays  = 396
)

// activityBenchNow is the benchmarks' clock: the data set is loaded once
// and kept, so its dates are fixed.
var activityBenchNow = time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC)

func activityBenchConn(i int) string { return fmt.Sprintf("con_bench_%03d", i) }

func activityBenchRollUp(conn string, start time.Time, day bool) switchboard.RollUp {
	if day {
		return switchboard.RollUp{ConnectionID: conn, Start: start, Counts: switchboard.Counts{Total: 168, S2xx: 160, S4xx: 6, S5xx: 2, S429: 1},
			Latency: []int64{100, 50, 10, 5, 3}, Used: []string{"orders.read", "orders.write"}}
	}
	return switchboard.RollUp{ConnectionID: conn, Start: start, Counts: switchboard.Counts{Total: 7, S2xx: 7}, Latency: []int64{5, 2}}
}

// mustActivityBench returns a store over a fresh copy of the data set, the
// demo data and the 200 connections written through the store.
func mustActivityBench(b *testing.B) *dynamo.Store {
	b.Helper()
	ctx := context.Background()
	h := sha256.New()
	fmt.Fprintf(h, "%d %d %d %v", activityBenchConns, activityBenchHours, activityBenchDays, activityBenchNow)
	for _, day := range []bool{false, true} {
		it := dynamo.RollUpItem(demo.Account.ID, activityBenchRollUp("c", activityBenchNow, day), day, 0)
		for _, k := range slices.Sorted(maps.Keys(it)) {
			fmt.Fprintf(h, "%s=%T%v;", k, it[k], it[k])
		}
	}
	sum := h.Sum(nil)
	client := testenv.MustBenchData(b, "activity-"+hex.EncodeToString(sum[:6]), activityBenchTable, func(ctx context.Context, infra, dir string) error {
		return emulators.LoadItems(ctx, infra, dir, activityBenchTable, func(put func(map[string]types.AttributeValue) error) error {
			lastHour, today := switchboard.HourStart(activityBenchNow), switchboard.DayStart(activityBenchNow)
			for i := range activityBenchConns {
				conn := activityBenchConn(i)
				for h := range activityBenchHours {
					if err := put(dynamo.RollUpItem(demo.Account.ID, activityBenchRollUp(conn, lastHour.Add(-time.Duration(h)*time.Hour), false), false, 0)); err != nil {
						return err
					}
				}
				for d := range activityBenchDays {
					if err := put(dynamo.RollUpItem(demo.Account.ID, activityBenchRollUp(conn, today.AddDate(0, 0, -d), true), true, 0)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	})
	store := dynamo.New(client, activityBenchTable).WithClock(func() time.Time { return activityBenchNow })
	if _, err := demo.Seed(ctx, store, demo.DefaultPassword); err != nil {
		b.Fatal(err)
	}
	since := activityBenchNow.AddDate(-1, -1, 0)
	for i := range activityBenchConns {
		app := demo.Apps[i%len(demo.Apps)]
		c := switchboard.Connection{ID: activityBenchConn(i), AccountID: demo.Account.ID, AppID: app.ID, AppName: app.Name,
			LocationID: "loc-bastille", InstanceLabel: fmt.Sprint(i), Level: switchboard.LevelLocation, Scope: "location[orders.read,orders.write]",
			Status: switchboard.ConnectionActive, ConnectedAt: since, UpdatedAt: since, TokenHash: fmt.Sprintf("h%d", i)}
		if err := store.CreateConnection(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	// The data set is loaded around the roll-up, which keeps the health
	// summaries; build them as the overview would on its first call.
	if err := store.BuildHealthSummaries(ctx, demo.Account.ID); err != nil {
		b.Fatal(err)
	}
	return store
}

// BenchmarkActivityRoute: GET /admin/v1/connections/{id}/activity?days=30
// through the route's handler, over the 200 connections in turn, each with
// 13 months of roll-ups. Reported: the median latency (ms-p50) and the
// 95th percentile. The route reads roll-ups only (see
// TestActivityAndOverviewNeverReadTheCallLog).
func BenchmarkActivityRoute(b *testing.B) {
	store := mustActivityBench(b)
	h := api.GetConnectionActivity(store, func() time.Time { return activityBenchNow })
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	run := func(i int) time.Duration {
		conn := activityBenchConn(i % activityBenchConns)
		req := get("/admin/v1/connections/" + conn + "/activity?days=30")
		req.PathParameters = map[string]string{"connectionId": conn}
		start := time.Now()
		resp, err := h(context.Background(), p, req)
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v %s", resp.StatusCode, err, resp.Body)
		}
		return took
	}
	for i := range 20 { // warm-up: Node's JIT in the emulator
		run(i)
	}
	var times []time.Duration
	i := 0
	for b.Loop() {
		for range 20 {
			times = append(times, run(i))
			i++
		}
	}
	reportLatency(b, times)
}

// BenchmarkOverviewRoute: GET /admin/v1/overview through the route's
// handler for the account with 200 connections, each with 13 months of
// roll-ups (the rules read the last 24 hours and 21 days of each, from the
// health summaries: one query for the account).
func BenchmarkOverviewRoute(b *testing.B) {
	store := mustActivityBench(b)
	h := api.GetOverview(store, func() time.Time { return activityBenchNow })
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	run := func() time.Duration {
		start := time.Now()
		resp, err := h(context.Background(), p, get("/admin/v1/overview"))
		took := time.Since(start)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v %s", resp.StatusCode, err, resp.Body)
		}
		return took
	}
	run() // warm-up
	var times []time.Duration
	for b.Loop() {
		for range 5 {
			times = append(times, run())
		}
	}
	reportLatency(b, times)
}

// reportLatency reports the median and 95th percentile of times, in ms.
func reportLatency(b *testing.B, times []time.Duration) {
	s := slices.Clone(times)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2].Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(s[len(s)*95/100].Microseconds())/1000, "ms-p95")
	b.ReportMetric(float64(len(s)), "requests")
}
