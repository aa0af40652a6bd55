package api_test

import "net/http"

// A request id of account A's call: B's admin finds nothing (404, as for an
// unknown id).
var _ = routeAccess("GET /admin/v1/calls/{requestId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

// The developer's view of the app's calls: account A owns the world's app,
// B's admin does not and gets 404, as on the other developer routes.
var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/calls", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/calls/{requestId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/calls/{requestId}/request", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/calls/{requestId}/response", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})
