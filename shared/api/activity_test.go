package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboard-hq/switchboard/infra/demo"
	"github.com/switchboard-hq/switchboard/infra/testenv"
	"github.com/switchboard-hq/switchboard/shared/api"
	"github.com/switchboard-hq/switchboard/shared/apigw"
	"github.com/switchboard-hq/switchboard/shared/dynamo"
	"github.com/switchboard-hq/switchboard/shared/platform"
	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// mustConnection stores a connection of the demo account.
func mustConnection(t *testing.T, store *dynamo.Store, id, appID, locationID, scope string, status switchboard.ConnectionStatus, connectedAt time.Time) switchboard.Connection {
	t.Helper()
	level := switchboard.LevelLocation
	if locationID == "" {
		level = switchboard.LevelAccount
	}
	c := switchboard.Connection{ID: id, AccountID: demo.Account.ID, LocationID: locationID, AppID: appID, AppName: appID, Level: level,
		Scope: scope, Status: status, ConnectedBy: "usr-owner", ConnectedAt: connectedAt, UpdatedAt: connectedAt, TokenHash: "h-" + id}
	if err := store.CreateConnection(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// mustCalls logs calls through a store whose clock says they were written
// at writtenAt, then runs the scheduled roll-up at rollUpAt.
func mustCalls(t *testing.T, env *platform.Env, writtenAt time.Time, calls ...switchboard.Call) {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(func() time.Time { return writtenAt })
	for _, c := range calls {
		if err := store.RecordCall(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
}

func mustRollUp(t *testing.T, env *platform.Env, at time.Time) switchboard.RollUpReport {
	t.Helper()
	store := dynamo.New(env.DynamoDB(), env.Config.TableName).WithClock(func() time.Time { return at })
	rep, err := api.RollUpCalls(store, func() time.Time { return at })(context.Background(), events.CloudWatchEvent{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func call(id, connectionID string, at time.Time, method string, status int) switchboard.Call {
	return switchboard.Call{RequestID: id, AccountID: demo.Account.ID, ConnectionID: connectionID, At: at, Resource: "orders",
		Method: method, Path: "/v1/locations/loc-bastille/orders", Status: status, LatencyMs: 30}
}

func TestConnectionActivity(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test") // any role reads activity
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC()
	mustConnection(t, store, "con_act", "orderline-pos", "loc-bastille", "location[orders.read,orders.write]", switchboard.ConnectionActive, now.AddDate(0, -2, 0))
	written := now.Add(-5 * time.Minute)
	var calls []switchboard.Call
	for i, s := range []int{200, 200, 201, 404, 429, 500} {
		calls = append(calls, call(fmt.Sprintf("req-%d", i), "con_act", written.Add(-time.Second), []string{"GET", "POST"}[i%2], s))
	}
	late := call("req-late", "con_act", now.AddDate(0, 0, -3), "GET", 200) // arrives now, made 3 days ago
	mustCalls(t, env, written, append(calls, late)...)
	mustRollUp(t, env, now)

	h := api.GetConnectionActivityFunction(env)
	resp := member.call(t, h, "GET", "/admin/v1/connections/con_act/activity", map[string]string{"connectionId": "con_act"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	a := mustDecode[switchboard.Activity](t, resp)
	if len(a.Days) != 30 || len(a.Hours) != 48 || a.TimeZone != demo.Account.TimeZone {
		t.Fatalf("%d days, %d hours, zone %s", len(a.Days), len(a.Hours), a.TimeZone)
	}
	paris, _ := time.LoadLocation(demo.Account.TimeZone)
	byDate := map[string]int64{}
	var sum int64
	for _, d := range a.Days {
		byDate[d.Date] = d.Total
		sum += d.Total
	}
	if sum != 7 || a.Totals.Total != 7 || a.Totals.S5xx != 1 || a.Totals.S429 != 1 || a.Totals.S2xx != 4 {
		t.Errorf("totals %+v (days add up to %d), want 7 calls", a.Totals, sum)
	}
	if got := byDate[written.In(paris).Format("2006-01-02")]; got < 6 {
		t.Errorf("the calls' day in Paris has %d calls: %v", got, byDate)
	}
	if got := byDate[late.At.In(paris).Format("2006-01-02")]; got != 1 && late.At.In(paris).Format("2006-01-02") != written.In(paris).Format("2006-01-02") {
		t.Errorf("the late call's day has %d calls, want 1", got)
	}
	var hourSum int64
	for _, p := range a.Hours {
		hourSum += p.Total
	}
	if hourSum != 6 {
		t.Errorf("the last 48 hours hold %d calls, want 6", hourSum)
	}
	if !slices.Equal(a.UsedScopes, []string{"orders.read", "orders.write"}) {
		t.Errorf("used scopes %v", a.UsedScopes)
	}

	for _, q := range []string{"0", "91", "x", "-1"} {
		r := member.call(t, h, "GET", "/admin/v1/connections/con_act/activity?days="+q, map[string]string{"connectionId": "con_act"}, nil)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("days=%s: %d %s", q, r.StatusCode, r.Body)
		}
	}
	other := mustOtherAccountAdmin(t, env)
	if r := other.call(t, h, "GET", "/admin/v1/connections/con_act/activity", map[string]string{"connectionId": "con_act"}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("another account: %d %s", r.StatusCode, r.Body)
	}
}

// TestRollUpRecordsErroringOnce: a connection that starts answering 5xx gets
// one `erroring` event in the app log, by the system, however often the
// roll-up runs while it keeps failing.
func TestRollUpRecordsErroringOnce(t *testing.T) {
	env := testenv.MustEnv(t)
	mustSeedDemo(t, env)
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC().Truncate(time.Minute)
	mustConnection(t, store, "con_err", "speedydrop", "loc-canal", "location[orders.read,orders.write]", switchboard.ConnectionActive, now.AddDate(0, -1, 0))
	mustConnection(t, store, "con_ok", "insight-bi", "", "account[catalog.read,orders.read]", switchboard.ConnectionActive, now.AddDate(0, -1, 0))
	for round := range 3 {
		written := now.Add(time.Duration(round*5) * time.Minute)
		var calls []switchboard.Call
		for i := range 4 {
			calls = append(calls, call(fmt.Sprintf("err-%d-%d", round, i), "con_err", written.Add(-time.Second), "POST", 503))
			calls = append(calls, call(fmt.Sprintf("ok-%d-%d", round, i), "con_ok", written.Add(-time.Second), "GET", 200))
		}
		calls = append(calls, call(fmt.Sprintf("one-%d", round), "con_ok", written.Add(-time.Second), "GET", 500))
		mustCalls(t, env, written, calls...)
		mustRollUp(t, env, written.Add(3*time.Minute))
	}
	page, err := store.ListEvents(context.Background(), demo.Account.ID, switchboard.AppEventFilter{Types: []switchboard.AppEventType{switchboard.EventErroring}}, switchboard.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 {
		t.Fatalf("%d erroring events, want 1: %+v", len(page.Events), page.Events)
	}
	e := page.Events[0]
	if e.ConnectionID != "con_err" || e.ActorType != switchboard.ActorSystem || e.Reason == "" || e.AppID != "speedydrop" {
		t.Errorf("event %+v", e)
	}
}

func TestOverview(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	ctx := context.Background()
	now := time.Now().UTC()
	month := now.AddDate(0, -1, 0)
	mustConnection(t, store, "con_healthy", "insight-bi", "", "account[catalog.read,orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_failing", "speedydrop", "loc-canal", "location[orders.read,orders.write]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_reauth", "orderline-pos", "loc-bastille", "location[orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_silent", "stockwise", "loc-bastille", "location[catalog.read,catalog.write,orders.read]", switchboard.ConnectionActive, month)
	mustConnection(t, store, "con_blocked", "mailbloom", "", "account[customers.read,orders.read]", switchboard.ConnectionBlocked, month)
	mustConnection(t, store, "con_deaf", "clickeat", "loc-canal", "location[catalog.read,customers.write,orders.write]", switchboard.ConnectionActive, month)
	// con_deaf's app has refused its callbacks six times today (and once
	// two days ago, which no longer counts).
	var attempts []switchboard.DeliveryAttempt
	for i := range 6 {
		attempts = append(attempts, switchboard.DeliveryAttempt{At: now.Add(-time.Duration(i+1) * time.Hour), Trigger: "retry", Status: 500})
	}
	for i, d := range []switchboard.Delivery{
		{EventID: switchboard.NewEventID(now.Add(-7 * time.Hour)), Attempts: attempts},
		{EventID: switchboard.NewEventID(now.Add(-47 * time.Hour)), Attempts: []switchboard.DeliveryAttempt{{At: now.Add(-46 * time.Hour), Trigger: "first", Status: 503}}},
	} {
		d.Type, d.AccountID, d.AppID, d.ConnectionID, d.LocationID = "connection.blocked", demo.Account.ID, "clickeat", "con_deaf", "loc-canal"
		d.CreatedAt, d.URL, d.Body, d.State, d.AttemptCount = now.Add(-time.Duration(i)*time.Hour), "https://clickeat.example/events", "{}", switchboard.DeliveryPending, len(d.Attempts)
		if err := store.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	written := now.Add(-5 * time.Minute)
	var calls []switchboard.Call
	for i := range 10 {
		calls = append(calls, call(fmt.Sprintf("h-%d", i), "con_healthy", written.Add(-time.Second), "GET", 200))
		calls = append(calls, call(fmt.Sprintf("f-%d", i), "con_failing", written.Add(-time.Second), "GET", []int{200, 500}[i%2]))
	}
	mustCalls(t, env, written, calls...)
	mustRollUp(t, env, now)
	// The silent one called daily for two weeks, then stopped 8 days ago.
	for d := 8; d < 8+switchboard.BaselineDays; d++ {
		r := switchboard.RollUp{ConnectionID: "con_silent", Start: switchboard.DayStart(now.AddDate(0, 0, -d)), Counts: switchboard.Counts{Total: 40, S2xx: 40}}
		if err := store.SeedRollUp(ctx, demo.Account.ID, r, true); err != nil {
			t.Fatal(err)
		}
	}

	resp := member.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	o := mustDecode[switchboard.Overview](t, resp)
	ids := func(s switchboard.OverviewSection) []string {
		var out []string
		for _, c := range s.Connections {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	checks := []struct {
		name string
		got  switchboard.OverviewSection
		want []string
	}{
		{"connected", o.Connected, []string{"con_deaf", "con_failing", "con_healthy", "con_reauth", "con_silent"}},
		{"blocked", o.Blocked, []string{"con_blocked"}},
		{"erroring", o.Erroring, []string{"con_deaf", "con_failing"}},
		{"needs re-authorisation", o.NeedsReauth, []string{"con_reauth"}},
		{"silent", o.Silent, []string{"con_silent"}},
	}
	for _, c := range checks {
		if got := ids(c.got); !slices.Equal(got, c.want) || c.got.Count != len(c.want) {
			t.Errorf("%s: %v (count %d), want %v", c.name, got, c.got.Count, c.want)
		}
	}
	reasons := map[string]switchboard.Attention{}
	for _, a := range o.NeedsAttention {
		reasons[a.ConnectionID+" "+string(a.Reason)] = a
	}
	if a := reasons["con_failing erroring"]; a.ActionCode != "view_logs" || a.Message == "" {
		t.Errorf("erroring attention %+v", a)
	}
	if a := reasons["con_reauth needs_reauthorisation"]; !slices.Equal(a.MissingScopes, []string{"catalog.read", "customers.read", "orders.write"}) {
		t.Errorf("re-authorisation attention %+v", a)
	}
	if a, ok := reasons["con_deaf callback_failures"]; !ok || !strings.Contains(a.Message, "6 callbacks") {
		t.Errorf("callback failures attention %+v (all: %v)", a, reasons)
	}
	if len(o.NeedsAttention) != 4 {
		t.Errorf("needs attention %+v, want four entries", o.NeedsAttention)
	}
	// Another account's overview is empty.
	other := mustOtherAccountAdmin(t, env)
	r := other.call(t, api.GetOverviewFunction(env), "GET", "/admin/v1/overview", nil, nil)
	if o := mustDecode[switchboard.Overview](t, r); o.Connected.Count != 0 || len(o.NeedsAttention) != 0 {
		t.Errorf("other account: %s", r.Body)
	}
}

// FuzzActivityQuery sends arbitrary query strings and connection ids to the
// activity, rate-limit and overview routes: always a JSON non-5xx answer.
func FuzzActivityQuery(f *testing.F) {
	for _, s := range [][2]string{{"days=30", "con_x"}, {"days=", ""}, {"days=90", "con_x"}, {"days=9999999999999999999", "x"}, {"days=%%", "../.."}, {"days=1&days=2", "con_\x00"}} {
		f.Add(s[0], s[1])
	}
	env := testenv.MustEnv(f)
	owner := mustSignIn(f, env, "owner@demo.test")
	activity, overview, rates := api.GetConnectionActivityFunction(env), api.GetOverviewFunction(env), api.GetConnectionRateLimitsFunction(env)
	f.Fuzz(func(t *testing.T, rawQuery, connectionID string) {
		for _, r := range []struct {
			route string
			h     apigw.LambdaHandler
		}{{"/admin/v1/connections/{connectionId}/activity", activity}, {"/admin/v1/overview", overview}, {"/admin/v1/connections/{connectionId}/rate_limits", rates}} {
			req := owner.get("/admin/v1/connections/x/activity?" + rawQuery)
			if r.route != "/admin/v1/overview" {
				req.PathParameters = map[string]string{"connectionId": connectionID}
			}
			if resp := fuzzSend(t, r.h, r.route, req); !json.Valid([]byte(resp.Body)) {
				t.Fatalf("query %q id %q: %d %s", rawQuery, connectionID, resp.StatusCode, resp.Body)
			}
		}
	})
}

// TestActivityUsedIsAnswered2xx: calls refused 403 insufficient_scope do not
// make a permission "used"; the activity reports them as refused, through
// the roll-up the store keeps.
func TestActivityUsedIsAnswered2xx(t *testing.T) {
	env := testenv.MustEnv(t)
	member := mustSignIn(t, env, "member@demo.test")
	store := dynamo.New(env.DynamoDB(), env.Config.TableName)
	now := time.Now().UTC()
	mustConnection(t, store, "con_ref", "orderline-pos", "loc-bastille", "location[orders.read]", switchboard.ConnectionActive, now.AddDate(0, -1, 0))
	written := now.Add(-5 * time.Minute)
	ok := call("req-ok", "con_ref", written.Add(-time.Second), "GET", 200)
	write := call("req-write", "con_ref", written.Add(-time.Second), "POST", 403)
	write.Error = switchboard.EInsufficientScope
	customers := call("req-cust", "con_ref", written.Add(-time.Second), "GET", 403)
	customers.Resource, customers.Path, customers.Error = "customers", "/v1/customer_lists/cl-1/customers", switchboard.EInsufficientScope
	mustCalls(t, env, written, ok, write, customers)
	mustRollUp(t, env, now)

	resp := member.call(t, api.GetConnectionActivityFunction(env), "GET", "/admin/v1/connections/con_ref/activity", map[string]string{"connectionId": "con_ref"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	a := mustDecode[switchboard.Activity](t, resp)
	if !slices.Equal(a.UsedScopes, []string{"orders.read"}) {
		t.Errorf("used scopes %v, want orders.read only (the others were refused)", a.UsedScopes)
	}
	if !slices.Equal(a.RefusedScopes, []string{"customers.read", "orders.write"}) {
		t.Errorf("refused scopes %v", a.RefusedScopes)
	}
}
