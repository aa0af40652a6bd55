package appapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/s3store"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// BenchmarkLoggingOverhead measures what logging adds to the latency an
// app sees: in one run, interleaved, the same call through the real door
// and through a door whose call log and body archive do nothing (same
// token, handler, emulators, clients). Time runs until the handler returns
// the response, which is what the app waits for; the logged call's
// after-response work is drained outside the timing, so it never piles up
// across iterations. Two profiles: the bare emulators, and "aws", whose
// SDK transports add 5 ms to every DynamoDB request and 25 ms to every S3
// request (a same-region Lambda's typical round trips). x-unlogged is the
// ratio of medians. Target: ≤ 1.15 in both profiles.
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
	// The "aws" profile's 25 ms per S3 request has nothing to apply to: a
	// call no longer sends any (its bodies ride in the roll-up feed item and
	// the scheduled roll-up archives them to S3).
	profiles := []struct {
		name   string
		dynamo time.Duration
	}{
		{"emulators", 0},
		{"aws", 5 * time.Millisecond},
	}
	for _, p := range profiles {
		b.Run(p.name, func(b *testing.B) {
			for _, bc := range cases {
				b.Run(bc.name, func(b *testing.B) {
					f := mustFixture(b, "loc-bastille", "location[orders.read,orders.write]")
					limits := []appapi.RateLimit{{Window: time.Minute, Max: 1 << 30}, {Window: time.Hour, Max: 1 << 30}, {Window: 24 * time.Hour, Max: 1 << 30}}
					f.door.Limits = limits
					// Both doors share the profile's clients, so they pay
					// the same round trips for the same requests.
					lagged := f
					lagged.store = dynamo.New(dynamodb.NewFromConfig(laggedConfig(f.env, p.dynamo)), f.env.Config.TableName)
					handler := bc.handler(lagged)
					door := newBenchDoor(lagged.store, lagged.store, limits)
					unloggedDoor := newBenchDoor(lagged.store, nopBodies{}, limits)
					unloggedDoor.Calls = nopLog{}
					discard := platform.NewLogger(io.Discard, 0)
					logged := apigw.HandleCheckingIDsInside(discard, door.Handle(bc.resource, handler))
					unlogged := apigw.HandleCheckingIDsInside(discard, unloggedDoor.Handle(bc.resource, handler))
					ctx := context.Background()
					request := func(id string) apigw.Request {
						req := apigw.Request{RawPath: bc.path, Body: bc.body, Headers: map[string]string{
							"authorization": "Bearer " + f.token, "content-type": "application/json"}}
						req.RequestContext.RequestID = id
						req.RequestContext.HTTP.Method = bc.method
						req.PathParameters = map[string]string{"locationId": "loc-bastille"}
						return req
					}
					timed := func(h apigw.LambdaHandler, id string) time.Duration {
						start := time.Now()
						resp, err := h(ctx, request(id))
						elapsed := time.Since(start)
						if err != nil || resp.StatusCode >= 300 {
							b.Fatalf("call %s: %d %v %s", id, resp.StatusCode, err, resp.Body)
						}
						return elapsed
					}
					var withLog, without []time.Duration
					i := 0
					for b.Loop() {
						i++
						// Which goes first alternates, so neither gains from
						// connections or caches the other just warmed.
						if i%2 == 0 {
							without = append(without, timed(unlogged, fmt.Sprintf("unlogged-%d", i)))
							drain(unloggedDoor)
						}
						withLog = append(withLog, timed(logged, fmt.Sprintf("logged-%d", i)))
						drain(door)
						if i%2 == 1 {
							without = append(without, timed(unlogged, fmt.Sprintf("unlogged-%d", i)))
							drain(unloggedDoor)
						}
					}
					ml, mu := median(withLog), median(without)
					b.ReportMetric(float64(ml.Microseconds())/1000, "ms-logged-p50")
					b.ReportMetric(float64(mu.Microseconds())/1000, "ms-unlogged-p50")
					b.ReportMetric(float64(ml)/float64(mu), "x-unlogged")
					reportCostPerCall(b, f, bc.resource, bc.handler, request)
				})
			}
		})
	}
}

func newBenchDoor(store *dynamo.Store, bodies switchboard.BodyArchive, limits []appapi.RateLimit) *appapi.Door {
	return &appapi.Door{Tokens: store, Connections: store, Limiter: store, Calls: store, Bodies: bodies, Limits: limits, Now: time.Now,
		After: platform.NewAfterResponse(platform.NewLogger(io.Discard, 0))}
}

// drain waits for the work a door left running after its last answer.
func drain(d *appapi.Door) { d.After.Wait() }

// laggedConfig is env's SDK configuration with lag added before every HTTP
// request its clients send, retries included: the round trip to AWS that
// the emulators on loopback do not have.
func laggedConfig(env *platform.Env, lag time.Duration) aws.Config {
	cfg := env.AWS.Copy()
	// One transport per client, with room for the door's concurrent
	// requests (net/http keeps only 2 idle connections per host by default).
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	cfg.HTTPClient = &http.Client{Transport: lagTransport{next: t, lag: lag}}
	return cfg
}

type lagTransport struct {
	next http.RoundTripper
	lag  time.Duration
}

func (l lagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if l.lag > 0 {
		select {
		case <-time.After(l.lag):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return l.next.RoundTrip(r)
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
			Bodies: nopBodies{}, Limits: f.door.Limits, Now: time.Now,
			After: platform.NewAfterResponse(platform.NewLogger(io.Discard, 0))}
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
			door.After.Wait() // the log is written after the answer
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

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
