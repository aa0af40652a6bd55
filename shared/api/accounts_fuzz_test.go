package api_test

import (
	"context"
	"encoding/json"
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
		params map[string]string
		signed bool
	}{
		{api.SignupFunction(env), http.MethodPost, nil, false},
		{api.VerifySignupFunction(env), http.MethodPost, nil, false},
		{api.RequestPasswordResetFunction(env), http.MethodPost, nil, false},
		{api.ConfirmPasswordResetFunction(env), http.MethodPost, nil, false},
		{api.ChangePasswordFunction(env), http.MethodPut, nil, true},
		{api.CreateLocationFunction(env), http.MethodPost, nil, true},
		{api.UpdateLocationFunction(env), http.MethodPatch, map[string]string{"locationId": "loc-canal"}, true},
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
			resp, err := r.h(context.Background(), req)
			if err != nil || resp.StatusCode >= 500 {
				t.Fatalf("body %q: %d %v %s", body, resp.StatusCode, err, resp.Body)
			}
			if resp.Body != "" && !json.Valid([]byte(resp.Body)) {
				t.Fatalf("body is not JSON: %q", resp.Body)
			}
		}
	})
}
