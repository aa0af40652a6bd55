package dynamo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// The roll-up benchmark's data sets: the same windows of new calls over no
// history and over a million older calls, logged and rolled up.
const (
	rollUpBenchTable   = "bench-rollup"
	rollUpBenchConns   = 50     // connections of one account share every call
	rollUpBenchNew     = 10_000 // new calls per window, one roll-up run each
	rollUpBenchWindows = 7      // the first is a warm-up (Node's JIT), not counted
	rollUpBenchWindow  = 5 * time.Minute
)

var (
	rollUpBenchHistories = []int{0, 1_000_000}
	// History: one call a second from here, so a million calls span the
	// eleven and a half days before the first window.
	rollUpHistoryStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rollUpFirstWindow  = time.Date(2026, 1, 12, 14, 0, 0, 0, time.UTC)
)

// rollUpBenchCall is a call of the benchmark: a mix of resources, methods,
// statuses (with 401, 429, 5xx) and latencies, spread over the connections.
func rollUpBenchCall(id string, i int, at time.Time) switchboard.Call {
	return switchboard.Call{RequestID: id, AccountID: "acc-bench", ConnectionID: fmt.Sprintf("con_%02d", i%rollUpBenchConns), At: at,
		Resource: []string{"orders", "customers", "catalog"}[i%3], Method: []string{"GET", "GET", "POST", "PATCH"}[i%4],
		Path: "/v1/orders/ord_" + fmt.Sprint(i), Status: []int{200, 200, 201, 404, 200, 401, 429, 500, 200, 503}[i%10],
		LatencyMs: int64(i % 900), RequestBytes: 120, ResponseBytes: 480, BodiesArchived: true}
}

// rollUpNewCall is call j of window w: 10,000 calls over its five minutes,
// each written to the feed in its own minute.
func rollUpNewCall(w, j int) switchboard.Call {
	at := rollUpFirstWindow.Add(time.Duration(w)*rollUpBenchWindow + time.Duration(j)*rollUpBenchWindow/rollUpBenchNew)
	return rollUpBenchCall(fmt.Sprintf("new-%d-%05d", w, j), j, at)
}

// BenchmarkRollUp measures roll-up runs over 10,000 new call-log entries
// (50 connections, five minutes of calls, as one scheduled run reads them)
// with no history and with 1,000,000 older entries logged and rolled up in
// the table: call-log items under every key RecordCall writes, their feed
// items, and the roll-ups they made. Both tables run side by side, each on
// its own emulator, and each loop takes one run on each, alternating, for
// rollUpBenchWindows-1 windows after a warm-up. Reported: the medians, the
// ratio of medians (x-0, target ≤ 1.2) and the throughput at the medians
// (entries/s with the history, entries/s-0 without). Both data sets are loaded once under .local/bench and
// copied for each loop, so a run never changes them.
//
// ROLLUP_BENCH_HISTORY sets another history size than a million (each size
// is its own cached data set: a million calls are seven million items,
// which take tens of minutes to load once on a small machine).
func BenchmarkRollUp(b *testing.B) {
	ctx := context.Background()
	histories := slices.Clone(rollUpBenchHistories)
	if v := os.Getenv("ROLLUP_BENCH_HISTORY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("ROLLUP_BENCH_HISTORY=%q: want a number of calls", v)
		}
		histories[1] = n
	}
	var times [2][]time.Duration
	for b.Loop() {
		b.StopTimer()
		var stores [2]*dynamo.Store
		var clocks [2]*clock
		for k, history := range histories {
			clocks[k] = &clock{}
			stores[k] = dynamo.New(mustRollUpBenchData(b, history), rollUpBenchTable).WithClock(clocks[k].Now)
		}
		b.StartTimer()
		for w := range rollUpBenchWindows {
			for k := range stores {
				// The window's minutes closed, with their grace.
				clocks[k].Set(rollUpFirstWindow.Add(time.Duration(w+1)*rollUpBenchWindow + dynamo.RollUpGrace))
				start := time.Now()
				rep, err := stores[k].RollUp(ctx, 1000)
				took := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Entries != rollUpBenchNew || rep.Minutes != int(rollUpBenchWindow/time.Minute) {
					b.Fatalf("history %d, window %d: %+v, want %d entries in %v", histories[k], w, rep, rollUpBenchNew, rollUpBenchWindow)
				}
				if w > 0 {
					times[k] = append(times[k], took)
				}
			}
		}
	}
	m0, m1 := median(times[0]), median(times[1])
	b.ReportMetric(float64(m0.Microseconds())/1000, "ms-0-p50")
	b.ReportMetric(float64(m1.Microseconds())/1000, "ms-history-p50")
	b.ReportMetric(float64(m1)/float64(m0), "x-0")
	b.ReportMetric(rollUpBenchNew/m1.Seconds(), "entries/s")
	b.ReportMetric(rollUpBenchNew/m0.Seconds(), "entries/s-0")
	b.ReportMetric(float64(histories[1]), "history")
	b.ReportMetric(float64(len(times[1])), "runs")
}

// rollUpBenchKey is one roll-up item of the loaded history.
type rollUpBenchKey struct {
	conn  string
	start time.Time
	day   bool
}

// mustRollUpBenchData returns a client over a fresh copy of the data set
// with history older calls, named by a hash of the items it holds.
func mustRollUpBenchData(b *testing.B, history int) *dynamodb.Client {
	b.Helper()
	probe := dynamo.New(nil, rollUpBenchTable).WithCallRetention(benchRetention)
	c := rollUpNewCall(0, 7)
	sample, err := probe.CallWrites(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	r := switchboard.RollUp{ConnectionID: c.ConnectionID, Start: switchboard.HourStart(c.At)}
	r.AddCall(c, true)
	items := []map[string]types.AttributeValue{dynamo.FeedWrite(c, c.At).PutRequest.Item, dynamo.RollUpItem(c.AccountID, r, true, 1)}
	for _, w := range sample {
		items = append(items, w.PutRequest.Item)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d %d %d %d %v %v", rollUpBenchConns, rollUpBenchNew, rollUpBenchWindows, history, rollUpHistoryStart, rollUpFirstWindow)
	for _, it := range items {
		for _, k := range slices.Sorted(maps.Keys(it)) {
			fmt.Fprintf(h, "%s=%T%v;", k, it[k], it[k])
		}
	}
	sum := h.Sum(nil)
	name := fmt.Sprintf("rollup-%d-%s", history, hex.EncodeToString(sum[:6]))
	return testenv.MustBenchData(b, name, rollUpBenchTable, func(ctx context.Context, infra, dir string) error {
		return loadRollUpBench(ctx, infra, dir, history)
	})
}

// loadRollUpBench writes history calls a second apart, logged and rolled
// up (the watermark at the first window), then the new calls of every
// window, logged but not yet rolled up.
func loadRollUpBench(ctx context.Context, infra, dir string, history int) error {
	store := dynamo.New(nil, rollUpBenchTable).WithCallRetention(benchRetention)
	return emulators.LoadItems(ctx, infra, dir, rollUpBenchTable, func(put func(map[string]types.AttributeValue) error) error {
		logCall := func(c switchboard.Call) error {
			writes, err := store.CallWrites(ctx, c)
			if err != nil {
				return err
			}
			// Logged in the minute of the call: its feed minute is the call's.
			writes = append(writes, dynamo.FeedWrite(c, c.At))
			for _, w := range writes {
				if err := put(w.PutRequest.Item); err != nil {
					return err
				}
			}
			return nil
		}
		sums := map[rollUpBenchKey]*switchboard.RollUp{}
		for i := range history {
			c := rollUpBenchCall(fmt.Sprintf("old-%07d", i), i, rollUpHistoryStart.Add(time.Duration(i)*time.Second))
			if err := logCall(c); err != nil {
				return err
			}
			for _, k := range []rollUpBenchKey{{c.ConnectionID, switchboard.HourStart(c.At), false}, {c.ConnectionID, switchboard.DayStart(c.At), true}} {
				if sums[k] == nil {
					sums[k] = &switchboard.RollUp{ConnectionID: k.conn, Start: k.start}
				}
				sums[k].AddCall(c, k.day)
			}
		}
		// Every history batch is in: the last batch number before the first
		// window's.
		lastBatch := rollUpFirstWindow.Unix()/60*dynamo.FeedShards - 1
		for k, r := range sums {
			if err := put(dynamo.RollUpItem("acc-bench", *r, k.day, lastBatch)); err != nil {
				return err
			}
		}
		err := put(map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: dynamo.RollUpStatePK}, "SK": &types.AttributeValueMemberS{Value: dynamo.RollUpStateSK},
			"Type": &types.AttributeValueMemberS{Value: "rollup-watermark"}, "Next": &types.AttributeValueMemberN{Value: fmt.Sprint(rollUpFirstWindow.Unix() / 60)},
		})
		if err != nil {
			return err
		}
		for w := range rollUpBenchWindows {
			for j := range rollUpBenchNew {
				if err := logCall(rollUpNewCall(w, j)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
