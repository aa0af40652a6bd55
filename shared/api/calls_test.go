package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// TestFindCallByRequestID: a member finds a call of the account by its
// request id alone, whatever the connection, with the detail panel's entry
// and the connection it went through; an unknown id and another account's
// id are both 404.
func TestFindCallByRequestID(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	logged := mustLogCalls(t, env)
	other := mustOtherAccountAdmin(t, env)
	h := api.FindCallFunction(env)
	find := func(s signedIn, id string) (int, api.FoundCall) {
		t.Helper()
		resp := s.call(t, h, http.MethodGet, "/admin/v1/calls/"+id, map[string]string{"requestId": id}, nil)
		var found api.FoundCall
		if resp.StatusCode == http.StatusOK {
			found = mustDecode[api.FoundCall](t, resp)
		}
		return resp.StatusCode, found
	}
	posted := logged.calls[1]
	status, found := find(member, posted.RequestID)
	if status != http.StatusOK {
		t.Fatalf("find %s: %d", posted.RequestID, status)
	}
	if diff := cmp.Diff(posted, found.Call, notInAPI); diff != "" {
		t.Errorf("call (-want +got):\n%s", diff)
	}
	if !found.BodiesAvailable || found.Request == nil || !strings.Contains(found.Request.Body, "margherita") {
		t.Errorf("bodies: %+v", found.LogEntry)
	}
	want := api.FoundConnection{ConnectionID: logsConnection, AppID: "orderline-pos", AppName: "OrderLine POS", LocationID: "loc-bastille"}
	if diff := cmp.Diff(want, found.Connection); diff != "" {
		t.Errorf("connection (-want +got):\n%s", diff)
	}
	if status, _ := find(member, "req_nosuch"); status != http.StatusNotFound {
		t.Errorf("unknown id: %d, want 404", status)
	}
	if status, _ := find(other, posted.RequestID); status != http.StatusNotFound {
		t.Errorf("another account's id: %d, want 404", status)
	}
}

// TestDeveloperAppCalls: the app's developer lists its calls in every
// account that connected it (after the roll-up), filters them, finds one by
// request id at once with its bodies and downloads them; each entry names
// the account id and location name only. Another account's admin gets 404
// on every route, and another app's request id is not found through this
// app.
func TestDeveloperAppCalls(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	other := mustOtherAccountAdmin(t, env)
	app := mustRegisterApp(t, env, owner, posApp(nil))
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	var calls []switchboard.Call
	for i, spec := range []struct {
		account, location, appID string
		status                   int
	}{
		{demo.Account.ID, "loc-bastille", app.ClientID, 200},
		{"acc-other", "loc-other", app.ClientID, 503},
		{demo.Account.ID, "loc-bastille", app.ClientID, 201},
		{demo.Account.ID, "loc-bastille", "orderline-pos", 200}, // another app's
	} {
		c := switchboard.Call{RequestID: "req-dev-" + string(rune('a'+i)), AccountID: spec.account, ConnectionID: "con-dev-" + spec.account,
			AppID: spec.appID, LocationID: spec.location, At: now.Add(time.Duration(i-5) * time.Minute), Resource: "orders", Method: "POST",
			Path: "/v1/locations/" + spec.location + "/orders", Status: spec.status, LatencyMs: 9, BodiesArchived: true,
			LoggedAt: now.Add(time.Duration(i-5)*time.Minute + time.Second)}
		if err := store.KeepBodies(ctx, c, switchboard.CallBodies{Request: switchboard.ArchivedBody{Body: `{"n":` + string(rune('1'+i)) + `}`},
			Response: switchboard.ArchivedBody{Status: c.Status, Body: `{"ok":true}`}}); err != nil {
			t.Fatal(err)
		}
		if err := store.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	later := func() time.Time { return now.Add(5 * time.Minute) }
	if _, err := store.WithClock(later).RollUp(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	params := func(extra ...string) map[string]string {
		p := map[string]string{"appId": app.ClientID}
		if len(extra) > 0 {
			p["requestId"] = extra[0]
		}
		return p
	}
	base := "/admin/v1/developer/apps/" + app.ClientID + "/calls"
	list := api.ListAppCallsFunction(env)
	resp := owner.call(t, list, http.MethodGet, base, params(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, resp.Body)
	}
	page := mustDecode[api.AppCallPage](t, resp)
	want := []api.AppCall{}
	for _, i := range []int{2, 1, 0} {
		c := calls[i]
		name := "Other Bistro"
		if c.AccountID == demo.Account.ID {
			name = demo.Locations[0].Name
		}
		want = append(want, api.AppCall{RequestID: c.RequestID, AccountID: c.AccountID, LocationName: name, At: c.At, Resource: c.Resource,
			Method: c.Method, Path: c.Path, Status: c.Status, LatencyMs: c.LatencyMs, BodiesArchived: true})
	}
	if diff := cmp.Diff(want, page.Calls); diff != "" {
		t.Errorf("app's calls (-want +got):\n%s", diff)
	}
	if strings.Contains(resp.Body, "con-dev-") || strings.Contains(resp.Body, "connectionId") {
		t.Errorf("the developer's entries name a connection: %s", resp.Body)
	}

	filtered := get(base + "?status=5xx")
	filtered.Cookies = []string{owner.cookie}
	filtered.PathParameters = params()
	filtered.QueryStringParameters = map[string]string{"status": "5xx"}
	resp, err := list(ctx, filtered)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("filtered: %d %v", resp.StatusCode, err)
	}
	if got := mustDecode[api.AppCallPage](t, resp).Calls; len(got) != 1 || got[0].RequestID != calls[1].RequestID {
		t.Errorf("status=5xx lists %+v", got)
	}

	entry := owner.call(t, api.GetAppCallFunction(env), http.MethodGet, base+"/"+calls[1].RequestID, params(calls[1].RequestID), nil)
	if entry.StatusCode != http.StatusOK {
		t.Fatalf("entry: %d %s", entry.StatusCode, entry.Body)
	}
	e := mustDecode[api.AppCallEntry](t, entry)
	if e.Call.AccountID != "acc-other" || e.Call.LocationName != "Other Bistro" || !e.BodiesAvailable || e.Request == nil || !strings.Contains(e.Request.Body, `"n": 2`) {
		t.Errorf("entry %+v", e)
	}
	dl := owner.call(t, api.DownloadAppCallBodyFunction(env), http.MethodGet, base+"/"+calls[1].RequestID+"/response", params(calls[1].RequestID), nil)
	if dl.StatusCode != http.StatusOK || !strings.Contains(dl.Body, `"ok": true`) || !strings.Contains(dl.Headers["Content-Disposition"], calls[1].RequestID+"-response.json") {
		t.Errorf("download: %d %v %s", dl.StatusCode, dl.Headers, dl.Body)
	}

	mustStatus(t, "another app's call through this app", owner.call(t, api.GetAppCallFunction(env), http.MethodGet, base+"/"+calls[3].RequestID, params(calls[3].RequestID), nil), http.StatusNotFound)
	mustStatus(t, "other lists the app's calls", other.call(t, list, http.MethodGet, base, params(), nil), http.StatusNotFound)
	mustStatus(t, "other finds the app's call", other.call(t, api.GetAppCallFunction(env), http.MethodGet, base+"/"+calls[0].RequestID, params(calls[0].RequestID), nil), http.StatusNotFound)
	mustStatus(t, "other downloads the app's call", other.call(t, api.DownloadAppCallBodyFunction(env), http.MethodGet, base+"/"+calls[0].RequestID+"/request", params(calls[0].RequestID), nil), http.StatusNotFound)
}
