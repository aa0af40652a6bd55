package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// FuzzWriteBodies sends arbitrary JSON to the remaining write routes that
// take a body: sign-in, invitation acceptance, user invites and changes,
// and a developer's app changes. Whatever comes in, the answer is a JSON
// non-5xx.
func FuzzWriteBodies(f *testing.F) {
	for _, s := range []string{
		`{"email":"owner@demo.test","password":"switchboard-demo"}`, `{"email":"x","password":""}`,
		`{"token":"sbi_x","password":"long-enough-password"}`, `{"email":"new@demo.test","name":"New","role":"member"}`,
		`{"role":"super_admin"}`, `{"active":false}`, `{"published":true,"redirectUris":[]}`, `{"level":"planet"}`,
		`{}`, `[]`, `"x"`, `{"name":null}`, `{"email":"` + strings.Repeat("a", 300) + `@x.test"}`,
	} {
		f.Add(s)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	app := mustRegisterApp(f, env, owner, posApp(nil))
	routes := []struct {
		h      apigw.LambdaHandler
		method string
		route  string
		params map[string]string
		signed bool
	}{
		{api.CreateSessionFunction(env), http.MethodPost, "/admin/v1/session", nil, false},
		{api.AcceptInvitationFunction(env), http.MethodPost, "/admin/v1/invitations/accept", nil, false},
		{api.InviteUserFunction(env), http.MethodPost, "/admin/v1/users", nil, true},
		{api.UpdateUserFunction(env), http.MethodPatch, "/admin/v1/users/{userId}", map[string]string{"userId": "usr-member"}, true},
		{api.UpdateDeveloperAppFunction(env), http.MethodPatch, "/admin/v1/developer/apps/{appId}", map[string]string{"appId": app.ClientID}, true},
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
			req.RequestContext.HTTP.SourceIP = "192.0.2.99"
			fuzzSend(t, r.h, r.route, req)
		}
	})
}

// FuzzLogsQuery feeds arbitrary query strings to the connection-log listing.
func FuzzLogsQuery(f *testing.F) {
	for _, q := range []string{"", "status=2xx", "status=429&method=GET", "status=7xx", "from=2026-11-24T10:00:00Z&to=2026-11-23T10:00:00Z",
		"from=yesterday", "limit=0", "limit=101", "cursor=%%%", "resource=orders&limit=5",
		"resource=orders,customers&method=GET,POST", "status=4xx,5xx", "status=2xx,503,429", "method=,,,", "resource=a,b,c,d,e,f,g,h,i,j,k",
		"method=GET&method=POST", "status=4xx,%23", "resource=orders,Orders"} {
		f.Add(q)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	h := api.ListConnectionLogsFunction(env)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		req := owner.get("/admin/v1/connections/con_x/logs?" + rawQuery)
		req.PathParameters = map[string]string{"connectionId": "con_x"}
		fuzzSend(t, h, "/admin/v1/connections/{connectionId}/logs", req)
	})
}
