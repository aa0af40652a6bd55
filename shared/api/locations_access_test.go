package api_test

import "net/http"

// Locations are the caller's own account's: B's admin lists and adds in B.
var _ = routeAccess("GET /admin/v1/locations", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/locations", access{
	body: `{"name":"New location","timeZone":"Europe/Paris"}`,
	want: ownAccount(http.StatusCreated, http.StatusCreated, http.StatusForbidden),
})

// The path names A's location: B's admin finds nothing there.
var _ = routeAccess("PATCH /admin/v1/locations/{locationId}", access{
	body: `{"name":"Renamed","timeZone":"America/New_York"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})
