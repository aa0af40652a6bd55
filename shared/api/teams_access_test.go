package api_test

import "net/http"

var _ = routeAccess("GET /admin/v1/teams", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/teams", access{
	body: `{"name":"Team two"}`,
	want: ownAccount(http.StatusCreated, http.StatusCreated, http.StatusForbidden),
})

var _ = routeAccess("PATCH /admin/v1/teams/{teamId}", access{
	body: `{"name":"Renamed"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

var _ = routeAccess("DELETE /admin/v1/teams/{teamId}", access{want: session(http.StatusNoContent, http.StatusNoContent, http.StatusForbidden)})

var _ = routeAccess("PUT /admin/v1/teams/{teamId}/members/{userId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusForbidden)})

var _ = routeAccess("DELETE /admin/v1/teams/{teamId}/members/{userId}", access{want: session(http.StatusOK, http.StatusOK, http.StatusForbidden)})
