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

// Revoking acts on the path's user; the matrix's {userId} is A's member, who
// is not invited: A's admins find no invitation, members are refused first,
// and B's admin finds nothing in A.
var _ = routeAccess("DELETE /admin/v1/users/{userId}/invitation", access{
	want: session(http.StatusNotFound, http.StatusNotFound, http.StatusForbidden),
})

// An unknown invitation is refused to everyone, as invalid: the invitee
// has only the link, and is told to ask for a new one.
var _ = routeAccess("POST /admin/v1/invitations/accept", access{
	body: `{"token":"sbi_unknown","password":"a long enough password"}`,
	want: every(http.StatusBadRequest, nil),
})
