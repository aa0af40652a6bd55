package api_test

import "net/http"

// Asking for a reset answers everyone the same 202; the address is A's
// super admin's, who gets the email.
var _ = routeAccess("POST /admin/v1/password-reset", access{
	body: `{"email":"{world}-owner@a.test"}`,
	want: every(http.StatusAccepted, nil),
})

// The world holds a live reset of A's member: whoever holds the link sets
// the password, and learns nothing of A from the answer but the address
// the link was sent to.
var _ = routeAccess("POST /admin/v1/password-reset/confirm", access{
	body: `{"token":"{resetToken}","password":"a-long-and-rare-password"}`,
	want: every(http.StatusOK, nil),
})

// Changing one's password acts on the caller alone: B's admin changes
// their own.
var _ = routeAccess("PUT /admin/v1/me/password", access{
	body: `{"currentPassword":"matrix-password-1","newPassword":"a-long-and-rare-password"}`,
	want: ownAccount(http.StatusNoContent, http.StatusNoContent, http.StatusNoContent),
})
