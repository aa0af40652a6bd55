package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestRollUpExactAfterFaults: calls across a day boundary are rolled up by
// runs whose DynamoDB requests fail as a struggling AWS fails (server
// errors, throttles, dropped connections, answers lost after the write was
// made), a few minutes per run; runs fail halfway. Then runs without faults
// finish the work. Every connection's hours and days hold exactly the
// calls made in them, by status class: none counted twice, none missed;
// so do the connections' health summaries.
func TestRollUpExactAfterFaults(t *testing.T) {
	start := time.Date(2026, 11, 23, 23, 57, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	const n = 120
	type cell struct {
		conn string
		at   string
		day  bool
	}
	f.rollUp(t) // the watermark, just before the calls: every run reads their minutes
	want := map[cell]switchboard.Counts{}
	for i := range n {
		at := start.Add(time.Duration(i) * 3 * time.Second) // 23:57 to 00:03
		c := switchboard.Call{RequestID: fmt.Sprintf("req-%03d", i), AccountID: "acc-a", ConnectionID: fmt.Sprintf("con_%d", i%3), At: at,
			Resource: "orders", Method: "GET", Status: statuses[i%len(statuses)], LatencyMs: int64(i % 300)}
		f.clock.Set(at.Add(time.Second)) // written as the call ends
		f.record(t, c)
		for _, k := range []cell{{c.ConnectionID, switchboard.HourStart(at).Format(time.RFC3339), false}, {c.ConnectionID, switchboard.DayStart(at).Format(time.RFC3339), true}} {
			counts := want[k]
			counts.AddStatus(c.Status)
			want[k] = counts
		}
	}
	end := start.Add(n*3*time.Second + dynamo.RollUpGrace + 2*time.Minute)
	f.clock.Set(end)

	// So many faults that the SDK's five tries give up on about one request
	// in thirty: runs stop halfway through a minute, after some of its sums
	// are in, or lose the answer to a write that was made.
	tr := faults.New(7, map[faults.Service]faults.Rates{
		faults.DynamoDB: {faults.ServerError: .1, faults.Throttle: .1, faults.Drop: .1, faults.LoseResponse: .2},
	})
	faulty := dynamo.New(dynamodb.NewFromConfig(faults.Apply(f.env.AWS, tr)), f.env.Config.TableName).WithClock(f.clock.Now)
	failed, runs := 0, 0
	for ; runs < 30; runs++ {
		rep, err := faulty.RollUp(ctx, 2)
		if err != nil {
			failed++
			continue
		}
		if rep.Minutes == 0 {
			break // caught up
		}
	}
	injected, seen := tr.Injected()
	if injected[faults.DynamoDB][faults.LoseResponse] == 0 || failed == 0 {
		t.Fatalf("%d of %d runs failed, %v faults among %d requests: the test needs lost answers and failed runs", failed, runs, injected, seen[faults.DynamoDB])
	}
	t.Logf("%d of %d runs under faults failed; faults %v over %d requests", failed, runs, injected[faults.DynamoDB], seen[faults.DynamoDB])
	for i := 0; ; i++ {
		rep, err := f.store.RollUp(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Minutes == 0 {
			break
		}
		if i == 5 {
			t.Fatalf("the roll-up never caught up: %+v", rep)
		}
	}

	got := map[cell]switchboard.Counts{}
	for conn := range 3 {
		id := fmt.Sprintf("con_%d", conn)
		hours, err := f.store.HourRollUps(ctx, "acc-a", id, start.Add(-time.Hour), end)
		if err != nil {
			t.Fatal(err)
		}
		days, err := f.store.DayRollUps(ctx, "acc-a", id, start.Add(-24*time.Hour), end.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range hours {
			got[cell{id, r.Start.Format(time.RFC3339), false}] = r.Counts
		}
		for _, r := range days {
			got[cell{id, r.Start.Format(time.RFC3339), true}] = r.Counts
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d roll-up items, want %d: %v", len(got), len(want), got)
	}
	var total int64
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%+v: %+v, want %+v", k, got[k], w)
		}
		if k.day {
			total += got[k].Total
		}
	}
	if total != n {
		t.Errorf("the days hold %d calls, want %d", total, n)
	}

	// The health summaries, rebuilt by the same runs, hold the same hours
	// and days: none stale from a run that stopped before its summary step.
	sums, _, err := f.store.HealthSummaries(ctx, "acc-a")
	if err != nil {
		t.Fatal(err)
	}
	fromSummaries := map[cell]switchboard.Counts{}
	for id, sum := range sums {
		for _, r := range sum.Hours {
			fromSummaries[cell{id, r.Start.Format(time.RFC3339), false}] = r.Counts
		}
		for _, r := range sum.Days {
			fromSummaries[cell{id, r.Start.Format(time.RFC3339), true}] = r.Counts
		}
	}
	if len(sums) != 3 || len(fromSummaries) != len(want) {
		t.Errorf("%d summaries with %d hours and days, want 3 with %d", len(sums), len(fromSummaries), len(want))
	}
	for k, w := range want {
		g := fromSummaries[k]
		if k.day && g.Total != w.Total || !k.day && (g.Total != w.Total || g.S5xx != w.S5xx || g.AuthFailures != w.AuthFailures) {
			t.Errorf("summary %+v: %+v, want %+v", k, g, w)
		}
	}
}
