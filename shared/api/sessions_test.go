package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
)

func signInRequest(body, contentType, host string) apigw.Request {
	req := apigw.Request{Body: body, Headers: map[string]string{"content-type": contentType, "host": host}}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.HTTP.SourceIP = "192.0.2.10"
	return req
}

func errorCode(t *testing.T, resp apigw.Response) string {
	t.Helper()
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q is not a JSON error", resp.Body)
	}
	return body.Error.Code
}

func TestSignInRejectsBadInput(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	h := api.CreateSessionFunction(env)
	tests := []struct {
		name, body, contentType string
		wantStatus              int
		wantCode                string
	}{
		{"wrong password", `{"email":"owner@demo.test","password":"wrong-password"}`, "application/json", 401, "unauthorized"},
		{"unknown email", `{"email":"nobody@demo.test","password":"switchboard-demo"}`, "application/json", 401, "unauthorized"},
		{"not an email", `{"email":"owner","password":"switchboard-demo"}`, "application/json", 400, "invalid"},
		{"missing password", `{"email":"owner@demo.test"}`, "application/json", 400, "invalid"},
		{"unknown field", `{"email":"owner@demo.test","password":"x","admin":true}`, "application/json", 400, "invalid"},
		{"form post", `email=owner@demo.test&password=switchboard-demo`, "application/x-www-form-urlencoded", 400, "invalid"},
		{"not JSON", `{"email":`, "application/json", 400, "invalid"},
		{"two objects", `{"email":"a@b.c","password":"12345678"}{}`, "application/json", 400, "invalid"},
		{"wrong type", `{"email":1,"password":"x"}`, "application/json", 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := public(t, h, "/admin/v1/session", signInRequest(tt.body, tt.contentType, "localhost:3000"))
			if resp.StatusCode != tt.wantStatus || errorCode(t, resp) != tt.wantCode {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, tt.wantStatus, tt.wantCode)
			}
			if len(resp.Cookies) != 0 {
				t.Errorf("a failed sign-in set a cookie: %v", resp.Cookies)
			}
		})
	}
}

func TestSessionLifecycle(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)

	resp := public(t, api.CreateSessionFunction(env), "/admin/v1/session", signInRequest(`{"email":" Owner@Demo.test ","password":"`+demo.DefaultPassword+`"}`, "application/json", "switchboard.example"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Body)
	}
	cookie := resp.Cookies[0]
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Expires="} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("cookie %q lacks %s", cookie, attr)
		}
	}
	local := public(t, api.CreateSessionFunction(env), "/admin/v1/session", signInRequest(`{"email":"owner@demo.test","password":"`+demo.DefaultPassword+`"}`, "application/json", "localhost:3000"))
	if strings.Contains(local.Cookies[0], "Secure") {
		t.Errorf("a localhost cookie cannot be Secure: %q", local.Cookies[0])
	}

	var me api.Me
	if err := json.Unmarshal([]byte(resp.Body), &me); err != nil {
		t.Fatal(err)
	}
	if me.User.Email != "owner@demo.test" || me.Account.Name != "Demo Pizzeria" || len(me.Locations) != 2 || me.CSRFToken == "" {
		t.Errorf("sign-in body %+v", me)
	}
	s := signedIn{cookie: strings.Split(cookie, ";")[0], csrf: me.CSRFToken}

	getMe := api.GetMeFunction(env)
	if r := public(t, getMe, "", s.get("/admin/v1/me")); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, me.CSRFToken) {
		t.Errorf("me with the session: %d %s", r.StatusCode, r.Body)
	}
	if r := public(t, getMe, "", get("/admin/v1/me")); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("me without a session: %d", r.StatusCode)
	}
	forged := get("/admin/v1/me")
	forged.Cookies = []string{api.SessionCookie + "=forged-token"}
	if r := public(t, getMe, "", forged); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("me with a forged session: %d", r.StatusCode)
	}

	signOut := api.DeleteSessionFunction(env)
	del := s.get("/admin/v1/session")
	del.RequestContext.HTTP.Method = http.MethodDelete
	if r := public(t, signOut, "", del); r.StatusCode != http.StatusForbidden || errorCode(t, r) != "forbidden" {
		t.Errorf("sign-out without the CSRF token: %d %s", r.StatusCode, r.Body)
	}
	del.Headers = map[string]string{"x-csrf-token": "not-the-token"}
	if r := public(t, signOut, "", del); r.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a wrong CSRF token: %d", r.StatusCode)
	}
	del.Headers["x-csrf-token"] = s.csrf
	r := public(t, signOut, "", del)
	if r.StatusCode != http.StatusNoContent || len(r.Cookies) != 1 || !strings.Contains(r.Cookies[0], "Max-Age=0") {
		t.Errorf("sign-out: %d %v", r.StatusCode, r.Cookies)
	}
	if r := public(t, getMe, "", s.get("/admin/v1/me")); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("me after sign-out: %d, want 401: the session must end on the server", r.StatusCode)
	}
}

// throttledSignIn is the sign-in route with a clock the test moves.
func throttledSignIn(t *testing.T, env *platform.Env) (h func(body string, headers map[string]string, sourceIP string) apigw.Response, advance func(time.Duration)) {
	t.Helper()
	mustSeedDemo(t, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	svc := auth.NewService(store, store, store)
	now := time.Now()
	svc.Now = func() time.Time { return now }
	route := apigw.Handle(env.Logger, api.CreateSession(svc))
	return func(body string, headers map[string]string, sourceIP string) apigw.Response {
			req := signInRequest(body, "application/json", "localhost")
			req.RequestContext.HTTP.SourceIP = sourceIP
			for k, v := range headers {
				req.Headers[k] = v
			}
			return public(t, route, "/admin/v1/session", req)
		}, func(d time.Duration) {
			now = now.Add(d)
		}
}

// TestSignInThrottling: failed sign-ins for one email at one address make
// the next attempt wait 1 s, 2 s, 4 s … (429 with Retry-After, the password
// not even checked), but an attacker's guesses never keep the owner out from
// their own address, and the owner's own mistakes cost seconds. The address
// is the viewer's, from CloudFront-Viewer-Address, not the edge's sourceIp.
func TestSignInThrottling(t *testing.T) {
	env := testenv.MustEnv(t)
	signIn, advance := throttledSignIn(t, env)
	wrong := `{"email":"admin@demo.test","password":"not-the-password"}`
	right := `{"email":"admin@demo.test","password":"` + demo.DefaultPassword + `"}`
	const edge = "130.176.0.10" // one CloudFront edge serves attacker and owner
	attacker := map[string]string{"cloudfront-viewer-address": "203.0.113.66:51234"}
	owner := map[string]string{"cloudfront-viewer-address": "198.51.100.20:40001"}

	for i := range auth.FreeAttemptsPerAccount {
		wantStatus(t, fmt.Sprintf("free failure %d", i+1), signIn(wrong, attacker, edge), 401, "unauthorized")
	}
	for _, wait := range []int{1, 2, 4, 8, 16} {
		r := signIn(wrong, attacker, edge)
		wantStatus(t, "too soon", r, 429, "rate_limited")
		if r.Headers["Retry-After"] != strconv.Itoa(wait) {
			t.Errorf("Retry-After %q, want %d", r.Headers["Retry-After"], wait)
		}
		wantStatus(t, "the right password too soon is not checked", signIn(right, attacker, edge), 429, "rate_limited")
		advance(time.Duration(wait) * time.Second)
		wantStatus(t, "a guess on time", signIn(wrong, attacker, edge), 401, "unauthorized")
	}
	wantStatus(t, "the owner from their own address, at once", signIn(right, owner, edge), 201, "")

	// The owner's own mistakes: a second's wait, then in, and forgotten.
	for range auth.FreeAttemptsPerAccount {
		wantStatus(t, "owner typo", signIn(wrong, owner, edge), 401, "unauthorized")
	}
	wantStatus(t, "owner too soon", signIn(right, owner, edge), 429, "rate_limited")
	advance(time.Second)
	wantStatus(t, "owner a second later", signIn(right, owner, edge), 201, "")
	for range auth.FreeAttemptsPerAccount {
		wantStatus(t, "after a success the count starts again", signIn(wrong, owner, edge), 401, "unauthorized")
	}

	// The wait is capped, and a day later the key is forgotten.
	advance(2 * time.Second)
	if got := auth.Backoff(100, auth.FreeAttemptsPerAccount); got != auth.MaxDelay {
		t.Errorf("Backoff(100) = %v, want %v", got, auth.MaxDelay)
	}
	advance(dynamo.ThrottleMemory + time.Minute)
	wantStatus(t, "a day later", signIn(right, attacker, edge), 201, "")
}

// TestSignInThrottlingPerAddress: one address trying many emails waits once
// it has used auth.FreeAttemptsPerAddress, the right password included;
// another address is unaffected.
func TestSignInThrottlingPerAddress(t *testing.T) {
	env := testenv.MustEnv(t)
	signIn, _ := throttledSignIn(t, env)
	right := `{"email":"owner@demo.test","password":"` + demo.DefaultPassword + `"}`
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	statuses := make([]int, auth.FreeAttemptsPerAddress)
	for i := range auth.FreeAttemptsPerAddress {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			// One failure per email: no email's own allowance is used up.
			statuses[i] = signIn(fmt.Sprintf(`{"email":"nobody-%d@demo.test","password":"guess"}`, i), nil, "198.51.100.7").StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusUnauthorized {
			t.Fatalf("failure %d answered %d, want 401", i+1, s)
		}
	}
	if r := signIn(right, nil, "198.51.100.7"); r.StatusCode != http.StatusTooManyRequests || r.Headers["Retry-After"] == "" {
		t.Errorf("after %d failures from one address: %d %v %s", auth.FreeAttemptsPerAddress, r.StatusCode, r.Headers, r.Body)
	}
	wantStatus(t, "another address", signIn(right, nil, "198.51.100.8"), 201, "")
}

// TestNoSecretInClear scans every item of the table after sign-ins: neither
// the password nor a session token may be stored as given.
func TestNoSecretInClear(t *testing.T) {
	env := testenv.MustEnv(t)
	s := mustSignIn(t, env, "owner@demo.test")
	token := strings.TrimPrefix(s.cookie, api.SessionCookie+"=")
	dump := scanTable(t, env)
	for _, secret := range []string{demo.DefaultPassword, token, s.csrf} {
		if strings.Contains(dump, secret) {
			t.Errorf("the table holds %q in clear", secret)
		}
	}
	if !strings.Contains(dump, "$argon2id$") {
		t.Error("no argon2id hash found: did the scan read the users?")
	}
}

func scanTable(t *testing.T, env *platform.Env) string {
	t.Helper()
	var b strings.Builder
	p := dynamodb.NewScanPaginator(env.DynamoDB(), &dynamodb.ScanInput{TableName: aws.String(env.Config.TableName)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			for k, v := range item {
				raw, _ := json.Marshal(v)
				b.WriteString(k + "=" + string(raw) + "\n")
			}
		}
	}
	return b.String()
}
