package api_test

import "net/http"

// Listing and inviting act on the caller's own account: B's admin lists or
// invites into B, never sees A's people.
var _ = routeAccess("GET /admin/v1/users", access{want: ownAccount(http.StatusOK, http.StatusOK, http.StatusOK)})

var _ = routeAccess("POST /admin/v1/users", access{
	body: `{"email":"invitee-{world}@a.test","name":"Invitee","role":"member"}`,
	want: ownAccount(http.StatusCreated, http.StatusCreated, http.StatusForbidden),
})

var _ = routeAccess("PATCH /admin/v1/users/{userId}", access{
	body: `{"role":"admin"}`,
	want: session(http.StatusOK, http.StatusOK, http.StatusForbidden),
})

// An unknown invitation is refused to everyone, as invalid: the invitee
// has only the link, and is told to ask for a new one.
var _ = routeAccess("POST /admin/v1/invitations/accept", access{
	body: `{"token":"sbi_unknown","password":"a long enough password"}`,
	want: every(http.StatusBadRequest, nil),
})
