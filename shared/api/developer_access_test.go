package api_test

import "net/http"

// Account A owns the world's app: B's admin lists and registers its own.
var _ = routeAccess("GET /admin/v1/developer/apps", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/developer/apps", access{
	body: `{"name":"Second app","developer":"Matrix","description":"Another app.","category":"pos","level":"location","scopes":["orders.read"],"redirectUris":["https://second.example/cb"]}`,
	want: ownAccount(http.StatusCreated, http.StatusCreated, http.StatusForbidden),
})

var _ = routeAccess("GET /admin/v1/developer/apps/{appId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("PATCH /admin/v1/developer/apps/{appId}", access{
	body: `{"description":"Changed."}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

var _ = routeAccess("POST /admin/v1/developer/apps/{appId}/secret", access{want: session(http.StatusOK, http.StatusOK, http.StatusForbidden)})

var _ = routeAccess("POST /admin/v1/developer/apps/{appId}/signing-secret", access{want: session(http.StatusOK, http.StatusOK, http.StatusForbidden)})
