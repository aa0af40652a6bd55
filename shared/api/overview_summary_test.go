package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestOverviewFromSummariesMatchesPerConnection: on an account with
// healthy, erroring (5xx, and 401s after a token change), blocked, silent,
// young, under-granted and callback-failing connections, plus the roll-ups
// of a revoked connection (no longer listed) and of one loaded before the
// summaries existed, the overview built from the health summaries equals
// the one built from two roll-up queries per connection: now, and later
// as the windows slide without a roll-up run.
func TestOverviewFromSummariesMatchesPerConnection(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(func() time.Time { return now })
	month := now.AddDate(0, -1, 0)
	mustConnection(t, store, "con_healthy", "insight-bi", "", "account[catalog.read,orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_failing", "speedydrop", "loc-canal", "location[orders.read,orders.write]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_blocked", "mailbloom", "", "account[customers.read,orders.read]", switchboard.ConnectionBlocked, month)
	mustConnection(t, store, "con_reauth", "orderline-pos", "loc-bastille", "location[orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_silent", "stockwise", "loc-bastille", "location[catalog.read,catalog.write,orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_young", "stockwise", "loc-canal", "location[catalog.read,catalog.write,orders.read]", switchboard.ConnectionActive, now.AddDate(0, 0, -3))
	mustConnection(t, store, "con_old_rollups", "insight-bi", "loc-canal", "account[catalog.read,orders.read]", switchboard.ConnectionActive, month)
	changed := now.Add(-10 * time.Hour)
	rotated := switchboard.Connection{ID: "con_rotated", AccountID: demo.Account.ID, LocationID: "loc-canal", AppID: "clickeat", AppName: "clickeat",
		Level: switchboard.LevelLocation, Scope: "location[catalog.read,customers.write,orders.write]", Status: switchboard.ConnectionActive,
		ConnectedBy: "usr-owner", ConnectedAt: month, UpdatedAt: changed, TokenHash: "h-rotated", TokenChangedAt: &changed}
	if err := store.CreateConnection(ctx, rotated); err != nil {
		t.Fatal(err)
	}
	// The callbacks to con_healthy's app failed six times today.
	var attempts []switchboard.DeliveryAttempt
	for i := range 6 {
		attempts = append(attempts, switchboard.DeliveryAttempt{At: now.Add(-time.Duration(i+1) * time.Hour), Trigger: "retry", Status: 500})
	}
	d := switchboard.Delivery{EventID: switchboard.NewEventID(now.Add(-7 * time.Hour)), Attempts: attempts, Type: "connection.blocked",
		AccountID: demo.Account.ID, AppID: "insight-bi", ConnectionID: "con_healthy", CreatedAt: now.Add(-7 * time.Hour),
		URL: "https://insight.example/events", Body: "{}", State: switchboard.DeliveryPending, AttemptCount: len(attempts)}
	if err := store.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}

	// Calls over the last 30 hours (some out of the 24-hour window), all
	// written five minutes ago, then rolled up.
	written := now.Add(-5 * time.Minute)
	var calls []switchboard.Call
	n := 0
	add := func(conn string, at time.Time, status int, code string) {
		c := call(fmt.Sprintf("req-%03d", n), conn, at, "GET", status)
		c.Error = code
		calls = append(calls, c)
		n++
	}
	for h := range 30 {
		at := written.Add(-time.Duration(h)*time.Hour - time.Second)
		add("con_healthy", at, 200, "")
		add("con_failing", at, []int{200, 503}[h%2], "")
		add("con_blocked", at, 500, "")
		add("con_reauth", at, 200, "")
		add("con_young", at, 200, "")
		add("con_revoked", at, 200, "")
		if h < 16 { // 401s on both sides of the token change
			add("con_rotated", at, 401, switchboard.EInvalidToken)
		}
	}
	add("con_failing", now.AddDate(0, 0, -3), 200, "") // a late call, three days old
	mustCalls(t, env, written, calls...)
	mustRollUp(t, env, now)
	// The silent one called daily for two weeks, then stopped 8 days ago
	// (demo history, seeded without the feed).
	for d := 8; d < 8+switchboard.BaselineDays; d++ {
		r := switchboard.RollUp{ConnectionID: "con_silent", Start: switchboard.DayStart(now.AddDate(0, 0, -d)), Counts: switchboard.Counts{Total: 40, S2xx: 40}}
		if err := store.SeedRollUp(ctx, demo.Account.ID, r, true); err != nil {
			t.Fatal(err)
		}
	}
	// con_old_rollups' history was written before summaries existed:
	// the overview's one-time build has to find it.
	for d := range 21 {
		for _, day := range []bool{false, true} {
			start := switchboard.HourStart(now).Add(-time.Duration(d) * time.Hour)
			if day {
				start = switchboard.DayStart(now).AddDate(0, 0, -d)
			}
			item := dynamo.RollUpItem(demo.Account.ID, switchboard.RollUp{ConnectionID: "con_old_rollups", Start: start, Counts: switchboard.Counts{Total: 20, S2xx: 10, S5xx: 10}}, day, 0)
			if _, err := env.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(env.Config.TableName), Item: item}); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, later := range []time.Duration{0, 3 * time.Hour, 20 * time.Hour, 50 * time.Hour, 9 * 24 * time.Hour} {
		at := now.Add(later)
		got, err := api.BuildOverview(ctx, store, demo.Account.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		want, err := api.BuildOverviewPerConnection(ctx, store, demo.Account.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s later: the overview from summaries differs from the per-connection one (-want +got):\n%s", later, diff)
		}
		if later == 0 {
			// The data set must exercise every section, or the
			// comparison proves little.
			sections := map[string]int{"connected": got.Connected.Count, "blocked": got.Blocked.Count, "erroring": got.Erroring.Count,
				"needs reauthorisation": got.NeedsReauth.Count, "silent": got.Silent.Count}
			for name, c := range sections {
				if c == 0 {
					t.Errorf("no connection %s: %+v", name, got)
				}
			}
			reasons := map[string]bool{}
			for _, a := range got.NeedsAttention {
				reasons[a.ConnectionID+" "+string(a.Reason)] = true
			}
			for _, r := range []string{"con_failing erroring", "con_rotated auth_failures", "con_healthy callback_failures", "con_old_rollups erroring", "con_silent silent", "con_reauth needs_reauthorisation"} {
				if !reasons[r] {
					t.Errorf("missing %q in %v", r, reasons)
				}
			}
		}
	}
}
