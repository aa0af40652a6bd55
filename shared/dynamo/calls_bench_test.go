package dynamo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// The logs benchmark's two connections, in one table.
var benchLogSizes = []int{10_000, 1_000_000}

const benchLogTable = "bench-calllog"

// benchCall is call i of a connection of n calls: one call a second, one in
// a thousand a DELETE answered 503 (the rare filter), the rest a mix.
func benchCall(conn string, i int) switchboard.Call {
	c := switchboard.Call{RequestID: fmt.Sprintf("req-%07d", i), AccountID: "acc-bench", ConnectionID: conn,
		At:       time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Resource: []string{"orders", "customers", "catalog"}[i%3], Method: []string{"GET", "GET", "POST", "PATCH"}[i%4],
		Path: "/v1/orders/ord_" + fmt.Sprint(i), Status: []int{200, 200, 201, 404, 422}[i%5], LatencyMs: 12,
		RequestBytes: 120, ResponseBytes: 480, BodiesArchived: true}
	if i%1000 == 500 {
		c.Method, c.Status = "DELETE", 503
	}
	return c
}

func benchConn(n int) string { return fmt.Sprintf("con_%d", n) }

// BenchmarkLogsPage reads the newest page of a connection's log with 10,000
// and with 1,000,000 calls, unfiltered and with a rare filter (0.1% of the
// calls; a method filter reads its read budget, see benchPageSize), alternating the two sizes in one loop on the same emulator. The
// ratio of medians (x-10k) is what a million calls cost over ten thousand.
// Target: ≤ 1.2. The million calls are loaded once into a data folder
// under .local, kept between runs and keyed by the stored item format.
func BenchmarkLogsPage(b *testing.B) {
	store := mustBenchLog(b)
	ctx := context.Background()
	filters := []struct {
		name string
		f    switchboard.CallFilter
	}{
		{"unfiltered", switchboard.CallFilter{}},
		// Pages of 10 with the rare filters: the 10,000-call log holds 10
		// matches, so both sizes answer the same number of calls.
		{"method=DELETE", switchboard.CallFilter{Methods: []string{"DELETE"}, Limit: 10}},
		{"status=503", switchboard.CallFilter{Statuses: []string{"503"}, Limit: 10}},
		{"method=DELETE&resource=catalog", switchboard.CallFilter{Methods: []string{"DELETE"}, Resources: []string{"catalog"}, Limit: 10}},
	}
	for _, bc := range filters {
		b.Run(bc.name, func(b *testing.B) {
			small, large := benchLogSizes[0], benchLogSizes[1]
			var times [2][]time.Duration
			for b.Loop() {
				for k, n := range []int{small, large} {
					start := time.Now()
					p, err := store.ListCalls(ctx, "acc-bench", benchConn(n), bc.f)
					times[k] = append(times[k], time.Since(start))
					if err != nil {
						b.Fatal(err)
					}
					if want := benchPageSize(bc.f, n); len(p.Calls) != want {
						b.Fatalf("%d calls: a page of %d, want %d", n, len(p.Calls), want)
					}
				}
			}
			ms, ml := median(times[0]), median(times[1])
			b.ReportMetric(float64(ms.Microseconds())/1000, "ms-10k-p50")
			b.ReportMetric(float64(ml.Microseconds())/1000, "ms-large-p50")
			b.ReportMetric(float64(ml)/float64(ms), "x-10k")
			b.ReportMetric(float64(benchLogSizes[1]), "large")
		})
	}
}

// BenchmarkLogsRoute reads the same pages as BenchmarkLogsPage through the
// handler of GET /admin/v1/connections/{connectionId}/logs, as a member of
// the account: the connection read (the tenant check), the query string,
// the page header's catalog and customer-list reads and the JSON answer,
// with 10,000 and 1,000,000 calls, alternating. Target: the ratio of
// medians (x-10k) ≤ 1.2, unfiltered and with the rare filters.
func BenchmarkLogsRoute(b *testing.B) {
	store := mustBenchLog(b)
	ctx := context.Background()
	since := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, n := range benchLogSizes {
		c := switchboard.Connection{ID: benchConn(n), AccountID: "acc-bench", AppID: "orderline-pos", AppName: "OrderLine POS",
			LocationID: fmt.Sprintf("loc-%d", i), Level: switchboard.LevelLocation, Scope: "location[orders.read,customers.read,catalog.read]",
			Status: switchboard.ConnectionActive, ConnectedAt: since, UpdatedAt: since, TokenHash: benchConn(n), TokenLast4: "abcd"}
		if err := store.CreateConnection(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	h := api.ListConnectionLogs(store, store, store)
	p := switchboard.Principal{AccountID: "acc-bench", UserID: "usr-bench", Role: switchboard.RoleMember}
	queries := []struct {
		name   string
		query  map[string]string
		filter switchboard.CallFilter
	}{
		{"unfiltered", map[string]string{}, switchboard.CallFilter{}},
		{"method=DELETE", map[string]string{"method": "DELETE", "limit": "10"}, switchboard.CallFilter{Methods: []string{"DELETE"}, Limit: 10}},
		{"status=503", map[string]string{"status": "503", "limit": "10"}, switchboard.CallFilter{Statuses: []string{"503"}, Limit: 10}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			var times [2][]time.Duration
			for b.Loop() {
				for k, n := range benchLogSizes {
					req := apigw.Request{RawPath: "/admin/v1/connections/" + benchConn(n) + "/logs", QueryStringParameters: q.query,
						PathParameters: map[string]string{"connectionId": benchConn(n)}}
					req.RequestContext.HTTP.Method = "GET"
					start := time.Now()
					resp, err := h(ctx, p, req)
					took := time.Since(start)
					if err != nil || resp.StatusCode != 200 {
						b.Fatalf("%d calls: %d %v %s", n, resp.StatusCode, err, resp.Body)
					}
					var page switchboard.CallPage
					if want := benchPageSize(q.filter, n); json.Unmarshal([]byte(resp.Body), &page) != nil || len(page.Calls) != want {
						b.Fatalf("%d calls: a page of %d, want %d", n, len(page.Calls), want)
					}
					times[k] = append(times[k], took)
				}
			}
			ms, ml := median(times[0]), median(times[1])
			b.ReportMetric(float64(ms.Microseconds())/1000, "ms-10k-p50")
			b.ReportMetric(float64(ml.Microseconds())/1000, "ms-large-p50")
			b.ReportMetric(float64(ml)/float64(ms), "x-10k")
			b.ReportMetric(float64(benchLogSizes[1]), "large")
		})
	}
}

// mustBenchLog returns a store over a fresh copy of the benchmark's table
// (see mustCallSets). LOGS_BENCH_LARGE sets another size than a million
// for the large log (its own data set).
func mustBenchLog(b *testing.B) *dynamo.Store {
	b.Helper()
	return mustCallSets(b, "calllog", benchLogTable, "LOGS_BENCH_LARGE", benchLogSizes, benchCall("con_sample", 500),
		func(n, i int) switchboard.Call { return benchCall(benchConn(n), i) })
}

// mustCallSets returns a store over a fresh copy of table, loaded on first
// use into .local/bench and kept (testenv.MustBenchData) with call i of
// each size n in sizes, callOf(n, i), through the puts RecordCall makes.
// The data set is named by prefix and a hash of the sizes and of sample's
// items, so a change of format loads anew. The environment variable
// largeEnv sets another size for sizes[1] (its own data set).
func mustCallSets(b *testing.B, prefix, table, largeEnv string, sizes []int, sample switchboard.Call, callOf func(n, i int) switchboard.Call) *dynamo.Store {
	b.Helper()
	if v := os.Getenv(largeEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < sizes[0] {
			b.Fatalf("%s=%q: want a number of calls of at least %d", largeEnv, v, sizes[0])
		}
		sizes[1] = n
	}
	probe := dynamo.New(nil, table).WithCallRetention(benchRetention)
	// The name must not change from run to run: CallWrites stamps a call
	// without LoggedAt with the time now, which would name a new data set
	// (and load it again) on every run.
	if sample.LoggedAt.IsZero() {
		sample.LoggedAt = sample.At
	}
	writes, err := probe.CallWrites(context.Background(), sample)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%v", sizes)
	for _, w := range writes {
		for _, k := range slices.Sorted(maps.Keys(w.PutRequest.Item)) {
			fmt.Fprintf(h, "%s=%T%v;", k, w.PutRequest.Item[k], w.PutRequest.Item[k])
		}
	}
	sum := h.Sum(nil)
	client := testenv.MustBenchData(b, prefix+"-"+hex.EncodeToString(sum[:6]), table, func(ctx context.Context, infra, dir string) error {
		return emulators.LoadItems(ctx, infra, dir, table, func(put func(map[string]types.AttributeValue) error) error {
			for _, n := range sizes {
				for i := range n {
					writes, err := probe.CallWrites(ctx, callOf(n, i))
					if err != nil {
						return err
					}
					for _, w := range writes {
						if err := put(w.PutRequest.Item); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
	})
	return dynamo.New(client, table).WithCallRetention(benchRetention)
}

// benchRetention keeps the benchmark's calls, dated 2026, from expiring.
const benchRetention = 100 * 365 * 24 * time.Hour

// benchPageSize is the size of the newest page of connection n's log.
// Status filters read their class listing, unfiltered pages the time
// listing: both pages are full. Method and resource filters read the time
// listing and filter it, up to the page's read budget: the page holds what
// matches among the newest dynamo.PageReadBudget calls (one DELETE in a
// thousand), the same for both sizes, and its cursor reads on.
func benchPageSize(f switchboard.CallFilter, n int) int {
	limit := f.Limit
	if limit == 0 {
		limit = switchboard.DefaultPageSize
	}
	if len(f.Statuses) > 0 || (len(f.Methods) == 0 && len(f.Resources) == 0) {
		return limit
	}
	matches := 0
	for i := n - 1; i >= max(0, n-dynamo.PageReadBudget) && matches < limit; i-- {
		if f.Matches(benchCall(benchConn(n), i)) {
			matches++
		}
	}
	return matches
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
