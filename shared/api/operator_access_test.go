package api_test

import "net/http"

// Operator routes refuse every merchant session, a super admin's included,
// with 404 as if they did not exist: only a user with the operator role in
// the platform account passes (TestOperatorReviewsListings).
var _ = routeAccess("GET /admin/v1/operator/listings", access{
	query: map[string]string{"status": "pending"},
	want:  ownAccount(http.StatusNotFound, http.StatusNotFound, http.StatusNotFound),
})

var _ = routeAccess("POST /admin/v1/operator/listings/{appId}/approve", access{
	want: ownAccount(http.StatusNotFound, http.StatusNotFound, http.StatusNotFound),
})

var _ = routeAccess("POST /admin/v1/operator/listings/{appId}/reject", access{
	body: `{"reason":"Copies another app."}`,
	want: ownAccount(http.StatusNotFound, http.StatusNotFound, http.StatusNotFound),
})
