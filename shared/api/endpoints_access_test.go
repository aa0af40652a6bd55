package api_test

import "net/http"

// Enabling an app's callback endpoint is its developer's: an admin of
// account A, which owns the world's app. B's admin naming it finds nothing.
var _ = routeAccess("POST /admin/v1/developer/apps/{appId}/callback-endpoint/enable", access{
	body: `{"redeliverSince":"2026-01-01T00:00:00Z"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})
