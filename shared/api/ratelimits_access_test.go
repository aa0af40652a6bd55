package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/rate_limits", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})
