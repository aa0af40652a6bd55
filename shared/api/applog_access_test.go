package api_test

import "net/http"

// The app log is the caller's own account's: B's admin reads B's (empty) log.
var _ = routeAccess("GET /admin/v1/app-log", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/app-log/export", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})
