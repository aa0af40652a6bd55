package appapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// faultyDoor is f's door and store with every AWS request going through tr.
func faultyDoor(f fixture, tr *faults.Transport) (*appapi.Door, *dynamo.Store) {
	faulty := *f.env
	faulty.AWS = faults.Apply(f.env.AWS, tr)
	store := dynamo.New(faulty.DynamoDB(), faulty.Config.TableName)
	return &appapi.Door{Tokens: store, Connections: store, Limiter: store, Calls: store,
		Bodies: store, Limits: appapi.DefaultLimits, Now: time.Now,
		After: afterResponse}, store
}

func postOrder(t *testing.T, f fixture, h apigw.HandlerFunc, requestID string) apigw.Response {
	t.Helper()
	in := apigw.Request{RawPath: "/v1/locations/loc-bastille/orders",
		Body:           `{"service_type":"collection","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":1}]}`,
		Headers:        map[string]string{"authorization": "Bearer " + f.token, "content-type": "application/json"},
		PathParameters: map[string]string{"locationId": "loc-bastille"}}
	in.RequestContext.RequestID = requestID
	in.RequestContext.HTTP.Method = http.MethodPost
	resp, err := apigw.HandleCheckingIDsInside(platform.NewLogger(io.Discard, 0), h)(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	waitLogged()
	return resp
}

// The order's PutItem reaches DynamoDB but its answer is lost: the SDK
// retries, the retry's condition fails on the item the first attempt wrote,
// and the store must recognise its own write. The app gets 201 and one
// order, not a 409 for an order that exists.
func TestLostAnswerOnOrderWriteStillCreates(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read,orders.write]")
	tr := faults.New(1, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.LoseResponse: 1}})
	tr.Match = func(r *http.Request, body []byte) bool {
		return r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.PutItem" && bytes.Contains(body, []byte("#ORDER#"))
	}
	tr.Limit = 1
	door, store := faultyDoor(f, tr)
	resp := postOrder(t, f, door.Handle("orders", appapi.CreateOrder(store, appapi.Idempotency{Store: store, Now: time.Now})), "req-lost-answer")
	if injected, _ := tr.Injected(); injected[faults.DynamoDB][faults.LoseResponse] != 1 {
		t.Fatalf("the fault was not injected: %v", injected)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201: %s", resp.StatusCode, resp.Body)
	}
	var created switchboard.Order
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || created.ID == "" {
		t.Fatalf("answer %s: %v", resp.Body, err)
	}
	page, err := f.store.ListOrders(context.Background(), f.conn.AccountID, "loc-bastille", switchboard.PageRequest{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 1 || page.Orders[0].ID != created.ID {
		t.Errorf("orders stored %v, want exactly %s", page.Orders, created.ID)
	}
	call, err := f.store.GetCall(context.Background(), f.conn.AccountID, f.conn.ID, "req-lost-answer")
	if err != nil || call.Status != http.StatusCreated {
		t.Errorf("log entry %+v (%v), want the 201", call, err)
	}
}

// DynamoDB failing every request, past the SDK's retries: the app is told
// to come back later (503 unavailable with Retry-After), in JSON, never 500.
func TestDynamoDBOutageAnswers503WithRetryAfter(t *testing.T) {
	f := mustFixture(t, "loc-bastille", "location[orders.read,orders.write]")
	tr := faults.New(1, map[faults.Service]faults.Rates{faults.DynamoDB: {faults.ServerError: 1}})
	door, store := faultyDoor(f, tr)
	resp := postOrder(t, f, door.Handle("orders", appapi.CreateOrder(store, appapi.Idempotency{Store: store, Now: time.Now})), "req-outage")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %s", resp.StatusCode, resp.Body)
	}
	if resp.Headers["Retry-After"] == "" {
		t.Errorf("no Retry-After header: %v", resp.Headers)
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error.Code != string(switchboard.EUnavailable) {
		t.Errorf("body %s, want the unavailable code (%v)", resp.Body, err)
	}
	if injected, total := tr.Injected(); injected[faults.DynamoDB][faults.ServerError] != total[faults.DynamoDB] || total[faults.DynamoDB] < platform.AWSAttempts {
		t.Errorf("faults %v of %v requests: want every request failed, retried %d times", injected, total, platform.AWSAttempts)
	}
}
