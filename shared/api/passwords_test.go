package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestPasswordResetEndsEverySession: a reset link from the email sets the
// password once, and every session the user had ends.
func TestPasswordResetEndsEverySession(t *testing.T) {
	env := signupEnv(t)
	request, confirm, me := api.RequestPasswordResetFunction(env), api.ConfirmPasswordResetFunction(env), api.GetMeFunction(env)
	phone, laptop := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "owner@demo.test")

	resp := callPublic(t, request, "/admin/v1/password-reset", publicPost(`{"email":" Owner@Demo.test "}`, "192.0.2.20"))
	wantStatus(t, "ask for a reset", resp, http.StatusAccepted, "")
	mail := mustSentEmail(t, "owner@demo.test")
	if mail.Subject != "Choose a new Switchboard password" {
		t.Errorf("reset email %+v", mail)
	}
	token := mustLinkToken(t, mail, signupOrigin+api.ResetPasswordPath)
	if strings.Contains(scanTable(t, env), token) {
		t.Error("the reset token is stored in clear")
	}
	unknown := callPublic(t, request, "/admin/v1/password-reset", publicPost(`{"email":"nobody@demo.test"}`, "192.0.2.20"))
	wantStatus(t, "ask for an unknown address", unknown, http.StatusAccepted, "")
	if want := strings.ReplaceAll(resp.Body, "owner@demo.test", "nobody@demo.test"); unknown.Body != want {
		t.Errorf("answers differ: %s vs %s", unknown.Body, want)
	}
	for _, m := range testenv.MustSentMail(t) {
		if m.To[0] == "nobody@demo.test" {
			t.Errorf("an unknown address was emailed %q", m.Subject)
		}
	}
	wantStatus(t, "the sessions still work before the reset", callAs(t, me, phone, "GET", "/admin/v1/me", nil, ""), 200, "")

	confirmBody := func(token, password string) apigw.Request {
		return publicPost(`{"token":"`+token+`","password":"`+password+`"}`, "192.0.2.20")
	}
	wantStatus(t, "a short password", callPublic(t, confirm, "/admin/v1/password-reset/confirm", confirmBody(token, "short")), 400, "invalid")
	wantStatus(t, "a common password", callPublic(t, confirm, "/admin/v1/password-reset/confirm", confirmBody(token, "qwerty123456")), 400, "invalid")
	wantStatus(t, "an unknown link", callPublic(t, confirm, "/admin/v1/password-reset/confirm", confirmBody("not-a-token", "a-long-and-rare-password")), 400, "invalid")
	wantStatus(t, "reset", callPublic(t, confirm, "/admin/v1/password-reset/confirm", confirmBody(token, "a-long-and-rare-password")), 200, "")
	for name, s := range map[string]signedIn{"phone": phone, "laptop": laptop} {
		wantStatus(t, name+"'s session after the reset", callAs(t, me, s, "GET", "/admin/v1/me", nil, ""), 401, "unauthorized")
	}
	wantStatus(t, "the link works once", callPublic(t, confirm, "/admin/v1/password-reset/confirm", confirmBody(token, "yet-another-rare-password")), 400, "invalid")
	wantStatus(t, "the old password", signInAs(t, env, "owner@demo.test", demo.DefaultPassword), 401, "unauthorized")
	wantStatus(t, "the new password", signInAs(t, env, "owner@demo.test", "a-long-and-rare-password"), 201, "")
}

func TestPasswordResetLinkExpiresAndSkipsInactiveUsers(t *testing.T) {
	env := signupEnv(t)
	request := api.RequestPasswordResetFunction(env)
	wantStatus(t, "ask", callPublic(t, request, "/admin/v1/password-reset", publicPost(`{"email":"admin@demo.test"}`, "192.0.2.21")), 202, "")
	token := mustLinkToken(t, mustSentEmail(t, "admin@demo.test"), signupOrigin+api.ResetPasswordPath)
	later := dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(func() time.Time { return time.Now().Add(switchboard.PasswordResetLifetime + time.Minute) })
	confirmLater := apigw.Handle(env.Logger, api.ConfirmPasswordReset(later, later))
	wantStatus(t, "an hour later", callPublic(t, confirmLater, "/admin/v1/password-reset/confirm", publicPost(`{"token":"`+token+`","password":"a-long-and-rare-password"}`, "192.0.2.21")), 400, "invalid")

	owner := mustSignIn(t, env, "owner@demo.test")
	wantStatus(t, "deactivate the member", callAs(t, api.UpdateUserFunction(env), owner, "PATCH", "/admin/v1/users/{userId}", map[string]string{"userId": "usr-member"}, `{"active":false}`), 200, "")
	wantStatus(t, "ask for a deactivated user", callPublic(t, request, "/admin/v1/password-reset", publicPost(`{"email":"member@demo.test"}`, "192.0.2.21")), 202, "")
	for _, m := range testenv.MustSentMail(t) {
		if m.To[0] == "member@demo.test" {
			t.Errorf("a deactivated user was emailed %q", m.Subject)
		}
	}
}

// TestChangePasswordEndsOtherSessions: changing one's password keeps the
// session it was done from and ends every other.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	env := signupEnv(t)
	change, me := api.ChangePasswordFunction(env), api.GetMeFunction(env)
	here, elsewhere := mustSignIn(t, env, "member@demo.test"), mustSignIn(t, env, "member@demo.test")
	body := func(current, next string) string {
		return `{"currentPassword":"` + current + `","newPassword":"` + next + `"}`
	}
	wantStatus(t, "a wrong current password", callAs(t, change, here, "PUT", "/admin/v1/me/password", nil, body("not-my-password", "a-long-and-rare-password")), 400, "invalid")
	wantStatus(t, "a common new password", callAs(t, change, here, "PUT", "/admin/v1/me/password", nil, body(demo.DefaultPassword, "1qaz2wsx3edc")), 400, "invalid")
	wantStatus(t, "without the CSRF token", callAs(t, change, signedIn{cookie: here.cookie}, "PUT", "/admin/v1/me/password", nil, body(demo.DefaultPassword, "a-long-and-rare-password")), 403, "forbidden")
	wantStatus(t, "change", callAs(t, change, here, "PUT", "/admin/v1/me/password", nil, body(demo.DefaultPassword, "a-long-and-rare-password")), 204, "")
	wantStatus(t, "the session it was done from", callAs(t, me, here, "GET", "/admin/v1/me", nil, ""), 200, "")
	wantStatus(t, "the other session", callAs(t, me, elsewhere, "GET", "/admin/v1/me", nil, ""), 401, "unauthorized")
	wantStatus(t, "the old password", signInAs(t, env, "member@demo.test", demo.DefaultPassword), 401, "unauthorized")
	wantStatus(t, "the new password", signInAs(t, env, "member@demo.test", "a-long-and-rare-password"), 201, "")
	// The kept session can change it again: it moved to the new epoch.
	wantStatus(t, "change again", callAs(t, change, here, "PUT", "/admin/v1/me/password", nil, body("a-long-and-rare-password", "another-rare-password")), 204, "")
	wantStatus(t, "still signed in", callAs(t, me, here, "GET", "/admin/v1/me", nil, ""), 200, "")
}

// TestChangePasswordThrottled: a stolen session is no way to guess the
// current password quickly.
func TestChangePasswordThrottled(t *testing.T) {
	env := signupEnv(t)
	change := api.ChangePasswordFunction(env)
	s := mustSignIn(t, env, "admin@demo.test")
	wrong := `{"currentPassword":"guess-number-one","newPassword":"a-long-and-rare-password"}`
	for i := 0; i < 3; i++ {
		wantStatus(t, "wrong guess", callAs(t, change, s, "PUT", "/admin/v1/me/password", nil, wrong), 400, "invalid")
	}
	resp := callAs(t, change, s, "PUT", "/admin/v1/me/password", nil, `{"currentPassword":"`+demo.DefaultPassword+`","newPassword":"a-long-and-rare-password"}`)
	wantStatus(t, "the right one at once after three wrong", resp, http.StatusTooManyRequests, "rate_limited")
	if resp.Headers["Retry-After"] == "" {
		t.Errorf("no Retry-After: %v", resp.Headers)
	}
}
