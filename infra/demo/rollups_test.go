package demo

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestSeedSumsEqualRollUp: the roll-ups the seed sums itself for older
// feed minutes (SeedRollUpThrough) are those the scheduled roll-up makes
// by reading the feed. The same logged calls are rolled up twice, once
// all through the roll-up and once with the older half summed; every
// hour, day and health summary must come out equal, and a rewound
// roll-up over the summed minutes must add nothing.
func TestSeedSumsEqualRollUp(t *testing.T) {
	ctx := context.Background()
	// 13:20 UTC, busy for every demo app, on the last such time passed.
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(13*time.Hour + 20*time.Minute)
	if now.After(time.Now()) {
		now = now.Add(-24 * time.Hour)
	}
	from := now.Add(-100 * time.Minute) // within one roll-up run (120 minutes)
	var calls []demoCall
	for _, c := range Connections {
		c.AccountID = Account.ID
		for _, call := range connectionCalls(c, now) {
			if !call.at.Before(from) {
				call.logged = true
				calls = append(calls, call)
			}
		}
	}
	if len(calls) < 10 {
		t.Fatalf("only %d calls since %s", len(calls), from)
	}
	seed := func(rolledUpBefore time.Time) *dynamo.Store {
		env := testenv.MustEnv(t)
		store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithBodyBatches(s3store.New(env.S3(), env.Config.ArchiveBucket)).
			WithClock(func() time.Time { return now.Add(3 * time.Minute) }) // for the tail, as the next scheduled run
		if err := seedCalls(ctx, store, calls, now, rolledUpBefore); err != nil {
			t.Fatal(err)
		}
		if _, err := store.RollUp(ctx, 1000); err != nil {
			t.Fatal(err)
		}
		return store
	}
	rolled := seed(from.Add(-time.Minute))
	halfSummed := seed(now.Add(-50 * time.Minute))
	// A rewind replays the summed minutes: they must be skipped.
	if err := halfSummed.RewindRollUp(ctx, from.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if rep, err := halfSummed.RollUp(ctx, 1000); err != nil || rep.Entries == 0 {
		t.Fatalf("rewound roll-up: %+v, %v", rep, err)
	}
	read := func(store *dynamo.Store) map[string]any {
		out := map[string]any{}
		for _, c := range Connections {
			hours, err := store.HourRollUps(ctx, Account.ID, c.ID, from.Add(-2*time.Hour), now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			days, err := store.DayRollUps(ctx, Account.ID, c.ID, from.Add(-48*time.Hour), now.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			out[c.ID] = []any{hours, days}
		}
		sums, _, err := store.HealthSummaries(ctx, Account.ID)
		if err != nil {
			t.Fatal(err)
		}
		out["summaries"] = sums
		return out
	}
	want, got := read(rolled), read(halfSummed)
	var total int64
	for _, c := range Connections {
		for _, h := range want[c.ID].([]any)[0].([]switchboard.RollUp) {
			total += h.Total
		}
	}
	if total != int64(len(calls)) {
		t.Errorf("the roll-up counted %d calls, %d were logged", total, len(calls))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summed roll-ups differ from the roll-up's (-roll-up +summed):\n%s", diff)
	}
}
