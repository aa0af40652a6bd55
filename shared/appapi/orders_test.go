package appapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// orderRoutes are the four order routes behind the door.
type orderRoutes struct{ list, create, get, update apigw.HandlerFunc }

func (w *world) orderRoutes() orderRoutes {
	return orderRoutes{
		list:   w.door.Handle("orders", appapi.ListOrders(w.store)),
		create: w.door.Handle("orders", appapi.CreateOrder(w.store, w.idem)),
		get:    w.door.Handle("orders", appapi.GetOrder(w.store)),
		update: w.door.Handle("orders", appapi.UpdateOrder(w.store, w.idem.Now)),
	}
}

const margheritas = `{"service_type":"delivery","expected_time":"2026-11-24T19:30:00+01:00","customer_id":"cus_1",
	"items":[{"product_name":"Margherita","sku_ref":"PZ-MARG","price":"12.50 EUR","quantity":2},{"product_name":"Tiramisu","price":"6.00 EUR","quantity":1}]}`

func createOrder(t *testing.T, a app, r orderRoutes, locationID, body string, headers map[string]string) reply {
	t.Helper()
	return a.send(t, r.create, req{method: "POST", path: "/v1/locations/" + locationID + "/orders",
		params: map[string]string{"locationId": locationID}, body: body, headers: headers})
}

func getOrder(t *testing.T, a app, r orderRoutes, id string) reply {
	t.Helper()
	return a.send(t, r.get, req{method: "GET", path: "/v1/orders/" + url.PathEscape(id), params: map[string]string{"orderId": id}})
}

func patchOrder(t *testing.T, a app, r orderRoutes, id, body string) reply {
	t.Helper()
	return a.send(t, r.update, req{method: "PATCH", path: "/v1/orders/" + id, params: map[string]string{"orderId": id}, body: body})
}

func listOrders(t *testing.T, a app, r orderRoutes, locationID, query string) reply {
	t.Helper()
	return a.send(t, r.list, req{method: "GET", path: "/v1/locations/" + locationID + "/orders",
		params: map[string]string{"locationId": locationID}, query: query})
}

func TestCreateAndGetOrder(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	c := createOrder(t, pos, r, "loc-bastille", margheritas, nil)
	if c.StatusCode != 201 || c.str("total") != "31.00 EUR" || c.str("status") != "new" || c.str("location_id") != "loc-bastille" ||
		!strings.HasPrefix(c.str("id"), "ord_") || c.str("expected_time") != "2026-11-24T19:30:00+01:00" || c.str("created_at") == "" {
		t.Fatalf("create: %d %s", c.StatusCode, c.Body)
	}
	g := getOrder(t, pos, r, c.str("id"))
	if g.StatusCode != 200 || g.Body != c.Body {
		t.Errorf("get: %d %s, want the created order %s", g.StatusCode, g.Body, c.Body)
	}
	withStatus := createOrder(t, pos, r, "loc-bastille", `{"status":"accepted","service_type":"eat_in","items":[{"product_name":"Cola","price":"3.20 EUR","quantity":3}]}`, nil)
	if withStatus.StatusCode != 201 || withStatus.str("status") != "accepted" || withStatus.str("total") != "9.60 EUR" {
		t.Errorf("create with a status: %d %s", withStatus.StatusCode, withStatus.Body)
	}
}

func TestOrderValidation(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	item := func(fields string) string {
		return `{"service_type":"collection","items":[{` + fields + `}]}`
	}
	tests := []struct{ name, body, msg string }{
		{"not JSON", `{"service_type":`, "malformed JSON"},
		{"no items", `{"service_type":"delivery","items":[]}`, "at least one item"},
		{"missing service type", `{"items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "service_type must be one of"},
		{"bad service type", `{"service_type":"drone","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "service_type must be one of"},
		{"client total", `{"service_type":"delivery","total":"0.01 EUR","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, `unknown field "total"`},
		{"no product name", item(`"price":"1.00 EUR","quantity":1`), "items[0].product_name is required"},
		{"price without currency", item(`"product_name":"A","price":"12.50","quantity":1`), `items[0].price must be an amount`},
		{"price with one decimal", item(`"product_name":"A","price":"12.5 EUR","quantity":1`), `such as "12.50 EUR"`},
		{"negative price", item(`"product_name":"A","price":"-1.00 EUR","quantity":1`), "items[0].price"},
		{"price as number", item(`"product_name":"A","price":12.5,"quantity":1`), `field "items.price" has the wrong type`},
		{"zero quantity", item(`"product_name":"A","price":"1.00 EUR","quantity":0`), "items[0].quantity must be a whole number from 1 to 999"},
		{"huge quantity", item(`"product_name":"A","price":"1.00 EUR","quantity":1000`), "from 1 to 999"},
		{"fractional quantity", item(`"product_name":"A","price":"1.00 EUR","quantity":1.5`), "wrong type"},
		{"bad sku", item(`"product_name":"A","sku_ref":"a b","price":"1.00 EUR","quantity":1`), "items[0].sku_ref"},
		{"mixed currencies", `{"service_type":"delivery","items":[{"product_name":"A","price":"1.00 EUR","quantity":1},{"product_name":"B","price":"1.00 GBP","quantity":1}]}`, "one currency per order"},
		{"bad status", `{"status":"eaten","service_type":"delivery","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "status must be one of"},
		{"bad expected time", `{"expected_time":"tonight","service_type":"delivery","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "expected_time must be an RFC 3339 time"},
		{"bad customer id", `{"customer_id":"../x","service_type":"delivery","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "customer_id"},
		{"control characters in notes", `{"customer_notes":"a\u0000b","service_type":"delivery","items":[{"product_name":"A","price":"1.00 EUR","quantity":1}]}`, "customer_notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, createOrder(t, pos, r, "loc-bastille", tt.body, nil), 400, "invalid", tt.msg)
		})
	}
	t.Run("too many items", func(t *testing.T) {
		items := strings.Repeat(`{"product_name":"A","price":"1.00 EUR","quantity":1},`, 101)
		wantError(t, createOrder(t, pos, r, "loc-bastille", `{"service_type":"delivery","items":[`+strings.TrimSuffix(items, ",")+`]}`, nil), 400, "invalid", "at most 100 items")
	})
	t.Run("not JSON content", func(t *testing.T) {
		wantError(t, createOrder(t, pos, r, "loc-bastille", margheritas, map[string]string{"content-type": "text/plain"}), 400, "invalid", "Content-Type")
	})
	t.Run("patch", func(t *testing.T) {
		id := createOrder(t, pos, r, "loc-bastille", margheritas, nil).str("id")
		for _, tt := range []struct{ body, msg string }{
			{`{}`, "at least one of status"},
			{`{"items":[]}`, `unknown field "items"`},
			{`{"status":"eaten"}`, "status must be one of"},
			{`{"expected_time":"soon"}`, "expected_time"},
			{`{"customer_notes":"` + strings.Repeat("x", 1001) + `"}`, "at most 1000"},
		} {
			wantError(t, patchOrder(t, pos, r, id, tt.body), 400, "invalid", tt.msg)
		}
	})
}

func TestOrderStatusTransitions(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	id := createOrder(t, pos, r, "loc-bastille", margheritas, nil).str("id")
	steps := []struct {
		to   string
		want int
	}{
		{"received", 200}, {"received", 200}, {"new", 400}, {"accepted", 200}, {"in_preparation", 200},
		{"awaiting_collection", 200}, {"awaiting_shipment", 400}, {"in_delivery", 200}, {"accepted", 400},
		{"completed", 200}, {"cancelled", 400}, {"rejected", 400}, {"in_delivery", 400},
	}
	for _, s := range steps {
		got := patchOrder(t, pos, r, id, `{"status":"`+s.to+`"}`)
		if got.StatusCode != s.want || (s.want == 200 && got.str("status") != s.to) {
			t.Errorf("→ %s: %d %s, want %d", s.to, got.StatusCode, got.Body, s.want)
		}
	}
	if g := getOrder(t, pos, r, id); g.str("status") != "completed" {
		t.Errorf("final status %s", g.Body)
	}
	other := createOrder(t, pos, r, "loc-bastille", margheritas, nil).str("id")
	if got := patchOrder(t, pos, r, other, `{"status":"in_preparation","expected_time":"2026-11-24T20:00:00Z","customer_notes":"ring twice"}`); got.StatusCode != 200 ||
		got.str("expected_time") != "2026-11-24T20:00:00Z" || got.str("customer_notes") != "ring twice" {
		t.Errorf("patch: %d %s", got.StatusCode, got.Body)
	}
	if got := patchOrder(t, pos, r, other, `{"status":"rejected"}`); got.StatusCode != 200 {
		t.Errorf("reject a non-final order: %d %s", got.StatusCode, got.Body)
	}
	wantError(t, patchOrder(t, pos, r, other, `{"status":"completed"}`), 400, "invalid", "rejected, which is final")
}

func TestOrderStatusCanMoveTo(t *testing.T) {
	all := switchboard.OrderStatuses
	for _, from := range all {
		for _, to := range all {
			err := from.CanMoveTo(to)
			final := from.Final() && from != to
			if final && err == nil {
				t.Errorf("%s → %s allowed out of a final status", from, to)
			}
			if !from.Final() && (to == switchboard.OrderCancelled || to == switchboard.OrderRejected) && err != nil {
				t.Errorf("%s → %s refused: %v", from, to, err)
			}
		}
	}
	if switchboard.OrderAccepted.CanMoveTo(switchboard.OrderNew) == nil || switchboard.OrderAwaitingShipment.CanMoveTo(switchboard.OrderAwaitingCollection) == nil {
		t.Error("backward or sideways moves allowed")
	}
	if switchboard.OrderNew.CanMoveTo(switchboard.OrderCompleted) != nil {
		t.Error("a forward skip refused")
	}
}

func TestOrderScopes(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	writer := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.write")
	reader := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,customers.write,catalog.write")
	id := createOrder(t, writer, r, "loc-bastille", margheritas, nil).str("id")
	wantError(t, createOrder(t, reader, r, "loc-bastille", margheritas, nil), 403, "insufficient_scope", "does not grant orders.write")
	wantError(t, patchOrder(t, reader, r, id, `{"status":"accepted"}`), 403, "insufficient_scope", "orders.write")
	wantError(t, getOrder(t, writer, r, id), 403, "insufficient_scope", "orders.read")
	wantError(t, listOrders(t, writer, r, "loc-bastille", ""), 403, "insufficient_scope", "orders.read")
	if g := getOrder(t, reader, r, id); g.StatusCode != 200 {
		t.Errorf("reader: %d %s", g.StatusCode, g.Body)
	}
}

func TestOrderTargets(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	bastille := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	canal := w.mustApp(t, "acc-demo-pizzeria", "loc-canal", "orders.read,orders.write")
	whole := w.mustApp(t, "acc-demo-pizzeria", "", "orders.read,orders.write")
	rivalApp := w.mustApp(t, rival.ID, rivalLocation, "orders.read,orders.write")

	canalOrder := createOrder(t, canal, r, "loc-canal", margheritas, nil).str("id")
	rivalOrder := createOrder(t, rivalApp, r, rivalLocation, margheritas, nil).str("id")
	byAccount := createOrder(t, whole, r, "loc-canal", margheritas, nil)
	if byAccount.StatusCode != 201 || byAccount.str("location_id") != "loc-canal" {
		t.Fatalf("account-level token at one of its locations: %d %s", byAccount.StatusCode, byAccount.Body)
	}
	// A location-level token never reaches another location.
	wantError(t, createOrder(t, bastille, r, "loc-canal", margheritas, nil), 404, "not_found", "loc-canal")
	wantError(t, listOrders(t, bastille, r, "loc-canal", ""), 404, "not_found", "")
	wantError(t, getOrder(t, bastille, r, canalOrder), 404, "not_found", "")
	wantError(t, patchOrder(t, bastille, r, canalOrder, `{"status":"cancelled"}`), 404, "not_found", "")
	// Another account's ids are not found, whatever the token's level.
	for _, a := range []app{bastille, whole} {
		wantError(t, listOrders(t, a, r, rivalLocation, ""), 404, "not_found", "")
		wantError(t, createOrder(t, a, r, rivalLocation, margheritas, nil), 404, "not_found", "")
		wantError(t, getOrder(t, a, r, rivalOrder), 404, "not_found", "")
		wantError(t, patchOrder(t, a, r, rivalOrder, `{"status":"cancelled"}`), 404, "not_found", "")
	}
	wantError(t, getOrder(t, whole, r, "ord_missing"), 404, "not_found", "")
	wantError(t, getOrder(t, whole, r, "a/b"), 404, "not_found", "")
	// The account-level token reaches every location of its account.
	if g := getOrder(t, whole, r, canalOrder); g.StatusCode != 200 {
		t.Errorf("account-level get: %d %s", g.StatusCode, g.Body)
	}
	if l := listOrders(t, whole, r, "loc-canal", ""); l.StatusCode != 200 || len(l.JSON["data"].([]any)) != 2 {
		t.Errorf("account-level list: %d %s", l.StatusCode, l.Body)
	}
	if g := getOrder(t, rivalApp, r, rivalOrder); g.StatusCode != 200 {
		t.Errorf("the rival reads its own: %d %s", g.StatusCode, g.Body)
	}
}

func TestOrderPagination(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	canal := w.mustApp(t, "acc-demo-pizzeria", "loc-canal", "orders.read,orders.write")
	createOrder(t, canal, r, "loc-canal", margheritas, nil) // must not show up at Bastille
	var created []string
	for range 7 {
		created = append(created, createOrder(t, pos, r, "loc-bastille", margheritas, nil).str("id"))
	}
	var seen []string
	query := "limit=3"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		p := listOrders(t, pos, r, "loc-bastille", query)
		if p.StatusCode != 200 {
			t.Fatalf("page: %d %s", p.StatusCode, p.Body)
		}
		data := p.JSON["data"].([]any)
		if len(data) > 3 {
			t.Errorf("page of %d, limit 3", len(data))
		}
		for _, o := range data {
			seen = append(seen, o.(map[string]any)["id"].(string))
		}
		next, _ := p.JSON["next_cursor"].(string)
		if next == "" {
			break
		}
		query = "limit=3&cursor=" + url.QueryEscape(next)
	}
	if len(seen) != len(created) {
		t.Fatalf("walked %d orders, created %d: %v", len(seen), len(created), seen)
	}
	for i, id := range seen { // newest first, each once
		if want := created[len(created)-1-i]; id != want {
			t.Errorf("position %d: %s, want %s", i, id, want)
		}
	}
	if d := listOrders(t, pos, r, "loc-bastille", "").JSON["data"].([]any); len(d) != 7 {
		t.Errorf("default page holds %d, want all 7", len(d))
	}
	if d := listOrders(t, pos, r, "loc-bastille", "limit=100").JSON["data"].([]any); len(d) != 7 {
		t.Errorf("limit=100 holds %d", len(d))
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=x", "cursor=nonsense"} {
		wantError(t, listOrders(t, pos, r, "loc-bastille", q), 400, "invalid", "")
	}
	// A cursor of another location's listing is refused, not followed.
	createOrder(t, canal, r, "loc-canal", margheritas, nil)
	canalCursor := listOrders(t, canal, r, "loc-canal", "limit=1")
	if c, _ := canalCursor.JSON["next_cursor"].(string); c != "" {
		wantError(t, listOrders(t, pos, r, "loc-bastille", "cursor="+url.QueryEscape(c)), 400, "invalid", "cursor")
	} else {
		t.Error("no cursor from a 2-order listing with limit 1")
	}
}

func TestOrderIdempotency(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	key := map[string]string{"idempotency-key": "order-42"}
	first := createOrder(t, pos, r, "loc-bastille", margheritas, key)
	again := createOrder(t, pos, r, "loc-bastille", margheritas, key)
	wantReplay(t, first, again, 201)
	if d := listOrders(t, pos, r, "loc-bastille", "").JSON["data"].([]any); len(d) != 1 {
		t.Errorf("%d orders after a replayed POST, want 1", len(d))
	}
	other := strings.Replace(margheritas, `"quantity":2`, `"quantity":3`, 1)
	wantError(t, createOrder(t, pos, r, "loc-bastille", other, key), 422, "idempotency_mismatch", "different request")
	// Keys belong to the connection: another app may use the same one.
	rivalPOS := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.write")
	if c := createOrder(t, rivalPOS, r, "loc-bastille", margheritas, key); c.StatusCode != 201 || c.str("id") == first.str("id") {
		t.Errorf("another connection's key: %d %s", c.StatusCode, c.Body)
	}
	// Errors below 500 are remembered too: the same request gets the same answer.
	bad := map[string]string{"idempotency-key": "bad-1"}
	b1 := createOrder(t, pos, r, "loc-bastille", `{"service_type":"drone","items":[]}`, bad)
	b2 := createOrder(t, pos, r, "loc-bastille", `{"service_type":"drone","items":[]}`, bad)
	wantReplay(t, b1, b2, 400)
	long := strings.Repeat("k", 255)
	if c := createOrder(t, pos, r, "loc-bastille", margheritas, map[string]string{"idempotency-key": long}); c.StatusCode != 201 {
		t.Errorf("255-character key: %d %s", c.StatusCode, c.Body)
	}
	wantError(t, createOrder(t, pos, r, "loc-bastille", margheritas, map[string]string{"idempotency-key": long + "k"}), 400, "invalid", "Idempotency-Key")
	wantError(t, createOrder(t, pos, r, "loc-bastille", margheritas, map[string]string{"idempotency-key": ""}), 400, "invalid", "Idempotency-Key")
	wantError(t, createOrder(t, pos, r, "loc-bastille", margheritas, map[string]string{"idempotency-key": "a\nb"}), 400, "invalid", "Idempotency-Key")
}

// TestConcurrentIdempotentPosts: a client retrying while its first request
// is still running never gets a second order.
func TestConcurrentIdempotentPosts(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	key := map[string]string{"idempotency-key": "burst"}
	var mu sync.Mutex
	statuses := map[int]int{}
	ids := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got := createOrder(t, pos, r, "loc-bastille", margheritas, key)
			mu.Lock()
			defer mu.Unlock()
			statuses[got.StatusCode]++
			if got.StatusCode == 201 {
				ids[got.str("id")] = true
			}
		})
	}
	wg.Wait()
	if len(ids) != 1 || statuses[201]+statuses[409] != 8 {
		t.Errorf("statuses %v, order ids %v: want one order, 201s and 409s only", statuses, ids)
	}
	if d := listOrders(t, pos, r, "loc-bastille", "").JSON["data"].([]any); len(d) != 1 {
		t.Errorf("%d orders, want 1", len(d))
	}
}

func TestIdempotencyKeyExpiresAndStaleClaims(t *testing.T) {
	w := mustWorld(t)
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.write")
	ctx := context.Background()
	base := switchboard.IdempotentRequest{AccountID: pos.conn.AccountID, ConnectionID: pos.conn.ID, KeyHash: "k", RequestHash: "h1"}
	at := func(r switchboard.IdempotentRequest, minutes int) switchboard.IdempotentRequest {
		r.ClaimedAt = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Add(timeMinutes(minutes))
		r.ExpiresAt = r.ClaimedAt.Add(switchboard.IdempotencyTTL)
		return r
	}
	first := at(base, 0)
	if _, ok, err := w.store.ClaimIdempotencyKey(ctx, first, timeMinutes(1)); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if held, ok, err := w.store.ClaimIdempotencyKey(ctx, at(base, 0), timeMinutes(1)); ok || err != nil || held.Done {
		t.Errorf("a live claim was taken: %v %v", ok, err)
	}
	// A claim left unfinished (a crash) is taken over once stale.
	second := at(base, 2)
	if _, ok, err := w.store.ClaimIdempotencyKey(ctx, second, timeMinutes(1)); !ok || err != nil {
		t.Fatalf("stale claim not taken over: %v %v", ok, err)
	}
	if err := w.store.CompleteIdempotencyKey(ctx, first); switchboard.ErrorCode(err) != switchboard.EConflict {
		t.Errorf("the superseded claim completed: %v", err)
	}
	second.Done, second.Status, second.Body = true, 201, `{"id":"x"}`
	if err := w.store.CompleteIdempotencyKey(ctx, second); err != nil {
		t.Fatal(err)
	}
	if held, ok, _ := w.store.ClaimIdempotencyKey(ctx, at(base, 60), timeMinutes(1)); ok || !held.Done || held.Status != 201 || held.Body != `{"id":"x"}` {
		t.Errorf("a finished request was not kept: %+v %v", held, ok)
	}
	// After 24 hours the key is free again, even before TTL sweeps it.
	if _, ok, err := w.store.ClaimIdempotencyKey(ctx, at(base, 24*60+3), timeMinutes(1)); !ok || err != nil {
		t.Errorf("expired key not reusable: %v %v", ok, err)
	}
}

func TestOrderCallsAreLogged(t *testing.T) {
	w := mustWorld(t)
	r := w.orderRoutes()
	pos := w.mustApp(t, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	createOrder(t, pos, r, "loc-bastille", margheritas, nil)
	page, err := w.store.ListCalls(context.Background(), pos.conn.AccountID, pos.conn.ID, switchboard.CallFilter{Resources: []string{"orders"}})
	if err != nil || len(page.Calls) != 1 || page.Calls[0].Status != 201 || page.Calls[0].Method != "POST" || page.Calls[0].RequestBytes != len(margheritas) {
		t.Errorf("logged %+v %v", page.Calls, err)
	}
}

func FuzzOrders(f *testing.F) {
	w := mustWorld(f)
	w.door.Limits = []appapi.RateLimit{{Window: timeMinutes(1), Max: 1 << 30}}
	r := w.orderRoutes()
	pos := w.mustApp(f, "acc-demo-pizzeria", "loc-bastille", "orders.read,orders.write")
	seed := createOrderF(f, pos, r)
	f.Add(margheritas, "limit=2", "loc-bastille", seed)
	f.Add(`{"status":"completed"}`, "cursor=eyJQSyI6IngifQ", "loc-canal", seed)
	f.Add(`{"items":[{"product_name":"\u0000","price":"99999.99 EUR","quantity":999}],"service_type":"eat_in"}`, "limit=100&cursor=", "", "ord_x")
	f.Add(`[]`, "limit=9999999999999999999", "../x", "")
	f.Fuzz(func(t *testing.T, body, query, locationID, orderID string) {
		get := func(id string) reply {
			return pos.send(t, r.get, req{method: "GET", path: "/v1/orders/x", params: map[string]string{"orderId": id}})
		}
		newest := func() string {
			got := pos.send(t, r.list, req{method: "GET", path: "/v1/locations/loc-bastille/orders", params: map[string]string{"locationId": "loc-bastille"}, query: "limit=1"})
			return got.Body
		}
		newestBefore, seedBefore := newest(), get(seed).Body
		for _, rq := range []struct {
			h apigw.HandlerFunc
			r req
		}{
			{r.create, req{method: "POST", path: "/v1/locations/x/orders", params: map[string]string{"locationId": locationID}, body: body}},
			{r.list, req{method: "GET", path: "/v1/locations/x/orders", params: map[string]string{"locationId": locationID}, query: query}},
			{r.update, req{method: "PATCH", path: "/v1/orders/x", params: map[string]string{"orderId": orderID}, body: body}},
			{r.get, req{method: "GET", path: "/v1/orders/x", params: map[string]string{"orderId": orderID}, query: query}},
		} {
			got := pos.send(t, rq.h, rq.r) // send fails on a 5xx or a non-JSON body
			if got.StatusCode >= 500 || !json.Valid([]byte(got.Body)) {
				t.Fatalf("%s: %d %s", rq.r.method, got.StatusCode, got.Body)
			}
			// No half-written item: what a write answered is what is stored,
			// whole; a refused write leaves nothing behind.
			switch {
			case rq.r.method == "POST" && got.StatusCode == http.StatusCreated:
				var o struct{ ID string }
				_ = json.Unmarshal([]byte(got.Body), &o)
				if stored := get(o.ID); stored.StatusCode != http.StatusOK || stored.Body != got.Body {
					t.Fatalf("created %s but stored %d %s", got.Body, stored.StatusCode, stored.Body)
				}
			case rq.r.method == "POST" && locationID == "loc-bastille":
				if now := newest(); now != newestBefore {
					t.Fatalf("a refused create (%d %s) stored an order: newest now %s", got.StatusCode, got.Body, now)
				}
			case rq.r.method == "PATCH" && orderID == seed:
				stored := get(seed).Body
				if got.StatusCode == http.StatusOK && stored != got.Body {
					t.Fatalf("updated to %s but stored %s", got.Body, stored)
				}
				if got.StatusCode >= 400 && stored != seedBefore {
					t.Fatalf("a refused update (%d %s) changed the order from %s to %s", got.StatusCode, got.Body, seedBefore, stored)
				}
			}
		}
	})
}

func createOrderF(tb testing.TB, a app, r orderRoutes) string {
	tb.Helper()
	got := a.send(tb, r.create, req{method: "POST", path: "/v1/locations/loc-bastille/orders",
		params: map[string]string{"locationId": "loc-bastille"}, body: margheritas})
	var o struct{ ID string }
	if err := json.Unmarshal([]byte(got.Body), &o); err != nil || o.ID == "" {
		tb.Fatalf("create: %d %s", got.StatusCode, got.Body)
	}
	return o.ID
}
