package appapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// allPermissions is a location-level scope that reaches every route.
const allPermissions = "orders.read,orders.write,customers.read,customers.write,catalog.read,catalog.write"

// platformRoute is one /v1 route of template.yaml, ready to call on the
// demo account's data.
type platformRoute struct {
	key string // "METHOD /template/path", as in template.yaml
	h   apigw.HandlerFunc
	r   req
	// state reads what a call of the route would change, for a route that
	// writes: the number of items it adds to, or the version it bumps.
	state func(t *testing.T) string
}

// platformRoutes are all the /v1 routes behind w's door, on an order and a
// customer made for them (with a setup connection, before limits change).
func (w *world) platformRoutes(t *testing.T) []platformRoute {
	t.Helper()
	setup := w.mustApp(t, demo.Account.ID, "loc-bastille", allPermissions)
	orderID := createOrderF(t, setup, w.orderRoutes())
	c := createCustomer(t, setup, w.customerRoutes(), demo.CustomerList.ID, jeanne, nil)
	customerID := c.str("id")
	if customerID == "" {
		t.Fatalf("create customer: %d %s", c.StatusCode, c.Body)
	}
	ctx := context.Background()
	acc := demo.Account.ID
	count := func(n int, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(n)
	}
	o, cu, ca := w.orderRoutes(), w.customerRoutes(), w.catalogRoutes()
	return []platformRoute{
		{"GET /v1/location", w.door.Handle("location", appapi.GetLocation(w.store)), req{method: "GET", path: "/v1/location"}, nil},
		{"GET /v1/account", w.door.Handle("account", appapi.GetAccount(w.store)), req{method: "GET", path: "/v1/account"}, nil},
		{"GET /v1/rate_limits", w.door.Handle("rate_limits", appapi.GetRateLimits()), req{method: "GET", path: "/v1/rate_limits"}, nil},
		{"GET /v1/locations/{locationId}/orders", o.list, req{method: "GET", path: "/v1/locations/loc-bastille/orders",
			params: map[string]string{"locationId": "loc-bastille"}}, nil},
		{"POST /v1/locations/{locationId}/orders", o.create, req{method: "POST", path: "/v1/locations/loc-bastille/orders",
			params: map[string]string{"locationId": "loc-bastille"}, body: oneMargherita},
			func(t *testing.T) string {
				p, err := w.store.ListOrders(ctx, acc, "loc-bastille", switchboard.PageRequest{Limit: 100})
				return count(len(p.Orders), err)
			}},
		{"GET /v1/orders/{orderId}", o.get, req{method: "GET", path: "/v1/orders/" + orderID, params: map[string]string{"orderId": orderID}}, nil},
		{"PATCH /v1/orders/{orderId}", o.update, req{method: "PATCH", path: "/v1/orders/" + orderID,
			params: map[string]string{"orderId": orderID}, body: `{"customer_notes":"ring twice"}`},
			func(t *testing.T) string {
				got, err := w.store.GetOrder(ctx, acc, orderID)
				return count(got.Version, err)
			}},
		{"GET /v1/customer_lists/{listId}/customers", cu.list, req{method: "GET", path: "/v1/customer_lists/" + demo.CustomerList.ID + "/customers",
			params: map[string]string{"listId": demo.CustomerList.ID}}, nil},
		{"POST /v1/customer_lists/{listId}/customers", cu.create, req{method: "POST", path: "/v1/customer_lists/" + demo.CustomerList.ID + "/customers",
			params: map[string]string{"listId": demo.CustomerList.ID}, body: `{"first_name":"Grace"}`},
			func(t *testing.T) string {
				p, err := w.store.ListCustomers(ctx, acc, demo.CustomerList.ID, switchboard.PageRequest{Limit: 100})
				return count(len(p.Customers), err)
			}},
		{"GET /v1/customers/{customerId}", cu.get, req{method: "GET", path: "/v1/customers/" + customerID, params: map[string]string{"customerId": customerID}}, nil},
		{"PATCH /v1/customers/{customerId}", cu.update, req{method: "PATCH", path: "/v1/customers/" + customerID,
			params: map[string]string{"customerId": customerID}, body: `{"last_name":"Hopper"}`},
			func(t *testing.T) string {
				got, err := w.store.GetCustomer(ctx, acc, customerID)
				return count(got.Version, err)
			}},
		{"GET /v1/catalogs/{catalogId}", ca.get, req{method: "GET", path: "/v1/catalogs/" + demo.Catalog.ID, params: map[string]string{"catalogId": demo.Catalog.ID}}, nil},
		{"GET /v1/catalogs/{catalogId}/products", ca.list, req{method: "GET", path: "/v1/catalogs/" + demo.Catalog.ID + "/products",
			params: map[string]string{"catalogId": demo.Catalog.ID}}, nil},
		{"POST /v1/catalogs/{catalogId}/products", ca.create, req{method: "POST", path: "/v1/catalogs/" + demo.Catalog.ID + "/products",
			params: map[string]string{"catalogId": demo.Catalog.ID}, body: margherita},
			func(t *testing.T) string {
				p, err := w.store.ListProducts(ctx, acc, demo.Catalog.ID, switchboard.PageRequest{Limit: 100})
				return count(len(p.Products), err)
			}},
	}
}

// wantEveryTemplateRoute fails when template.yaml has a /v1 route that
// routes lacks (or the reverse), so a new route cannot skip these tests.
func wantEveryTemplateRoute(t *testing.T, routes []platformRoute) {
	t.Helper()
	fns, err := testenv.MustTemplate(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	var inTemplate, here []string
	for _, fn := range fns {
		for _, r := range fn.Routes {
			if strings.HasPrefix(r.Path, "/v1/") {
				inTemplate = append(inTemplate, r.Method+" "+r.Path)
			}
		}
	}
	for _, r := range routes {
		here = append(here, r.key)
	}
	slices.Sort(inTemplate)
	slices.Sort(here)
	if !slices.Equal(inTemplate, here) {
		t.Fatalf("the platform routes tested are not template.yaml's:\ntemplate %v\ntested   %v", inTemplate, here)
	}
}

// TestRateLimitReachedOnEveryRoute: on every /v1 route of template.yaml,
// a connection past its limit gets 429 rate_limited with Retry-After and
// X-RateLimit-* headers, the call is logged as a 429, and nothing is
// written: the handler never runs.
func TestRateLimitReachedOnEveryRoute(t *testing.T) {
	w := mustWorld(t)
	routes := w.platformRoutes(t)
	wantEveryTemplateRoute(t, routes)
	// One day's window, so that the three calls of a route never straddle
	// the window's turn, as they could a minute's.
	const perWindow = 2
	w.door.Limits = []appapi.RateLimit{{Window: 24 * time.Hour, Max: perWindow}}
	for _, rt := range routes {
		t.Run(rt.key, func(t *testing.T) {
			a := w.mustApp(t, demo.Account.ID, "loc-bastille", allPermissions) // its own counters
			for i := range perWindow {
				got := a.send(t, rt.h, rt.r)
				if got.StatusCode >= 300 {
					t.Fatalf("call %d within the limit: %d %s", i+1, got.StatusCode, got.Body)
				}
				if remaining := got.Headers["X-RateLimit-Remaining"]; remaining != strconv.Itoa(perWindow-i-1) {
					t.Errorf("call %d: X-RateLimit-Remaining %q, want %d", i+1, remaining, perWindow-i-1)
				}
			}
			var before string
			if rt.state != nil {
				before = rt.state(t)
			}
			got := a.send(t, rt.h, rt.r) // send checks it is logged with its status
			wantError(t, got, http.StatusTooManyRequests, "rate_limited", "rate limit")
			retry, err := strconv.Atoi(got.Headers["Retry-After"])
			if err != nil || retry < 1 || retry > 24*60*60 {
				t.Errorf("Retry-After %q, want 1 second to a day", got.Headers["Retry-After"])
			}
			reset, err := strconv.ParseInt(got.Headers["X-RateLimit-Reset"], 10, 64)
			if got.Headers["X-RateLimit-Limit"] != strconv.Itoa(perWindow) || got.Headers["X-RateLimit-Remaining"] != "0" ||
				err != nil || reset <= time.Now().Add(-time.Second).Unix() || got.Headers["X-Request-Id"] == "" {
				t.Errorf("429 headers %v", got.Headers)
			}
			if !json.Valid([]byte(got.Body)) {
				t.Errorf("429 body %s", got.Body)
			}
			if rt.state != nil {
				if after := rt.state(t); after != before {
					t.Errorf("the refused call wrote: %s became %s", before, after)
				}
			}
		})
	}
}
