package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/connections/{connectionId}/activity", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

// The overview is the caller's own account's: B's admin sees B's.
var _ = routeAccess("GET /admin/v1/overview", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

// The matrix's accounts are in UTC, whose days need no hour read by key
// (see switchboard.PlanActivity); kept beside the route, not in the shared
// table, whose alignment this long key would change.
var _ = func() bool {
	grantedForUnreachedPaths["GetConnectionActivityFunction: grants dynamodb:BatchGetItem Table"] = "an account whose zone is not UTC: the hours that shift UTC days onto its days"
	return true
}()
