package api_test

import "net/http"

// The security log is the caller's own account's, and super admins' only:
// B's admin is not a super admin, so is refused like A's admin.
var _ = routeAccess("GET /admin/v1/security-log", access{
	query: map[string]string{"type": "role_changed"},
	want:  withStatus(session(http.StatusOK, http.StatusForbidden, http.StatusForbidden), adminB, http.StatusForbidden),
})
