package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// FuzzOAuthForms sends arbitrary bodies and Authorization headers to the
// token and revoke endpoints: the answer is always an RFC 6749 error or a
// success, never a 5xx.
func FuzzOAuthForms(f *testing.F) {
	for _, s := range []struct{ body, authz string }{
		{"grant_type=authorization_code&code=sbc_x&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&client_id=app-x&client_secret=y", ""},
		{"grant_type=authorization_code&code=a&code=b", ""},
		{"token=sbt_x&client_id=app-x", ""},
		{"grant_type=authorization_code&code=x", "Basic YXBwLXg6eQ=="},
		{"%zz", "Basic !!!"},
		{"", "Bearer x"},
	} {
		f.Add(s.body, s.authz)
	}
	env := testenv.MustEnv(f)
	mustSeedDemo(f, env)
	token, revoke := api.TokenFunction(env), api.RevokeFunction(env)
	f.Fuzz(func(t *testing.T, body, authz string) {
		for route, h := range map[string]apigw.LambdaHandler{"/oauth2/v1/token": token, "/oauth2/v1/revoke": revoke} {
			req := apigw.Request{Body: body, Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "authorization": authz}}
			req.RequestContext.HTTP.Method = http.MethodPost
			fuzzSend(t, h, route, req)
		}
	})
}

// FuzzAdminJSONBodies feeds arbitrary JSON to the consent and developer-app
// routes as a signed-in admin: invalid input is a 4xx with a JSON error.
func FuzzAdminJSONBodies(f *testing.F) {
	for _, s := range []string{
		`{"client_id":"app-x","redirect_uri":"https://a.example/cb","scope":"location[orders.read]","approve":true,"location_id":"loc-bastille"}`,
		`{"name":"X","category":"pos","level":"location","scopes":["orders.read"],"developer":"D","redirectUris":["https://a.example/cb"]}`,
		`{"redirectUris":["javascript:alert(1)"]}`, `{"scopes":"orders.read"}`, `[]`, `null`, `{"approve":"yes"}`, `{"name":"` + strings.Repeat("x", 200) + `"}`,
	} {
		f.Add(s)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	decide, register := api.DecideFunction(env), api.RegisterAppFunction(env)
	f.Fuzz(func(t *testing.T, body string) {
		for route, h := range map[string]apigw.LambdaHandler{"/oauth2/v1/authorize": decide, "/admin/v1/developer/apps": register} {
			req := owner.get("/")
			req.RequestContext.HTTP.Method = http.MethodPost
			req.Headers = map[string]string{"x-csrf-token": owner.csrf, "content-type": "application/json"}
			req.Body = body
			if resp := fuzzSend(t, h, route, req); !json.Valid([]byte(resp.Body)) {
				t.Fatalf("body is not JSON: %q", resp.Body)
			}
		}
	})
}
