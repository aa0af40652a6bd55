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
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BenchmarkLoggingOverhead compares a logged platform call with the storage
// round trips such a call cannot avoid, made one after the other on the same
// emulators in the same run: token and connection reads, the three rate
// counters, the handler itself (for POST orders: validation and the order
// write), the log write and the two body uploads. The door overlaps what it
// can, so the ratio of medians (x-baseline) is what logging costs beyond the
// writes it must do. Target: ≤ 1.15.
func BenchmarkLoggingOverhead(b *testing.B) {
	cases := []struct {
		name, resource, method, path, body string
		handler                            func(f fixture) appapi.Handler
	}{
		{"POST_orders", "orders", http.MethodPost, "/v1/locations/loc-bastille/orders",
			`{"service_type":"collection","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":2}]}`,
			func(f fixture) appapi.Handler {
				return appapi.CreateOrder(f.store, appapi.Idempotency{Store: f.store, Now: time.Now})
			}},
		{"GET_location", "location", http.MethodGet, "/v1/location", "",
			func(f fixture) appapi.Handler { return appapi.GetLocation(f.store) }},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			f := mustFixture(b, "loc-bastille", "location[orders.read,orders.write]")
			f.door.Limits = []appapi.RateLimit{{Window: time.Minute, Max: 1 << 30}, {Window: time.Hour, Max: 1 << 30}, {Window: 24 * time.Hour, Max: 1 << 30}}
			handler := bc.handler(f)
			logged := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), f.door.Handle(bc.resource, handler))
			bodies := s3store.New(f.env.S3(), f.env.Config.ArchiveBucket)
			ctx := context.Background()
			request := func(id string) apigw.Request {
				req := apigw.Request{RawPath: bc.path, Body: bc.body, Headers: map[string]string{
					"authorization": "Bearer " + f.token, "content-type": "application/json"}}
				req.RequestContext.RequestID = id
				req.RequestContext.HTTP.Method = bc.method
				req.PathParameters = map[string]string{"locationId": "loc-bastille"}
				return req
			}
			var withLog, baseline []time.Duration
			i := 0
			for b.Loop() {
				i++
				start := time.Now()
				resp, err := logged(ctx, request(fmt.Sprintf("bench-%d", i)))
				withLog = append(withLog, time.Since(start))
				if err != nil || resp.StatusCode >= 300 {
					b.Fatalf("logged call: %d %v %s", resp.StatusCode, err, resp.Body)
				}
				start = time.Now()
				if err := sequentialRoundTrips(ctx, f, bodies, handler, request(fmt.Sprintf("base-%d", i)), bc.resource); err != nil {
					b.Fatal(err)
				}
				baseline = append(baseline, time.Since(start))
			}
			ml, mb := median(withLog), median(baseline)
			b.ReportMetric(float64(ml.Microseconds())/1000, "ms-logged-p50")
			b.ReportMetric(float64(mb.Microseconds())/1000, "ms-baseline-p50")
			b.ReportMetric(float64(ml)/float64(mb), "x-baseline")
			reportCostPerCall(b, f, bc.resource, bc.handler, request)
		})
	}
}

// reportCostPerCall runs logged calls, after the timed ones, through a door
// whose DynamoDB client asks for and adds up the consumed capacity of every
// request (DynamoDB Local computes it as DynamoDB does) and whose S3 client counts
// the HTTP requests it sends: measured per call, not worked out. Reported:
// capacity units of the whole call (ddb-CU/call), of the log write alone
// (log-WCU/call, its BatchWriteItem), DynamoDB and S3 requests per call.
func reportCostPerCall(b *testing.B, f fixture, resource string, build func(f fixture) appapi.Handler, request func(id string) apigw.Request) {
	b.Helper()
	const calls = 20
	meter := newCapacityMeter()
	bodies := &s3Counter{requests: map[string]int{}}
	measured := f
	measured.store = dynamo.New(meter.client(f.env), f.env.Config.TableName)
	door := &appapi.Door{Tokens: measured.store, Connections: measured.store, Limiter: measured.store, Calls: measured.store,
		Bodies: s3store.New(bodies.client(f.env), f.env.Config.ArchiveBucket), Limits: f.door.Limits, Now: time.Now}
	logged := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), door.Handle(resource, build(measured)))
	for i := range calls {
		resp, err := logged(context.Background(), request(fmt.Sprintf("metered-%d", i)))
		if err != nil || resp.StatusCode >= 300 {
			b.Fatalf("metered call: %d %v %s", resp.StatusCode, err, resp.Body)
		}
	}
	if meter.missing > 0 {
		b.Fatalf("%d DynamoDB answers reported no consumed capacity", meter.missing)
	}
	var units float64
	var requests int
	for op, u := range meter.units {
		units += u
		requests += meter.requests[op]
	}
	var s3Requests int
	for _, n := range bodies.requests {
		s3Requests += n
	}
	b.ReportMetric(units/calls, "ddb-CU/call")
	b.ReportMetric(meter.units["BatchWriteItem"]/calls, "log-WCU/call")
	b.ReportMetric(float64(requests)/calls, "ddb-req/call")
	b.ReportMetric(float64(s3Requests)/calls, "s3-req/call")
	b.Logf("per %d calls: DynamoDB requests %v, capacity units %v; S3 requests %v", calls, meter.requests, meter.units, bodies.requests)
}

// sequentialRoundTrips makes, one after the other, the storage calls a
// logged call needs, running the handler itself for its own.
func sequentialRoundTrips(ctx context.Context, f fixture, bodies *s3store.Archive, h appapi.Handler, req apigw.Request, resource string) error {
	t, err := f.store.GetToken(ctx, auth.HashToken(f.token))
	if err != nil {
		return err
	}
	conn, err := f.store.GetConnection(ctx, t.AccountID, t.ConnectionID)
	if err != nil {
		return err
	}
	for _, w := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour} {
		if _, err := f.store.Count(ctx, "baseline:"+w.String(), w); err != nil {
			return err
		}
	}
	scope, err := switchboard.ParseScope(conn.Scope)
	if err != nil {
		return err
	}
	resp, err := h(ctx, appapi.Caller{Token: t, Connection: conn, Scope: scope}, req)
	if err != nil {
		return err
	}
	call := switchboard.Call{RequestID: req.RequestContext.RequestID, AccountID: t.AccountID, ConnectionID: "con_baseline",
		At: time.Now(), Resource: resource, Method: req.RequestContext.HTTP.Method, Path: req.RawPath, Status: resp.StatusCode, BodiesArchived: true}
	if err := f.store.RecordCall(ctx, call); err != nil {
		return err
	}
	for kind, body := range map[switchboard.BodyKind]string{switchboard.RequestBody: req.Body, switchboard.ResponseBody: resp.Body} {
		if err := bodies.PutBody(ctx, call, kind, switchboard.ArchivedBody{Body: body}); err != nil {
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
