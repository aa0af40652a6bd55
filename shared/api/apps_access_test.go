package api_test

import "net/http"

// The catalog is the same for every signed-in merchant: B's admin sees A's
// published app too, which is public by design, and no account data.
var _ = routeAccess("GET /admin/v1/apps", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("GET /admin/v1/apps/{appId}", access{
	want: every(http.StatusUnauthorized, map[identity]int{superAdminA: http.StatusOK, adminA: http.StatusOK, memberA: http.StatusOK, adminB: http.StatusOK}),
})
