package dynamo_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/infra/emulators"
	"github.com/switchboard-hq/switchboard/infra/testenv"
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
// calls), alternating the two sizes in one loop on the same emulator. The
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
		{"method=DELETE", switchboard.CallFilter{Method: "DELETE", Limit: 10}},
		{"status=503", switchboard.CallFilter{Status: "503", Limit: 10}},
		{"method=DELETE&resource=catalog", switchboard.CallFilter{Method: "DELETE", Resource: "catalog", Limit: 10}},
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
					if want := benchPageSize(bc.f); len(p.Calls) != want && (bc.f.Resource == "" || len(p.Calls) == 0) {
						// with a second filter, the page is the chosen listing's page filtered: some of it
						b.Fatalf("%d calls: a page of %d, want %d", n, len(p.Calls), want)
					}
				}
			}
			ms, ml := median(times[0]), median(times[1])
			b.ReportMetric(float64(ms.Microseconds())/1000, "ms-10k-p50")
			b.ReportMetric(float64(ml.Microseconds())/1000, "ms-1M-p50")
			b.ReportMetric(float64(ml)/float64(ms), "x-10k")
		})
	}
}

// mustBenchLog returns a store over the benchmark's table, loading it on
// first use. Its dynalite keeps its data in a folder named by a hash of the
// items RecordCall writes, so a change of format loads anew.
func mustBenchLog(b *testing.B) *dynamo.Store {
	b.Helper()
	root := testenv.MustRoot(b)
	probe := dynamo.New(nil, benchLogTable).WithCallRetention(benchRetention)
	sample, err := probe.CallWrites(context.Background(), benchCall("con_sample", 500))
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%v", benchLogSizes)
	for _, w := range sample {
		for _, k := range slices.Sorted(maps.Keys(w.PutRequest.Item)) {
			fmt.Fprintf(h, "%s=%T%v;", k, w.PutRequest.Item[k], w.PutRequest.Item[k])
		}
	}
	sum := h.Sum(nil)
	dir := filepath.Join(root, ".local", "bench", "calllog-"+hex.EncodeToString(sum[:6]))
	loaded := filepath.Join(dir, "loaded")
	_, statErr := os.Stat(loaded)
	if statErr != nil {
		if err := os.RemoveAll(dir); err != nil { // a load cut short
			b.Fatal(err)
		}
	}
	infra := filepath.Join(root, "infra")
	if statErr != nil {
		if err := loadBenchLog(b, infra, dir); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(loaded, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	e, client := mustBenchEmulators(b, infra, dir)
	b.Cleanup(e.Close)
	return dynamo.New(client, benchLogTable).WithCallRetention(benchRetention)
}

// benchRetention keeps the benchmark's calls, dated 2026, from expiring.
const benchRetention = 100 * 365 * 24 * time.Hour

func mustBenchEmulators(b *testing.B, infra, dir string) (*emulators.Emulators, *dynamodb.Client) {
	b.Helper()
	e, err := emulators.Start(context.Background(), emulators.Options{InfraDir: infra, DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
	})}
	return e, dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(e.DynamoDB) })
}

// loadBenchLog creates the table through the emulator, stops it, and
// writes every connection's calls into its data folder, as RecordCall
// would write them.
func loadBenchLog(b *testing.B, infra, dir string) error {
	e, client := mustBenchEmulators(b, infra, dir)
	ctx := context.Background()
	in, err := testenv.MustTemplate(b).CreateTableInput("Table", benchLogTable)
	if err != nil {
		e.Close()
		return err
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		e.Close()
		return err
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	})
	err = waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(benchLogTable)}, 10*time.Second)
	e.Close()
	if err != nil {
		return err
	}
	store := dynamo.New(nil, benchLogTable).WithCallRetention(benchRetention)
	start := time.Now()
	err = emulators.LoadItems(ctx, infra, dir, benchLogTable, func(put func(map[string]types.AttributeValue) error) error {
		for _, n := range benchLogSizes {
			for i := range n {
				writes, err := store.CallWrites(ctx, benchCall(benchConn(n), i))
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
	b.Logf("loaded %v calls in %s into %s", benchLogSizes, time.Since(start).Round(time.Second), dir)
	return err
}

// benchPageSize is the size of the newest page, always full here.
func benchPageSize(f switchboard.CallFilter) int {
	if f.Limit == 0 {
		return switchboard.DefaultPageSize
	}
	return f.Limit
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
