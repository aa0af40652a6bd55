package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

type ruleList struct {
	Rules         []switchboard.NotificationRule `json:"rules"`
	SenderAddress string                         `json:"senderAddress"`
	CanManage     bool                           `json:"canManage"`
}

// ruleBody builds a create or replace body; extra fields are JSON members
// that override the defaults.
func ruleBody(extra string) string {
	b := `{"name":"New installs","type":"install","frequency":"daily","allApps":true,"appIds":[],"recipients":{"mode":"super_admins","userIds":[],"teamIds":[]}`
	if extra != "" {
		var base, over map[string]any
		_ = json.Unmarshal([]byte(b+"}"), &base)
		if err := json.Unmarshal([]byte("{"+extra+"}"), &over); err != nil {
			panic(err)
		}
		for k, v := range over {
			base[k] = v
		}
		out, _ := json.Marshal(base)
		return string(out)
	}
	return b + "}"
}

func TestNotificationRuleRoutes(t *testing.T) {
	env := testenv.MustEnv(t)
	owner, admin, member := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "admin@demo.test"), mustSignIn(t, env, "member@demo.test")
	list, create, get := api.ListNotificationRulesFunction(env), api.CreateNotificationRuleFunction(env), api.GetNotificationRuleFunction(env)
	update, del := api.UpdateNotificationRuleFunction(env), api.DeleteNotificationRuleFunction(env)

	resp := callAs(t, create, admin, "POST", "/admin/v1/notifications", nil,
		ruleBody(`"name":"  Kitchen   errors ","type":"errors","frequency":"hourly","allApps":false,"appIds":["clickeat","orderline-pos","clickeat"],"recipients":{"mode":"specific","userIds":["usr-owner"],"teamIds":["team-kitchen"]}`))
	wantStatus(t, "admin creates", resp, 201, "")
	rule := decode[switchboard.NotificationRule](t, resp)
	if rule.Name != "Kitchen errors" || rule.AccountID != demo.Account.ID || !strings.HasPrefix(rule.ID, "rule-") || rule.Version != 1 ||
		strings.Join(rule.AppIDs, ",") != "clickeat,orderline-pos" || rule.CreatedBy != "usr-admin" ||
		rule.Recipients.Mode != switchboard.RecipientsSpecific || strings.Join(rule.Recipients.TeamIDs, ",") != "team-kitchen" {
		t.Errorf("created %+v", rule)
	}
	ruleParam := map[string]string{"ruleId": rule.ID}

	for _, as := range []signedIn{member, owner} {
		got := decode[ruleList](t, callAs(t, list, as, "GET", "/admin/v1/notifications", nil, ""))
		if len(got.Rules) != 1 || got.Rules[0].ID != rule.ID || got.SenderAddress != env.Config.SenderAddress {
			t.Errorf("list: %+v", got)
		}
		if got.CanManage != (as == owner) {
			t.Errorf("canManage %v for %s", got.CanManage, as.cookie)
		}
		one := callAs(t, get, as, "GET", "/admin/v1/notifications/{ruleId}", ruleParam, "")
		wantStatus(t, "read one", one, 200, "")
		if r := decode[switchboard.NotificationRule](t, one); r.Name != "Kitchen errors" {
			t.Errorf("get: %+v", r)
		}
	}

	v := func(n int) string { return fmt.Sprintf(`"version":%d`, n) }
	tests := []struct {
		name   string
		as     signedIn
		h      apigw.LambdaHandler
		method string
		params map[string]string
		body   string
		status int
		code   string
		msg    string // part of the error message
	}{
		{"member creates", member, create, "POST", nil, ruleBody(""), 403, "forbidden", ""},
		{"owner creates", owner, create, "POST", nil, ruleBody(`"name":"Uninstalls","type":"uninstall","frequency":"monthly","recipients":{"mode":"everyone"}`), 201, "", ""},
		{"empty name", admin, create, "POST", nil, ruleBody(`"name":"   "`), 400, "invalid", "name is required"},
		{"long name", admin, create, "POST", nil, ruleBody(`"name":"` + strings.Repeat("n", 101) + `"`), 400, "invalid", "at most 100"},
		{"100 characters", admin, create, "POST", nil, ruleBody(`"name":"` + strings.Repeat("é", 100) + `"`), 201, "", ""},
		{"bad type", admin, create, "POST", nil, ruleBody(`"type":"scopes"`), 400, "invalid", "type must be"},
		{"bad frequency", admin, create, "POST", nil, ruleBody(`"frequency":"yearly"`), 400, "invalid", "frequency must be"},
		{"no apps", admin, create, "POST", nil, ruleBody(`"allApps":false,"appIds":[]`), 400, "invalid", "at least one app"},
		{"unknown app", admin, create, "POST", nil, ruleBody(`"allApps":false,"appIds":["clickeat","no-such-app"]`), 400, "invalid", `unknown app "no-such-app"`},
		{"unknown user", admin, create, "POST", nil, ruleBody(`"recipients":{"mode":"specific","userIds":["usr-ghost"]}`), 400, "invalid", `unknown user "usr-ghost"`},
		{"unknown team", admin, create, "POST", nil, ruleBody(`"recipients":{"mode":"specific","teamIds":["team-ghost"]}`), 400, "invalid", `unknown team "team-ghost"`},
		{"empty specific list", admin, create, "POST", nil, ruleBody(`"recipients":{"mode":"specific","userIds":[],"teamIds":[]}`), 400, "invalid", "at least one user or team"},
		{"bad mode", admin, create, "POST", nil, ruleBody(`"recipients":{"mode":"admins"}`), 400, "invalid", "recipients mode"},
		{"unknown field", admin, create, "POST", nil, ruleBody(`"extra":1`), 400, "invalid", ""},
		{"not JSON", admin, create, "POST", nil, `name=x`, 400, "invalid", ""},

		{"member replaces", member, update, "PUT", ruleParam, ruleBody(v(1)), 403, "forbidden", ""},
		{"replace without version", admin, update, "PUT", ruleParam, ruleBody(""), 400, "invalid", "version"},
		{"admin replaces", admin, update, "PUT", ruleParam, ruleBody(`"name":"Installs everywhere","frequency":"weekly",` + v(1)), 200, "", ""},
		{"stale version", owner, update, "PUT", ruleParam, ruleBody(`"name":"Lost update",` + v(1)), 409, "conflict", ""},
		{"owner replaces", owner, update, "PUT", ruleParam, ruleBody(`"name":"Installs, owner's",` + v(2)), 200, "", ""},
		{"replace with an unknown team", owner, update, "PUT", ruleParam, ruleBody(`"recipients":{"mode":"specific","teamIds":["team-ghost"]},` + v(3)), 400, "invalid", "unknown team"},
		{"replace an unknown rule", owner, update, "PUT", map[string]string{"ruleId": "rule-nope"}, ruleBody(v(1)), 404, "not_found", ""},
		{"read an unknown rule", member, get, "GET", map[string]string{"ruleId": "rule-nope"}, "", 404, "not_found", ""},
		{"not an id", member, get, "GET", map[string]string{"ruleId": "../x"}, "", 404, "not_found", ""},

		{"member deletes", member, del, "DELETE", ruleParam, "", 403, "forbidden", ""},
		{"admin deletes", admin, del, "DELETE", ruleParam, "", 204, "", ""},
		{"delete again", owner, del, "DELETE", ruleParam, "", 404, "not_found", ""},
		{"read deleted", member, get, "GET", ruleParam, "", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route := "/admin/v1/notifications"
			if tt.params != nil {
				route += "/{ruleId}"
			}
			resp := callAs(t, tt.h, tt.as, tt.method, route, tt.params, tt.body)
			wantStatus(t, tt.name, resp, tt.status, tt.code)
			if tt.msg != "" {
				var e struct{ Error struct{ Message string } }
				if json.Unmarshal([]byte(resp.Body), &e) != nil || !strings.Contains(e.Error.Message, tt.msg) {
					t.Errorf("body %s, want a message with %q", resp.Body, tt.msg)
				}
			}
			if tt.name == "admin replaces" {
				r := decode[switchboard.NotificationRule](t, resp)
				if r.Version != 2 || r.Frequency != switchboard.Weekly || !r.AllApps || len(r.AppIDs) != 0 || r.CreatedBy != "usr-admin" ||
					r.Recipients.Mode != switchboard.RecipientsSuperAdmins || len(r.Recipients.TeamIDs) != 0 {
					t.Errorf("replaced %+v", r)
				}
			}
		})
	}
	var names []string
	for _, r := range decode[ruleList](t, callAs(t, list, member, "GET", "/admin/v1/notifications", nil, "")).Rules {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, "|"); got != "Uninstalls|"+strings.Repeat("é", 100) {
		t.Errorf("rules at the end: %s", got)
	}
}

// TestNotificationRulesTenant: another account's admin neither sees nor
// touches Demo Pizzeria's rules, and cannot name its users or teams.
func TestNotificationRulesTenant(t *testing.T) {
	env := testenv.MustEnv(t)
	admin := mustSignIn(t, env, "admin@demo.test")
	rival := mustRivalSuperAdmin(t, env)
	resp := callAs(t, api.CreateNotificationRuleFunction(env), admin, "POST", "/admin/v1/notifications", nil, ruleBody(""))
	wantStatus(t, "demo admin creates", resp, 201, "")
	rule := decode[switchboard.NotificationRule](t, resp)
	param := map[string]string{"ruleId": rule.ID}

	if got := decode[ruleList](t, callAs(t, api.ListNotificationRulesFunction(env), rival, "GET", "/admin/v1/notifications", nil, "")); len(got.Rules) != 0 {
		t.Errorf("rival lists %+v", got.Rules)
	}
	wantStatus(t, "rival reads", callAs(t, api.GetNotificationRuleFunction(env), rival, "GET", "/admin/v1/notifications/{ruleId}", param, ""), 404, "not_found")
	wantStatus(t, "rival replaces", callAs(t, api.UpdateNotificationRuleFunction(env), rival, "PUT", "/admin/v1/notifications/{ruleId}", param, ruleBody(`"name":"Hijacked","version":1`)), 404, "not_found")
	wantStatus(t, "rival deletes", callAs(t, api.DeleteNotificationRuleFunction(env), rival, "DELETE", "/admin/v1/notifications/{ruleId}", param, ""), 404, "not_found")
	wantStatus(t, "rival names a demo user", callAs(t, api.CreateNotificationRuleFunction(env), rival, "POST", "/admin/v1/notifications", nil,
		ruleBody(`"recipients":{"mode":"specific","userIds":["usr-owner"]}`)), 400, "invalid")
	wantStatus(t, "rival names a demo team", callAs(t, api.CreateNotificationRuleFunction(env), rival, "POST", "/admin/v1/notifications", nil,
		ruleBody(`"recipients":{"mode":"specific","teamIds":["team-kitchen"]}`)), 400, "invalid")

	after := decode[switchboard.NotificationRule](t, callAs(t, api.GetNotificationRuleFunction(env), admin, "GET", "/admin/v1/notifications/{ruleId}", param, ""))
	if after.Name != rule.Name || after.Version != 1 {
		t.Errorf("rule after the rival's attempts: %+v", after)
	}
}

// FuzzNotificationRulesAPI feeds arbitrary bodies to create and replace:
// whatever comes in, the answer is never a 5xx, and always JSON.
func FuzzNotificationRulesAPI(f *testing.F) {
	for _, body := range []string{ruleBody(""), ruleBody(`"version":1`), ruleBody(`"name":null`), ruleBody(`"appIds":null,"allApps":false`),
		ruleBody(`"recipients":null`), ruleBody(`"recipients":{"mode":"specific","userIds":[""]}`), ruleBody(`"appIds":[1]`),
		ruleBody(`"version":-1`), ruleBody(`"version":1e99`), ruleBody(`"type":"rate_limit"`), ruleBody(`"type":"rate_limits"`), `{}`, `[]`, `null`, `{"name":"\u0000"}`, `{"name":"\ud800"}`, "\xff", ""} {
		f.Add(body)
	}
	env := testenv.MustEnv(f)
	admin := mustSignIn(f, env, "admin@demo.test")
	create, update := api.CreateNotificationRuleFunction(env), api.UpdateNotificationRuleFunction(env)
	// The PUT edits a rule that exists, so that the update's validation is
	// what the fuzzer explores, not the 404 of a missing rule.
	created := admin.call(f, create, "POST", "/admin/v1/notifications", nil, json.RawMessage(ruleBody("")))
	var rule struct{ ID string }
	if err := json.Unmarshal([]byte(created.Body), &rule); err != nil || created.StatusCode != 201 || rule.ID == "" {
		f.Fatalf("create the rule to edit: %d %s", created.StatusCode, created.Body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fuzzJSONWrites(t, admin, body, jsonWrite{create, "POST", "/admin/v1/notifications", nil}, jsonWrite{update, "PUT", "/admin/v1/notifications/{ruleId}", map[string]string{"ruleId": rule.ID}})
	})
}
