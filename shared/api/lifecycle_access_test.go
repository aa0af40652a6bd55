package api_test

import "net/http"

// Blocking, unblocking and disconnecting are managers' acts on A's own
// connections; B's admin finds nothing to act on.
var _ = routeAccess("POST /admin/v1/connections/{connectionId}/block", access{
	body: `{"reason":"Unpaid invoice"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

// The world's connection is active: managers get past the checks to the
// conflict ("not blocked"); members and other tenants do not.
var _ = routeAccess("POST /admin/v1/connections/{connectionId}/unblock", access{
	body: `{}`,
	want: session(http.StatusConflict, http.StatusConflict, http.StatusForbidden),
})

var _ = routeAccess("DELETE /admin/v1/connections/{connectionId}", access{want: session(http.StatusNoContent, http.StatusNoContent, http.StatusForbidden)})

// A connection's delivery log outlives the connection (it is read from the
// caller's account partition by connection id, not through the connection),
// so B's admin naming A's connection reads B's own, empty, log: 200 with
// nothing, which the canary check proves holds none of A's.
var _ = routeAccess("GET /admin/v1/connections/{connectionId}/deliveries", access{
	want: withStatus(session(http.StatusOK, http.StatusOK, http.StatusOK), adminB, http.StatusOK),
})

var _ = routeAccess("POST /admin/v1/connections/{connectionId}/deliveries/redeliver", access{
	body: `{"from":"2026-01-01T00:00:00Z","to":"2030-01-01T00:00:00Z"}`,
	want: withStatus(session(http.StatusOK, http.StatusOK, http.StatusForbidden), adminB, http.StatusOK),
})

// An app's delivery log is its developer's: account A owns the world's app.
var _ = routeAccess("GET /admin/v1/developer/apps/{appId}/deliveries", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/developer/apps/{appId}/deliveries/redeliver", access{
	body: `{"from":"2026-01-01T00:00:00Z","to":"2030-01-01T00:00:00Z"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

// An app's callbacks about the account are read from the caller's account
// partition (filtered by app), so B's admin naming the world's app reads
// B's own, empty, log: 200 with none of A's, which the canary check proves.
var _ = routeAccess("GET /admin/v1/apps/{appId}/deliveries", access{
	want: withStatus(session(http.StatusOK, http.StatusOK, http.StatusOK), adminB, http.StatusOK),
})

var _ = routeAccess("POST /admin/v1/apps/{appId}/deliveries/redeliver", access{
	body: `{"from":"2026-01-01T00:00:00Z","to":"2030-01-01T00:00:00Z"}`,
	want: withStatus(session(http.StatusOK, http.StatusOK, http.StatusForbidden), adminB, http.StatusOK),
})
