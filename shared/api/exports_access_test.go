package api_test

import "net/http"

// Every role reads a connection's log, so every role exports it; another
// account's connection does not exist for the caller.
var _ = routeAccess("POST /admin/v1/connections/{connectionId}/exports", access{
	want: session(http.StatusAccepted, http.StatusAccepted, http.StatusAccepted),
	body: `{"from":"{exportFrom}","to":"2099-01-01T00:00:00Z","format":"csv","bodies":true}`,
})

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/exports", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

// The developer's export of the app's calls: account A owns the world's
// app, so every role of A exports it (as every role lists its calls); B's
// admin, whose account does not own it, gets 404 on both routes.
var _ = routeAccess("POST /admin/v1/developer/apps/{appId}/exports", access{
	want: session(http.StatusAccepted, http.StatusAccepted, http.StatusAccepted),
	body: `{"from":"{exportFrom}","to":"2099-01-01T00:00:00Z","format":"ndjson","bodies":true}`,
})

var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/exports", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})
