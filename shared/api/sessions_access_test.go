package api_test

import "net/http"

// Access tables of health, sessions and the signed-in user (isolation_test.go).
var _ = routeAccess("GET /health", access{want: every(http.StatusOK, nil), public: true})

var _ = routeAccess("GET /admin/v1/me", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

// Wrong credentials are refused the same way whoever asks.
var _ = routeAccess("POST /admin/v1/session", access{
	body: `{"email":"{canary}@nowhere.test","password":"not the password"}`,
	want: every(http.StatusUnauthorized, nil),
})

var _ = routeAccess("DELETE /admin/v1/session", access{
	want: every(http.StatusUnauthorized, map[identity]int{superAdminA: http.StatusNoContent, adminA: http.StatusNoContent, memberA: http.StatusNoContent, adminB: http.StatusNoContent}),
})
