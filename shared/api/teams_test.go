package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

type teamList struct {
	Teams []switchboard.Team `json:"teams"`
}

// teamSummary is "Name[member,…] …", to compare listings in one line.
func teamSummary(teams []switchboard.Team) string {
	var parts []string
	for _, t := range teams {
		parts = append(parts, t.Name+"["+strings.Join(t.MemberIDs, ",")+"]")
	}
	return strings.Join(parts, " ")
}

func TestTeamRoutesByRole(t *testing.T) {
	env := testenv.MustEnv(t)
	owner, admin, member := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "admin@demo.test"), mustSignIn(t, env, "member@demo.test")
	list, create, rename, del := api.ListTeamsFunction(env), api.CreateTeamFunction(env), api.RenameTeamFunction(env), api.DeleteTeamFunction(env)
	add, remove := api.AddTeamMemberFunction(env), api.RemoveTeamMemberFunction(env)

	resp := callAs(t, list, member, "GET", "/admin/v1/teams", nil, "")
	wantStatus(t, "members list teams", resp, 200, "")
	if got := teamSummary(decode[teamList](t, resp).Teams); got != "Kitchen[usr-member] Marketing[usr-admin,usr-member]" {
		t.Errorf("demo teams: %s", got)
	}

	// Each write, by each role: members are refused before any lookup.
	resp = callAs(t, create, admin, "POST", "/admin/v1/teams", nil, `{"name":"Delivery"}`)
	wantStatus(t, "admin creates", resp, 201, "")
	delivery := decode[switchboard.Team](t, resp)
	if delivery.Name != "Delivery" || delivery.AccountID != "acc-demo-pizzeria" || delivery.MemberIDs == nil || !strings.HasPrefix(delivery.ID, "team-") {
		t.Errorf("created %+v", delivery)
	}
	team := func(id string) map[string]string { return map[string]string{"teamId": id} }
	member2 := func(teamID, userID string) map[string]string {
		return map[string]string{"teamId": teamID, "userId": userID}
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
		{"member creates", member, create, "POST", nil, `{"name":"Bar"}`, 403, "forbidden"},
		{"owner creates", owner, create, "POST", nil, `{"name":"Bar"}`, 201, ""},
		{"same name in capitals", admin, create, "POST", nil, `{"name":"  DELIVERY "}`, 409, "conflict"},
		{"empty name", admin, create, "POST", nil, `{"name":""}`, 400, "invalid"},
		{"long name", admin, create, "POST", nil, `{"name":"` + strings.Repeat("n", 61) + `"}`, 400, "invalid"},
		{"unknown field", admin, create, "POST", nil, `{"name":"X","memberIds":["usr-owner"]}`, 400, "invalid"},
		{"not JSON", admin, create, "POST", nil, `name=X`, 400, "invalid"},

		{"member renames", member, rename, "PATCH", team(delivery.ID), `{"name":"Riders"}`, 403, "forbidden"},
		{"admin renames", admin, rename, "PATCH", team(delivery.ID), `{"name":"Riders"}`, 200, ""},
		{"owner renames", owner, rename, "PATCH", team(delivery.ID), `{"name":"Couriers"}`, 200, ""},
		{"rename to a taken name", admin, rename, "PATCH", team(delivery.ID), `{"name":"kitchen"}`, 409, "conflict"},
		{"rename an unknown team", admin, rename, "PATCH", team("team-nope"), `{"name":"Y"}`, 404, "not_found"},

		{"member adds", member, add, "PUT", member2(delivery.ID, "usr-member"), "", 403, "forbidden"},
		{"admin adds", admin, add, "PUT", member2(delivery.ID, "usr-member"), "", 200, ""},
		{"admin adds again", admin, add, "PUT", member2(delivery.ID, "usr-member"), "", 200, ""},
		{"owner adds", owner, add, "PUT", member2(delivery.ID, "usr-owner"), "", 200, ""},
		{"add an unknown user", owner, add, "PUT", member2(delivery.ID, "usr-nobody"), "", 404, "not_found"},
		{"add to an unknown team", owner, add, "PUT", member2("team-nope", "usr-owner"), "", 404, "not_found"},

		{"member removes", member, remove, "DELETE", member2(delivery.ID, "usr-member"), "", 403, "forbidden"},
		{"admin removes", admin, remove, "DELETE", member2(delivery.ID, "usr-member"), "", 200, ""},
		{"remove a non-member", admin, remove, "DELETE", member2(delivery.ID, "usr-member"), "", 404, "not_found"},
		{"owner removes", owner, remove, "DELETE", member2(delivery.ID, "usr-owner"), "", 200, ""},

		{"member deletes", member, del, "DELETE", team(delivery.ID), "", 403, "forbidden"},
		{"admin deletes", admin, del, "DELETE", team(delivery.ID), "", 204, ""},
		{"delete again", admin, del, "DELETE", team(delivery.ID), "", 404, "not_found"},
		{"owner deletes", owner, del, "DELETE", team("team-kitchen"), "", 204, ""},
		{"not an id", owner, del, "DELETE", team("../team-marketing"), "", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, tt.name, callAs(t, tt.h, tt.as, tt.method, teamRoute(tt.params), tt.params, tt.body), tt.status, tt.code)
		})
	}
	if got := teamSummary(decode[teamList](t, callAs(t, list, member, "GET", "/admin/v1/teams", nil, "")).Teams); got != "Bar[] Marketing[usr-admin,usr-member]" {
		t.Errorf("teams at the end: %s", got)
	}
	noCSRF := admin
	noCSRF.csrf = "wrong"
	wantStatus(t, "a write without the CSRF token", callAs(t, create, noCSRF, "POST", "/admin/v1/teams", nil, `{"name":"Sneaky"}`), 403, "forbidden")
}

// FuzzTeamsAPI feeds arbitrary bodies to the create and rename routes:
// whatever comes in, the answer is never a 5xx, and always JSON.
func FuzzTeamsAPI(f *testing.F) {
	for _, body := range []string{`{"name":"Kitchen"}`, `{"name":"kitchen "}`, `{"name":""}`, `{"name":null}`, `{"name":1}`, `{}`, `[]`, `null`,
		`{"name":"a","name":"b"}`, `{"name":"\u0000"}`, `{"name":"\ud800"}`, `{"name":"` + strings.Repeat("é", 61) + `"}`, `{"name":"x"}{"name":"y"}`, `{"nom":"x"}`, "\xff", ""} {
		f.Add(body)
	}
	env := testenv.MustEnv(f)
	admin := mustSignIn(f, env, "admin@demo.test")
	create, rename := api.CreateTeamFunction(env), api.RenameTeamFunction(env)
	f.Fuzz(func(t *testing.T, body string) {
		fuzzJSONWrites(t, admin, body, jsonWrite{create, "POST", "/admin/v1/teams", nil}, jsonWrite{rename, "PATCH", "/admin/v1/teams/{teamId}", map[string]string{"teamId": "team-marketing"}})
	})
}

// jsonWrite is one admin write route a fuzz target sends bodies to.
type jsonWrite struct {
	h             apigw.LambdaHandler
	method, route string
	params        map[string]string
}

// fuzzJSONWrites sends body to each write as admin, the way the site does,
// and fails on a handler error, a 5xx or an answer site/openapi.json does
// not document.
func fuzzJSONWrites(t *testing.T, admin signedIn, body string, writes ...jsonWrite) {
	t.Helper()
	for _, w := range writes {
		req := admin.get(expandRoute(t, w.route, w.params))
		req.RequestContext.HTTP.Method = w.method
		req.PathParameters = w.params
		req.Headers = map[string]string{"content-type": "application/json", "x-csrf-token": admin.csrf}
		req.Body = body
		if resp := fuzzSend(t, w.h, w.route, req); !json.Valid([]byte(resp.Body)) {
			t.Fatalf("%s %q: status %d body %q", w.method, body, resp.StatusCode, resp.Body)
		}
	}
}

// teamRoute is the team route that takes params: the list, one team, or
// one member of a team.
func teamRoute(params map[string]string) string {
	switch {
	case params["userId"] != "":
		return "/admin/v1/teams/{teamId}/members/{userId}"
	case params["teamId"] != "":
		return "/admin/v1/teams/{teamId}"
	}
	return "/admin/v1/teams"
}
