package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// callAs sends one admin request as s, with the CSRF token on writes, the
// way the site does from http://localhost:3000, to route: the operation's
// path template as site/openapi.json writes it ("/admin/v1/users/{userId}",
// optionally with "?query"), whose placeholders are filled from params.
// Building the path from the template keeps each call's path and its path
// parameters the same, so the answer can be checked against the operation
// it really reached.
func callAs(tb testing.TB, h apigw.LambdaHandler, s signedIn, method, route string, params map[string]string, body string) apigw.Response {
	tb.Helper()
	req := s.get(expandRoute(tb, route, params))
	req.RequestContext.HTTP.Method = method
	req.PathParameters = params
	req.Headers = map[string]string{"host": "localhost:3000", "origin": "http://localhost:3000"}
	if method != http.MethodGet {
		req.Headers["x-csrf-token"] = s.csrf
	}
	if body != "" {
		req.Body = body
		req.Headers["content-type"] = "application/json"
	}
	samePathParameters(tb, req)
	resp, err := h(context.Background(), req)
	if err != nil {
		tb.Fatalf("%s %s: handler error %v", method, req.RawPath, err)
	}
	openapicheck.Response(tb, method, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
	return resp
}

// expandRoute fills route's {name} placeholders with params, each escaped
// as one path segment; a placeholder without a value or a value without a
// placeholder is a mistake in the test, not something to paper over.
func expandRoute(tb testing.TB, route string, params map[string]string) string {
	tb.Helper()
	path, query, hasQuery := strings.Cut(route, "?")
	used := 0
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		v, ok := params[seg[1:len(seg)-1]]
		if !ok {
			tb.Fatalf("route %s: no value for %s in %v", route, seg, params)
		}
		segs[i] = url.PathEscape(v)
		used++
	}
	if used != len(params) {
		tb.Fatalf("route %s does not use every path parameter of %v", route, params)
	}
	path = strings.Join(segs, "/")
	if hasQuery {
		path += "?" + query
	}
	return path
}

// wantStatus fails unless resp has status and, for errors, a JSON error
// body with code.
func wantStatus(t *testing.T, what string, resp apigw.Response, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d; body %s", what, resp.StatusCode, status, resp.Body)
		return
	}
	if code != "" && errorCode(t, resp) != code {
		t.Errorf("%s: body %s, want error code %q", what, resp.Body, code)
	}
}

func decode[T any](t *testing.T, resp apigw.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return v
}

type userList struct {
	Users []switchboard.DirectoryUser `json:"users"`
}

func TestUserRoutesByRole(t *testing.T) {
	env := testenv.MustEnv(t)
	owner, admin, member := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "admin@demo.test"), mustSignIn(t, env, "member@demo.test")
	list, invite, update := api.ListUsersFunction(env), api.InviteUserFunction(env), api.UpdateUserFunction(env)

	resp := callAs(t, list, member, "GET", "/admin/v1/users", nil, "")
	wantStatus(t, "members list users", resp, 200, "")
	users := decode[userList](t, resp).Users
	if len(users) != 3 || users[0].Email != "admin@demo.test" || users[0].Status != switchboard.UserActive {
		t.Errorf("users %+v", users)
	}
	if strings.Contains(resp.Body, "argon2") || strings.Contains(strings.ToLower(resp.Body), "password") {
		t.Errorf("the user list leaks password hashes: %s", resp.Body)
	}
	if r := public(t, list, "", get("/admin/v1/users")); r.StatusCode != 401 {
		t.Errorf("without a session: %d", r.StatusCode)
	}

	inviteBody := func(email, role string) string {
		return `{"email":"` + email + `","name":"New Person","role":"` + role + `"}`
	}
	tests := []struct {
		name   string
		as     signedIn
		h      apigw.LambdaHandler
		method string
		params map[string]string
		body   string
		status int
		code   string
	}{
		{"member invites", member, invite, "POST", nil, inviteBody("m1@demo.test", "member"), 403, "forbidden"},
		{"admin invites a member", admin, invite, "POST", nil, inviteBody("a1@demo.test", "member"), 201, ""},
		{"admin invites an admin", admin, invite, "POST", nil, inviteBody("a2@demo.test", "admin"), 201, ""},
		{"admin invites a super admin", admin, invite, "POST", nil, inviteBody("a3@demo.test", "super_admin"), 403, "forbidden"},
		{"owner invites a super admin", owner, invite, "POST", nil, inviteBody("o1@demo.test", "super_admin"), 201, ""},
		{"taken email", owner, invite, "POST", nil, inviteBody("MEMBER@demo.test", "member"), 409, "conflict"},
		{"bad email", owner, invite, "POST", nil, inviteBody("not-an-email", "member"), 400, "invalid"},
		{"unknown role", owner, invite, "POST", nil, inviteBody("o2@demo.test", "owner"), 400, "invalid"},
		{"no name", owner, invite, "POST", nil, `{"email":"o3@demo.test","name":"  ","role":"member"}`, 400, "invalid"},
		{"unknown field", owner, invite, "POST", nil, `{"email":"o4@demo.test","name":"X","role":"member","active":true}`, 400, "invalid"},

		{"member promotes", member, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"role":"admin"}`, 403, "forbidden"},
		{"admin promotes the member", admin, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"role":"admin"}`, 200, ""},
		{"admin demotes them back", admin, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"role":"member"}`, 200, ""},
		{"admin grants super_admin", admin, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"role":"super_admin"}`, 403, "forbidden"},
		{"admin demotes the owner", admin, update, "PATCH", map[string]string{"userId": "usr-owner"}, `{"role":"admin"}`, 403, "forbidden"},
		{"admin deactivates the owner", admin, update, "PATCH", map[string]string{"userId": "usr-owner"}, `{"active":false}`, 403, "forbidden"},
		{"admin demotes themself", admin, update, "PATCH", map[string]string{"userId": "usr-admin"}, `{"role":"member"}`, 403, "forbidden"},
		{"admin deactivates themself", admin, update, "PATCH", map[string]string{"userId": "usr-admin"}, `{"active":false}`, 403, "forbidden"},
		{"owner demotes themself", owner, update, "PATCH", map[string]string{"userId": "usr-owner"}, `{"role":"admin"}`, 403, "forbidden"},
		{"nothing to change", owner, update, "PATCH", map[string]string{"userId": "usr-member"}, `{}`, 400, "invalid"},
		{"unknown field", owner, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"email":"x@y.z"}`, 400, "invalid"},
		{"unknown user", owner, update, "PATCH", map[string]string{"userId": "usr-nobody"}, `{"active":false}`, 404, "not_found"},
		{"not an id", owner, update, "PATCH", map[string]string{"userId": "USER#usr-member"}, `{"active":false}`, 404, "not_found"},
		{"owner deactivates the member", owner, update, "PATCH", map[string]string{"userId": "usr-member"}, `{"active":false}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route := "/admin/v1/users"
			if tt.params != nil {
				route += "/{userId}"
			}
			resp := callAs(t, tt.h, tt.as, tt.method, route, tt.params, tt.body)
			wantStatus(t, tt.name, resp, tt.status, tt.code)
		})
	}
	// Deactivation takes effect at once: the member's session no longer works.
	wantStatus(t, "deactivated member lists users", callAs(t, list, member, "GET", "/admin/v1/users", nil, ""), 401, "unauthorized")

	noCSRF := owner
	noCSRF.csrf = ""
	wantStatus(t, "a write without the CSRF token", callAs(t, invite, noCSRF, "POST", "/admin/v1/users", nil, inviteBody("o5@demo.test", "member")), 403, "forbidden")
}

// mustSentEmail returns the last message the backend's SES accepted for to.
func mustSentEmail(t *testing.T, to string) testenv.SentEmail {
	t.Helper()
	sent := testenv.MustSentMail(t)
	for i := len(sent) - 1; i >= 0; i-- {
		if e := sent[i]; len(e.To) == 1 && e.To[0] == to {
			return e
		}
	}
	t.Fatalf("no email to %s in the backend's SES", to)
	return testenv.SentEmail{}
}

func acceptRequest(body string) apigw.Request {
	req := apigw.Request{Body: body, Headers: map[string]string{"content-type": "application/json", "host": "localhost:3000"}}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.RequestID = "test-accept"
	return req
}

func accept(t *testing.T, h apigw.LambdaHandler, token, password string) apigw.Response {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"token": token, "password": password})
	return public(t, h, "/admin/v1/invitations/accept", acceptRequest(string(b)))
}

func signInAs(t *testing.T, env *platform.Env, email, password string) apigw.Response {
	t.Helper()
	return public(t, api.CreateSessionFunction(env), "/admin/v1/session", signInRequest(`{"email":"`+email+`","password":"`+password+`"}`, "application/json", "localhost:3000"))
}

func TestInvitationFlow(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	admin := mustSignIn(t, env, "admin@demo.test")
	invite, acceptFn := api.InviteUserFunction(env), api.AcceptInvitationFunction(env)

	resp := callAs(t, invite, admin, "POST", "/admin/v1/users", nil, `{"email":"Nina@Demo.test","name":"Nina  Newhire","role":"member"}`)
	wantStatus(t, "invite", resp, 201, "")
	invited := decode[api.Invited](t, resp)
	if invited.User.Status != switchboard.UserInvited || invited.User.Active || invited.User.Email != "nina@demo.test" || invited.User.Name != "Nina Newhire" || !invited.EmailSent {
		t.Errorf("invited %+v", invited)
	}
	token, ok := strings.CutPrefix(invited.InviteURL, "/#/accept-invite?token=")
	if !ok || len(token) < 43 {
		t.Fatalf("inviteUrl %q", invited.InviteURL)
	}

	mail := mustSentEmail(t, "nina@demo.test")
	link := "https://admin.switchboard.test" + invited.InviteURL
	if mail.From != env.Config.SenderAddress || !strings.Contains(mail.Subject, "Demo Pizzeria") ||
		!strings.Contains(mail.Text, link) || !strings.Contains(mail.HTML, `href="`+link+`"`) || !strings.Contains(mail.Text, "Adam Admin") {
		t.Errorf("invitation email %+v", mail)
	}
	if dump := scanTable(t, env); strings.Contains(dump, token) {
		t.Error("the invitation token is stored in clear")
	}

	users := decode[userList](t, callAs(t, api.ListUsersFunction(env), admin, "GET", "/admin/v1/users", nil, ""))
	if len(users.Users) != 4 {
		t.Errorf("after inviting: %d users", len(users.Users))
	}
	wantStatus(t, "sign in before accepting", signInAs(t, env, "nina@demo.test", "whatever-password"), 401, "unauthorized")

	wantStatus(t, "short password", accept(t, acceptFn, token, "short"), 400, "invalid")
	wantStatus(t, "unknown token", accept(t, acceptFn, "not-a-token", "a-long-password"), 400, "invalid")
	wantStatus(t, "no token", accept(t, acceptFn, "", "a-long-password"), 400, "invalid")
	r := public(t, acceptFn, "/admin/v1/invitations/accept", acceptRequest(`{"token":"`+token+`","password":"a-long-password","role":"super_admin"}`))
	wantStatus(t, "unknown field", r, 400, "invalid")

	resp = accept(t, acceptFn, token, "nina-password-1")
	wantStatus(t, "accept", resp, 200, "")
	if u := decode[struct{ User switchboard.DirectoryUser }](t, resp).User; u.Status != switchboard.UserActive || u.Email != "nina@demo.test" {
		t.Errorf("accepted user %+v", u)
	}
	wantStatus(t, "sign in after accepting", signInAs(t, env, "nina@demo.test", "nina-password-1"), 201, "")

	resp = accept(t, acceptFn, token, "another-password")
	wantStatus(t, "reuse", resp, 400, "invalid")
	var body struct{ Error struct{ Message string } }
	_ = json.Unmarshal([]byte(resp.Body), &body)
	if !strings.Contains(body.Error.Message, "invalid, already used or expired") {
		t.Errorf("reuse message %q", body.Error.Message)
	}
	wantStatus(t, "the old password still works", signInAs(t, env, "nina@demo.test", "nina-password-1"), 201, "")

	// Expiry: the same route a week and a day later.
	resp = callAs(t, invite, admin, "POST", "/admin/v1/users", nil, `{"email":"late@demo.test","name":"Late Larry","role":"member"}`)
	wantStatus(t, "second invite", resp, 201, "")
	lateToken := strings.TrimPrefix(decode[api.Invited](t, resp).InviteURL, api.AcceptInvitePath)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	later := store.WithClock(func() time.Time { return time.Now().Add(switchboard.InvitationLifetime + 24*time.Hour) })
	acceptLater := apigw.Handle(env.Logger, api.AcceptInvitation(later, later))
	wantStatus(t, "expired", accept(t, acceptLater, lateToken, "late-password"), 400, "invalid")
	wantStatus(t, "in time", accept(t, acceptFn, lateToken, "late-password"), 200, "")
}

// TestDeactivationEndsSessions: deactivating a user ends every one of their
// sessions, and reactivating them revives none: they sign in again.
func TestDeactivationEndsSessions(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	first, second := mustSignIn(t, env, "member@demo.test"), mustSignIn(t, env, "member@demo.test")
	list, update := api.ListUsersFunction(env), api.UpdateUserFunction(env)
	member := map[string]string{"userId": "usr-member"}
	wantStatus(t, "before", callAs(t, list, first, "GET", "/admin/v1/users", nil, ""), 200, "")
	wantStatus(t, "deactivate", callAs(t, update, owner, "PATCH", "/admin/v1/users/{userId}", member, `{"active":false}`), 200, "")
	wantStatus(t, "reactivate", callAs(t, update, owner, "PATCH", "/admin/v1/users/{userId}", member, `{"active":true}`), 200, "")
	for i, s := range []signedIn{first, second} {
		wantStatus(t, fmt.Sprintf("session %d after deactivation and reactivation", i+1), callAs(t, list, s, "GET", "/admin/v1/users", nil, ""), 401, "unauthorized")
	}
	again := mustSignIn(t, env, "member@demo.test")
	wantStatus(t, "a new sign-in", callAs(t, list, again, "GET", "/admin/v1/users", nil, ""), 200, "")
	// A role change is not a deactivation: sessions live on.
	wantStatus(t, "promote", callAs(t, update, owner, "PATCH", "/admin/v1/users/{userId}", member, `{"role":"admin"}`), 200, "")
	wantStatus(t, "after a role change", callAs(t, list, again, "GET", "/admin/v1/users", nil, ""), 200, "")
}

// TestInvitationLinkIgnoresRequestOrigin: the emailed link starts with the
// configured site origin whatever Origin and Host the request carries, so
// that nobody can make the platform's sender mail a link to their own site;
// without a configured origin no email goes out.
func TestInvitationLinkIgnoresRequestOrigin(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	admin := mustSignIn(t, env, "admin@demo.test")
	invite := api.InviteUserFunction(env)
	for i, headers := range []map[string]string{
		{"origin": "https://evil.example", "host": "evil.example"},
		{"host": "evil.example"},
		{"origin": "http://localhost:3000", "host": "localhost:3000"},
	} {
		email := fmt.Sprintf("phish%d@demo.test", i)
		req := admin.get("/admin/v1/users")
		req.RequestContext.HTTP.Method = http.MethodPost
		req.Headers = map[string]string{"x-csrf-token": admin.csrf, "content-type": "application/json"}
		for k, v := range headers {
			req.Headers[k] = v
		}
		req.Body = `{"email":"` + email + `","name":"Pat Phish","role":"member"}`
		resp := send(t, invite, req)
		wantStatus(t, "invite", resp, 201, "")
		invited := decode[api.Invited](t, resp)
		mail := mustSentEmail(t, email)
		want := "https://admin.switchboard.test" + invited.InviteURL
		if !invited.EmailSent || !strings.Contains(mail.Text, want) || !strings.Contains(mail.HTML, `href="`+want+`"`) ||
			strings.Contains(mail.Text, "evil") || strings.Contains(mail.HTML, "evil") {
			t.Errorf("headers %v: invitation email %+v", headers, mail)
		}
	}

	env.Config.SiteOrigin = ""
	resp := callAs(t, api.InviteUserFunction(env), admin, "POST", "/admin/v1/users", nil, `{"email":"noorigin@demo.test","name":"No Origin","role":"member"}`)
	wantStatus(t, "invite without a configured origin", resp, 201, "")
	if invited := decode[api.Invited](t, resp); invited.EmailSent || !strings.HasPrefix(invited.InviteURL, api.AcceptInvitePath) {
		t.Errorf("without a configured origin: %+v", invited)
	}
}

// TestInvitationsClaimNoAddress: an invitation tells the inviter nothing
// about other accounts and blocks nobody: the address is claimed when an
// invitation is accepted, atomically, and only then. Another pending
// invitation for the same address then fails for its invitee (who holds the
// link), with a conflict.
func TestInvitationsClaimNoAddress(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	demoAdmin := mustSignIn(t, env, "admin@demo.test")
	rival := mustRivalSuperAdmin(t, env)
	invite, acceptFn := api.InviteUserFunction(env), api.AcceptInvitationFunction(env)
	body := func(email string) string { return `{"email":"` + email + `","name":"Sam Shared","role":"member"}` }
	tokenOf := func(resp apigw.Response) string {
		return strings.TrimPrefix(decode[api.Invited](t, resp).InviteURL, api.AcceptInvitePath)
	}

	// Another account's active user: the rival learns nothing (201, not 409).
	wantStatus(t, "rival invites a Demo user's address", callAs(t, invite, rival, "POST", "/admin/v1/users", nil, body("member@demo.test")), 201, "")
	// A pending invitation blocks no other account.
	r1 := callAs(t, invite, rival, "POST", "/admin/v1/users", nil, body("sam@shared.test"))
	wantStatus(t, "rival invites sam", r1, 201, "")
	r2 := callAs(t, invite, demoAdmin, "POST", "/admin/v1/users", nil, body("sam@shared.test"))
	wantStatus(t, "Demo invites sam too", r2, 201, "")
	wantStatus(t, "Demo invites sam twice", callAs(t, invite, demoAdmin, "POST", "/admin/v1/users", nil, body("SAM@shared.test")), 409, "conflict")

	wantStatus(t, "sam accepts Demo's", accept(t, acceptFn, tokenOf(r2), "sam-password-1"), 200, "")
	wantStatus(t, "sam signs in", signInAs(t, env, "sam@shared.test", "sam-password-1"), 201, "")
	wantStatus(t, "sam then accepts the rival's", accept(t, acceptFn, tokenOf(r1), "sam-password-2"), 409, "conflict")
	wantStatus(t, "the first password still works", signInAs(t, env, "sam@shared.test", "sam-password-1"), 201, "")
	users := decode[userList](t, callAs(t, api.ListUsersFunction(env), rival, "GET", "/admin/v1/users", nil, ""))
	for _, u := range users.Users {
		if u.Email == "sam@shared.test" && (u.Status != switchboard.UserInvited || u.InvitationExpiresAt == nil) {
			t.Errorf("the rival's invitation changed: %+v", u)
		}
	}
}

// TestRevokeInvitation: an admin takes back a pending invitation; its link
// stops working, and the route finds nothing else to revoke.
func TestRevokeInvitation(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	owner, admin, member := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "admin@demo.test"), mustSignIn(t, env, "member@demo.test")
	invite, revoke, acceptFn := api.InviteUserFunction(env), api.RevokeInvitationFunction(env), api.AcceptInvitationFunction(env)
	resp := callAs(t, invite, admin, "POST", "/admin/v1/users", nil, `{"email":"oops@demo.test","name":"Wrong Address","role":"member"}`)
	wantStatus(t, "invite", resp, 201, "")
	invited := decode[api.Invited](t, resp)
	token := strings.TrimPrefix(invited.InviteURL, api.AcceptInvitePath)
	if invited.User.InvitationExpiresAt == nil {
		t.Errorf("invited user without an expiry: %+v", invited.User)
	}
	sup := decode[api.Invited](t, callAs(t, invite, owner, "POST", "/admin/v1/users", nil, `{"email":"boss2@demo.test","name":"Second Boss","role":"super_admin"}`))
	path := "/admin/v1/users/{userId}/invitation"
	id := func(userID string) map[string]string { return map[string]string{"userId": userID} }

	wantStatus(t, "a member revokes", callAs(t, revoke, member, "DELETE", path, id(invited.User.ID), ""), 403, "forbidden")
	wantStatus(t, "an admin revokes a super admin's invitation", callAs(t, revoke, admin, "DELETE", path, id(sup.User.ID), ""), 403, "forbidden")
	wantStatus(t, "an active user has no invitation", callAs(t, revoke, admin, "DELETE", path, id("usr-member"), ""), 404, "not_found")
	wantStatus(t, "unknown user", callAs(t, revoke, admin, "DELETE", path, id("usr-nobody"), ""), 404, "not_found")
	wantStatus(t, "revoke", callAs(t, revoke, admin, "DELETE", path, id(invited.User.ID), ""), 204, "")
	wantStatus(t, "revoke again", callAs(t, revoke, admin, "DELETE", path, id(invited.User.ID), ""), 404, "not_found")
	wantStatus(t, "the link after revocation", accept(t, acceptFn, token, "a-long-password"), 400, "invalid")
	wantStatus(t, "the owner revokes the super admin's", callAs(t, revoke, owner, "DELETE", path, id(sup.User.ID), ""), 204, "")
	users := decode[userList](t, callAs(t, api.ListUsersFunction(env), admin, "GET", "/admin/v1/users", nil, ""))
	if len(users.Users) != 3 {
		t.Errorf("after revoking: %+v", users.Users)
	}
	wantStatus(t, "the address can be invited again", callAs(t, invite, admin, "POST", "/admin/v1/users", nil, `{"email":"oops@demo.test","name":"Right Person","role":"member"}`), 201, "")
}

// TestTenantIsolation: an admin of another account sees none of Demo
// Pizzeria's users or teams and changes none of them; every attempt is a 404,
// as for ids that do not exist.
func TestTenantIsolation(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	rival := mustRivalSuperAdmin(t, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	if err := store.CreateTeam(context.Background(), switchboard.Team{ID: "team-rival", AccountID: "acc-rival", Name: "Grill"}); err != nil {
		t.Fatal(err)
	}

	users := decode[userList](t, callAs(t, api.ListUsersFunction(env), rival, "GET", "/admin/v1/users", nil, ""))
	if len(users.Users) != 1 || users.Users[0].ID != "usr-rival" {
		t.Errorf("rival sees users %+v", users.Users)
	}
	teams := decode[teamList](t, callAs(t, api.ListTeamsFunction(env), rival, "GET", "/admin/v1/teams", nil, ""))
	if len(teams.Teams) != 1 || teams.Teams[0].ID != "team-rival" {
		t.Errorf("rival sees teams %+v", teams.Teams)
	}

	attempts := []struct {
		name   string
		h      apigw.LambdaHandler
		method string
		route  string
		params map[string]string
		body   string
	}{
		{"demote a demo user", api.UpdateUserFunction(env), "PATCH", "/admin/v1/users/{userId}", map[string]string{"userId": "usr-owner"}, `{"role":"member"}`},
		{"deactivate a demo user", api.UpdateUserFunction(env), "PATCH", "/admin/v1/users/{userId}", map[string]string{"userId": "usr-member"}, `{"active":false}`},
		{"rename a demo team", api.RenameTeamFunction(env), "PATCH", "/admin/v1/teams/{teamId}", map[string]string{"teamId": "team-kitchen"}, `{"name":"Hijacked"}`},
		{"delete a demo team", api.DeleteTeamFunction(env), "DELETE", "/admin/v1/teams/{teamId}", map[string]string{"teamId": "team-marketing"}, ""},
		{"join a demo team", api.AddTeamMemberFunction(env), "PUT", "/admin/v1/teams/{teamId}/members/{userId}", map[string]string{"teamId": "team-kitchen", "userId": "usr-rival"}, ""},
		{"remove a demo member", api.RemoveTeamMemberFunction(env), "DELETE", "/admin/v1/teams/{teamId}/members/{userId}", map[string]string{"teamId": "team-marketing", "userId": "usr-member"}, ""},
		{"add a demo user to an own team", api.AddTeamMemberFunction(env), "PUT", "/admin/v1/teams/{teamId}/members/{userId}", map[string]string{"teamId": "team-rival", "userId": "usr-member"}, ""},
	}
	for _, tt := range attempts {
		wantStatus(t, tt.name, callAs(t, tt.h, rival, tt.method, tt.route, tt.params, tt.body), 404, "not_found")
	}

	owner := mustSignIn(t, env, "owner@demo.test")
	demoTeams := decode[teamList](t, callAs(t, api.ListTeamsFunction(env), owner, "GET", "/admin/v1/teams", nil, ""))
	if got := teamSummary(demoTeams.Teams); got != "Kitchen[usr-member] Marketing[usr-admin,usr-member]" {
		t.Errorf("demo teams after the rival's attempts: %s", got)
	}
	demoUsers := decode[userList](t, callAs(t, api.ListUsersFunction(env), owner, "GET", "/admin/v1/users", nil, ""))
	for _, u := range demoUsers.Users {
		want := map[string]switchboard.Role{"usr-owner": switchboard.RoleSuperAdmin, "usr-admin": switchboard.RoleAdmin, "usr-member": switchboard.RoleMember}[u.ID]
		if u.Role != want || !u.Active || u.AccountID != demo.Account.ID {
			t.Errorf("demo user changed: %+v", u)
		}
	}
}

// mustRivalSuperAdmin makes a second account, "Rival Burgers", with a super
// admin (boss@rival.test), and signs them in.
func mustRivalSuperAdmin(t *testing.T, env *platform.Env) signedIn {
	t.Helper()
	ctx := context.Background()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	if err := store.CreateAccount(ctx, switchboard.Account{ID: "acc-rival", Name: "Rival Burgers"}, nil); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demo.DefaultPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateUser(ctx, switchboard.User{ID: "usr-rival", AccountID: "acc-rival", Email: "boss@rival.test", Name: "Rita Rival", Role: switchboard.RoleSuperAdmin, Active: true}, hash); err != nil {
		t.Fatal(err)
	}
	return mustSignIn(t, env, "boss@rival.test")
}
