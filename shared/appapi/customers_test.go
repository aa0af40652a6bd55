package appapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/appapi"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

type customerRoutes struct{ list, create, get, update apigw.HandlerFunc }

func (w *world) customerRoutes() customerRoutes {
	return customerRoutes{
		list:   w.door.Handle("customers", appapi.ListCustomers(w.store)),
		create: w.door.Handle("customers", appapi.CreateCustomer(w.store, w.idem)),
		get:    w.door.Handle("customers", appapi.GetCustomer(w.store)),
		update: w.door.Handle("customers", appapi.UpdateCustomer(w.store, w.idem.Now)),
	}
}

const rivalList = "cl-rival"

func (w *world) mustRivalList(tb testing.TB) {
	tb.Helper()
	if err := w.store.CreateCustomerList(context.Background(), switchboard.CustomerList{ID: rivalList, AccountID: rival.ID, Name: "Rival customers"}); err != nil {
		tb.Fatal(err)
	}
}

const jeanne = `{"first_name":"Jeanne","last_name":"Martin","email":" Jeanne.Martin@Example.com ","phone":"+33 6 12 34 56 78",
	"address_1":"12 rue de la Roquette","postal_code":"75011","city":"Paris","country":"FR"}`

func createCustomer(t testing.TB, a app, r customerRoutes, listID, body string, headers map[string]string) reply {
	t.Helper()
	return a.send(t, r.create, req{method: "POST", path: "/v1/customer_lists/" + listID + "/customers",
		params: map[string]string{"listId": listID}, body: body, headers: headers})
}

func listCustomers(t *testing.T, a app, r customerRoutes, listID, query string) reply {
	t.Helper()
	return a.send(t, r.list, req{method: "GET", path: "/v1/customer_lists/" + listID + "/customers",
		params: map[string]string{"listId": listID}, query: query})
}

func getCustomer(t *testing.T, a app, r customerRoutes, id string) reply {
	t.Helper()
	return a.send(t, r.get, req{method: "GET", path: "/v1/customers/" + id, params: map[string]string{"customerId": id}})
}

func patchCustomer(t *testing.T, a app, r customerRoutes, id, body string) reply {
	t.Helper()
	return a.send(t, r.update, req{method: "PATCH", path: "/v1/customers/" + id, params: map[string]string{"customerId": id}, body: body})
}

func TestCustomers(t *testing.T) {
	w := mustWorld(t)
	r := w.customerRoutes()
	crm := w.mustApp(t, demo.Account.ID, "", "customers.read,customers.write")
	c := createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, nil)
	if c.StatusCode != 201 || !strings.HasPrefix(c.str("id"), "cus_") || c.str("email") != "jeanne.martin@example.com" ||
		c.str("customer_list_id") != "cl-demo" || c.str("account_id") != demo.Account.ID || c.str("country") != "FR" {
		t.Fatalf("create: %d %s", c.StatusCode, c.Body)
	}
	id := c.str("id")
	if g := getCustomer(t, crm, r, id); g.StatusCode != 200 || g.Body != c.Body {
		t.Errorf("get: %d %s", g.StatusCode, g.Body)
	}
	p := patchCustomer(t, crm, r, id, `{"phone":"+33 6 98 76 54 32","address_2":"","city":"Lyon"}`)
	if p.StatusCode != 200 || p.str("phone") != "+33 6 98 76 54 32" || p.str("city") != "Lyon" || p.str("first_name") != "Jeanne" {
		t.Errorf("patch: %d %s", p.StatusCode, p.Body)
	}
	if g := getCustomer(t, crm, r, id); g.str("city") != "Lyon" {
		t.Errorf("patch not kept: %s", g.Body)
	}
	// A location-level token reaches its account's lists too.
	till := w.mustApp(t, demo.Account.ID, "loc-canal", "customers.read")
	if l := listCustomers(t, till, r, demo.CustomerList.ID, ""); l.StatusCode != 200 || len(l.JSON["data"].([]any)) != 1 {
		t.Errorf("location-level list: %d %s", l.StatusCode, l.Body)
	}
}

func TestCustomerValidation(t *testing.T) {
	w := mustWorld(t)
	r := w.customerRoutes()
	crm := w.mustApp(t, demo.Account.ID, "", "customers.read,customers.write")
	tests := []struct{ name, body, msg string }{
		{"empty", `{}`, "at least one of first_name"},
		{"only a phone", `{"phone":"+33 1 23 45 67 89"}`, "at least one of"},
		{"bad email", `{"email":"jeanne@"}`, "email must be a plain address"},
		{"display-name email", `{"email":"Jeanne <j@example.com>"}`, "email must be"},
		{"bad phone", `{"first_name":"J","phone":"call me"}`, "phone must be"},
		{"bad country", `{"first_name":"J","country":"France"}`, "country must be an ISO 3166-1 code"},
		{"lower-case country", `{"first_name":"J","country":"fr"}`, "country"},
		{"long name", `{"first_name":"` + strings.Repeat("é", 101) + `"}`, "first_name must be at most 100"},
		{"control characters", `{"last_name":"a\u0007b"}`, "last_name"},
		{"long postal code", `{"first_name":"J","postal_code":"` + strings.Repeat("1", 21) + `"}`, "postal_code"},
		{"unknown field", `{"first_name":"J","birthday":"1990-01-01"}`, `unknown field "birthday"`},
		{"wrong type", `{"first_name":1}`, "wrong type"},
		{"not JSON", `first_name=J`, "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, createCustomer(t, crm, r, demo.CustomerList.ID, tt.body, nil), 400, "invalid", tt.msg)
		})
	}
	id := createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, nil).str("id")
	for _, tt := range []struct{ body, msg string }{
		{`{}`, "at least one field"},
		{`{"first_name":"","last_name":"","email":""}`, "at least one of first_name"},
		{`{"email":"nope"}`, "email"},
		{`{"customer_list_id":"other"}`, "unknown field"},
	} {
		wantError(t, patchCustomer(t, crm, r, id, tt.body), 400, "invalid", tt.msg)
	}
}

func TestCustomerScopesAndTargets(t *testing.T) {
	w := mustWorld(t)
	w.mustRivalList(t)
	r := w.customerRoutes()
	writer := w.mustApp(t, demo.Account.ID, "loc-bastille", "customers.write")
	reader := w.mustApp(t, demo.Account.ID, "", "customers.read,orders.write")
	rivalApp := w.mustApp(t, rival.ID, "", "customers.read,customers.write")
	id := createCustomer(t, writer, r, demo.CustomerList.ID, jeanne, nil).str("id")
	rivalID := createCustomer(t, rivalApp, r, rivalList, jeanne, nil).str("id")

	wantError(t, createCustomer(t, reader, r, demo.CustomerList.ID, jeanne, nil), 403, "insufficient_scope", "customers.write")
	wantError(t, patchCustomer(t, reader, r, id, `{"city":"Nice"}`), 403, "insufficient_scope", "customers.write")
	wantError(t, getCustomer(t, writer, r, id), 403, "insufficient_scope", "customers.read")
	wantError(t, listCustomers(t, writer, r, demo.CustomerList.ID, ""), 403, "insufficient_scope", "customers.read")

	// Lists belong to the account: another account's are not found, at any level.
	wantError(t, listCustomers(t, reader, r, rivalList, ""), 404, "not_found", "")
	wantError(t, createCustomer(t, writer, r, rivalList, jeanne, nil), 404, "not_found", "cl-rival")
	wantError(t, getCustomer(t, reader, r, rivalID), 404, "not_found", "")
	wantError(t, patchCustomer(t, writer, r, rivalID, `{"city":"Nice"}`), 404, "not_found", "")
	wantError(t, listCustomers(t, reader, r, "cl-missing", ""), 404, "not_found", "")
	wantError(t, getCustomer(t, reader, r, "cus_missing"), 404, "not_found", "")
	wantError(t, listCustomers(t, rivalApp, r, demo.CustomerList.ID, ""), 404, "not_found", "")
	wantError(t, getCustomer(t, rivalApp, r, id), 404, "not_found", "")
	if g := getCustomer(t, reader, r, id); g.StatusCode != 200 {
		t.Errorf("reader: %d %s", g.StatusCode, g.Body)
	}
}

func TestCustomerPagination(t *testing.T) {
	w := mustWorld(t)
	w.mustRivalList(t)
	r := w.customerRoutes()
	crm := w.mustApp(t, demo.Account.ID, "", "customers.read,customers.write")
	rivalApp := w.mustApp(t, rival.ID, "", "customers.read,customers.write")
	createCustomer(t, rivalApp, r, rivalList, jeanne, nil)
	createCustomer(t, rivalApp, r, rivalList, jeanne, nil)
	var created []string
	for range 5 {
		created = append(created, createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, nil).str("id"))
	}
	seen := map[string]bool{}
	var order []string
	query := "limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		p := listCustomers(t, crm, r, demo.CustomerList.ID, query)
		if p.StatusCode != 200 {
			t.Fatalf("page: %d %s", p.StatusCode, p.Body)
		}
		for _, c := range p.JSON["data"].([]any) {
			id := c.(map[string]any)["id"].(string)
			if seen[id] {
				t.Errorf("%s twice", id)
			}
			seen[id] = true
			order = append(order, id)
		}
		next, _ := p.JSON["next_cursor"].(string)
		if next == "" {
			break
		}
		query = "limit=2&cursor=" + url.QueryEscape(next)
	}
	if len(order) != 5 || order[0] != created[4] || order[4] != created[0] {
		t.Errorf("walked %v, created %v", order, created)
	}
	wantPageRefusals(t, func(a app, id, q string) reply { return listCustomers(t, a, r, id, q) }, crm, rivalApp, demo.CustomerList.ID, rivalList)
}

func TestCustomerIdempotency(t *testing.T) {
	w := mustWorld(t)
	r := w.customerRoutes()
	crm := w.mustApp(t, demo.Account.ID, "", "customers.read,customers.write")
	key := map[string]string{"idempotency-key": "signup-7"}
	first := createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, key)
	again := createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, key)
	wantReplay(t, first, again, 201)
	if d := listCustomers(t, crm, r, demo.CustomerList.ID, "").JSON["data"].([]any); len(d) != 1 {
		t.Errorf("%d customers after a replay, want 1", len(d))
	}
	wantError(t, createCustomer(t, crm, r, demo.CustomerList.ID, `{"first_name":"Other"}`, key), 422, "idempotency_mismatch", "")
	wantError(t, createCustomer(t, crm, r, demo.CustomerList.ID, jeanne, map[string]string{"idempotency-key": strings.Repeat("x", 256)}), 400, "invalid", "Idempotency-Key")
}

func FuzzCustomers(f *testing.F) {
	w := mustWorld(f)
	w.door.Limits = []appapi.RateLimit{{Window: timeMinutes(1), Max: 1 << 30}}
	r := w.customerRoutes()
	crm := w.mustApp(f, demo.Account.ID, "", "customers.read,customers.write")
	var c struct{ ID string }
	_ = json.Unmarshal([]byte(createCustomer(f, crm, r, demo.CustomerList.ID, jeanne, nil).Body), &c)
	f.Add(jeanne, "limit=2", "cl-demo", c.ID)
	f.Add(`{"email":"a@b.c","country":"ZZ"}`, "cursor=e30", "cl-demo", c.ID)
	f.Add(`{"first_name":null}`, "limit=&cursor=%zz", "cl-x", "cus_x")
	f.Add(`"x"`, "", "", "")
	f.Fuzz(func(t *testing.T, body, query, listID, customerID string) {
		for _, rq := range []struct {
			h apigw.HandlerFunc
			r req
		}{
			{r.create, req{method: "POST", path: "/v1/customer_lists/x/customers", params: map[string]string{"listId": listID}, body: body}},
			{r.list, req{method: "GET", path: "/v1/customer_lists/x/customers", params: map[string]string{"listId": listID}, query: query}},
			{r.update, req{method: "PATCH", path: "/v1/customers/x", params: map[string]string{"customerId": customerID}, body: body}},
			{r.get, req{method: "GET", path: "/v1/customers/x", params: map[string]string{"customerId": customerID}, query: query}},
		} {
			if got := crm.send(t, rq.h, rq.r); got.StatusCode >= 500 || !json.Valid([]byte(got.Body)) {
				t.Fatalf("%s: %d %s", rq.r.method, got.StatusCode, got.Body)
			}
		}
	})
}
