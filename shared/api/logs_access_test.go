package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/logs", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/logs/{requestId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

// Downloads are served as JSON files, only after the tenant check.
var _ = routeAccess("GET /admin/v1/connections/{connectionId}/logs/{requestId}/request", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/logs/{requestId}/response", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})
