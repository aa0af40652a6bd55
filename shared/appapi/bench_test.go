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
// emulators in the same run: token and connection reads, the rate
// counters' write, the handler itself (for POST orders: validation and the
// order write), the bodies' write and the log write. The door overlaps what it
// can, so the ratio of medians (x-baseline) is what logging costs beyond the
// writes it must do. Target: ≤ 1.15.
func BenchmarkLoggingOverhead(b *testing.B) {
	cases := []struct {
		name, resource, method, path, body string
		handler                            func(f fixture) appapi.Handler
	}{
		{"POST_orders", "orders", http.MethodPost, "/v1/locations/loc-bastille/orders",
			typicalOrder,
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
				if err := sequentialRoundTrips(ctx, f, handler, request(fmt.Sprintf("base-%d", i)), bc.resource); err != nil {
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
// the HTTP requests it sends: measured per call, not worked out. The same
// calls then go through a door that logs nothing (no-op CallLog and
// BodyArchive, same token, limiter and handler): the unlogged cost. Both
// become dollars per million calls with testdata/aws-prices.json, Lambda
// duration taken from the wall time of the metered calls, logging included.
// Reported: capacity units of the whole call (ddb-CU/call), write units
// (WCU/call), DynamoDB and S3 requests per call, and $/M logged and
// unlogged.
func reportCostPerCall(b *testing.B, f fixture, resource string, build func(f fixture) appapi.Handler, request func(id string) apigw.Request) {
	b.Helper()
	const calls = 20
	prices := mustPrices(b)
	run := func(name string, logged bool) (usage, *capacityMeter, *s3Counter) {
		meter := newCapacityMeter()
		bodies := &s3Counter{requests: map[string]int{}}
		measured := f
		measured.store = dynamo.New(meter.client(f.env), f.env.Config.TableName)
		door := &appapi.Door{Tokens: measured.store, Connections: measured.store, Limiter: measured.store, Calls: nopLog{},
			Bodies: nopBodies{}, Limits: f.door.Limits, Now: time.Now}
		if logged {
			door.Calls, door.Bodies = measured.store, measured.store
		}
		h := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), door.Handle(resource, build(measured)))
		start := time.Now()
		for i := range calls {
			resp, err := h(context.Background(), request(fmt.Sprintf("metered-%s-%d", name, i)))
			if err != nil || resp.StatusCode >= 300 {
				b.Fatalf("metered call: %d %v %s", resp.StatusCode, err, resp.Body)
			}
		}
		took := time.Since(start)
		if logged {
			// The roll-up's archiving of these calls' bodies: one S3
			// object per account and minute, here all of them, then
			// shared by the calls of that minute.
			archive := measured.store.WithBodyBatches(s3store.New(bodies.client(f.env), f.env.Config.ArchiveBucket))
			for m := start.Truncate(time.Minute); !m.After(time.Now()); m = m.Add(time.Minute) {
				if _, err := archive.ArchiveBodies(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		}
		if meter.missing > 0 {
			b.Fatalf("%d DynamoDB answers reported no consumed capacity", meter.missing)
		}
		return meteredUsage(calls, meter, bodies, took), meter, bodies
	}
	logged, meter, bodies := run("logged", true)
	unlogged, _, _ := run("unlogged", false)
	var requests int
	for _, n := range meter.requests {
		requests += n
	}
	var s3Requests int
	for _, n := range bodies.requests {
		s3Requests += n
	}
	b.ReportMetric((logged.readUnits+logged.writeUnits)/calls, "ddb-CU/call")
	b.ReportMetric(logged.writeUnits/calls, "WCU/call")
	b.ReportMetric(float64(requests)/calls, "ddb-req/call")
	b.ReportMetric(float64(s3Requests)/calls, "s3-req/call")
	b.ReportMetric(logged.perMillion(prices), "$/M-logged")
	b.ReportMetric(unlogged.perMillion(prices), "$/M-unlogged")
	b.Logf("per %d calls: DynamoDB requests %v, capacity units %v; S3 requests %v; logged %+v, unlogged %+v; prices of %s",
		calls, meter.requests, meter.units, bodies.requests, logged, unlogged, prices.Date)
}

// sequentialRoundTrips makes, one after the other, the storage calls a
// logged call needs, running the handler itself for its own.
func sequentialRoundTrips(ctx context.Context, f fixture, h appapi.Handler, req apigw.Request, resource string) error {
	t, err := f.store.GetToken(ctx, auth.HashToken(f.token))
	if err != nil {
		return err
	}
	conn, err := f.store.GetConnection(ctx, t.AccountID, t.ConnectionID)
	if err != nil {
		return err
	}
	if _, err := f.store.CountWindows(ctx, "baseline", []time.Duration{time.Minute, time.Hour, 24 * time.Hour}); err != nil {
		return err
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
		At: time.Now(), LoggedAt: time.Now(), Resource: resource, Method: req.RequestContext.HTTP.Method, Path: req.RawPath, Status: resp.StatusCode, BodiesArchived: true}
	if err := f.store.KeepBodies(ctx, call, switchboard.CallBodies{Request: switchboard.ArchivedBody{Body: req.Body}, Response: switchboard.ArchivedBody{Body: resp.Body}}); err != nil {
		return err
	}
	return f.store.RecordCall(ctx, call)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
