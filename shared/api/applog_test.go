package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/openapicheck"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// appLogStart is the time of the app-log fixture's event 0; event i is i
// minutes later.
var appLogStart = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)

func appLogAt(i int) time.Time { return appLogStart.Add(time.Duration(i) * time.Minute) }

// mustRecordAppLog writes ten events of the demo account (evt_01 … evt_10,
// one a minute) and one of another account, through the store.
func mustRecordAppLog(t *testing.T, env *platform.Env) {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	conn := func(id, app, name, loc, label, scope string) *switchboard.Connection {
		return &switchboard.Connection{ID: id, AccountID: demo.Account.ID, AppID: app, AppName: name, LocationID: loc,
			InstanceLabel: label, Scope: scope, Status: switchboard.ConnectionActive}
	}
	posRead := conn("con_a", "orderline-pos", "OrderLine POS", "loc-bastille", "", "location[orders.read]")
	posRW := conn("con_a", "orderline-pos", "OrderLine POS", "loc-bastille", "", "location[orders.read,orders.write]")
	posCanal := conn("con_c", "orderline-pos", "OrderLine POS", "loc-canal", "Till 2", "location[orders.read]")
	mail := conn("con_b", "mailbloom", "MailBloom", "", "", "account[customers.read,orders.read]")
	mailBlocked := *mail
	mailBlocked.Status = switchboard.ConnectionBlocked
	drop := conn("con_d", "speedydrop", "SpeedyDrop Delivery", "loc-canal", "", "location[orders.read]")
	bi := conn("con_e", "insight-bi", "Insight BI", "", "-2+3", "account[orders.read]")
	events := []switchboard.AppEvent{
		{Type: switchboard.EventInstalled, ActorType: switchboard.ActorUser, ActorUserID: "usr-owner", After: posRead},
		{Type: switchboard.EventInstalled, ActorType: switchboard.ActorUser, ActorUserID: "usr-admin", After: mail},
		{Type: switchboard.EventInstanceAdded, ActorType: switchboard.ActorUser, ActorUserID: "usr-owner", After: posCanal},
		{Type: switchboard.EventScopesUpdated, ActorType: switchboard.ActorUser, ActorUserID: "usr-admin", Before: posRead, After: posRW},
		{Type: switchboard.EventReinstalled, ActorType: switchboard.ActorUser, ActorUserID: "usr-admin", Before: posRead, After: posRW},
		{Type: switchboard.EventBlocked, ActorType: switchboard.ActorUser, ActorUserID: "usr-owner", Reason: `=HYPERLINK("http://evil.test","x")`, Before: mail, After: &mailBlocked},
		{Type: switchboard.EventUnblocked, ActorType: switchboard.ActorSystem, Before: &mailBlocked, After: mail},
		{Type: switchboard.EventErroring, ActorType: switchboard.ActorSystem, Reason: "@SUM(1) 5xx above threshold", After: drop},
		{Type: switchboard.EventUninstalled, ActorType: switchboard.ActorApp, Before: drop},
		// No actor type: written before actor types existed, a user's.
		{Type: switchboard.EventInstalled, ActorUserID: "usr-member", After: bi},
	}
	ctx := context.Background()
	for i, e := range events {
		c := e.After
		if c == nil {
			c = e.Before
		}
		e.ID, e.AccountID, e.At = fmt.Sprintf("evt_%02d", i+1), demo.Account.ID, appLogAt(i+1)
		e.ConnectionID, e.AppID, e.LocationID = c.ID, c.AppID, c.LocationID
		if err := store.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	other := switchboard.AppEvent{ID: "evt_other", AccountID: "acc-other", Type: switchboard.EventInstalled, ConnectionID: "con_x",
		AppID: "orderline-pos", LocationID: "loc-other", ActorType: switchboard.ActorUser, ActorUserID: "usr-other", At: appLogAt(5),
		After: &switchboard.Connection{ID: "con_x", AccountID: "acc-other", AppID: "orderline-pos", AppName: "OrderLine POS", Scope: "location[orders.read]"}}
	if err := store.RecordEvent(ctx, other); err != nil {
		t.Fatal(err)
	}
}

// listAppLog follows the cursor from the first page, checking that every
// page but the last is full, and returns the events' ids.
func listAppLog(t *testing.T, h apigw.LambdaHandler, s signedIn, query string, limit int) []string {
	t.Helper()
	ids := []string{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("%s: the cursor never ends", query)
		}
		q, _ := url.ParseQuery(query)
		q.Set("limit", fmt.Sprint(limit))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp := callAs(t, h, s, http.MethodGet, "/admin/v1/app-log?"+q.Encode(), nil, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d %s", query, resp.StatusCode, resp.Body)
		}
		page := decode[api.AppLogPage](t, resp)
		for _, e := range page.Events {
			ids = append(ids, e.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		if len(page.Events) != limit {
			t.Errorf("%s: page %d holds %d events and a cursor, want a full page of %d", query, pages, len(page.Events), limit)
		}
		cursor = page.NextCursor
	}
}

func evts(ns ...int) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, fmt.Sprintf("evt_%02d", n))
	}
	return out
}

func TestAppLogFilters(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test") // any role reads the app log
	mustRecordAppLog(t, env)
	h := api.ListAppLogFunction(env)
	at := func(i int) string { return url.QueryEscape(appLogAt(i).Format(time.RFC3339)) }
	tests := []struct {
		query string
		want  []string
	}{
		{"", evts(10, 9, 8, 7, 6, 5, 4, 3, 2, 1)},
		{"type=installed", evts(10, 2, 1)},
		{"type=installed,blocked", evts(10, 6, 2, 1)},
		{"type=installed&type=blocked", evts(10, 6, 2, 1)},
		{"type=installed,installed", evts(10, 2, 1)},
		{"user=usr-admin", evts(5, 4, 2)},
		{"user=usr-member", evts(10)},
		{"app=orderline-pos", evts(5, 4, 3, 1)},
		{"location=loc-canal", evts(9, 8, 3)},
		{"connection=con_b", evts(7, 6, 2)},
		{"app=orderline-pos&location=loc-bastille", evts(5, 4, 1)},
		{"type=installed&app=mailbloom", evts(2)},
		{"type=scopes_updated,reinstalled&user=usr-admin&app=orderline-pos&location=loc-bastille", evts(5, 4)},
		{"from=" + at(3) + "&to=" + at(6), evts(5, 4, 3)},
		{"app=mailbloom&from=" + at(2), evts(7, 6, 2)},
		{"to=" + at(2), evts(1)},
		{"user=usr-nobody", evts()},
		{"app=orderline-pos&location=loc-canal&type=uninstalled", evts()},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			for _, limit := range []int{100, 3, 1} {
				if diff := cmp.Diff(tt.want, listAppLog(t, h, member, tt.query, limit)); diff != "" {
					t.Errorf("limit %d (-want +got):\n%s", limit, diff)
				}
			}
		})
	}
}

func TestAppLogEntries(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	mustRecordAppLog(t, env)
	resp := callAs(t, api.ListAppLogFunction(env), owner, http.MethodGet, "/admin/v1/app-log", nil, "")
	wantStatus(t, "list", resp, http.StatusOK, "")
	byID := map[string]api.AppLogEntry{}
	for _, e := range decode[api.AppLogPage](t, resp).Events {
		byID[e.ID] = e
	}
	want := map[string]api.AppLogEntry{
		"evt_04": {ID: "evt_04", Type: switchboard.EventScopesUpdated, At: appLogAt(4), ConnectionID: "con_a", AppID: "orderline-pos",
			AppName: "OrderLine POS", LocationID: "loc-bastille", Actor: api.AppLogActor{Type: switchboard.ActorUser, UserID: "usr-admin", Name: "Adam Admin"},
			ScopeBefore: "location[orders.read]", ScopeAfter: "location[orders.read,orders.write]"},
		"evt_07": {ID: "evt_07", Type: switchboard.EventUnblocked, At: appLogAt(7), ConnectionID: "con_b", AppID: "mailbloom", AppName: "MailBloom",
			Actor: api.AppLogActor{Type: switchboard.ActorSystem, Name: "Switchboard"}, ScopeBefore: "account[customers.read,orders.read]",
			ScopeAfter: "account[customers.read,orders.read]"},
		"evt_09": {ID: "evt_09", Type: switchboard.EventUninstalled, At: appLogAt(9), ConnectionID: "con_d", AppID: "speedydrop",
			AppName: "SpeedyDrop Delivery", LocationID: "loc-canal", Actor: api.AppLogActor{Type: switchboard.ActorApp, Name: "SpeedyDrop Delivery"},
			ScopeBefore: "location[orders.read]"},
		"evt_10": {ID: "evt_10", Type: switchboard.EventInstalled, At: appLogAt(10), ConnectionID: "con_e", AppID: "insight-bi", AppName: "Insight BI",
			InstanceLabel: "-2+3", Actor: api.AppLogActor{Type: switchboard.ActorUser, UserID: "usr-member", Name: "Mia Member"},
			ScopeAfter: "account[orders.read]"},
	}
	for id, w := range want {
		if diff := cmp.Diff(w, byID[id]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", id, diff)
		}
	}
}

func TestAppLogValidation(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	mustRecordAppLog(t, env)
	h := api.ListAppLogFunction(env)
	if resp := public(t, h, "", get("/admin/v1/app-log")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a session: status %d, want 401", resp.StatusCode)
	}
	tests := []struct{ query, wantMessage string }{
		{"type=bogus", `type "bogus" is not an app-log event type`},
		{"type=installed,Blocked", `type "Blocked" is not`},
		{"from=yesterday", "from must be an RFC 3339 time"},
		{"to=2026-13-01T00:00:00Z", "to must be an RFC 3339 time"},
		{"from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z", "from must be before to"},
		{"from=2026-10-01T00:00:00Z&to=2026-10-01T00:00:00Z", "from must be before to"},
		{"limit=0", "limit must be between 1 and 100"},
		{"limit=101", "limit must be between 1 and 100"},
		{"limit=ten", "limit must be an integer"},
		{"cursor=garbage", "cursor"},
		{"user=" + strings.Repeat("u", 129), "user must be an id of at most 128 characters"},
		{"app=%01", "app must be an id"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp := callAs(t, h, owner, http.MethodGet, "/admin/v1/app-log?"+tt.query, nil, "")
			wantStatus(t, tt.query, resp, http.StatusBadRequest, "invalid")
			if msg := decode[struct{ Error struct{ Message string } }](t, resp).Error.Message; !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("message %q, want it to say %q", msg, tt.wantMessage)
			}
		})
	}
}

func TestAppLogTenant(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	mustRecordAppLog(t, env)
	other := mustOtherAccountAdmin(t, env)
	h := api.ListAppLogFunction(env)
	if diff := cmp.Diff([]string{"evt_other"}, listAppLog(t, h, other, "", 50)); diff != "" {
		t.Errorf("the other account's log (-want +got):\n%s", diff)
	}
	if got := listAppLog(t, h, other, "app=orderline-pos&location=loc-bastille", 50); len(got) != 0 {
		t.Errorf("the other account filtering by the demo account's ids sees %v", got)
	}
	// A cursor of the demo account's log does not open it to another account.
	first := decode[api.AppLogPage](t, callAs(t, h, owner, http.MethodGet, "/admin/v1/app-log?limit=2", nil, ""))
	if first.NextCursor == "" {
		t.Fatal("no cursor after a page of 2")
	}
	resp := callAs(t, h, other, http.MethodGet, "/admin/v1/app-log?cursor="+url.QueryEscape(first.NextCursor), nil, "")
	wantStatus(t, "another account's cursor", resp, http.StatusBadRequest, "invalid")
}

// FuzzAppLogQuery feeds arbitrary query strings to the app-log listing and
// its export: whatever comes in, the answer is a 200 or a 4xx, never a 5xx,
// and a listing's body is JSON.
func FuzzAppLogQuery(f *testing.F) {
	for _, q := range []string{"", "type=installed", "type=installed,blocked&type=unblocked", "type=nope", "type=,,,",
		"user=usr-owner&app=orderline-pos&location=loc-bastille", "from=2026-10-01T00:00:00Z&to=2026-09-01T00:00:00Z",
		"from=yesterday", "to=2026-10-01T08:05:00%2B02:00", "limit=0", "limit=101", "limit=-1", "cursor=%%%", "cursor=eyJQSyI6IngifQ",
		"connection=con_a&limit=1", "app=" + strings.Repeat("x", 200)} {
		f.Add(q)
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	handlers := map[string]apigw.LambdaHandler{"/admin/v1/app-log": api.ListAppLogFunction(env), "/admin/v1/app-log/export": api.ExportAppLogFunction(env)}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for route, h := range handlers {
			fuzzSend(t, h, route, owner.get(route+"?"+rawQuery))
		}
	})
}

func exportAppLog(t *testing.T, h apigw.LambdaHandler, s signedIn, query string) (apigw.Response, [][]string) {
	t.Helper()
	resp := callAs(t, h, s, http.MethodGet, "/admin/v1/app-log/export?"+query, nil, "")
	if resp.StatusCode != http.StatusOK {
		return resp, nil
	}
	rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: the export is not CSV: %v\n%s", query, err, resp.Body)
	}
	return resp, rows
}

// TestAppLogExportMatchesJSON: for each filter, the CSV holds the listing's
// events in the same order with the same fields, behind a header row.
func TestAppLogExportMatchesJSON(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	mustRecordAppLog(t, env)
	list, export := api.ListAppLogFunction(env), api.ExportAppLogFunction(env)
	header := []string{"at", "type", "app_id", "app_name", "location_id", "instance_label", "connection_id",
		"actor_type", "actor_user_id", "actor_name", "reason", "scope_before", "scope_after", "event_id"}
	for _, query := range []string{"", "type=installed,blocked", "app=orderline-pos&location=loc-bastille", "user=usr-admin",
		"from=" + url.QueryEscape(appLogAt(3).Format(time.RFC3339)), "user=usr-nobody"} {
		t.Run(query, func(t *testing.T) {
			page := decode[api.AppLogPage](t, callAs(t, list, member, http.MethodGet, "/admin/v1/app-log?limit=100&"+query, nil, ""))
			resp, rows := exportAppLog(t, export, member, query)
			wantStatus(t, "export", resp, http.StatusOK, "")
			if resp.Headers["Content-Type"] != "text/csv; charset=utf-8" || !strings.HasPrefix(resp.Headers["Content-Disposition"], `attachment; filename="app-log-`) {
				t.Errorf("headers %v", resp.Headers)
			}
			if resp.Headers["X-Export-Rows"] != fmt.Sprint(len(page.Events)) || resp.Headers["X-Export-Truncated"] != "false" {
				t.Errorf("X-Export-Rows %q, X-Export-Truncated %q; want %d, false", resp.Headers["X-Export-Rows"], resp.Headers["X-Export-Truncated"], len(page.Events))
			}
			want := [][]string{header}
			for _, e := range page.Events {
				want = append(want, []string{e.At.Format(time.RFC3339Nano), string(e.Type), e.AppID, e.AppName, e.LocationID,
					guarded(e.InstanceLabel), e.ConnectionID, string(e.Actor.Type), e.Actor.UserID, e.Actor.Name, guarded(e.Reason),
					e.ScopeBefore, e.ScopeAfter, e.ID})
			}
			if diff := cmp.Diff(want, rows); diff != "" {
				t.Errorf("CSV (-want +got):\n%s", diff)
			}
		})
	}
}

// guarded is what the export must write for a free-text cell: the text,
// behind a quote when a spreadsheet would take it for a formula.
func guarded(s string) string {
	switch {
	case strings.HasPrefix(s, "="), strings.HasPrefix(s, "+"), strings.HasPrefix(s, "-"), strings.HasPrefix(s, "@"):
		return "'" + s
	}
	return s
}

// TestAppLogExportFormulaInjection: cells that a spreadsheet would run are
// written as text.
func TestAppLogExportFormulaInjection(t *testing.T) {
	env := testenv.MustEnv(t)
	owner := mustSignIn(t, env, "owner@demo.test")
	mustRecordAppLog(t, env)
	_, rows := exportAppLog(t, api.ExportAppLogFunction(env), owner, "")
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[13]] = r
	}
	checks := []struct {
		id   string
		col  int
		want string
	}{
		{"evt_06", 10, `'=HYPERLINK("http://evil.test","x")`},
		{"evt_08", 10, "'@SUM(1) 5xx above threshold"},
		{"evt_10", 5, "'-2+3"},
		{"evt_03", 5, "Till 2"},
	}
	for _, c := range checks {
		if got := byID[c.id][c.col]; got != c.want {
			t.Errorf("%s column %s: %q, want %q", c.id, rows[0][c.col], got, c.want)
		}
	}
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
}

// TestAppLogExportLimit: an export cut at its row limit keeps the newest
// rows and says it was cut; one that fits exactly says it was not.
func TestAppLogExportLimit(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	mustRecordAppLog(t, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	p := switchboard.Principal{AccountID: demo.Account.ID, UserID: "usr-member", Role: switchboard.RoleMember}
	for _, tt := range []struct {
		query, rows, truncated string
		ids                    []string
	}{
		{"", "3", "true", evts(10, 9, 8)},
		{"app=orderline-pos", "3", "true", evts(5, 4, 3)},
		{"app=mailbloom", "3", "false", evts(7, 6, 2)},
		{"app=speedydrop", "2", "false", evts(9, 8)},
	} {
		req := get("/admin/v1/app-log/export?" + tt.query)
		resp, err := api.ExportAppLog(store, store, 3)(context.Background(), p, req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v %s", tt.query, resp.StatusCode, err, resp.Body)
		}
		openapicheck.Response(t, http.MethodGet, req.RawPath, req.RawQueryString, resp.StatusCode, resp.Headers, resp.Body)
		rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, r := range rows[1:] {
			ids = append(ids, r[13])
		}
		if !cmp.Equal(ids, tt.ids) || resp.Headers["X-Export-Rows"] != tt.rows || resp.Headers["X-Export-Truncated"] != tt.truncated {
			t.Errorf("%q: rows %v, X-Export-Rows %s, X-Export-Truncated %s; want %v, %s, %s", tt.query, ids,
				resp.Headers["X-Export-Rows"], resp.Headers["X-Export-Truncated"], tt.ids, tt.rows, tt.truncated)
		}
	}
}

func TestAppLogExportValidationAndTenant(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSignIn(t, env, "owner@demo.test")
	mustRecordAppLog(t, env)
	other := mustOtherAccountAdmin(t, env)
	h := api.ExportAppLogFunction(env)
	if resp := public(t, h, "", get("/admin/v1/app-log/export")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a session: status %d, want 401", resp.StatusCode)
	}
	for _, q := range []string{"type=bogus", "from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z", "to=soon"} {
		resp, _ := exportAppLog(t, h, other, q)
		wantStatus(t, q, resp, http.StatusBadRequest, "invalid")
	}
	_, rows := exportAppLog(t, h, other, "")
	if len(rows) != 2 || rows[1][13] != "evt_other" {
		t.Errorf("the other account's export: %v", rows)
	}
}
