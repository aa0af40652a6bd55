package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// seedHistory writes hour roll-ups for the `hours` hours before now and
// day roll-ups for the `days` days before, 16 writes at a time.
func seedHistory(b *testing.B, store *dynamo.Store, connectionID string, now time.Time, hours, days int) {
	b.Helper()
	type item struct {
		r   switchboard.RollUp
		day bool
	}
	items := make(chan item)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for it := range items {
				if err := store.SeedRollUp(context.Background(), demo.Account.ID, it.r, it.day); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	last := switchboard.HourStart(now)
	for i := range hours {
		items <- item{r: switchboard.RollUp{ConnectionID: connectionID, Start: last.Add(-time.Duration(i) * time.Hour), Counts: switchboard.Counts{Total: 7, S2xx: 7}, Latency: []int64{7}}}
	}
	today := switchboard.DayStart(now)
	for i := range days {
		items <- item{day: true, r: switchboard.RollUp{ConnectionID: connectionID, Start: today.AddDate(0, 0, -i), Counts: switchboard.Counts{Total: 168, S2xx: 168}, Used: []string{"orders.read"}}}
	}
	close(items)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkActivityRoute: one connection with 13 months of hour and day
// roll-ups; the route reads 30 days and 48 hours of them, never the log.
func BenchmarkActivityRoute(b *testing.B) {
	env := testenv.MustEnv(b)
	mustSeedDemo(b, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC()
	c := switchboard.Connection{ID: "con_bench", AccountID: demo.Account.ID, AppID: "insight-bi", AppName: "Insight BI", Level: switchboard.LevelAccount,
		Scope: "account[orders.read]", Status: switchboard.ConnectionActive, ConnectedAt: now.AddDate(-1, -1, 0), UpdatedAt: now.AddDate(-1, -1, 0), TokenHash: "h"}
	if err := store.CreateConnection(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	seedHistory(b, store, c.ID, now, 396*24, 396)
	h := api.GetConnectionActivity(store, time.Now)
	req := get("/admin/v1/connections/con_bench/activity?days=30")
	req.PathParameters = map[string]string{"connectionId": c.ID}
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	for b.Loop() {
		resp, err := h(context.Background(), p, req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
	}
}

// BenchmarkOverviewRoute: an account with 200 connections, each with the
// last 21 days of day roll-ups and 24 hours of hour roll-ups (what the
// rules read; older roll-ups are outside every key range read).
func BenchmarkOverviewRoute(b *testing.B) {
	env := testenv.MustEnv(b)
	mustSeedDemo(b, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC()
	for i := range 200 {
		c := switchboard.Connection{ID: fmt.Sprintf("con_bench_%03d", i), AccountID: demo.Account.ID, AppID: demo.Apps[i%len(demo.Apps)].ID,
			AppName: demo.Apps[i%len(demo.Apps)].Name, LocationID: "loc-bastille", InstanceLabel: fmt.Sprint(i), Level: switchboard.LevelLocation,
			Scope: "location[orders.read]", Status: switchboard.ConnectionActive, ConnectedAt: now.AddDate(0, -2, 0), UpdatedAt: now.AddDate(0, -2, 0), TokenHash: "h"}
		if err := store.CreateConnection(context.Background(), c); err != nil {
			b.Fatal(err)
		}
		seedHistory(b, store, c.ID, now, 24, 21)
	}
	h := api.GetOverview(store, time.Now)
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	for b.Loop() {
		resp, err := h(context.Background(), p, get("/admin/v1/overview"))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v", resp.StatusCode, err)
		}
	}
}
