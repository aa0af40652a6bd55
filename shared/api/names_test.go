package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
)

// TestNamesRefuseControlCharacters: every route that takes a name (apps,
// teams, notification rules, users) refuses NUL, newlines and the
// right-to-left override with 400 invalid, through the one domain check
// (switchboard.NormalizeName), and still takes a plain name.
func TestNamesRefuseControlCharacters(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	routes := []struct {
		what, path string
		h          apigw.LambdaHandler
		body       func(name string, i int) string
	}{
		{"app", "/admin/v1/developer/apps", api.RegisterAppFunction(env), func(name string, _ int) string {
			return `{"name":` + quote(name) + `,"developer":"Matrix","description":"An app.","category":"pos","level":"location","scopes":["orders.read"],"redirectUris":["https://app.example/cb"]}`
		}},
		{"team", "/admin/v1/teams", api.CreateTeamFunction(env), func(name string, _ int) string { return `{"name":` + quote(name) + `}` }},
		{"rule", "/admin/v1/notifications", api.CreateNotificationRuleFunction(env), func(name string, _ int) string {
			return `{"name":` + quote(name) + `,"type":"install","frequency":"weekly","allApps":true,"recipients":{"mode":"everyone"}}`
		}},
		{"user", "/admin/v1/users", api.InviteUserFunction(env), func(name string, i int) string {
			return `{"email":"named` + strings.Repeat("x", i) + `@demo.test","name":` + quote(name) + `,"role":"member"}`
		}},
	}
	for _, r := range routes {
		for i, bad := range []string{"Nul\x00Byte", "Two\nLines", "Invoice\u202etxt.exe", "Isolate\u2066x\u2069"} {
			wantStatus(t, r.what+" "+quote(bad), callAs(t, r.h, owner, "POST", r.path, nil, r.body(bad, i)), 400, "invalid")
		}
		wantStatus(t, r.what+" with a plain name", callAs(t, r.h, owner, "POST", r.path, nil, r.body("Plain Name", 9)), 201, "")
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
