package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// recordConcurrently logs n calls of 50 connections through store, 16 at a
// time, made at the store's clock.
func recordConcurrently(tb testing.TB, store *dynamo.Store, prefix string, n int, at time.Time) {
	tb.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				c := switchboard.Call{RequestID: prefix + strconv.Itoa(i), AccountID: "acc-bench", ConnectionID: fmt.Sprintf("con_%02d", i%50),
					At: at.Add(-time.Duration(i%3600) * time.Second), Resource: "orders", Method: "GET", Status: []int{200, 201, 404, 500}[i%4], LatencyMs: int64(i % 900)}
				if err := store.RecordCall(context.Background(), c); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// BenchmarkRollUp measures one run of the roll-up over 1,000 new call-log
// entries (50 connections, calls spread over the last hour) with different
// amounts of history already logged and rolled up: the cost must follow
// the new entries, not the history. ns/op is one run; entries/s is the
// throughput. ROLLUP_BENCH_HISTORY (default "0,10000,100000") sets the sizes.
func BenchmarkRollUp(b *testing.B) {
	sizes := []int{0, 10_000, 100_000}
	if v := os.Getenv("ROLLUP_BENCH_HISTORY"); v != "" {
		sizes = nil
		for _, s := range splitComma(v) {
			n, err := strconv.Atoi(s)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	// Warm the emulator up first (Node's JIT): otherwise the first size
	// measured pays for it and looks slower than bigger histories.
	warm := newRollUpBenchFixture(b)
	warm.clock.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	recordConcurrently(b, warm.store, "warm-", 3000, warm.clock.Now())
	warm.clock.Add(3 * time.Minute)
	if _, err := warm.store.RollUp(context.Background(), 1000); err != nil {
		b.Fatal(err)
	}
	for _, history := range sizes {
		b.Run(fmt.Sprintf("new=1000/history=%d", history), func(b *testing.B) {
			f := newRollUpBenchFixture(b)
			start := time.Now()
			// History: logged an hour before, then rolled up.
			f.clock.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
			if _, err := f.store.RollUp(context.Background(), 1); err != nil {
				b.Fatal(err)
			}
			recordConcurrently(b, f.store, "old-", history, f.clock.Now())
			f.clock.Add(3 * time.Minute)
			if _, err := f.store.RollUp(context.Background(), 1000); err != nil {
				b.Fatal(err)
			}
			b.Logf("history of %d entries written and rolled up in %v", history, time.Since(start).Round(time.Second))
			b.ResetTimer()
			var entries int
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				f.clock.Add(time.Minute)
				recordConcurrently(b, f.store, fmt.Sprintf("new-%d-", i), 1000, f.clock.Now())
				f.clock.Add(3 * time.Minute)
				b.StartTimer()
				rep, err := f.store.RollUp(context.Background(), 1000)
				if err != nil {
					b.Fatal(err)
				}
				entries += rep.Entries
			}
			b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
