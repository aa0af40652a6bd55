package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// findBenchSizes are the calls of the two accounts of the request-id
// lookup benchmark: 1,000, and as many as DynamoDB Local loads in about ten
// minutes (FIND_BENCH_LARGE sets another size, 1000000 for the issue's
// million; its own data set). A key read does not depend on the size of
// the account's log: the ratio of the two medians says so.
var findBenchSizes = []int{1_000, 150_000}

const findBenchTable = "bench-findcall"

func findBenchAccount(n int) string { return fmt.Sprintf("acc-find-%d", n) }

// findBenchCall is call i of the account of n calls, over ten connections.
func findBenchCall(n, i int) switchboard.Call {
	c := benchCall(fmt.Sprintf("con_%d_%d", n, i%10), i)
	c.AccountID, c.AppID, c.LocationID = findBenchAccount(n), "app-find", "loc-find"
	c.RequestID = fmt.Sprintf("req-%d-%07d", n, i)
	c.BodiesArchived = false // the lookup alone: no body read
	return c
}

// BenchmarkFindCallByRequestID finds random calls by request id, alternating
// an account of 1,000 calls and a large one on the same emulator: through
// the store (FindAccountCall) and through GET /admin/v1/calls/{requestId}'s
// handler as a member (the lookup, the connection's read, the JSON answer).
// Target: p50 ≤ 50 ms on the emulators; x-1k, the ratio of medians, near 1
// (one key read, not a search).
func BenchmarkFindCallByRequestID(b *testing.B) {
	store := mustFindBenchLog(b)
	ctx := context.Background()
	small, large := findBenchSizes[0], findBenchSizes[1]
	rng := rand.New(rand.NewPCG(5, 6))
	route := api.FindCall(store, store, store)
	ways := map[string]func(n int, id string) error{
		"store": func(n int, id string) error {
			c, err := store.FindAccountCall(ctx, findBenchAccount(n), id)
			if err == nil && c.RequestID != id {
				err = fmt.Errorf("found %s", c.RequestID)
			}
			return err
		},
		"route": func(n int, id string) error {
			req := apigw.Request{RawPath: "/admin/v1/calls/" + id, PathParameters: map[string]string{"requestId": id}}
			req.RequestContext.HTTP.Method = "GET"
			p := switchboard.Principal{AccountID: findBenchAccount(n), UserID: "usr-bench", Role: switchboard.RoleMember}
			resp, err := route(ctx, p, req)
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("%d %s", resp.StatusCode, resp.Body)
			}
			return err
		},
	}
	for _, name := range []string{"store", "route"} {
		find := ways[name]
		b.Run(name, func(b *testing.B) {
			var times [2][]time.Duration
			for b.Loop() {
				for k, n := range []int{small, large} {
					id := findBenchCall(n, rng.IntN(n)).RequestID
					start := time.Now()
					err := find(n, id)
					times[k] = append(times[k], time.Since(start))
					if err != nil {
						b.Fatalf("%d calls, %s: %v", n, id, err)
					}
				}
			}
			ms, ml := median(times[0]), median(times[1])
			b.ReportMetric(float64(ms.Microseconds())/1000, "ms-1k-p50")
			b.ReportMetric(float64(ml.Microseconds())/1000, "ms-large-p50")
			b.ReportMetric(float64(ml)/float64(ms), "x-1k")
			b.ReportMetric(float64(large), "large")
		})
	}
}

// mustFindBenchLog loads (once, kept under .local/bench) the two accounts'
// calls (see mustCallSets).
func mustFindBenchLog(b *testing.B) *dynamo.Store {
	b.Helper()
	return mustCallSets(b, "findcall", findBenchTable, "FIND_BENCH_LARGE", findBenchSizes, findBenchCall(1000, 500), findBenchCall)
}
