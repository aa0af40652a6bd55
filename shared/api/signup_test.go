package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/faults"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/sesmail"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

const signupOrigin = "https://admin.switchboard.test"

// publicPost is a request without a session from address, with a host
// header an attacker chose: links must not follow it.
func publicPost(body, address string) apigw.Request {
	req := apigw.Request{Body: body, Headers: map[string]string{"content-type": "application/json", "host": "evil.example", "origin": "https://evil.example"}}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.HTTP.SourceIP = address
	req.RequestContext.RequestID = "test-public"
	return req
}

func signupBody(email, password string) string {
	b, _ := json.Marshal(map[string]string{"accountName": "Chez Nina", "timeZone": "Europe/Paris", "name": "Nina Martin",
		"email": email, "password": password, "locationName": "Bastille"})
	return string(b)
}

// callPublic posts req to the public route at path (sign-up, password
// reset), checking the answer against the document.
func callPublic(t *testing.T, h apigw.LambdaHandler, path string, req apigw.Request) apigw.Response {
	t.Helper()
	return public(t, h, path, req)
}

// mustLinkToken reads the token of the link to origin+path in mail.
func mustLinkToken(t *testing.T, mail testenv.SentEmail, prefix string) string {
	t.Helper()
	_, rest, ok := strings.Cut(mail.Text, prefix)
	if !ok {
		t.Fatalf("no link %s… in the email %q", prefix, mail.Text)
	}
	token, _, _ := strings.Cut(rest, "\n")
	if len(token) < 43 || !strings.Contains(mail.HTML, `href="`+prefix+token+`"`) {
		t.Fatalf("link token %q; html %s", token, mail.HTML)
	}
	return token
}

func signupEnv(t *testing.T) *platform.Env {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = signupOrigin
	mustSeedDemo(t, env)
	return env
}

// TestSignupFlow: sign up, get the link by email, verify, land signed in
// as the super admin of a new account with its first location; the link
// works once; the answer never tells whether the address had an account.
func TestSignupFlow(t *testing.T) {
	env := signupEnv(t)
	signup, verify := api.SignupFunction(env), api.VerifySignupFunction(env)

	first := callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody(" Nina@Chez-Nina.test ", "a-long-and-rare-password"), "192.0.2.1"))
	wantStatus(t, "sign up", first, http.StatusAccepted, "")
	mail := mustSentEmail(t, "nina@chez-nina.test")
	if mail.From != env.Config.SenderAddress || !strings.Contains(mail.Subject, "Chez Nina") {
		t.Errorf("verification email %+v", mail)
	}
	token := mustLinkToken(t, mail, signupOrigin+api.VerifySignupPath)
	if dump := scanTable(t, env); strings.Contains(dump, token) || strings.Contains(dump, "a-long-and-rare-password") {
		t.Error("the sign-up token or the password is stored in clear")
	}
	wantStatus(t, "sign in before verifying", signInAs(t, env, "nina@chez-nina.test", "a-long-and-rare-password"), 401, "unauthorized")

	// Again while pending: same answer, no second link.
	again := callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody("nina@chez-nina.test", "another-rare-password"), "192.0.2.2"))
	wantStatus(t, "sign up again while pending", again, http.StatusAccepted, "")
	if again.Body != first.Body {
		t.Errorf("answers differ: %s vs %s", again.Body, first.Body)
	}
	if m := mustSentEmail(t, "nina@chez-nina.test"); !strings.Contains(m.Subject, "waiting for confirmation") || strings.Contains(m.Text, api.VerifySignupPath) {
		t.Errorf("second email %+v", m)
	}

	resp := callPublic(t, verify, "/admin/v1/signup/verify", publicPost(`{"token":"`+token+`"}`, "192.0.2.1"))
	wantStatus(t, "verify", resp, http.StatusCreated, "")
	me := decode[api.Me](t, resp)
	if me.User.Role != switchboard.RoleSuperAdmin || me.User.Email != "nina@chez-nina.test" || me.User.Name != "Nina Martin" || !me.User.Active ||
		me.Account.Name != "Chez Nina" || me.Account.TimeZone != "Europe/Paris" || len(me.Locations) != 1 || me.Locations[0].Name != "Bastille" {
		t.Errorf("me after verifying %+v", me)
	}
	if len(resp.Cookies) != 1 || !strings.HasPrefix(resp.Cookies[0], api.SessionCookie+"=") || !strings.Contains(resp.Cookies[0], "HttpOnly") {
		t.Fatalf("cookies %v", resp.Cookies)
	}
	cookie, _, _ := strings.Cut(resp.Cookies[0], ";")
	session := signedIn{cookie: cookie, csrf: me.CSRFToken}
	wantStatus(t, "the new session works", callAs(t, api.GetMeFunction(env), session, "GET", "/admin/v1/me", nil, ""), 200, "")
	users := decode[userList](t, callAs(t, api.ListUsersFunction(env), session, "GET", "/admin/v1/users", nil, ""))
	if len(users.Users) != 1 || users.Users[0].Email != "nina@chez-nina.test" {
		t.Errorf("the new account's users %+v", users)
	}

	log := decode[switchboard.SecurityPage](t, callAs(t, api.ListSecurityLogFunction(env), session, "GET", "/admin/v1/security-log?type=signup", nil, ""))
	if len(log.Events) != 1 || log.Events[0].UserID != me.User.ID || log.Events[0].AccountID != me.Account.ID {
		t.Errorf("the new account's security log %+v", log)
	}
	wantStatus(t, "the link works once", callPublic(t, verify, "/admin/v1/signup/verify", publicPost(`{"token":"`+token+`"}`, "192.0.2.1")), 400, "invalid")
	wantStatus(t, "sign in", signInAs(t, env, "nina@chez-nina.test", "a-long-and-rare-password"), 201, "")

	// The address has an account now; so has a seeded one.
	for _, email := range []string{"nina@chez-nina.test", "owner@demo.test"} {
		resp := callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody(email, "a-long-and-rare-password"), "192.0.2.3"))
		wantStatus(t, "sign up with an address that has an account", resp, http.StatusAccepted, "")
		if want := strings.ReplaceAll(first.Body, "nina@chez-nina.test", email); resp.Body != want {
			t.Errorf("answer %s, want %s", resp.Body, want)
		}
		if m := mustSentEmail(t, email); m.Subject != "You already have a Switchboard account" || !strings.Contains(m.Text, signupOrigin+api.ForgotPasswordPath) {
			t.Errorf("email to %s: %+v", email, m)
		}
	}
}

func TestSignupRejectsBadInput(t *testing.T) {
	env := signupEnv(t)
	signup := api.SignupFunction(env)
	good := map[string]string{"accountName": "Shop", "timeZone": "Europe/Paris", "name": "Owner", "email": "bad-input@new.test", "password": "a-long-and-rare-password"}
	with := func(k, v string) string {
		m := map[string]string{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == "<none>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct{ name, body string }{
		{"eleven characters", with("password", "abcdefghijk")},
		{"a common password", with("password", "1qaz2wsx3edc")},
		{"a common password in capitals", with("password", "QWERTY123456")},
		{"no password", with("password", "<none>")},
		{"unknown time zone", with("timeZone", "Mars/Olympus")},
		{"the server's time zone", with("timeZone", "Local")},
		{"no account name", with("accountName", "  ")},
		{"no name", with("name", "<none>")},
		{"bad email", with("email", "not-an-email")},
		{"unknown field", strings.Replace(with("name", "Owner"), "{", `{"role":"operator",`, 1)},
		{"not JSON", "{"},
		{"control characters in the account name", with("accountName", "Shop\u202e")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.name, callPublic(t, signup, "/admin/v1/signup", publicPost(tt.body, "192.0.2.50")), 400, "invalid")
		})
	}
	if sent := testenv.MustSentMail(t); len(sent) != 0 {
		for _, m := range sent {
			if m.To[0] == "bad-input@new.test" {
				t.Errorf("a refused sign-up sent %q", m.Subject)
			}
		}
	}
}

// TestSignupExpiry: a pending sign-up holds its address for 24 hours; then
// its link stops working and the address can sign up again.
func TestSignupExpiry(t *testing.T) {
	env := signupEnv(t)
	signup, verify := api.SignupFunction(env), api.VerifySignupFunction(env)
	wantStatus(t, "sign up", callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody("late@new.test", "a-long-and-rare-password"), "192.0.2.4")), 202, "")
	oldToken := mustLinkToken(t, mustSentEmail(t, "late@new.test"), signupOrigin+api.VerifySignupPath)

	laterClock := func() time.Time { return time.Now().Add(switchboard.SignupLifetime + time.Minute) }
	later := dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(laterClock)
	svc := auth.NewService(later, later, later)
	svc.Now = laterClock
	mailer := sesmail.New(env.SESv2(), env.Config.SenderAddress)
	signupLater := apigw.Handle(env.Logger, api.Signup(svc, later, mailer, signupOrigin))
	verifyLater := apigw.Handle(env.Logger, api.VerifySignup(svc, later))

	wantStatus(t, "the old link a day later", callPublic(t, verifyLater, "/admin/v1/signup/verify", publicPost(`{"token":"`+oldToken+`"}`, "192.0.2.4")), 400, "invalid")
	wantStatus(t, "sign up a day later", callPublic(t, signupLater, "/admin/v1/signup", publicPost(signupBody("late@new.test", "a-long-and-rare-password"), "192.0.2.4")), 202, "")
	newToken := mustLinkToken(t, mustSentEmail(t, "late@new.test"), signupOrigin+api.VerifySignupPath)
	if newToken == oldToken {
		t.Fatal("the second sign-up reused the first link")
	}
	wantStatus(t, "the new link", callPublic(t, verifyLater, "/admin/v1/signup/verify", publicPost(`{"token":"`+newToken+`"}`, "192.0.2.4")), 201, "")
	// Still unexpired by the real clock, the first link finds the address
	// taken: its holder owns the mailbox, so being told so reveals nothing.
	wantStatus(t, "the old link in time, after the account exists", callPublic(t, verify, "/admin/v1/signup/verify", publicPost(`{"token":"`+oldToken+`"}`, "192.0.2.4")), 409, "conflict")
}

// TestSignupThrottled: sign-ups of one address are spaced out like failed
// sign-ins, whatever client they come from.
func TestSignupThrottled(t *testing.T) {
	env := signupEnv(t)
	signup := api.SignupFunction(env)
	for _, addr := range []string{"192.0.2.5", "192.0.2.6", "192.0.2.7"} {
		wantStatus(t, "sign-up "+addr, callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody("flood@new.test", "a-long-and-rare-password"), addr)), 202, "")
	}
	resp := callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody("flood@new.test", "a-long-and-rare-password"), "192.0.2.8"))
	wantStatus(t, "fourth sign-up at once", resp, http.StatusTooManyRequests, "rate_limited")
	if resp.Headers["Retry-After"] == "" {
		t.Errorf("no Retry-After: %v", resp.Headers)
	}
	wantStatus(t, "another address meanwhile", callPublic(t, signup, "/admin/v1/signup", publicPost(signupBody("calm@new.test", "a-long-and-rare-password"), "192.0.2.8")), 202, "")
}

func TestSignupWithoutSiteOrigin(t *testing.T) {
	env := testenv.MustEnv(t)
	env.Config.SiteOrigin = ""
	resp := callPublic(t, api.SignupFunction(env), "/admin/v1/signup", publicPost(signupBody("nowhere@new.test", "a-long-and-rare-password"), "192.0.2.9"))
	wantStatus(t, "sign up without a site origin", resp, http.StatusServiceUnavailable, "unavailable")
}

// TestSignupEmailFailureFreesTheAddress: when SES refuses the verification
// email, the sign-up is answered 503 and forgotten, so the person can try
// again at once instead of waiting a day for a link that never came.
func TestSignupEmailFailureFreesTheAddress(t *testing.T) {
	env := signupEnv(t)
	tr := faults.New(7, map[faults.Service]faults.Rates{faults.SES: {faults.ServerError: 1}})
	faulty := *env
	faulty.AWS = faults.Apply(env.AWS, tr)
	resp := callPublic(t, api.SignupFunction(&faulty), "/admin/v1/signup", publicPost(signupBody("unlucky@new.test", "a-long-and-rare-password"), "192.0.2.60"))
	wantStatus(t, "sign up while SES fails", resp, http.StatusServiceUnavailable, "unavailable")

	resp = callPublic(t, api.SignupFunction(env), "/admin/v1/signup", publicPost(signupBody("unlucky@new.test", "a-long-and-rare-password"), "192.0.2.60"))
	wantStatus(t, "sign up again once SES works", resp, http.StatusAccepted, "")
	if m := mustSentEmail(t, "unlucky@new.test"); !strings.HasPrefix(m.Subject, "Confirm your email") {
		t.Errorf("the second sign-up was taken for a pending one: %q", m.Subject)
	}
}
