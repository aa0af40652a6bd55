package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/connections", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/connections/{connectionId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})
