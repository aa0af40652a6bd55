package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/auth"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/oauth"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

const redirectURI = "https://app.example/callback"

// call sends a JSON request with the session's cookie and CSRF token.
func (s signedIn) call(t testing.TB, h apigw.LambdaHandler, method, path string, params map[string]string, body any) apigw.Response {
	t.Helper()
	req := s.get(path)
	req.RequestContext.HTTP.Method = method
	req.PathParameters = params
	req.Headers = map[string]string{"x-csrf-token": s.csrf, "content-type": "application/json"}
	if body != nil {
		b, _ := json.Marshal(body)
		req.Body = string(b)
	}
	samePathParameters(t, req)
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	// Every answer a signed-in route test receives is what the served
	// document says (a documented status, and its schema).
	openapicheck.Response(t, method, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
	return resp
}

// form posts values to the OAuth route at path (/oauth2/v1/token,
// /oauth2/v1/revoke) as an app does, with HTTP Basic client credentials
// when basicUser is set; the answer is checked against the document.
func form(tb testing.TB, h apigw.LambdaHandler, path string, values url.Values, basicUser, basicPass string) apigw.Response {
	tb.Helper()
	req := apigw.Request{Body: values.Encode(), Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	req.RequestContext.HTTP.Method = http.MethodPost
	if basicUser != "" {
		req.Headers["authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(basicUser)+":"+url.QueryEscape(basicPass)))
	}
	return public(tb, h, path, req)
}

func oauthErrorOf(t *testing.T, resp apigw.Response) string {
	t.Helper()
	var body struct{ Error string }
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("not an OAuth error body: %q", resp.Body)
	}
	return body.Error
}

type registered struct {
	ClientID, ClientSecret, SigningSecret string
}

func mustRegisterApp(t testing.TB, env *platform.Env, s signedIn, body map[string]any) registered {
	t.Helper()
	resp := s.call(t, api.RegisterAppFunction(env), http.MethodPost, "/admin/v1/developer/apps", nil, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %s", resp.StatusCode, resp.Body)
	}
	var r registered
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || r.ClientSecret == "" || r.SigningSecret == "" {
		t.Fatalf("register body %s", resp.Body)
	}
	return r
}

func posApp(extra map[string]any) map[string]any {
	m := map[string]any{"name": "Test POS", "category": "pos", "level": "location", "scopes": []string{"orders.read", "orders.write"},
		"developer": "Test Co", "redirectUris": []string{redirectURI}, "multipleInstances": true, "published": true}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func authorizeQuery(clientID string, extra map[string]string) url.Values {
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"location[orders.read,orders.write]"}, "state": {"st-123"}}
	for k, v := range extra {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return q
}

// consent approves on the consent page and returns the code.
func consent(t *testing.T, env *platform.Env, s signedIn, q url.Values, location, label string) string {
	t.Helper()
	body := map[string]any{"approve": true, "location_id": location, "instance_label": label}
	for k := range q {
		body[k] = q.Get(k)
	}
	resp := s.call(t, api.DecideFunction(env), http.MethodPost, "/oauth2/v1/authorize", nil, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent: %d %s", resp.StatusCode, resp.Body)
	}
	var out struct{ RedirectTo string }
	_ = json.Unmarshal([]byte(resp.Body), &out)
	u, err := url.Parse(out.RedirectTo)
	if err != nil || u.Query().Get("code") == "" || u.Query().Get("state") != q.Get("state") || !strings.HasPrefix(out.RedirectTo, redirectURI) {
		t.Fatalf("consent redirect %q", out.RedirectTo)
	}
	return u.Query().Get("code")
}

func exchange(tb testing.TB, env *platform.Env, app registered, code string, extra url.Values) apigw.Response {
	tb.Helper()
	v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	for k, vals := range extra {
		v[k] = vals
	}
	return form(tb, api.TokenFunction(env), "/oauth2/v1/token", v, app.ClientID, app.ClientSecret)
}

func TestAuthorizeRequestErrors(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterListedApp(t, env, owner, posApp(nil))
	h := api.AuthorizeFunction(env)
	tests := []struct {
		name       string
		query      url.Values
		toMerchant string // reason code of the site's error page
		toClient   string // OAuth error sent to the redirect URI
	}{
		{"unknown client", authorizeQuery("app_nope", nil), "unknown_client", ""},
		{"no client", authorizeQuery("", map[string]string{"client_id": ""}), "missing_client_id", ""},
		{"wrong redirect", authorizeQuery(app.ClientID, map[string]string{"redirect_uri": "https://evil.example/cb"}), "redirect_uri_mismatch", ""},
		{"redirect prefix", authorizeQuery(app.ClientID, map[string]string{"redirect_uri": redirectURI + "/more"}), "redirect_uri_mismatch", ""},
		{"token response type", authorizeQuery(app.ClientID, map[string]string{"response_type": "token"}), "", "unsupported_response_type"},
		{"malformed scope", authorizeQuery(app.ClientID, map[string]string{"scope": "location[orders.read"}), "", "invalid_scope"},
		{"scope not requested", authorizeQuery(app.ClientID, map[string]string{"scope": "location[customers.read]"}), "", "invalid_scope"},
		{"wrong level", authorizeQuery(app.ClientID, map[string]string{"scope": "account[orders.read]"}), "", "invalid_scope"},
		{"plain PKCE", authorizeQuery(app.ClientID, map[string]string{"code_challenge": strings.Repeat("a", 43), "code_challenge_method": "plain"}), "", "invalid_request"},
		// RFC 6749 §3.1: a repeated parameter is invalid_request, sent to
		// the client once its id and redirect URI are known good; a repeated
		// client_id or redirect_uri leaves the target in doubt.
		{"repeated scope", repeated(authorizeQuery(app.ClientID, nil), "scope", "location[orders.write]"), "", "invalid_request"},
		{"repeated state", repeated(authorizeQuery(app.ClientID, nil), "state", "other"), "", "invalid_request"},
		{"repeated client_id", repeated(authorizeQuery(app.ClientID, nil), "client_id", app.ClientID), "repeated_parameter", ""},
		{"repeated redirect_uri", repeated(authorizeQuery(app.ClientID, nil), "redirect_uri", redirectURI), "repeated_parameter", ""},
		{"repeated with a bad client", repeated(authorizeQuery("app_nope", nil), "scope", "x"), "unknown_client", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := get("/oauth2/v1/authorize?" + tt.query.Encode())
			resp := public(t, h, "", req)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
			}
			loc, _ := url.Parse(resp.Headers["Location"])
			switch {
			case tt.toMerchant != "":
				// The page shows a fixed text for the reason code: nothing
				// from the request is echoed back.
				if got := errorPageReason(t, resp.Headers["Location"]); got != tt.toMerchant {
					t.Errorf("reason %q, want %q", got, tt.toMerchant)
				}
			default:
				if !strings.HasPrefix(resp.Headers["Location"], redirectURI) || loc.Query().Get("error") != tt.toClient || !strings.HasPrefix(loc.Query().Get("state"), "st-123") {
					t.Errorf("redirect %q, want %s with the state", resp.Headers["Location"], tt.toClient)
				}
			}
		})
	}
	malformed := public(t, h, "", get("/oauth2/v1/authorize?client_id=%zz"))
	if got := errorPageReason(t, malformed.Headers["Location"]); got != "malformed_request" {
		t.Errorf("malformed query: reason %q", got)
	}
	ok := public(t, h, "", get("/oauth2/v1/authorize?"+authorizeQuery(app.ClientID, nil).Encode()))
	if !strings.HasPrefix(ok.Headers["Location"], "/#/consent?") {
		t.Errorf("a good request goes to the consent page, got %q", ok.Headers["Location"])
	}
}

// repeated adds a second value of key.
func repeated(q url.Values, key, value string) url.Values {
	q.Add(key, value)
	return q
}

// failingCodes is the real store, except that saving a code fails with err.
type failingCodes struct {
	*dynamo.Store
	err error
}

func (f failingCodes) SaveCode(context.Context, switchboard.AuthorizationCode) error { return f.err }

// TestConsentFailuresGoToTheClient: past the client and redirect URI checks,
// the consent's failures are the client's to hear (RFC 6749 §4.1.2.1):
// server_error for an internal failure, temporarily_unavailable when a
// dependency is throttled or down. What the merchant can correct stays on
// the page, as does another account's use of an unlisted app (its redirect
// URI is not trusted, see TestAuthorizeErrorsRedirectOnlyToTrustedApps).
func TestConsentFailuresGoToTheClient(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(nil))
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ar, err := oauth.AuthorizeRequestFromQuery(authorizeQuery(app.ClientID, nil))
	if err != nil {
		t.Fatal(err)
	}
	p := switchboard.Principal{AccountID: "acc-demo-pizzeria", UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	d := oauth.Decision{AuthorizeRequest: ar, LocationID: "loc-bastille", Approve: true}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"internal", errors.New("dynamodb: connection reset"), "server_error"},
		{"unavailable", switchboard.Errorf(switchboard.EUnavailable, "DynamoDB is throttling"), "temporarily_unavailable"},
		{"throttled", switchboard.Errorf(switchboard.ERateLimited, "slow down"), "temporarily_unavailable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			codes := failingCodes{Store: store, err: tt.err}
			svc := &oauth.Service{Apps: store, Accounts: store, Connections: store, Tokens: codes, Now: time.Now}
			to, err := svc.Decide(context.Background(), p, d)
			if err != nil {
				t.Fatalf("Decide returned %v; want a redirect", err)
			}
			u, _ := url.Parse(to)
			if !strings.HasPrefix(to, redirectURI) || u.Query().Get("error") != tt.want || u.Query().Get("state") != "st-123" || u.Query().Get("code") != "" {
				t.Errorf("redirect %q, want error=%s with the state", to, tt.want)
			}
			if strings.Contains(to, "connection reset") || strings.Contains(to, "throttling") {
				t.Errorf("the redirect leaks the cause: %q", to)
			}
		})
	}
	svc := &oauth.Service{Apps: store, Accounts: store, Connections: store, Tokens: failingCodes{Store: store, err: errors.New("x")}, Now: time.Now}
	wrong := d
	wrong.LocationID = "loc-other"
	if _, err := svc.Decide(context.Background(), p, wrong); switchboard.ErrorCode(err) != switchboard.EInvalid {
		t.Errorf("another account's location: %v, want invalid for the consent page", err)
	}
}

func TestCodeFlow(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(nil))
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	q := authorizeQuery(app.ClientID, nil)

	t.Run("consent refusals", func(t *testing.T) {
		decide := api.DecideFunction(env)
		body := map[string]any{"client_id": app.ClientID, "redirect_uri": redirectURI, "scope": q.Get("scope"), "state": "s", "approve": true}
		if r := owner.call(t, decide, "POST", "/oauth2/v1/authorize", nil, body); r.StatusCode != 400 || !strings.Contains(r.Body, "choose one") {
			t.Errorf("location app without a location: %d %s", r.StatusCode, r.Body)
		}
		body["location_id"] = "loc-of-someone-else"
		if r := owner.call(t, decide, "POST", "/oauth2/v1/authorize", nil, body); r.StatusCode != 400 {
			t.Errorf("another account's location: %d %s", r.StatusCode, r.Body)
		}
		body["location_id"] = "loc-bastille"
		member := mustSignIn(t, env, "member@demo.test")
		if r := member.call(t, decide, "POST", "/oauth2/v1/authorize", nil, body); r.StatusCode != 403 {
			t.Errorf("a member connecting an app: %d %s", r.StatusCode, r.Body)
		}
		// Another account may not connect an unpublished app.
		draft := mustRegisterApp(t, env, owner, posApp(map[string]any{"name": "Draft POS", "published": false}))
		other := mustOtherAccountAdmin(t, env)
		draftBody := map[string]any{"client_id": draft.ClientID, "redirect_uri": redirectURI, "scope": q.Get("scope"), "approve": true, "location_id": "loc-other"}
		// Its redirect URI is not trusted for that account (anyone may
		// register one): the refusal stays on the consent page.
		if r := other.call(t, decide, "POST", "/oauth2/v1/authorize", nil, draftBody); r.StatusCode != 403 ||
			strings.Contains(r.Body, "redirectTo") || !strings.Contains(r.Body, "not listed") {
			t.Errorf("another account connecting an unpublished app: %d %s", r.StatusCode, r.Body)
		}
		draftBody["location_id"] = "loc-bastille"
		if r := owner.call(t, decide, "POST", "/oauth2/v1/authorize", nil, draftBody); r.StatusCode != 200 {
			t.Errorf("the developer's own account trying its unpublished app: %d %s", r.StatusCode, r.Body)
		}
		body["approve"] = false
		r := owner.call(t, decide, "POST", "/oauth2/v1/authorize", nil, body)
		if r.StatusCode != 200 || !strings.Contains(r.Body, "error=access_denied") || !strings.Contains(r.Body, "state=s") {
			t.Errorf("denial: %d %s", r.StatusCode, r.Body)
		}
	})

	code := consent(t, env, owner, q, "loc-bastille", "Till 1")

	t.Run("token errors", func(t *testing.T) {
		wrongSecret := app
		wrongSecret.ClientSecret = "sbs_wrong"
		if r := exchange(t, env, wrongSecret, code, nil); r.StatusCode != 401 || oauthErrorOf(t, r) != "invalid_client" {
			t.Errorf("wrong secret: %d %s", r.StatusCode, r.Body)
		}
		unknown := registered{ClientID: "app_unknown", ClientSecret: "x"}
		if r := exchange(t, env, unknown, code, nil); oauthErrorOf(t, r) != "invalid_client" {
			t.Errorf("unknown client: %s", r.Body)
		}
		if r := exchange(t, env, app, "sbc_not-a-code", nil); oauthErrorOf(t, r) != "invalid_grant" {
			t.Errorf("unknown code: %s", r.Body)
		}
		if r := form(t, api.TokenFunction(env), "/oauth2/v1/token", url.Values{"grant_type": {"password"}}, app.ClientID, app.ClientSecret); oauthErrorOf(t, r) != "unsupported_grant_type" {
			t.Errorf("password grant: %s", r.Body)
		}
	})

	// The failed attempts above did not consume the code (wrong client
	// secrets are refused before it is redeemed).
	resp := exchange(t, env, app, code, nil)
	if resp.StatusCode != 200 || resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("exchange: %d %s", resp.StatusCode, resp.Body)
	}
	var tok oauth.TokenResponse
	if err := json.Unmarshal([]byte(resp.Body), &tok); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.AccessToken, "sbt_") || len(tok.AccessToken) < 47 || tok.TokenType != "Bearer" ||
		tok.Scope != "location[orders.read,orders.write]" || tok.AccountID != "acc-demo-pizzeria" || tok.LocationID != "loc-bastille" {
		t.Errorf("token response %+v", tok)
	}

	t.Run("replayed code revokes its token", func(t *testing.T) {
		if r := exchange(t, env, app, code, nil); oauthErrorOf(t, r) != "invalid_grant" {
			t.Errorf("replay: %s", r.Body)
		}
		stored, err := store.GetToken(ctx, auth.HashToken(tok.AccessToken))
		if err != nil || !stored.Revoked {
			t.Errorf("token after replay: %+v %v", stored, err)
		}
	})

	t.Run("re-authorising the same instance keeps the connection", func(t *testing.T) {
		narrower := authorizeQuery(app.ClientID, map[string]string{"scope": "location[orders.read]"})
		r := exchange(t, env, app, consent(t, env, owner, narrower, "loc-bastille", " Till 1 "), nil)
		var again oauth.TokenResponse
		if err := json.Unmarshal([]byte(r.Body), &again); err != nil || r.StatusCode != 200 {
			t.Fatalf("re-authorise: %d %s", r.StatusCode, r.Body)
		}
		if again.ConnectionID != tok.ConnectionID || again.Scope != "location[orders.read]" {
			t.Errorf("re-authorisation made %+v, want connection %s with the new scope", again, tok.ConnectionID)
		}
		r2 := exchange(t, env, app, consent(t, env, owner, q, "loc-bastille", "Till 2"), nil)
		var second oauth.TokenResponse
		_ = json.Unmarshal([]byte(r2.Body), &second)
		if r2.StatusCode != 200 || second.ConnectionID == tok.ConnectionID {
			t.Errorf("another label must make another instance: %d %s", r2.StatusCode, r2.Body)
		}

		list := owner.call(t, api.ListConnectionsFunction(env), "GET", "/admin/v1/connections", nil, nil)
		var conns struct{ Connections []switchboard.Connection }
		_ = json.Unmarshal([]byte(list.Body), &conns)
		if len(conns.Connections) != 2 {
			t.Fatalf("connections: %s", list.Body)
		}
		for _, c := range conns.Connections {
			if c.LocationID != "loc-bastille" || c.AppName != "Test POS" || c.Status != switchboard.ConnectionActive || c.ConnectedBy != "usr-owner" {
				t.Errorf("connection %+v", c)
			}
		}
		if strings.Contains(list.Body, "TokenHash") || strings.Contains(list.Body, "tokenHash") {
			t.Errorf("the listing exposes token hashes: %s", list.Body)
		}

		// Another account sees none of it.
		other := mustOtherAccountAdmin(t, env)
		params := map[string]string{"connectionId": tok.ConnectionID}
		if r := other.call(t, api.GetConnectionFunction(env), "GET", "/admin/v1/connections/"+tok.ConnectionID, params, nil); r.StatusCode != 404 {
			t.Errorf("another account reading a connection: %d %s", r.StatusCode, r.Body)
		}
		if r := other.call(t, api.ListConnectionsFunction(env), "GET", "/admin/v1/connections", nil, nil); r.StatusCode != 200 || strings.Contains(r.Body, tok.ConnectionID) {
			t.Errorf("another account's listing: %d %s", r.StatusCode, r.Body)
		}
		appParams := map[string]string{"appId": app.ClientID}
		for _, h := range []apigw.LambdaHandler{api.GetDeveloperAppFunction(env), api.UpdateDeveloperAppFunction(env), api.RotateAppSecretFunction(env)} {
			if r := other.call(t, h, "PATCH", "/admin/v1/developer/apps/"+app.ClientID, appParams, map[string]any{"published": false}); r.StatusCode != 404 {
				t.Errorf("another account reaching a developer app: %d %s", r.StatusCode, r.Body)
			}
		}
		if r := owner.call(t, api.GetConnectionFunction(env), "GET", "/admin/v1/connections/"+tok.ConnectionID, params, nil); r.StatusCode != 200 {
			t.Errorf("the owner reading its connection: %d %s", r.StatusCode, r.Body)
		}

		// The logs header shows each connection's current token by its last
		// four characters: those of the re-issued token, of the new one.
		for _, issued := range []oauth.TokenResponse{again, second} {
			r := owner.call(t, api.ListConnectionLogsFunction(env), "GET", "/admin/v1/connections/"+issued.ConnectionID+"/logs",
				map[string]string{"connectionId": issued.ConnectionID}, nil)
			var page api.LogPage
			if err := json.Unmarshal([]byte(r.Body), &page); err != nil || r.StatusCode != 200 {
				t.Fatalf("logs of %s: %d %s", issued.ConnectionID, r.StatusCode, r.Body)
			}
			if want := "sbt_••••" + issued.AccessToken[len(issued.AccessToken)-4:]; page.Connection.Token != want {
				t.Errorf("logs header token %q, want %q", page.Connection.Token, want)
			}
		}
	})

	t.Run("members cannot manage apps", func(t *testing.T) {
		member := mustSignIn(t, env, "member@demo.test")
		if r := member.call(t, api.RegisterAppFunction(env), "POST", "/admin/v1/developer/apps", nil, posApp(nil)); r.StatusCode != 403 {
			t.Errorf("a member registering an app: %d %s", r.StatusCode, r.Body)
		}
		params := map[string]string{"appId": app.ClientID}
		if r := member.call(t, api.RotateAppSecretFunction(env), "POST", "/admin/v1/developer/apps/"+app.ClientID+"/secret", params, nil); r.StatusCode != 403 {
			t.Errorf("a member rotating a secret: %d %s", r.StatusCode, r.Body)
		}
		if r := member.call(t, api.GetDeveloperAppFunction(env), "GET", "/admin/v1/developer/apps/"+app.ClientID, params, nil); r.StatusCode != 200 || strings.Contains(r.Body, "clientSecret") {
			t.Errorf("a member reading the account's app: %d %s", r.StatusCode, r.Body)
		}
	})

	t.Run("no secret in clear", func(t *testing.T) {
		dump := scanTable(t, env)
		for _, secret := range []string{app.ClientSecret, tok.AccessToken, code} {
			if strings.Contains(dump, secret) {
				t.Errorf("the table holds %q in clear", secret[:8]+"…")
			}
		}
	})

	t.Run("revoke", func(t *testing.T) {
		fresh := exchange(t, env, app, consent(t, env, owner, q, "loc-canal", ""), nil)
		var ft oauth.TokenResponse
		_ = json.Unmarshal([]byte(fresh.Body), &ft)
		if r := form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {ft.AccessToken}}, app.ClientID, app.ClientSecret); r.StatusCode != 200 {
			t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
		}
		if stored, _ := store.GetToken(ctx, auth.HashToken(ft.AccessToken)); !stored.Revoked {
			t.Error("token not revoked")
		}
		if r := form(t, api.RevokeFunction(env), "/oauth2/v1/revoke", url.Values{"token": {"sbt_unknown"}}, app.ClientID, app.ClientSecret); r.StatusCode != 200 {
			t.Errorf("unknown token: %d, RFC 7009 answers 200", r.StatusCode)
		}
	})
}

func TestPKCEPublicClient(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterListedApp(t, env, owner, posApp(map[string]any{"publicClient": true, "name": "Pocket POS"}))
	verifier := strings.Repeat("v3rifier-", 6)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	noPKCE := public(t, api.AuthorizeFunction(env), "", get("/oauth2/v1/authorize?"+authorizeQuery(app.ClientID, nil).Encode()))
	if !strings.Contains(noPKCE.Headers["Location"], "error=invalid_request") {
		t.Errorf("public client without PKCE: %q", noPKCE.Headers["Location"])
	}
	q := authorizeQuery(app.ClientID, map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"})
	public := registered{ClientID: app.ClientID}
	code := consent(t, env, owner, q, "loc-bastille", "")
	if r := exchange(t, env, registered{}, code, url.Values{"client_id": {app.ClientID}, "code_verifier": {strings.Repeat("x", 43)}}); oauthErrorOf(t, r) != "invalid_grant" {
		t.Errorf("wrong verifier: %s", r.Body)
	}
	code = consent(t, env, owner, q, "loc-bastille", "")
	if r := exchange(t, env, registered{}, code, url.Values{"client_id": {app.ClientID}, "code_verifier": {verifier}}); r.StatusCode != 200 {
		t.Errorf("right verifier: %d %s", r.StatusCode, r.Body)
	}
	_ = public
	code = consent(t, env, owner, q, "loc-bastille", "")
	if r := exchange(t, env, registered{ClientID: app.ClientID, ClientSecret: app.ClientSecret}, code, url.Values{"code_verifier": {verifier}}); oauthErrorOf(t, r) != "invalid_client" {
		t.Errorf("a public client may not authenticate with a secret: %s", r.Body)
	}
}

func TestExpiredCode(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	app := mustRegisterApp(t, env, owner, posApp(nil))
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	start := time.Now()
	svc := &oauth.Service{Apps: store, Accounts: store, Connections: store, Tokens: store, Now: func() time.Time { return start }}
	q := authorizeQuery(app.ClientID, nil)
	ar, _ := oauth.AuthorizeRequestFromQuery(q)
	p := switchboard.Principal{AccountID: "acc-demo-pizzeria", UserID: "usr-owner", Role: switchboard.RoleSuperAdmin}
	to, err := svc.Decide(context.Background(), p, oauth.Decision{AuthorizeRequest: ar, LocationID: "loc-bastille", Approve: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(to)
	svc.Now = func() time.Time { return start.Add(switchboard.CodeLifetime + time.Second) }
	_, err = svc.Exchange(context.Background(), oauth.TokenRequest{GrantType: "authorization_code", Code: u.Query().Get("code"),
		RedirectURI: redirectURI, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	var oe *switchboard.OAuthError
	if !errorsAs(err, &oe) || oe.Code != "invalid_grant" {
		t.Errorf("expired code: %v", err)
	}
}

func errorsAs(err error, target **switchboard.OAuthError) bool {
	oe, ok := err.(*switchboard.OAuthError)
	if ok {
		*target = oe
	}
	return ok
}

// mustOtherAccountAdmin creates a second merchant with one location and an
// admin, and signs that admin in.
func mustOtherAccountAdmin(t *testing.T, env *platform.Env) signedIn {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	err := store.CreateAccount(ctx, switchboard.Account{ID: "acc-other", Name: "Other Bistro"}, []switchboard.Location{{ID: "loc-other", Name: "Other Bistro"}})
	if err == nil {
		hash, herr := auth.HashPassword("other-password")
		if herr != nil {
			t.Fatal(herr)
		}
		err = store.CreateUser(ctx, switchboard.User{ID: "usr-other", AccountID: "acc-other", Email: "admin@other.test", Name: "Other Admin", Role: switchboard.RoleAdmin, Active: true}, hash)
	}
	if err != nil && switchboard.ErrorCode(err) != switchboard.EConflict { // made by an earlier call on this table
		t.Fatal(err)
	}
	req := signInRequest(`{"email":"admin@other.test","password":"other-password"}`, "application/json", "localhost")
	resp := public(t, api.CreateSessionFunction(env), "/admin/v1/session", req)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign in other admin: %d %s", resp.StatusCode, resp.Body)
	}
	var me api.Me
	_ = json.Unmarshal([]byte(resp.Body), &me)
	return signedIn{cookie: strings.Split(resp.Cookies[0], ";")[0], csrf: me.CSRFToken}
}
