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

type catalogRoutes struct{ get, list, create apigw.HandlerFunc }

func (w *world) catalogRoutes() catalogRoutes {
	return catalogRoutes{
		get:    w.door.Handle("catalog", appapi.GetCatalog(w.store)),
		list:   w.door.Handle("catalog", appapi.ListProducts(w.store)),
		create: w.door.Handle("catalog", appapi.CreateProduct(w.store, w.idem)),
	}
}

const rivalCatalog = "cat-rival"

func (w *world) mustRivalCatalog(tb testing.TB) {
	tb.Helper()
	if err := w.store.CreateCatalog(context.Background(), switchboard.Catalog{ID: rivalCatalog, AccountID: rival.ID, Name: "Rival menu"}); err != nil {
		tb.Fatal(err)
	}
}

const margherita = `{"name":"Margherita","description":"Tomato, mozzarella, basil.","category":"Pizzas","sku_ref":"PZ-MARG","price":"12.50 EUR"}`

func getCatalog(t *testing.T, a app, r catalogRoutes, id string) reply {
	t.Helper()
	return a.send(t, r.get, req{method: "GET", path: "/v1/catalogs/" + id, params: map[string]string{"catalogId": id}})
}

func createProduct(t testing.TB, a app, r catalogRoutes, catalogID, body string, headers map[string]string) reply {
	t.Helper()
	return a.send(t, r.create, req{method: "POST", path: "/v1/catalogs/" + catalogID + "/products",
		params: map[string]string{"catalogId": catalogID}, body: body, headers: headers})
}

func listProducts(t *testing.T, a app, r catalogRoutes, catalogID, query string) reply {
	t.Helper()
	return a.send(t, r.list, req{method: "GET", path: "/v1/catalogs/" + catalogID + "/products",
		params: map[string]string{"catalogId": catalogID}, query: query})
}

func TestCatalog(t *testing.T) {
	w := mustWorld(t)
	r := w.catalogRoutes()
	stock := w.mustApp(t, demo.Account.ID, "loc-bastille", "catalog.read,catalog.write")
	g := getCatalog(t, stock, r, demo.Catalog.ID)
	if g.StatusCode != 200 || g.str("id") != "cat-demo" || g.str("account_id") != demo.Account.ID || g.str("name") != demo.Catalog.Name {
		t.Errorf("catalog: %d %s", g.StatusCode, g.Body)
	}
	p := createProduct(t, stock, r, demo.Catalog.ID, margherita, nil)
	if p.StatusCode != 201 || !strings.HasPrefix(p.str("id"), "prd_") || p.str("price") != "12.50 EUR" || p.str("catalog_id") != "cat-demo" {
		t.Fatalf("create: %d %s", p.StatusCode, p.Body)
	}
	l := listProducts(t, stock, r, demo.Catalog.ID, "")
	if data, _ := l.JSON["data"].([]any); l.StatusCode != 200 || len(data) != 1 || data[0].(map[string]any)["id"] != p.str("id") {
		t.Errorf("list: %d %s", l.StatusCode, l.Body)
	}
}

func TestProductValidation(t *testing.T) {
	w := mustWorld(t)
	r := w.catalogRoutes()
	stock := w.mustApp(t, demo.Account.ID, "", "catalog.write")
	tests := []struct{ name, body, msg string }{
		{"no name", `{"price":"1.00 EUR"}`, "name is required"},
		{"blank name", `{"name":"  ","price":"1.00 EUR"}`, "name is required"},
		{"long name", `{"name":"` + strings.Repeat("x", 101) + `","price":"1.00 EUR"}`, "at most 100"},
		{"no price", `{"name":"A"}`, "price must be an amount"},
		{"bad price", `{"name":"A","price":"1,00 €"}`, `such as "12.50 EUR"`},
		{"price as number", `{"name":"A","price":1}`, "wrong type"},
		{"bad sku", `{"name":"A","price":"1.00 EUR","sku_ref":"a/b"}`, "sku_ref"},
		{"long description", `{"name":"A","price":"1.00 EUR","description":"` + strings.Repeat("x", 1001) + `"}`, "description"},
		{"long category", `{"name":"A","price":"1.00 EUR","category":"` + strings.Repeat("x", 101) + `"}`, "category"},
		{"unknown field", `{"name":"A","price":"1.00 EUR","stock":3}`, `unknown field "stock"`},
		{"two objects", `{"name":"A","price":"1.00 EUR"}{}`, "one JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, createProduct(t, stock, r, demo.Catalog.ID, tt.body, nil), 400, "invalid", tt.msg)
		})
	}
}

func TestCatalogScopesAndTargets(t *testing.T) {
	w := mustWorld(t)
	w.mustRivalCatalog(t)
	r := w.catalogRoutes()
	reader := w.mustApp(t, demo.Account.ID, "loc-canal", "catalog.read,orders.write")
	writer := w.mustApp(t, demo.Account.ID, "", "catalog.write")
	rivalApp := w.mustApp(t, rival.ID, "", "catalog.read,catalog.write")
	createProduct(t, rivalApp, r, rivalCatalog, margherita, nil)

	wantError(t, createProduct(t, reader, r, demo.Catalog.ID, margherita, nil), 403, "insufficient_scope", "catalog.write")
	wantError(t, getCatalog(t, writer, r, demo.Catalog.ID), 403, "insufficient_scope", "catalog.read")
	wantError(t, listProducts(t, writer, r, demo.Catalog.ID, ""), 403, "insufficient_scope", "catalog.read")
	// Catalogs belong to the account: another account's are not found.
	wantError(t, getCatalog(t, reader, r, rivalCatalog), 404, "not_found", "")
	wantError(t, listProducts(t, reader, r, rivalCatalog, ""), 404, "not_found", "")
	wantError(t, createProduct(t, writer, r, rivalCatalog, margherita, nil), 404, "not_found", "cat-rival")
	wantError(t, getCatalog(t, rivalApp, r, demo.Catalog.ID), 404, "not_found", "")
	wantError(t, getCatalog(t, reader, r, "cat-missing"), 404, "not_found", "")
	wantError(t, getCatalog(t, reader, r, "cat demo"), 404, "not_found", "")
	if l := listProducts(t, rivalApp, r, rivalCatalog, ""); len(l.JSON["data"].([]any)) != 1 {
		t.Errorf("rival list: %s", l.Body)
	}
}

func TestProductPagination(t *testing.T) {
	w := mustWorld(t)
	w.mustRivalCatalog(t)
	r := w.catalogRoutes()
	stock := w.mustApp(t, demo.Account.ID, "", "catalog.read,catalog.write")
	rivalApp := w.mustApp(t, rival.ID, "", "catalog.read,catalog.write")
	createProduct(t, rivalApp, r, rivalCatalog, margherita, nil)
	createProduct(t, rivalApp, r, rivalCatalog, margherita, nil)
	var created []string
	for range 5 {
		created = append(created, createProduct(t, stock, r, demo.Catalog.ID, margherita, nil).str("id"))
	}
	var walked []string
	seen := map[string]bool{}
	query := "limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		p := listProducts(t, stock, r, demo.Catalog.ID, query)
		for _, it := range p.JSON["data"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Errorf("%s twice", id)
			}
			seen[id] = true
			walked = append(walked, id)
		}
		next, _ := p.JSON["next_cursor"].(string)
		if next == "" {
			break
		}
		query = "limit=2&cursor=" + url.QueryEscape(next)
	}
	if strings.Join(walked, ",") != strings.Join(created, ",") {
		t.Errorf("walked %v, want %v in the order added", walked, created)
	}
	wantPageRefusals(t, func(a app, id, q string) reply { return listProducts(t, a, r, id, q) }, stock, rivalApp, demo.Catalog.ID, rivalCatalog)
}

func TestProductIdempotency(t *testing.T) {
	w := mustWorld(t)
	r := w.catalogRoutes()
	stock := w.mustApp(t, demo.Account.ID, "", "catalog.read,catalog.write")
	key := map[string]string{"idempotency-key": "menu-sync-1"}
	first := createProduct(t, stock, r, demo.Catalog.ID, margherita, key)
	again := createProduct(t, stock, r, demo.Catalog.ID, margherita, key)
	wantReplay(t, first, again, 201)
	if d := listProducts(t, stock, r, demo.Catalog.ID, "").JSON["data"].([]any); len(d) != 1 {
		t.Errorf("%d products after a replay, want 1", len(d))
	}
	wantError(t, createProduct(t, stock, r, demo.Catalog.ID, strings.Replace(margherita, "12.50", "13.00", 1), key), 422, "idempotency_mismatch", "")
	// The key is bound to the path too: the same body sent to another
	// catalog is another request.
	if err := w.store.CreateCatalog(context.Background(), switchboard.Catalog{ID: "cat-second", AccountID: demo.Account.ID, Name: "Second menu"}); err != nil {
		t.Fatal(err)
	}
	wantError(t, createProduct(t, stock, r, "cat-second", margherita, key), 422, "idempotency_mismatch", "")
}

func FuzzCatalog(f *testing.F) {
	w := mustWorld(f)
	w.door.Limits = []appapi.RateLimit{{Window: timeMinutes(1), Max: 1 << 30}}
	r := w.catalogRoutes()
	stock := w.mustApp(f, demo.Account.ID, "", "catalog.read,catalog.write")
	createProduct(f, stock, r, demo.Catalog.ID, margherita, nil)
	f.Add(margherita, "limit=1", "cat-demo")
	f.Add(`{"name":"A","price":"99999.99 ZZZ"}`, "cursor=eyJQSyI6IngiLCJTSyI6InkifQ", "cat-demo")
	f.Add(`{"name":"\ud800","price":null}`, "limit=1e3", "cat-x")
	f.Add(`0`, "%", "")
	f.Fuzz(func(t *testing.T, body, query, catalogID string) {
		params := map[string]string{"catalogId": catalogID}
		for _, rq := range []struct {
			h apigw.HandlerFunc
			r req
		}{
			{r.create, req{method: "POST", path: "/v1/catalogs/x/products", params: params, body: body}},
			{r.list, req{method: "GET", path: "/v1/catalogs/x/products", params: params, query: query}},
			{r.get, req{method: "GET", path: "/v1/catalogs/x", params: params, query: query}},
		} {
			if got := stock.send(t, rq.h, rq.r); got.StatusCode >= 500 || !json.Valid([]byte(got.Body)) {
				t.Fatalf("%s: %d %s", rq.r.method, got.StatusCode, got.Body)
			}
		}
	})
}
