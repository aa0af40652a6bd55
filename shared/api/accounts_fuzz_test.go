package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// FuzzAccountBodies sends arbitrary JSON to the routes that make and
// recover accounts: sign-up and its verification, password reset and
// change, locations. Whatever comes in, the answer is a JSON non-5xx.
func FuzzAccountBodies(f *testing.F) {
	for _, s := range []string{
		`{"accountName":"Shop","timeZone":"Europe/Paris","name":"Owner","email":"fuzz@new.test","password":"a-long-and-rare-password"}`,
		`{"accountName":"Shop","timeZone":"Mars/Olympus","name":"Owner","email":"fuzz@new.test","password":"short"}`,
		`{"accountName":"Shop","timeZone":"UTC","name":"Owner","email":"fuzz2@new.test","password":"123qweasdzxc","locationName":"  "}`,
		`{"token":"x"}`, `{"token":""}`, `{"email":"owner@demo.test"}`, `{"token":"x","password":"a-long-and-rare-password"}`,
		`{"currentPassword":"switchboard-demo","newPassword":"another-rare-password"}`,
		`{"name":"Canal","timeZone":"Europe/Paris"}`, `{"name":null}`, `{}`, `[]`, `"x"`, `null`,
		`{"email":"` + strings.Repeat("a", 300) + `@x.test"}`,
	} {
		f.Add(s)
	}
	env := testenv.MustEnv(f)
	env.Config.SiteOrigin = "https://admin.switchboard.test"
	owner := mustSignIn(f, env, "owner@demo.test")
	routes := []struct {
		h      apigw.LambdaHandler
		method string
		route  string
		params map[string]string
		signed bool
	}{
		{api.SignupFunction(env), http.MethodPost, "/admin/v1/signup", nil, false},
		{api.VerifySignupFunction(env), http.MethodPost, "/admin/v1/signup/verify", nil, false},
		{api.RequestPasswordResetFunction(env), http.MethodPost, "/admin/v1/password-reset", nil, false},
		{api.ConfirmPasswordResetFunction(env), http.MethodPost, "/admin/v1/password-reset/confirm", nil, false},
		{api.ChangePasswordFunction(env), http.MethodPut, "/admin/v1/me/password", nil, true},
		{api.CreateLocationFunction(env), http.MethodPost, "/admin/v1/locations", nil, true},
		{api.UpdateLocationFunction(env), http.MethodPatch, "/admin/v1/locations/{locationId}", map[string]string{"locationId": "loc-canal"}, true},
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, r := range routes {
			req := apigw.Request{Headers: map[string]string{"content-type": "application/json", "host": "localhost"}, Body: body, PathParameters: r.params}
			if r.signed {
				req = owner.get("/")
				req.Headers = map[string]string{"content-type": "application/json", "x-csrf-token": owner.csrf, "host": "localhost"}
				req.Body, req.PathParameters = body, r.params
			}
			req.RequestContext.HTTP.Method = r.method
			req.RequestContext.HTTP.SourceIP = "192.0.2.98"
			fuzzSend(t, r.h, r.route, req)
		}
	})
}
