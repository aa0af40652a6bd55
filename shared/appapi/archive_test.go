package appapi_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// answerBudget is how long a call may take when its archive stalls: the
// archive's own deadline plus room for the rest of the call on a busy
// machine. Without the deadline a stalled store holds a call for the SDK's
// five attempts, until the function's timeout.
const answerBudget = appapi.ArchiveDeadline + 2*time.Second

// hanging is an endpoint that accepts connections and never answers: a
// loopback listener that reads requests and sends nothing back.
func hanging(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// bodiesAt is the bodies' store (DynamoDB, the roll-up feed) with a client
// built as functions build theirs, sent to endpoint.
func bodiesAt(f fixture, endpoint string) *dynamo.Store {
	return dynamo.New(dynamodb.NewFromConfig(f.env.AWS, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}), f.env.Config.TableName)
}

// bodiesThrough is the bodies' store on the emulator, its requests going
// through tr.
func bodiesThrough(f fixture, tr *faults.Transport) *dynamo.Store {
	env := *f.env
	env.AWS = faults.Apply(f.env.AWS, tr)
	return dynamo.New(env.DynamoDB(), f.env.Config.TableName)
}

// timedCall makes one platform call through apigw.Handle, as in Lambda,
// and returns its answer, request id, how long the app waited for the
// answer (took) and how long until the call was logged (settled).
func timedCall(t *testing.T, f fixture, h apigw.HandlerFunc, method, path, body string) (_ apigw.Response, _ string, took, settled time.Duration) {
	t.Helper()
	seqMu.Lock()
	requestSeq++
	id := fmt.Sprintf("req-archive-%d-%d", time.Now().UnixNano(), requestSeq)
	seqMu.Unlock()
	in := apigw.Request{RawPath: path, Body: body, Headers: map[string]string{"authorization": "Bearer " + f.token},
		PathParameters: map[string]string{"locationId": "loc-bastille"}}
	if body != "" {
		in.Headers["content-type"] = "application/json"
	}
	in.RequestContext.RequestID = id
	in.RequestContext.HTTP.Method = method
	start := time.Now()
	resp, err := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), h)(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	took = time.Since(start)
	f.door.After.Wait()
	return resp, id, took, time.Since(start)
}

const oneMargherita = `{"service_type":"collection","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":1}]}`

// TestStalledArchiveCostsACallAtMostItsDeadline points the bodies' store
// at a DynamoDB that never answers and at one that answers late: the call
// answers without waiting for it, its write is done, its logging ends
// within the archive's deadline, and its log entry says the bodies are
// unavailable.
func TestStalledArchiveCostsACallAtMostItsDeadline(t *testing.T) {
	slow := faults.New(1, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.Delay: 1}})
	slow.Delay = 4 * time.Second // each attempt, longer than the whole deadline
	for _, tc := range []struct {
		name   string
		bodies func(f fixture) *dynamo.Store
	}{
		{"never answers", func(f fixture) *dynamo.Store { return bodiesAt(f, hanging(t)) }},
		{"answers late", func(f fixture) *dynamo.Store { return bodiesThrough(f, slow) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, "loc-bastille", "location[orders.read,orders.write]")
			f.door.Bodies = tc.bodies(f)
			for _, r := range []struct {
				method, path, body string
				h                  apigw.HandlerFunc
				status             int
			}{
				{http.MethodGet, "/v1/location", "", f.door.Handle("location", appapi.GetLocation(f.store)), 200},
				{http.MethodPost, "/v1/locations/loc-bastille/orders", oneMargherita,
					f.door.Handle("orders", appapi.CreateOrder(f.store, appapi.Idempotency{Store: f.store, Now: time.Now})), 201},
			} {
				resp, id, took, settled := timedCall(t, f, r.h, r.method, r.path, r.body)
				if resp.StatusCode != r.status {
					t.Errorf("%s %s: %d %s, want %d", r.method, r.path, resp.StatusCode, resp.Body, r.status)
				}
				if took >= appapi.ArchiveDeadline/2 {
					t.Errorf("%s %s answered in %v: the app waited for the stalled archive", r.method, r.path, took)
				}
				if settled > answerBudget {
					t.Errorf("%s %s logged after %v; the archive may hold the logging %v at most", r.method, r.path, settled, appapi.ArchiveDeadline)
				}
				if settled < appapi.ArchiveDeadline/2 {
					t.Errorf("%s %s logged after %v: the stalled archive was not tried", r.method, r.path, settled)
				}
				got, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, id)
				if err != nil || got.BodiesArchived || got.Status != r.status {
					t.Errorf("%s %s logged as %+v, %v; want status %d and bodies unavailable", r.method, r.path, got, err, r.status)
				}
			}
			page, err := f.store.ListOrders(context.Background(), f.conn.AccountID, "loc-bastille", switchboard.PageRequest{})
			if err != nil || len(page.Orders) != 1 {
				t.Errorf("orders stored: %+v, %v; want the one created", page.Orders, err)
			}
		})
	}
}

// TestSlowArchiveWithinDeadlineKeepsBodies: a bodies' store that is slow
// but answers within the deadline still keeps both bodies, and the entry
// says so.
func TestSlowArchiveWithinDeadlineKeepsBodies(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	slow := faults.New(1, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.Delay: 1}})
	slow.Delay = 300 * time.Millisecond
	f.door.Bodies = bodiesThrough(f, slow)
	resp, id, _, settled := timedCall(t, f, f.door.Handle("location", appapi.GetLocation(f.store)), http.MethodGet, "/v1/location", "")
	if resp.StatusCode != 200 || settled < slow.Delay || settled > answerBudget {
		t.Errorf("slow archive: %d, logged after %v", resp.StatusCode, settled)
	}
	got, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, id)
	if err != nil || !got.BodiesArchived {
		t.Fatalf("logged as %+v, %v; want bodies archived", got, err)
	}
	answer, err := f.store.GetBody(context.Background(), got, switchboard.ResponseBody)
	if err != nil || answer.Body != resp.Body {
		t.Errorf("archived response %+v, %v; want the body sent", answer, err)
	}
}

// claimCheck is the real call log, watched: whenever an entry is written
// saying its bodies are archived, both bodies must already be readable.
type claimCheck struct {
	switchboard.CallLog
	bodies switchboard.BodyArchive

	mu              sync.Mutex
	claims, missing []string
	unarchived      int
}

func (c *claimCheck) RecordCall(ctx context.Context, call switchboard.Call) error {
	if call.BodiesArchived {
		for _, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
			if _, err := c.bodies.GetBody(ctx, call, kind); err != nil {
				c.mu.Lock()
				c.missing = append(c.missing, fmt.Sprintf("%s: written as archived before its %s body was stored (%v)", call.RequestID, kind, err))
				c.mu.Unlock()
			}
		}
	}
	c.mu.Lock()
	if call.BodiesArchived {
		c.claims = append(c.claims, call.RequestID)
	} else {
		c.unarchived++
	}
	c.mu.Unlock()
	return c.CallLog.RecordCall(ctx, call)
}

// TestLogEntryNeverClaimsMissingBodies fails most writes of the bodies
// (each tried five times) and watches every log write: none may say the bodies are
// archived unless both are there at that moment, so neither a reader nor a
// function stopped mid-call can ever see an entry pointing at nothing.
func TestLogEntryNeverClaimsMissingBodies(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read]")
	flaky := faults.New(3, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.ServerError: .85}})
	f.door.Bodies = bodiesThrough(f, flaky)
	check := &claimCheck{CallLog: f.store, bodies: f.store}
	f.door.Calls = check
	h := f.door.Handle("location", appapi.GetLocation(f.store))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if resp, _, _, _ := timedCall(t, f, h, http.MethodGet, "/v1/location", ""); resp.StatusCode != 200 {
					t.Errorf("call: %d %s", resp.StatusCode, resp.Body)
				}
			}
		})
	}
	wg.Wait()
	for _, m := range check.missing {
		t.Error(m)
	}
	t.Logf("%d entries written as archived, %d as unavailable", len(check.claims), check.unarchived)
	if len(check.claims) == 0 || check.unarchived == 0 {
		t.Fatalf("the run needs both outcomes to prove anything: %d archived, %d unavailable", len(check.claims), check.unarchived)
	}
	if n := len(check.claims) + check.unarchived; n != 40 {
		t.Errorf("%d log writes for 40 calls: each call is written once", n)
	}
}

// TestOversizedBodiesAreLoggedWithoutThem: a refused call carrying more
// incompressible data than a feed item holds (dynamo.MaxKeptBodies) is
// answered and logged, its bodies said unavailable; a large body that
// compresses well is kept.
func TestOversizedBodiesAreLoggedWithoutThem(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read,orders.write]")
	h := f.door.Handle("orders", appapi.CreateOrder(f.store, appapi.Idempotency{Store: f.store, Now: time.Now}))
	noise := make([]byte, dynamo.MaxKeptBodies*3/2)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		kept       bool
	}{
		{"incompressible", base64.StdEncoding.EncodeToString(noise), false},
		{"compressible", strings.Repeat(`{"product_name":"Margherita"}`, 20000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, id, _, _ := timedCall(t, f, h, http.MethodPost, "/v1/locations/loc-bastille/orders", tc.body)
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Fatalf("a %d-byte body: %d %s, want a 4xx refusal", len(tc.body), resp.StatusCode, resp.Body)
			}
			got, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, id)
			if err != nil || got.BodiesArchived != tc.kept || got.RequestBytes != len(tc.body) {
				t.Fatalf("logged as %+v, %v; want bodies kept %v", got, err, tc.kept)
			}
			if tc.kept {
				if b, err := f.store.GetBody(context.Background(), got, switchboard.RequestBody); err != nil || b.Body != tc.body {
					t.Errorf("kept request body: %d bytes, %v", len(b.Body), err)
				}
			}
		})
	}
}
