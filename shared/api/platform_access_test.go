package api_test

import "net/http"

// Platform routes answer A's token only; another location's token of A
// finds no neighbour's orders (404, as if they did not exist) but reaches
// the account-wide catalogs and customer lists.
var _ = routeAccess("GET /v1/location", access{want: withStatus(platformRoute(http.StatusOK, http.StatusOK), tokenOtherAccount, http.StatusForbidden)})

// B's account-level token reads its own account, never A's.
var _ = routeAccess("GET /v1/account", access{want: withStatus(platformRoute(http.StatusOK, http.StatusOK), tokenOtherAccount, http.StatusOK)})

var _ = routeAccess("GET /v1/locations/{locationId}/orders", access{want: platformRoute(http.StatusOK, http.StatusNotFound)})

var _ = routeAccess("POST /v1/locations/{locationId}/orders", access{
	body: `{"service_type":"delivery","items":[{"product_name":"Margherita","price":"9.50 EUR","quantity":1}]}`,
	want: platformRoute(http.StatusCreated, http.StatusNotFound),
})

var _ = routeAccess("GET /v1/orders/{orderId}", access{want: platformRoute(http.StatusOK, http.StatusNotFound)})

var _ = routeAccess("PATCH /v1/orders/{orderId}", access{body: `{"status":"accepted"}`, want: platformRoute(http.StatusOK, http.StatusNotFound)})

var _ = routeAccess("GET /v1/customer_lists/{listId}/customers", access{want: platformRoute(http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /v1/customer_lists/{listId}/customers", access{body: `{"first_name":"Grace"}`, want: platformRoute(http.StatusCreated, http.StatusCreated)})

var _ = routeAccess("GET /v1/customers/{customerId}", access{want: platformRoute(http.StatusOK, http.StatusOK)})

var _ = routeAccess("PATCH /v1/customers/{customerId}", access{body: `{"last_name":"Hopper"}`, want: platformRoute(http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /v1/catalogs/{catalogId}", access{want: platformRoute(http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /v1/catalogs/{catalogId}/products", access{want: platformRoute(http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /v1/catalogs/{catalogId}/products", access{body: `{"name":"Calzone","price":"11.00 EUR"}`, want: platformRoute(http.StatusCreated, http.StatusCreated)})

// Every token reads its own connection's windows: B's token and the other
// location's token get theirs, never A's.
var _ = routeAccess("GET /v1/rate_limits", access{want: withStatus(withStatus(platformRoute(http.StatusOK, http.StatusOK), tokenOtherAccount, http.StatusOK), tokenOtherLocation, http.StatusOK)})
