package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// clock is a settable time source shared by stores built on one table.
type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// crashingClient fails every UpdateItem after the first n, as a function
// killed halfway through a run would stop writing.
func crashingClient(env *platform.Env, n int64) *dynamodb.Client {
	var updates atomic.Int64
	return dynamodb.NewFromConfig(env.AWS, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("crash", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if awsmiddleware.GetOperationName(ctx) == "UpdateItem" && updates.Add(1) > n {
					return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("crashed")
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
}

type rollUpFixture struct {
	env   *platform.Env
	store *dynamo.Store
	clock *clock
}

func newRollUpFixture(t *testing.T, start time.Time) rollUpFixture {
	f := newRollUpBenchFixture(t)
	f.clock.Set(start)
	return f
}

func newRollUpBenchFixture(tb testing.TB) rollUpFixture {
	env := testenv.MustEnv(tb)
	start := time.Now()
	c := &clock{}
	c.Set(start)
	return rollUpFixture{env: env, store: dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(c.Now), clock: c}
}

func (f rollUpFixture) record(t *testing.T, calls ...switchboard.Call) {
	t.Helper()
	for _, c := range calls {
		if err := f.store.RecordCall(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

func (f rollUpFixture) rollUp(t *testing.T) switchboard.RollUpReport {
	t.Helper()
	rep, err := f.store.RollUp(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (f rollUpFixture) hours(t *testing.T, accountID, connectionID string) map[string]switchboard.Counts {
	t.Helper()
	rs, err := f.store.HourRollUps(context.Background(), accountID, connectionID, time.Time{}.Add(time.Hour), f.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]switchboard.Counts{}
	for _, r := range rs {
		out[r.Start.Format("2006-01-02T15")] = r.Counts
	}
	return out
}

var statuses = []int{200, 200, 201, 204, 400, 401, 404, 429, 500, 503}

// callsAt makes one call per status, at seconds after at, with latencies
// of 5, 15, 25… ms.
func callsAt(prefix, connectionID string, at time.Time) []switchboard.Call {
	var out []switchboard.Call
	for i, s := range statuses {
		out = append(out, switchboard.Call{RequestID: fmt.Sprintf("%s-%02d", prefix, i), AccountID: "acc-a", ConnectionID: connectionID,
			At: at.Add(time.Duration(i) * time.Second), Resource: "orders", Method: []string{"GET", "POST"}[i%2], Status: s, LatencyMs: int64(5 + 10*i)})
	}
	return out
}

var tenCalls = switchboard.Counts{Total: 10, S2xx: 4, S4xx: 4, S5xx: 2, S429: 1, S401: 1}

func TestRollUpCountsByStatusExactlyOnce(t *testing.T) {
	start := time.Date(2026, 11, 24, 9, 58, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	f.clock.Set(start.Add(-time.Hour)) // the first run starts an hour back: nothing yet
	f.rollUp(t)
	f.clock.Set(start.Add(20 * time.Second))
	f.record(t, callsAt("a", "con_1", start)...) // feed minute 09:58
	// A retried write of the same call keeps one entry.
	f.record(t, callsAt("a", "con_1", start)[0])
	f.clock.Set(start.Add(time.Minute + 30*time.Second))
	f.record(t, callsAt("b", "con_2", start.Add(time.Minute+5*time.Second))...) // feed minute 09:59

	// Not yet: 09:59 is open until 10:00, then has a minute's grace.
	f.clock.Set(start.Add(3*time.Minute - time.Second))
	rep := f.rollUp(t)
	if got := f.hours(t, "acc-a", "con_2"); len(got) != 0 {
		t.Fatalf("con_2 rolled up before its minute's grace: %v (report %+v)", got, rep)
	}
	if got := f.hours(t, "acc-a", "con_1"); !cmp.Equal(got, map[string]switchboard.Counts{"2026-11-24T09": tenCalls}) {
		t.Fatalf("con_1 %v", got)
	}
	f.clock.Set(start.Add(3 * time.Minute))
	rep = f.rollUp(t)
	if rep.Entries != 10 || rep.Minutes != 1 {
		t.Errorf("report %+v, want 10 new entries in one minute", rep)
	}
	if !slices.Contains(rep.Failing, switchboard.ConnectionRef{AccountID: "acc-a", ConnectionID: "con_2"}) {
		t.Errorf("con_2 answered 5xx and 401 but is not failing: %+v", rep.Failing)
	}
	want := map[string]switchboard.Counts{"2026-11-24T09": tenCalls}
	for _, con := range []string{"con_1", "con_2"} {
		if diff := cmp.Diff(want, f.hours(t, "acc-a", con)); diff != "" {
			t.Errorf("%s: %s", con, diff)
		}
	}
	// Running the same window again changes nothing.
	if err := f.store.RewindRollUp(context.Background(), start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rep = f.rollUp(t)
	if rep.Entries != 20 {
		t.Errorf("rerun read %d entries, want the 20 again", rep.Entries)
	}
	if diff := cmp.Diff(want, f.hours(t, "acc-a", "con_1")); diff != "" {
		t.Errorf("after a rerun: %s", diff)
	}
	days, err := f.store.DayRollUps(context.Background(), "acc-a", "con_1", start.Add(-24*time.Hour), start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || days[0].Counts != tenCalls || !slices.Equal(days[0].Used, []string{"orders.read", "orders.write"}) {
		t.Errorf("days %+v", days)
	}
	if p50, p95 := switchboard.Percentile(days[0].Latency, 0.5), switchboard.Percentile(days[0].Latency, 0.95); p50 != 50 || p95 != 100 {
		t.Errorf("p50 %d p95 %d, want 50 and 100", p50, p95)
	}
	// Another account reading the same connection id finds nothing.
	if got := f.hours(t, "acc-b", "con_1"); len(got) != 0 {
		t.Errorf("acc-b sees %v", got)
	}
}

// TestRollUpResumesAfterACrash applies part of a window, fails, and runs
// again: every entry is counted once.
func TestRollUpResumesAfterACrash(t *testing.T) {
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	f.rollUp(t) // sets the watermark
	for i := range 6 {
		// Six minutes, each with calls of three connections in two hours.
		f.clock.Set(start.Add(time.Duration(i)*time.Minute + 10*time.Second))
		for c := range 3 {
			calls := callsAt(fmt.Sprintf("m%d-c%d", i, c), fmt.Sprintf("con_%d", c), f.clock.Now().Add(-5*time.Second))
			calls[9].At = calls[9].At.Add(-2 * time.Hour) // a late entry, in an older hour
			f.record(t, calls...)
		}
	}
	f.clock.Set(start.Add(10 * time.Minute))
	crashing := dynamo.New(crashingClient(f.env, 20), f.env.Config.TableName).WithClock(f.clock.Now)
	if _, err := crashing.RollUp(context.Background(), 1000); err == nil {
		t.Fatal("the crashing run did not fail")
	}
	partial := f.hours(t, "acc-a", "con_0")
	if partial["2026-11-24T07"].Total+partial["2026-11-24T09"].Total >= 60 {
		t.Fatalf("the crash came too late to test anything: %v", partial)
	}
	rep := f.rollUp(t)
	if rep.Minutes == 0 {
		t.Fatalf("nothing resumed: %+v", rep)
	}
	for c := range 3 {
		got := f.hours(t, "acc-a", fmt.Sprintf("con_%d", c))
		want := map[string]switchboard.Counts{
			"2026-11-24T07": {Total: 6, S5xx: 6},
			"2026-11-24T09": {Total: 54, S2xx: 24, S4xx: 24, S5xx: 6, S429: 6, S401: 6},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("con_%d: %s", c, diff)
		}
	}
}

// TestRollUpCountsLateEntriesInTheirOldDay: an entry written today for a
// call made yesterday, after yesterday was rolled up, lands in yesterday.
func TestRollUpCountsLateEntriesInTheirOldDay(t *testing.T) {
	start := time.Date(2026, 11, 24, 0, 30, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	f.rollUp(t)
	f.record(t, callsAt("today", "con_1", start.Add(-20*time.Second))...)
	f.clock.Add(5 * time.Minute)
	f.rollUp(t)
	late := switchboard.Call{RequestID: "late", AccountID: "acc-a", ConnectionID: "con_1", At: start.Add(-3 * time.Hour), Resource: "catalog", Method: "GET", Status: 200, LatencyMs: 12}
	f.record(t, late)
	f.clock.Add(5 * time.Minute)
	f.rollUp(t)
	days, err := f.store.DayRollUps(context.Background(), "acc-a", "con_1", start.Add(-48*time.Hour), start.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || days[0].Start.Format("2006-01-02") != "2026-11-23" || days[0].Total != 1 || days[1].Total != 10 {
		t.Fatalf("days %+v", days)
	}
	if !slices.Equal(days[0].Used, []string{"catalog.read"}) {
		t.Errorf("used %v", days[0].Used)
	}
	if got := f.hours(t, "acc-a", "con_1")["2026-11-23T21"]; got.Total != 1 {
		t.Errorf("the late call's hour %+v", got)
	}
}

// TestRollUpReadsFilterExpired: TTL deletes expired items late (DynamoDB Local
// never does); reads drop them.
func TestRollUpReadsFilterExpired(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	old := switchboard.RollUp{ConnectionID: "con_1", Start: start.Add(-400 * 24 * time.Hour), Counts: switchboard.Counts{Total: 3}}
	recent := switchboard.RollUp{ConnectionID: "con_1", Start: start.Add(-2 * time.Hour), Counts: switchboard.Counts{Total: 4}}
	for _, r := range []switchboard.RollUp{old, recent} {
		if err := f.store.SeedRollUp(context.Background(), "acc-a", r, false); err != nil {
			t.Fatal(err)
		}
	}
	// Seeding again adds nothing.
	if err := f.store.SeedRollUp(context.Background(), "acc-a", recent, false); err != nil {
		t.Fatal(err)
	}
	if got := f.hours(t, "acc-a", "con_1"); !cmp.Equal(got, map[string]switchboard.Counts{"2026-11-24T08": {Total: 4}}) {
		t.Errorf("hours %v", got)
	}
}

// TestHealthSummaryRebuiltAfterACrash: a run that dies in its summary step
// (every summary write fails) does not move the watermark past the minute,
// so the next run, which finds every roll-up item already applied, still
// rebuilds the summaries, and counts nothing twice.
func TestHealthSummaryRebuiltAfterACrash(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	f := newRollUpFixture(t, start)
	ctx := context.Background()
	f.rollUp(t)
	f.clock.Set(start.Add(10 * time.Second))
	f.record(t, callsAt("a", "con_a", start.Add(time.Second))...)
	f.clock.Set(start.Add(3 * time.Minute))
	var failed atomic.Int64
	dying := dynamodb.NewFromConfig(f.env.AWS, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("die", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if put, ok := in.Parameters.(*dynamodb.PutItemInput); ok && isHealthSummary(put.Item) {
					failed.Add(1)
					return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("died")
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
	if _, err := dynamo.New(dying, f.env.Config.TableName).WithClock(f.clock.Now).RollUp(ctx, 1000); err == nil || failed.Load() == 0 {
		t.Fatalf("the run did not die in its summary step: %v, %d summary writes failed", err, failed.Load())
	}
	if hours := f.hours(t, "acc-a", "con_a"); hours["2026-11-24T10"] != tenCalls {
		t.Fatalf("before the rerun, the hour holds %+v: the roll-up items should be in", hours)
	}
	f.rollUp(t)
	sums, _, err := f.store.HealthSummaries(ctx, "acc-a")
	if err != nil {
		t.Fatal(err)
	}
	got := sums["con_a"]
	want := switchboard.HealthSummary{ConnectionID: "con_a",
		Hours: []switchboard.RollUp{{ConnectionID: "con_a", Start: start, Counts: switchboard.Counts{Total: 10, S5xx: 2}}},
		Days:  []switchboard.RollUp{{ConnectionID: "con_a", Start: switchboard.DayStart(start), Counts: switchboard.Counts{Total: 10}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary after the rerun (-want +got):\n%s", diff)
	}
	if hours := f.hours(t, "acc-a", "con_a"); hours["2026-11-24T10"] != tenCalls {
		t.Errorf("after the rerun, the hour holds %+v, want %+v", hours, tenCalls)
	}
}

func isHealthSummary(item map[string]types.AttributeValue) bool {
	t, ok := item["Type"].(*types.AttributeValueMemberS)
	return ok && t.Value == "health-summary"
}
