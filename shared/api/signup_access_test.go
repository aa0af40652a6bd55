package api_test

import "net/http"

// Sign-up needs no session and names nothing of account A: everyone gets
// the same 202, whatever they are signed in as (the email is the world's
// own, so each call is a fresh sign-up).
var _ = routeAccess("POST /admin/v1/signup", access{
	body: `{"accountName":"New Shop","timeZone":"Europe/Paris","name":"New Owner","email":"signup-{world}@new.test","password":"a-long-and-rare-password","locationName":"First"}`,
	want: every(http.StatusAccepted, nil),
})

// The world holds one pending sign-up: whoever holds its link creates a new
// account with it, which is none of account A's data.
var _ = routeAccess("POST /admin/v1/signup/verify", access{
	body: `{"token":"{signupToken}"}`,
	want: every(http.StatusCreated, nil),
})
