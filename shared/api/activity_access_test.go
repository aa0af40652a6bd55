package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/activity", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

// The overview is the caller's own account's: B's admin sees B's.
var _ = routeAccess("GET /admin/v1/overview", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})
