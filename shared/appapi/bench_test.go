package appapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BenchmarkLoggingOverhead compares a logged platform call with the storage
// round trips such a call cannot avoid, made one after the other on the same
// emulators in the same run: token and connection reads, the three rate
// counters, the handler's own read, the log write and the two body uploads.
// The door overlaps what it can, so the ratio of medians (x-baseline) shows
// what logging costs beyond the writes it must do. Target: ≤ 1.15.
func BenchmarkLoggingOverhead(b *testing.B) {
	f := mustFixture(b, "loc-bastille", "location[orders.read]")
	f.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 1 << 30}, {Window: time.Hour, Max: 1 << 30}, {Window: 24 * time.Hour, Max: 1 << 30}}
	h := apigw.Handle(platform.NewLogger(io.Discard, 0), f.door.Handle("location", appapi.GetLocation(f.store)))
	bodies := s3store.New(f.env.S3(), f.env.Config.ArchiveBucket)
	ctx := context.Background()
	var logged, baseline []time.Duration
	i := 0
	for b.Loop() {
		i++
		req := apigw.Request{RawPath: "/v1/location", Headers: map[string]string{"authorization": "Bearer " + f.token}}
		req.RequestContext.RequestID = fmt.Sprintf("bench-%d", i)
		req.RequestContext.HTTP.Method = http.MethodGet
		start := time.Now()
		resp, err := h(ctx, req)
		logged = append(logged, time.Since(start))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("logged call: %d %v", resp.StatusCode, err)
		}

		start = time.Now()
		if err := sequentialRoundTrips(ctx, f, bodies, i); err != nil {
			b.Fatal(err)
		}
		baseline = append(baseline, time.Since(start))
	}
	ml, mb := median(logged), median(baseline)
	b.ReportMetric(float64(ml.Microseconds())/1000, "ms-logged-p50")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-baseline-p50")
	b.ReportMetric(float64(ml)/float64(mb), "x-baseline")
}

// sequentialRoundTrips makes, one after the other, the storage calls a
// logged call needs.
func sequentialRoundTrips(ctx context.Context, f fixture, bodies *s3store.Archive, i int) error {
	t, err := f.store.GetToken(ctx, auth.HashToken(f.token))
	if err != nil {
		return err
	}
	if _, err := f.store.GetConnection(ctx, t.AccountID, t.ConnectionID); err != nil {
		return err
	}
	for _, w := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		if _, err := f.store.Count(ctx, "baseline:"+w.String(), w); err != nil {
			return err
		}
	}
	if _, err := f.store.ListLocations(ctx, t.AccountID); err != nil {
		return err
	}
	call := switchboard.Call{RequestID: fmt.Sprintf("baseline-%d", i), AccountID: t.AccountID, ConnectionID: "con_baseline",
		At: time.Now(), Resource: "location", Method: "GET", Path: "/v1/location", Status: 200, BodiesArchived: true}
	if err := f.store.RecordCall(ctx, call); err != nil {
		return err
	}
	for _, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
		if err := bodies.PutBody(ctx, call, kind, switchboard.ArchivedBody{Body: `{"id":"loc-bastille"}`}); err != nil {
			return err
		}
	}
	return nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
