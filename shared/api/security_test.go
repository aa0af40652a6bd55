package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestSecurityLogRecordsAccountEvents drives every recorded change through
// its route and reads the log back as the super admin, with filters.
func TestSecurityLogRecordsAccountEvents(t *testing.T) {
	env := signupEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	wantStatus(t, "a wrong password", signInAs(t, env, "admin@demo.test", "not-the-password"), 401, "unauthorized")
	wantStatus(t, "another wrong password", signInAs(t, env, "admin@demo.test", "still-not-it"), 401, "unauthorized")
	admin := mustSignIn(t, env, "admin@demo.test")
	member := mustSignIn(t, env, "member@demo.test")

	resp := callAs(t, api.InviteUserFunction(env), owner, "POST", "/admin/v1/users", nil, `{"email":"new@demo.test","name":"Nora New","role":"member"}`)
	wantStatus(t, "invite", resp, 201, "")
	token := strings.TrimPrefix(decode[api.Invited](t, resp).InviteURL, api.AcceptInvitePath)
	wantStatus(t, "accept", accept(t, api.AcceptInvitationFunction(env), token, "nora-rare-password"), 200, "")
	update := api.UpdateUserFunction(env)
	memberID := map[string]string{"userId": "usr-member"}
	wantStatus(t, "promote", callAs(t, update, owner, "PATCH", "/admin/v1/users/{userId}", memberID, `{"role":"admin"}`), 200, "")
	wantStatus(t, "deactivate", callAs(t, update, owner, "PATCH", "/admin/v1/users/{userId}", memberID, `{"active":false}`), 200, "")
	wantStatus(t, "ask for a reset", callPublic(t, api.RequestPasswordResetFunction(env), "/admin/v1/password-reset", publicPost(`{"email":"admin@demo.test"}`, "192.0.2.30")), 202, "")
	resetToken := mustLinkToken(t, mustSentEmail(t, "admin@demo.test"), signupOrigin+api.ResetPasswordPath)
	wantStatus(t, "reset", callPublic(t, api.ConfirmPasswordResetFunction(env), "/admin/v1/password-reset/confirm", publicPost(`{"token":"`+resetToken+`","password":"a-long-and-rare-password"}`, "192.0.2.30")), 200, "")
	wantStatus(t, "change", callAs(t, api.ChangePasswordFunction(env), owner, "PUT", "/admin/v1/me/password", nil,
		`{"currentPassword":"`+demo.DefaultPassword+`","newPassword":"owner-rare-password"}`), 204, "")

	list := api.ListSecurityLogFunction(env)
	read := func(query string) switchboard.SecurityPage {
		t.Helper()
		resp := callAs(t, list, owner, "GET", "/admin/v1/security-log?"+query, nil, "")
		wantStatus(t, "read the log "+query, resp, 200, "")
		return decode[switchboard.SecurityPage](t, resp)
	}
	all := read("")
	types := map[switchboard.SecurityEventType]int{}
	for _, e := range all.Events {
		types[e.Type]++
		if e.AccountID != demo.Account.ID {
			t.Errorf("entry of another account: %+v", e)
		}
	}
	for _, want := range []switchboard.SecurityEventType{switchboard.SecuritySignIns, switchboard.SecurityInvitationSent, switchboard.SecurityInvitationAccept,
		switchboard.SecurityRoleChanged, switchboard.SecurityUserDeactivated, switchboard.SecurityPasswordResetSent, switchboard.SecurityPasswordReset,
		switchboard.SecurityPasswordChanged} {
		if types[want] == 0 {
			t.Errorf("no %s entry in %+v", want, all.Events)
		}
	}
	for i := 1; i < len(all.Events); i++ {
		if all.Events[i].At.After(all.Events[i-1].At) {
			t.Errorf("not newest first at %d: %v after %v", i, all.Events[i].At, all.Events[i-1].At)
		}
	}
	counts := map[string][2]int{}
	for _, e := range read("type=signins").Events {
		if e.Type != switchboard.SecuritySignIns {
			t.Errorf("type filter let %s through", e.Type)
		}
		counts[e.UserID] = [2]int{e.Succeeded, e.Failed}
	}
	if counts["usr-admin"] != [2]int{1, 2} || counts["usr-owner"][0] < 1 {
		t.Errorf("sign-in counts %v", counts)
	}
	for _, e := range read("userId=usr-member").Events {
		if e.UserID != "usr-member" && e.ActorUserID != "usr-member" {
			t.Errorf("user filter let %+v through", e)
		}
		if e.Type == switchboard.SecurityRoleChanged && (e.Detail != "member → admin" || e.ActorUserID != "usr-owner") {
			t.Errorf("role change entry %+v", e)
		}
	}
	if page := read("limit=2"); len(page.Events) != 2 || page.NextCursor == "" {
		t.Errorf("a page of 2: %+v", page)
	} else if next := read("limit=50&cursor=" + page.NextCursor); len(next.Events) != len(all.Events)-2 {
		t.Errorf("the next page holds %d, want %d", len(next.Events), len(all.Events)-2)
	}

	wantStatus(t, "an admin reads", callAs(t, list, admin, "GET", "/admin/v1/security-log", nil, ""), 401, "unauthorized") // reset ended the admin's sessions
	again := mustSignInWith(t, env, "admin@demo.test", "a-long-and-rare-password")
	wantStatus(t, "an admin reads", callAs(t, list, again, "GET", "/admin/v1/security-log", nil, ""), 403, "forbidden")
	wantStatus(t, "a deactivated member reads", callAs(t, list, member, "GET", "/admin/v1/security-log", nil, ""), 401, "unauthorized")
	wantStatus(t, "an unknown type", callAs(t, list, owner, "GET", "/admin/v1/security-log?type=everything", nil, ""), 400, "invalid")
	wantStatus(t, "a bad user id", callAs(t, list, owner, "GET", "/admin/v1/security-log?userId=USER%23x", nil, ""), 400, "invalid")
	wantStatus(t, "a bad limit", callAs(t, list, owner, "GET", "/admin/v1/security-log?limit=0", nil, ""), 400, "invalid")
	wantStatus(t, "a foreign cursor", callAs(t, list, owner, "GET", "/admin/v1/security-log?cursor=abc", nil, ""), 400, "invalid")

	rival := mustRivalSuperAdmin(t, env)
	if page := decode[switchboard.SecurityPage](t, callAs(t, list, rival, "GET", "/admin/v1/security-log", nil, "")); len(page.Events) != 0 {
		for _, e := range page.Events {
			if e.AccountID == demo.Account.ID {
				t.Errorf("another account reads the demo's log: %+v", e)
			}
		}
	}
}

// mustSignInWith signs email in with password through the real route.
func mustSignInWith(t *testing.T, env *platform.Env, email, password string) signedIn {
	t.Helper()
	resp := signInAs(t, env, email, password)
	if resp.StatusCode != http.StatusCreated || len(resp.Cookies) != 1 {
		t.Fatalf("sign in %s: %d %s", email, resp.StatusCode, resp.Body)
	}
	cookie, _, _ := strings.Cut(resp.Cookies[0], ";")
	return signedIn{cookie: cookie, csrf: decode[api.Me](t, resp).CSRFToken}
}
