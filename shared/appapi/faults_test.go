package appapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestPlatformCallsUnderInjectedFaults calls the platform API through an
// AWS client that fails, throttles, drops, delays and loses the answers of
// a share of its DynamoDB requests (and S3's, of which calls make none since
// bodies are kept in the feed item). Whatever happens, every call gets a
// JSON answer, every answered call is in the log exactly once (saying so
// when its bodies could not be kept), and a body said to be kept can be
// read.
func TestPlatformCallsUnderInjectedFaults(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read,orders.write]")
	tr := faults.New(7, map[faults.Service]faults.Rates{
		faults.DynamoDB: {faults.ServerError: .04, faults.Throttle: .04, faults.Drop: .03, faults.LoseResponse: .03, faults.Delay: .03},
		faults.S3:       {faults.ServerError: .08, faults.Throttle: .05, faults.Drop: .05, faults.LoseResponse: .05, faults.Delay: .05},
	})
	tr.Delay = 20 * time.Millisecond
	faulty := *f.env
	faulty.AWS = faults.Apply(f.env.AWS, tr)
	store := dynamo.New(faulty.DynamoDB(), faulty.Config.TableName)
	door := &appapi.Door{Tokens: store, Connections: store, Limiter: store, Calls: store,
		Bodies: store, Limits: appapi.DefaultLimits, Now: time.Now,
		After: platform.NewAfterResponse(platform.NewLogger(io.Discard, 0))}
	idem := appapi.Idempotency{Store: store, Now: time.Now}
	routes := []struct {
		method, path, body string
		h                  apigw.HandlerFunc
	}{
		{http.MethodGet, "/v1/location", "", door.Handle("location", appapi.GetLocation(store))},
		{http.MethodGet, "/v1/locations/loc-bastille/orders", "", door.Handle("orders", appapi.ListOrders(store))},
		{http.MethodPost, "/v1/locations/loc-bastille/orders", `{"service_type":"collection","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":1}]}`,
			door.Handle("orders", appapi.CreateOrder(store, idem))},
	}
	const clients, each = 8, 20
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		answered []string // request ids of calls that reached the door
		problems []string
	)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				r := routes[(c+i)%len(routes)]
				id := fmt.Sprintf("req-fault-%d-%d", c, i)
				in := apigw.Request{RawPath: r.path, Body: r.body, Headers: map[string]string{"authorization": "Bearer " + f.token},
					PathParameters: map[string]string{"locationId": "loc-bastille"}}
				if r.body != "" {
					in.Headers["content-type"] = "application/json"
				}
				in.RequestContext.RequestID = id
				in.RequestContext.HTTP.Method = r.method
				resp, err := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), r.h)(context.Background(), in)
				mu.Lock()
				statuses[resp.StatusCode]++
				switch {
				case err != nil || resp.StatusCode == 0:
					problems = append(problems, fmt.Sprintf("%s: no answer (%v)", id, err))
				case !json.Valid([]byte(resp.Body)):
					problems = append(problems, fmt.Sprintf("%s: %d with a body that is not JSON: %q", id, resp.StatusCode, resp.Body))
				case resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable:
					problems = append(problems, fmt.Sprintf("%s: %d %s", id, resp.StatusCode, resp.Body))
				}
				// A call refused before its token was read (the token
				// lookup itself failed) has no connection to be logged
				// against; any other is logged.
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Headers["X-RateLimit-Limit"] != "" {
					answered = append(answered, id)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Every call's logging runs after its answer; in Lambda the extension
	// holds the environment until it is done, which this wait stands for.
	door.After.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	injected, total := tr.Injected()
	t.Logf("statuses %v; faults injected %v over %v requests", statuses, injected, total)
	if injected[faults.DynamoDB][faults.LoseResponse] == 0 || injected[faults.DynamoDB][faults.ServerError] == 0 {
		t.Fatalf("the run injected too few faults to prove anything: %v", injected)
	}

	// Checked through a client without faults.
	clean := f.store
	archive := f.store
	logged := map[string]switchboard.Call{}
	filter := switchboard.CallFilter{Limit: 100}
	for {
		page, err := clean.ListCalls(context.Background(), f.conn.AccountID, f.conn.ID, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Calls {
			if _, dup := logged[c.RequestID]; dup {
				t.Errorf("%s logged twice", c.RequestID)
			}
			logged[c.RequestID] = c
		}
		if page.NextCursor == "" {
			break
		}
		filter.Cursor = page.NextCursor
	}
	unarchived := 0
	for _, id := range answered {
		c, ok := logged[id]
		if !ok {
			t.Errorf("%s was answered but not logged", id)
			continue
		}
		if !c.BodiesArchived {
			unarchived++
			continue
		}
		for _, kind := range []switchboard.BodyKind{switchboard.RequestBody, switchboard.ResponseBody} {
			if _, err := archive.GetBody(context.Background(), c, kind); err != nil {
				t.Errorf("%s says its bodies are archived, but the %s body is not: %v", id, kind, err)
			}
		}
	}
	t.Logf("%d calls answered, %d logged, %d with bodies unavailable", len(answered), len(logged), unarchived)
}
