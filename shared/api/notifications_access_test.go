package api_test

import "net/http"

// Rules are the caller's account's: everyone reads, managers write; B's
// admin lists and creates its own, and finds none of A's.
var _ = routeAccess("GET /admin/v1/notifications", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/notifications", access{
	body: `{"name":"New apps","type":"install","frequency":"weekly","allApps":true,"recipients":{"mode":"everyone"}}`,
	want: ownAccount(http.StatusCreated, http.StatusCreated, http.StatusForbidden),
})

var _ = routeAccess("GET /admin/v1/notifications/{ruleId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("PUT /admin/v1/notifications/{ruleId}", access{
	body: `{"name":"Renamed","type":"uninstall","frequency":"hourly","allApps":true,"recipients":{"mode":"super_admins"},"version":1}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

var _ = routeAccess("DELETE /admin/v1/notifications/{ruleId}", access{want: session(http.StatusNoContent, http.StatusNoContent, http.StatusForbidden)})
