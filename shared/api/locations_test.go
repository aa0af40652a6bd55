package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

type locationList struct {
	Locations []switchboard.Location `json:"locations"`
}

func TestLocationRoutes(t *testing.T) {
	env := testenv.MustEnv(t)
	owner, admin, member := mustSignIn(t, env, "owner@demo.test"), mustSignIn(t, env, "admin@demo.test"), mustSignIn(t, env, "member@demo.test")
	list, create, update := api.ListLocationsFunction(env), api.CreateLocationFunction(env), api.UpdateLocationFunction(env)

	before := decode[locationList](t, callAs(t, list, member, "GET", "/admin/v1/locations", nil, "")).Locations
	if len(before) == 0 {
		t.Fatal("the demo account lists no locations")
	}
	for _, l := range before {
		if l.TimeZone == "" || l.AccountID != "acc-demo-pizzeria" {
			t.Errorf("location %+v: no time zone (the account's is the default) or not the demo account's", l)
		}
	}
	bastille := map[string]string{"locationId": "loc-bastille"}
	tests := []struct {
		name         string
		as           signedIn
		method, body string
		params       map[string]string
		status       int
		code         string
	}{
		{"member adds", member, "POST", `{"name":"Oberkampf"}`, nil, 403, "forbidden"},
		{"no name", admin, "POST", `{"name":"  "}`, nil, 400, "invalid"},
		{"unknown time zone", admin, "POST", `{"name":"Oberkampf","timeZone":"Europe/Atlantis"}`, nil, 400, "invalid"},
		{"unknown field", admin, "POST", `{"name":"Oberkampf","accountId":"acc-rival"}`, nil, 400, "invalid"},
		{"admin adds", admin, "POST", `{"name":"  Oberkampf ","timeZone":"Europe/Paris"}`, nil, 201, ""},
		{"owner adds with the account's zone", owner, "POST", `{"name":"Montmartre"}`, nil, 201, ""},
		{"member renames", member, "PATCH", `{"name":"Mine"}`, bastille, 403, "forbidden"},
		{"nothing to change", admin, "PATCH", `{}`, bastille, 400, "invalid"},
		{"bad zone", admin, "PATCH", `{"timeZone":"Local"}`, bastille, 400, "invalid"},
		{"unknown location", admin, "PATCH", `{"name":"X"}`, map[string]string{"locationId": "loc-nowhere"}, 404, "not_found"},
		{"not an id", admin, "PATCH", `{"name":"X"}`, map[string]string{"locationId": "LOCATION#loc-bastille"}, 404, "not_found"},
		{"admin renames", admin, "PATCH", `{"name":"Bastille (rue de Lappe)","timeZone":"Europe/Paris"}`, bastille, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, route := create, "/admin/v1/locations"
			if tt.method == "PATCH" {
				h, route = update, "/admin/v1/locations/{locationId}"
			}
			wantStatus(t, tt.name, callAs(t, h, tt.as, tt.method, route, tt.params, tt.body), tt.status, tt.code)
		})
	}
	after := decode[locationList](t, callAs(t, list, member, "GET", "/admin/v1/locations", nil, "")).Locations
	names := map[string]string{}
	for _, l := range after {
		names[l.Name] = l.TimeZone
	}
	if len(after) != len(before)+2 || names["Oberkampf"] != "Europe/Paris" || names["Montmartre"] == "" || names["Bastille (rue de Lappe)"] != "Europe/Paris" {
		t.Errorf("after: %+v", after)
	}
	// The site's pages read locations from /me: they pick the new ones up.
	me := decode[api.Me](t, callAs(t, api.GetMeFunction(env), member, "GET", "/admin/v1/me", nil, ""))
	if len(me.Locations) != len(after) {
		t.Errorf("/me lists %d locations, want %d", len(me.Locations), len(after))
	}

	rival := mustRivalSuperAdmin(t, env)
	wantStatus(t, "another account's admin renames", callAs(t, update, rival, "PATCH", "/admin/v1/locations/{locationId}", bastille, `{"name":"Taken"}`), 404, "not_found")
	rivalList := callAs(t, list, rival, "GET", "/admin/v1/locations", nil, "")
	if strings.Contains(rivalList.Body, "loc-bastille") || strings.Contains(rivalList.Body, "Oberkampf") {
		t.Errorf("another account lists the demo's locations: %s", rivalList.Body)
	}
}

// TestPlatformLocationReadsTheSameItem: an app connected at a location
// sees it renamed as soon as the merchant renames it, and its own time
// zone once it has one (the account's before).
func TestPlatformLocationReadsTheSameItem(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	conn := mustConnect(t, env, owner, "")
	account, err := dynamo.New(env.DynamoDB(), env.Config.TableName).GetAccount(context.Background(), demo.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp := platformGet(t, env, conn.token)
	if want := `"time_zone":"` + account.TimeZone + `"`; resp.StatusCode != 200 || !strings.Contains(resp.Body, want) {
		t.Errorf("GET /v1/location before the location has its own zone: %d %s, want %s", resp.StatusCode, resp.Body, want)
	}
	wantStatus(t, "rename", callAs(t, api.UpdateLocationFunction(env), owner, "PATCH", "/admin/v1/locations/{locationId}",
		map[string]string{"locationId": "loc-bastille"}, `{"name":"Bastille renamed","timeZone":"America/New_York"}`), 200, "")
	resp = platformGet(t, env, conn.token)
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"name":"Bastille renamed"`) || !strings.Contains(resp.Body, `"id":"loc-bastille"`) ||
		!strings.Contains(resp.Body, `"time_zone":"America/New_York"`) {
		t.Errorf("GET /v1/location: %d %s", resp.StatusCode, resp.Body)
	}
}
